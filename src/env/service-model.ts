import type { DemandSeries } from './demand.js';
import type { ServiceOptions } from './options.js';
import type { ServiceReport } from './types.js';

/**
 * The service model: how well the controlled deployment's ready replicas serve the demand.
 *
 * Each ready replica is an M/M/1 queue with service rate mu = `perReplicaRps`, and the load
 * balancer splits the demand lambda evenly, so with r ready replicas:
 *   capacity  C = r * mu                       (requests/s)
 *   served    = min(lambda, C),  unmet = lambda - served
 *   rho       = lambda / C                     (utilisation; 1 when r = 0 and lambda > 0)
 *   latency   W = 1 / (mu - lambda/r) = 1 / (mu (1 - rho))   for rho < 1 (M/M/1 sojourn time),
 *               capped at `maxLatencyMs` (a timeout); W = maxLatencyMs when rho >= 1.
 * The SLO penalty rate of an instant is unmetFraction + latencyExcess, where
 *   unmetFraction = unmet / lambda,  latencyExcess = clamp((W - slo) / (max - slo), 0, 1),
 * so it is 0 when the SLO holds, 1 at the latency cap, up to 2 when most requests are lost.
 * Everything is integrated exactly over the segments where ready replicas and demand are
 * constant; the report holds time means (and the integrals the reward needs).
 *
 * An instant counts as violating (`violationS`) when requests go unmet or W exceeds the SLO
 * by more than `SLO_RELATIVE_TOLERANCE` of it. Why a tolerance: trace-derived demand puts
 * rho exactly at the target utilisation whenever replicas match the recording, and there the
 * SLO is met to the last bit in exact arithmetic but W comes out as 100.00000000000001 ms
 * against 100 ms in floating point; without it such instants were most of the "violations".
 * The penalty rate is continuous in W, so it needs no tolerance (its excess there is ~1e-16).
 */
/** Latency within this fraction of the SLO above it still meets the SLO (float noise, not a violation). */
export const SLO_RELATIVE_TOLERANCE = 1e-9;

export class ServiceAccumulator {
  private mu: number;
  private sloMs: number;
  /** The SLO plus its tolerance: latency above this is a violation. */
  private sloLimitMs: number;
  private maxMs: number;
  private podCpu = 0;
  private t0 = 0;
  private dt = 0;
  private demandInt = 0;
  private servedInt = 0;
  private utilInt = 0;
  private latencyInt = 0;
  private penaltyInt = 0;
  private violationS = 0;
  private cpuInt = 0;
  /** Latency of the last interval addConstant added, ms. */
  lastLatencyMs = 0;

  constructor(
    opts: ServiceOptions,
    private readonly demand: DemandSeries,
  ) {
    this.mu = opts.perReplicaRps;
    this.sloMs = opts.sloLatencyMs;
    this.sloLimitMs = opts.sloLatencyMs * (1 + SLO_RELATIVE_TOLERANCE);
    this.maxMs = opts.maxLatencyMs;
  }

  /** Start a window at `t0`; `podCpu` is the controlled pods' CPU request (for cost). */
  begin(t0: number, podCpu: number): void {
    this.t0 = t0;
    this.podCpu = podCpu;
    this.dt = 0;
    this.demandInt = 0;
    this.servedInt = 0;
    this.utilInt = 0;
    this.latencyInt = 0;
    this.penaltyInt = 0;
    this.violationS = 0;
    this.cpuInt = 0;
  }

  /** Add [t0, t1) with `ready` replicas serving and `held` pods holding CPU. */
  add(t0: number, t1: number, ready: number, held: number): void {
    if (!(t1 > t0)) return;
    this.cpuInt += held * this.podCpu * (t1 - t0);
    const demand = this.demand;
    let t = t0;
    while (t < t1) {
      const i = demand.pieceAt(t);
      const end = Math.min(t1, demand.pieceEnd(i));
      this.addConstant(end - t, demand.values[i]!, ready);
      t = end;
    }
  }

  /**
   * Add `dt` seconds of constant demand `lambda` on `ready` replicas (no CPU: see addHeld);
   * the interval's latency is left in `lastLatencyMs`. The call-graph model feeds it each
   * service's demand as its callers served it.
   */
  addConstant(dt: number, lambda: number, ready: number): void {
    const cap = ready * this.mu;
    let served: number;
    let rho: number;
    let latency: number;
    if (lambda <= 0) {
      served = 0;
      rho = 0;
      latency = ready > 0 ? 1000 / this.mu : 0;
    } else if (ready <= 0) {
      served = 0;
      rho = 1;
      latency = this.maxMs;
    } else {
      rho = lambda / cap;
      if (rho >= 1) {
        served = cap;
        rho = 1;
        latency = this.maxMs;
      } else {
        served = lambda;
        latency = Math.min(this.maxMs, 1000 / (this.mu * (1 - rho)));
      }
    }
    const unmetFraction = lambda > 0 ? (lambda - served) / lambda : 0;
    let excess = (latency - this.sloMs) / (this.maxMs - this.sloMs);
    excess = excess > 1 ? 1 : excess > 0 ? excess : 0;
    this.dt += dt;
    this.demandInt += lambda * dt;
    this.servedInt += served * dt;
    this.utilInt += rho * dt;
    this.latencyInt += latency * dt;
    this.penaltyInt += (unmetFraction + excess) * dt;
    if (unmetFraction > 0 || latency > this.sloLimitMs) this.violationS += dt;
    // A field, not a return value: a double returned from a call V8 does not inline is boxed.
    this.lastLatencyMs = latency;
  }

  /** Add `dt` seconds of `held` pods holding CPU (the cost side of `add`). */
  addHeld(dt: number, held: number): void {
    this.cpuInt += held * this.podCpu * dt;
  }

  /** Write the window's means into `out` (no allocation). */
  finish(out: ServiceReport): void {
    const dt = this.dt;
    out.windowS = dt;
    if (dt > 0) {
      out.demand = this.demandInt / dt;
      out.served = this.servedInt / dt;
      out.unmet = Math.max(0, out.demand - out.served);
      out.utilisation = this.utilInt / dt;
      out.latencyMs = this.latencyInt / dt;
    } else {
      out.demand = 0;
      out.served = 0;
      out.unmet = 0;
      out.utilisation = 0;
      out.latencyMs = 0;
    }
    out.sloPenaltyS = this.penaltyInt;
    out.violationS = this.violationS;
    out.sloViolated = this.violationS > 0;
    out.cpuSeconds = this.cpuInt;
  }

  /** Start time of the current window. */
  get windowStart(): number {
    return this.t0;
  }
}

/** Utilisation of `ready` replicas under `lambda` requests/s (the instantaneous rho). */
export function instantUtilisation(lambda: number, ready: number, perReplicaRps: number): number {
  if (lambda <= 0) return 0;
  if (ready <= 0) return 1;
  const rho = lambda / (ready * perReplicaRps);
  return rho >= 1 ? 1 : rho;
}

/** A zeroed report, to allocate once and reuse. */
export function emptyServiceReport(): ServiceReport {
  return {
    demand: 0,
    served: 0,
    unmet: 0,
    utilisation: 0,
    latencyMs: 0,
    sloViolated: false,
    cpuSeconds: 0,
    windowS: 0,
    sloPenaltyS: 0,
    violationS: 0,
  };
}

/** Copy every field of `from` into `to`, field by field (Object.assign boxes the doubles it moves). */
export function copyServiceReport(from: Readonly<ServiceReport>, to: ServiceReport): void {
  to.demand = from.demand;
  to.served = from.served;
  to.unmet = from.unmet;
  to.utilisation = from.utilisation;
  to.latencyMs = from.latencyMs;
  to.sloViolated = from.sloViolated;
  to.cpuSeconds = from.cpuSeconds;
  to.windowS = from.windowS;
  to.sloPenaltyS = from.sloPenaltyS;
  to.violationS = from.violationS;
}

/** Zero `s` in place (an episode's start: no window yet); the env then sets the demand now. */
export function zeroServiceReport(s: ServiceReport): void {
  s.demand = 0;
  s.served = 0;
  s.unmet = 0;
  s.utilisation = 0;
  s.latencyMs = 0;
  s.sloViolated = false;
  s.cpuSeconds = 0;
  s.windowS = 0;
  s.sloPenaltyS = 0;
  s.violationS = 0;
}
