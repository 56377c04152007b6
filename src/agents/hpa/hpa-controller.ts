import type { HpaBehavior, HpaScalingRules } from './hpa-config.js';
import { calculateReplicas, type AggregateMetrics, type ReplicaCalculation } from './replica-calculator.js';

/**
 * One HorizontalPodAutoscaler's reconcile loop, ported from kube-controller-manager
 * (pkg/controller/podautoscaler/horizontal.go: reconcileAutoscaler,
 * normalizeDesiredReplicasWithBehaviors, stabilizeRecommendationWithBehaviors,
 * convertDesiredReplicasWithBehaviorRate). Time is simulated seconds passed by the caller,
 * never the wall clock, so runs are reproducible.
 */

interface TimedRecommendation {
  replicas: number;
  timeS: number;
}

interface ScaleEvent {
  change: number;
  timeS: number;
}

/** What one reconcile decided, with the intermediate numbers (for logs and tests). */
export interface HpaDecision {
  /** The replica count the HPA sets (equal to current when it does not rescale). */
  replicas: number;
  /** Whether the HPA would write the scale subresource. */
  rescale: boolean;
  /** The metric's recommendation before stabilisation and rate limits. */
  recommendation: number;
  /** After the stabilisation window. */
  stabilized: number;
  calculation?: ReplicaCalculation;
  /** Kubernetes' condition reason, e.g. ScaleDownStabilized, ScaleUpLimit, TooFewReplicas. */
  limitedBy?: string;
}

/** Inputs of one reconcile: the target's spec.replicas and its pods' metrics. */
export interface HpaObservation {
  /** scale.spec.replicas of the target. */
  currentReplicas: number;
  metrics: AggregateMetrics;
}

/** The HPA control loop for one target; call `reconcile` once per sync period. */
export class HpaController {
  private recommendations: TimedRecommendation[] = [];
  private scaleUpEvents: ScaleEvent[] = [];
  private scaleDownEvents: ScaleEvent[] = [];

  constructor(
    readonly behavior: HpaBehavior,
    readonly minReplicas: number,
    readonly maxReplicas: number,
    readonly targetPercent: number,
  ) {}

  /** Forget all history (a freshly created HPA). */
  reset(): void {
    this.recommendations = [];
    this.scaleUpEvents = [];
    this.scaleDownEvents = [];
  }

  /** One reconcileAutoscaler pass at simulated time `nowS`. */
  reconcile(nowS: number, obs: HpaObservation): HpaDecision {
    const current = obs.currentReplicas;
    // recordInitialRecommendation: a new HPA's window starts with the current scale, so it does
    // not scale down the moment it is created.
    if (this.recommendations.length === 0) this.recommendations.push({ replicas: current, timeS: nowS });

    let desired: number;
    let calculation: ReplicaCalculation | undefined;
    let limitedBy: string | undefined;
    let recommendation: number;
    let stabilized: number;
    if (current === 0 && this.minReplicas !== 0) {
      // Scaling is disabled while the target is scaled to zero.
      return { replicas: 0, rescale: false, recommendation: 0, stabilized: 0, limitedBy: 'ScalingDisabled' };
    } else if (current > this.maxReplicas) {
      desired = recommendation = stabilized = this.maxReplicas;
      limitedBy = 'TooManyReplicas';
    } else if (current < this.minReplicas) {
      desired = recommendation = stabilized = this.minReplicas;
      limitedBy = 'TooFewReplicas';
    } else {
      const t = { up: this.behavior.scaleUp.tolerance, down: this.behavior.scaleDown.tolerance };
      calculation = calculateReplicas(current, this.targetPercent, t, obs.metrics);
      if (calculation.reason === 'no-metrics') {
        // FailedComputeMetricsReplicas: the reconcile errors out before normalisation.
        return { replicas: current, rescale: false, recommendation: current, stabilized: current, calculation, limitedBy: 'FailedGetResourceMetric' };
      }
      recommendation = Math.max(0, calculation.replicas);
      stabilized = this.stabilize(nowS, current, recommendation);
      if (stabilized !== recommendation) limitedBy = recommendation >= current ? 'ScaleUpStabilized' : 'ScaleDownStabilized';
      const limited = this.applyRateLimits(nowS, current, stabilized);
      desired = limited.replicas;
      if (limited.reason) limitedBy = limited.reason;
    }
    const rescale = desired !== current;
    if (rescale) this.storeScaleEvent(nowS, current, desired);
    return { replicas: rescale ? desired : current, rescale, recommendation, stabilized, calculation, limitedBy };
  }

  /** stabilizeRecommendationWithBehaviors: clamp between the min (up window) and max (down window) of recent recommendations. */
  private stabilize(nowS: number, current: number, desired: number): number {
    const upCutoff = nowS - this.behavior.scaleUp.stabilizationWindowSeconds;
    const downCutoff = nowS - this.behavior.scaleDown.stabilizationWindowSeconds;
    let up = desired;
    let down = desired;
    let oldIndex = -1;
    for (let i = 0; i < this.recommendations.length; i++) {
      const rec = this.recommendations[i]!;
      if (rec.timeS > upCutoff) up = Math.min(up, rec.replicas);
      if (rec.timeS > downCutoff) down = Math.max(down, rec.replicas);
      if (rec.timeS < upCutoff && rec.timeS < downCutoff) oldIndex = i;
    }
    let result = current;
    if (result < up) result = up;
    if (result > down) result = down;
    const entry = { replicas: desired, timeS: nowS };
    if (oldIndex >= 0) this.recommendations[oldIndex] = entry;
    else this.recommendations.push(entry);
    return result;
  }

  /** convertDesiredReplicasWithBehaviorRate: the scale-up / scale-down policies and min/max. */
  private applyRateLimits(nowS: number, current: number, desired: number): { replicas: number; reason?: string } {
    if (desired > current) {
      let limit = scaleUpLimit(nowS, current, this.scaleUpEvents, this.scaleDownEvents, this.behavior.scaleUp);
      if (limit < current) limit = current;
      const maxAllowed = Math.min(this.maxReplicas, limit);
      const reason = this.maxReplicas > limit ? 'ScaleUpLimit' : 'TooManyReplicas';
      if (desired > maxAllowed) return { replicas: maxAllowed, reason };
    } else if (desired < current) {
      let limit = scaleDownLimit(nowS, current, this.scaleUpEvents, this.scaleDownEvents, this.behavior.scaleDown);
      if (limit > current) limit = current;
      const minAllowed = Math.max(this.minReplicas, limit);
      const reason = this.minReplicas < limit ? 'ScaleDownLimit' : 'TooFewReplicas';
      if (desired < minAllowed) return { replicas: minAllowed, reason };
    }
    return { replicas: desired };
  }

  /** storeScaleEvent: remember the change for the rate policies, dropping events older than the longest period. */
  private storeScaleEvent(nowS: number, prev: number, next: number): void {
    const up = next > prev;
    const rules = up ? this.behavior.scaleUp : this.behavior.scaleDown;
    const longest = rules.policies.reduce((m, p) => Math.max(m, p.periodSeconds), 0);
    const list = (up ? this.scaleUpEvents : this.scaleDownEvents).filter((e) => !(e.timeS < nowS - longest));
    list.push({ change: Math.abs(next - prev), timeS: nowS });
    if (up) this.scaleUpEvents = list;
    else this.scaleDownEvents = list;
  }
}

/** getReplicasChangePerPeriod: replicas changed by events strictly newer than now - period. */
function changeInPeriod(nowS: number, periodSeconds: number, events: readonly ScaleEvent[]): number {
  const cutoff = nowS - periodSeconds;
  let sum = 0;
  for (const e of events) if (e.timeS > cutoff) sum += e.change;
  return sum;
}

/** What a rate limit is computed from: now, the current replicas, recent scale events and the direction's rules. */
type LimitArgs = [nowS: number, current: number, upEvents: readonly ScaleEvent[], downEvents: readonly ScaleEvent[], rules: HpaScalingRules];

/** calculateScaleUpLimitWithScalingRules. */
export function scaleUpLimit(...args: LimitArgs): number {
  return policyLimit('up', ...args);
}

/** calculateScaleDownLimitWithBehaviors (Percent rounds the remaining count down, as int32() truncates). */
export function scaleDownLimit(...args: LimitArgs): number {
  return policyLimit('down', ...args);
}

/**
 * The replica limit the policies allow in one direction, each policy measured from the count
 * at the start of its period. Select policy Min takes the smallest change (the lowest limit
 * scaling up, the highest scaling down), Max the largest. Percent rounds up scaling up (so a
 * small target still grows) and down scaling down.
 */
function policyLimit(
  direction: 'up' | 'down',
  nowS: number,
  current: number,
  upEvents: readonly ScaleEvent[],
  downEvents: readonly ScaleEvent[],
  rules: HpaScalingRules,
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const up = direction === 'up';
  const lowest = (rules.selectPolicy === 'Min') === up;
  const pick = lowest ? Math.min : Math.max;
  let result = lowest ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  for (const p of rules.policies) {
    const start = current - changeInPeriod(nowS, p.periodSeconds, upEvents) + changeInPeriod(nowS, p.periodSeconds, downEvents);
    const proposed = up
      ? (p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100)))
      : (p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100)));
    result = pick(result, proposed);
  }
  return Number.isFinite(result) ? result : current;
}

export type { ScaleEvent };
