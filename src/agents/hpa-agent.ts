import { ConfigError } from '../env/errors.js';
import type { Action, StepInfo } from '../env/types.js';
import { actionForReplicas, type Agent } from './agent.js';
import type { AgentContext } from '../env/types.js';
import { HpaOptionsSchema, resolveBehavior, type HpaOptions, type HpaOptionsInput } from './hpa/hpa-config.js';
import { HpaController, type HpaDecision } from './hpa/hpa-controller.js';
import type { AggregateMetrics } from './hpa/replica-calculator.js';
import { parse } from '../env/parse.js';

/**
 * The Kubernetes Horizontal Pod Autoscaler as an agent: the real algorithm (hpa/), fed from the
 * env's named observation, reconciling on its own sync period of simulated time.
 *
 * Mapping from the observation (documented in docs/agents.md):
 * - currentReplicas = `desired` (the target's spec.replicas, as the controller reads it)
 * - ready pods with metrics = `ready` minus the pods first seen Ready less than
 *   `readyMetricsDelaySeconds` ago (the controller ignores a new pod's CPU until a full metric
 *   window after its readiness); unready pods = desired - those (Pending, starting, too new)
 * - CPU utilisation of the ready pods = `utilisation` (service utilisation of ready replicas,
 *   0..1; the CPU a pod burns is taken to be proportional to the requests it serves)
 * - metrics are never missing in simulation, so the "missing metrics" branch is not exercised
 *   by the env (it is by the unit tests).
 */
export class HpaAgent implements Agent {
  readonly name = 'hpa';
  readonly options: HpaOptions;
  private readonly controller: HpaController;
  private nextSyncS = Number.NEGATIVE_INFINITY;
  private held: number | undefined;
  private lastDecision: HpaDecision | undefined;
  private readonly metrics: AggregateMetrics = { readyWithMetrics: 0, readyUsage: 0, readyRequest: 0, unready: 0, missing: 0, podRequest: 1 };
  /** When each currently Ready pod was first seen Ready (simulated s), oldest first; -Infinity at reset. */
  private readySince: number[] = [];
  private started = false;

  constructor(
    private readonly ctx: AgentContext,
    options: HpaOptionsInput = {},
  ) {
    this.options = parse(HpaOptionsSchema, options, (issue) =>
      new ConfigError(['hpa', ...issue.path.map(String)].join('.'), issue.message, { hint: 'see docs/agents.md for the HPA options (autoscaling/v2 names)' }),
    );
    const range = hpaDefaultRange(ctx);
    const min = this.options.minReplicas ?? range.minReplicas;
    const max = this.options.maxReplicas ?? range.maxReplicas;
    if (min > max) throw new ConfigError('hpa.minReplicas', `expected minReplicas <= maxReplicas, got ${min} > ${max}`);
    // The env clips every action to its own range: an HPA range beyond it would be silently narrowed.
    if (max > ctx.maxReplicas) {
      throw new ConfigError('hpa.maxReplicas', `expected at most the env's maxReplicas ${ctx.maxReplicas}, got ${max}`, { hint: `widen the env's range (--max-replicas ${max})` });
    }
    if (this.options.minReplicas !== undefined && min < ctx.minReplicas) {
      throw new ConfigError('hpa.minReplicas', `expected at least the env's minReplicas ${ctx.minReplicas}, got ${min}`, { hint: `widen the env's range (--min-replicas ${min})` });
    }
    this.controller = new HpaController(resolveBehavior(this.options), min, max, this.options.targetUtilisation);
  }

  /** A fresh HPA per episode: no recommendation history, no scale events. */
  reset(_seed: number): void {
    this.controller.reset();
    this.nextSyncS = Number.NEGATIVE_INFINITY;
    this.held = undefined;
    this.lastDecision = undefined;
    this.readySince = [];
    this.started = false;
  }

  /** Track Ready pods by when they were first seen, and count those whose CPU the controller would use. */
  private readyWithMetrics(ready: number, nowS: number): number {
    const since = this.readySince;
    // The episode's first observation: its pods have run long enough to have metrics.
    const seenAt = this.started ? nowS : Number.NEGATIVE_INFINITY;
    this.started = true;
    while (since.length < ready) since.push(seenAt);
    // Fewer Ready pods: the newest go first (a ReplicaSet scales down the youngest pods first).
    if (since.length > ready) since.length = ready;
    const cutoff = nowS - this.options.readyMetricsDelaySeconds + 1e-6;
    let n = 0;
    for (const t of since) if (t <= cutoff) n++;
    return n;
  }

  /** Reconcile when a sync period has elapsed in simulated time; otherwise hold the last decision. */
  act(_observation: Float32Array, info: StepInfo): Action {
    const o = info.observation;
    const current = Math.round(o.desired);
    const ready = Math.max(0, Math.round(o.ready));
    const withMetrics = this.readyWithMetrics(ready, info.timeS);
    // Small epsilon: step times are sums of floats and must not miss a sync by a rounding error.
    if (info.timeS + 1e-6 >= this.nextSyncS) {
      this.metrics.readyWithMetrics = withMetrics;
      this.metrics.readyUsage = withMetrics * Math.max(0, o.utilisation);
      this.metrics.readyRequest = withMetrics;
      this.metrics.unready = Math.max(0, current - withMetrics);
      this.lastDecision = this.controller.reconcile(info.timeS, { currentReplicas: current, metrics: this.metrics });
      this.held = this.lastDecision.replicas;
      this.nextSyncS = (Number.isFinite(this.nextSyncS) ? this.nextSyncS : info.timeS) + this.options.syncPeriodSeconds;
      // If the env steps slower than the sync period, resynchronise rather than reconcile in a burst on stale metrics.
      if (this.nextSyncS <= info.timeS) this.nextSyncS = info.timeS + this.options.syncPeriodSeconds;
    }
    return actionForReplicas(this.ctx, current, this.held ?? current);
  }

  /** The last reconcile's numbers (recommendation, stabilised value, limiting reason). */
  get decision(): HpaDecision | undefined {
    return this.lastDecision;
  }

  describe(): Record<string, unknown> {
    return { agent: this.name, ...this.options, minReplicas: this.controller.minReplicas, maxReplicas: this.controller.maxReplicas };
  }
}

/** The HPA's replica range when its options set none: the env's, with at least one replica (an HPA never scales to 0). */
export function hpaDefaultRange(ctx: AgentContext): { minReplicas: number; maxReplicas: number } {
  return { minReplicas: Math.min(ctx.maxReplicas, Math.max(1, ctx.minReplicas)), maxReplicas: ctx.maxReplicas };
}
