import { Box } from './spaces.js';
import { OBSERVATION_FIELDS, type NamedObservation } from './types.js';

/**
 * The observation: a named view in physical units (for logs and rule-based agents) and its
 * normalised `Float32Array` (for learners), in the order of OBSERVATION_FIELDS:
 *
 *   field          physical unit                 normalised as                    box
 *   desired        replicas                      / maxReplicas                    [0, 1]
 *   ready          replicas                      / maxReplicas                    [0, 1]
 *   pending        replicas (unscheduled)        / maxReplicas                    [0, 1]
 *   terminating    replicas                      / maxReplicas, clipped           [0, 2]
 *   utilisation    0..1                          as is                            [0, 1]
 *   demand         requests/s                    / (maxReplicas x perReplicaRps)  [0, 4] clipped
 *   demandTrend    requests/s change over the    / (maxReplicas x perReplicaRps)  [-4, 4] clipped
 *                  last stepSeconds
 *   freeCpu        cores free in the cluster     / allocatable cluster cores      [0, 1]
 *   traceProgress  0..1 (time / trace duration)  as is, clipped                   [0, 1]
 */

const LOW = [0, 0, 0, 0, 0, 0, -4, 0, 0];
const HIGH = [1, 1, 1, 2, 1, 4, 4, 1, 1];

/** Number of observation components. */
export const OBSERVATION_SIZE = OBSERVATION_FIELDS.length;

/** The observation space (the same for every env). */
export function observationBox(): Box {
  return new Box(LOW, HIGH);
}

/** A zeroed named observation, to allocate once and reuse. */
export function emptyNamedObservation(): NamedObservation {
  return {
    desired: 0,
    ready: 0,
    pending: 0,
    terminating: 0,
    utilisation: 0,
    demand: 0,
    demandTrend: 0,
    freeCpu: 0,
    traceProgress: 0,
  };
}

/** Copy every field of `from` into `to`, field by field (Object.assign boxes the doubles it moves). */
export function copyNamedObservation(from: Readonly<NamedObservation>, to: NamedObservation): void {
  to.desired = from.desired;
  to.ready = from.ready;
  to.pending = from.pending;
  to.terminating = from.terminating;
  to.utilisation = from.utilisation;
  to.demand = from.demand;
  to.demandTrend = from.demandTrend;
  to.freeCpu = from.freeCpu;
  to.traceProgress = from.traceProgress;
}

function clip(v: number, lo: number, hi: number): number {
  // NaN maps to lo so a bad input never leaks a non-finite value into a learner.
  return v > hi ? hi : v >= lo ? v : lo;
}

/** Normalises named observations into Float32Arrays (scales fixed at construction). */
export class ObservationEncoder {
  private readonly replicaScale: number;
  private readonly demandScale: number;

  constructor(maxReplicas: number, perReplicaRps: number) {
    this.replicaScale = 1 / maxReplicas;
    this.demandScale = 1 / (maxReplicas * perReplicaRps);
  }

  /** Write the normalised form of `n` into `out` (length OBSERVATION_SIZE, or an offset view). */
  encode(n: Readonly<NamedObservation>, clusterCpu: number, out: Float32Array, offset = 0): void {
    const r = this.replicaScale;
    const d = this.demandScale;
    out[offset] = clip(n.desired * r, 0, 1);
    out[offset + 1] = clip(n.ready * r, 0, 1);
    out[offset + 2] = clip(n.pending * r, 0, 1);
    out[offset + 3] = clip(n.terminating * r, 0, 2);
    out[offset + 4] = clip(n.utilisation, 0, 1);
    out[offset + 5] = clip(n.demand * d, 0, 4);
    out[offset + 6] = clip(n.demandTrend * d, -4, 4);
    out[offset + 7] = clusterCpu > 0 ? clip(n.freeCpu / clusterCpu, 0, 1) : 0;
    out[offset + 8] = clip(n.traceProgress, 0, 1);
  }

  /** Physical value of a normalised replica component (desired, ready, pending, terminating). */
  replicas(normalised: number): number {
    return normalised / this.replicaScale;
  }

  /** Physical value of a normalised demand component (demand, demandTrend). */
  rps(normalised: number): number {
    return normalised / this.demandScale;
  }
}
