import type { DemandSeries } from '../demand.js';
import type { StartupLatency } from '../options.js';
import type { Rng } from '../rng.js';
import type { TraceModel, Workload } from '../trace/trace-model.js';

/**
 * The contract between SimEnv and a cluster. SimEnv owns the episode, demand, service model
 * and reward; a backend owns only the cluster: objects, nodes, pods, scheduling, time.
 *
 * Methods return `void` on a synchronous backend (memory) and a Promise on an asynchronous
 * one (kube); `synchronous` says which, so SimEnv can offer a sync `step()` where it can.
 */
export interface ClusterBackend {
  readonly kind: 'memory' | 'kube';
  readonly synchronous: boolean;

  /**
   * Start an episode: rebuild the cluster as the trace has it at `startTimeS` (simulated
   * seconds since the trace's first event), with the controlled deployment at
   * `initialReplicas`. Everything stochastic draws from `rng` (one PRNG per episode).
   */
  reset(params: BackendResetParams): void | Promise<void>;

  /**
   * Set a controlled deployment's desired replicas (the agent's action), effective now.
   * `index` picks the deployment in `BackendContext.controlledAll` (default 0, the only one
   * of a single-deployment env).
   */
  setDesiredReplicas(replicas: number, index?: number): void | Promise<void>;

  /**
   * Advance simulated time to `timeS`, applying trace events and cluster dynamics on the way.
   * Calls `onSegment` once per interval over which the controlled deployment's ready and
   * desired counts were constant (in time order, covering the whole advance), so the service
   * model can integrate exactly. Must not allocate per call on the memory backend.
   */
  advanceTo(timeS: number, onSegment?: SegmentSink): void | Promise<void>;

  /**
   * Fill `out` with the current state (reuses the caller's object; no allocation); the
   * controlled-deployment fields describe controlled deployment `index` (default 0).
   */
  snapshot(out: ClusterSnapshot, index?: number): void;

  /**
   * Fill `ready[i]` and `held[i]` with controlled deployment i's ready pods and pods holding
   * CPU, now (for several controlled deployments: a segment sink reads them). Backends that
   * control one deployment only may omit it.
   */
  readControlled?(ready: Int32Array, held: Int32Array): void;

  /**
   * `advanceTo` for an env that controls several deployments, without a double crossing a
   * call (V8 boxes a double argument of a call it does not inline: an allocation per call):
   * advance to `times[ADVANCE_TARGET]`; for each constant segment of the controlled
   * deployments write its bounds to `times[ADVANCE_T0]`, `times[ADVANCE_T1]` and call
   * `onSegment()` (which reads the counts with `readControlled`). Synchronous backends that
   * control several deployments provide it (memory); the env falls back to `advanceTo`.
   */
  advanceControlled?(times: Float64Array, onSegment: () => void): void;

  /**
   * Every controlled deployment's own fields of `snapshot` at once (entry i: deployment i),
   * without a call per deployment. Optional (memory); the env falls back to `snapshot`.
   */
  readControlledState?(out: ControlledState): void;

  /** Release everything (the kube backend deletes what it created). Idempotent. */
  close(): Promise<void>;
}

/** Slots of the `times` array of `ClusterBackend.advanceControlled`. */
export const ADVANCE_TARGET = 0;
export const ADVANCE_T0 = 1;
export const ADVANCE_T1 = 2;

export interface BackendResetParams {
  startTimeS: number;
  initialReplicas: number;
  /** With several controlled deployments: the initial replicas of each (index 0 equals `initialReplicas`). */
  initialReplicasOf?: ArrayLike<number>;
  rng: Rng;
}

/**
 * Called for each constant interval [t0, t1) of the controlled deployment's state (with several
 * controlled deployments: of all of them; the arguments describe index 0, `readControlled`
 * the others). `held` is
 * the number of its pods holding CPU on a node (scheduled: starting, ready or terminating),
 * for the cost model; a backend that cannot tell may omit it (the env then uses `ready`).
 * `pending` is the number of its pods not yet scheduled, for timelines (compare).
 */
export type SegmentSink = (t0: number, t1: number, ready: number, desired: number, held?: number, pending?: number) => void;

/** The cluster as the env observes it; a plain mutable record reused across steps. */
export interface ClusterSnapshot {
  /** Simulated seconds since the trace's first event. */
  timeS: number;
  /** Controlled deployment: desired replicas (spec.replicas). */
  desired: number;
  /** Pods that are Ready. */
  ready: number;
  /** Pods not yet scheduled (Pending, no node). */
  pending: number;
  /** Pods scheduled but not yet Ready (starting up). */
  starting: number;
  /** Pods terminating (within their grace period). */
  terminating: number;
  /** CPU request per pod of the controlled deployment, cores. */
  podCpu: number;
  /** Cluster-wide allocatable CPU over schedulable nodes, cores. */
  clusterCpu: number;
  /** Cluster-wide CPU requested by scheduled pods, cores. */
  clusterCpuRequested: number;
  /** Pods in the cluster not yet scheduled (all workloads). */
  clusterPending: number;
}

/** The fields of ClusterSnapshot that describe a controlled deployment, for each of several (index i: deployment i). */
export interface ControlledState {
  readonly desired: Int32Array;
  readonly ready: Int32Array;
  readonly pending: Int32Array;
  readonly starting: Int32Array;
  readonly terminating: Int32Array;
  /** CPU request per pod, cores. */
  readonly podCpu: Float64Array;
}

/** A zeroed ControlledState for `n` deployments, to allocate once and reuse. */
export function emptyControlledState(n: number): ControlledState {
  return {
    desired: new Int32Array(n),
    ready: new Int32Array(n),
    pending: new Int32Array(n),
    starting: new Int32Array(n),
    terminating: new Int32Array(n),
    podCpu: new Float64Array(n),
  };
}

/** A zeroed snapshot, to allocate once and reuse. */
export function emptySnapshot(): ClusterSnapshot {
  return {
    timeS: 0,
    desired: 0,
    ready: 0,
    pending: 0,
    starting: 0,
    terminating: 0,
    podCpu: 0,
    clusterCpu: 0,
    clusterCpuRequested: 0,
    clusterPending: 0,
  };
}

/** What every backend is built from (SimEnv.create builds it once, after validating options). */
export interface BackendContext {
  model: TraceModel;
  /** The deployment the agent controls (the first one when it controls several). */
  controlled: Workload;
  /** Every controlled deployment, `controlled` first (absent: only `controlled`). */
  controlledAll?: readonly Workload[];
  /** The trace file, when the trace came from a file (SimKube mode mounts it). */
  tracePath?: string;
  /** Where a backend reports the choices it made and its progress; never the console directly. */
  log: (message: string) => void;
  /** The demand model, for a backend that publishes pod resource usage (kube: KWOK's usage annotation). */
  load?: ServiceLoad;
  /** The env's start-up latency distribution (memory draws it itself; kube through KWOK stage delays). */
  startupLatency?: StartupLatency;
}

/** The demand on the controlled workload and what one ready replica serves at 100% utilisation. */
export interface ServiceLoad {
  demand: DemandSeries;
  perReplicaRps: number;
}

/**
 * The kube backend's factory, loaded lazily by SimEnv.create so the memory path never loads
 * @kubernetes/client-node. `options` is the env's `kube` options object, validated by the
 * kube module's own zod schema; it runs preflight before creating anything.
 */
export type KubeBackendFactory = (ctx: BackendContext, options: unknown) => Promise<ClusterBackend>;
