import type { RewardWeights } from './options.js';
import type { RewardBreakdown, ServiceReport } from './types.js';

/**
 * The reward of one step: a pure function of the service report of the step's window, the
 * replica change the action made, and the weights. Every component is a penalty (<= 0):
 *   slo   = -weights.slo   * sloPenaltyS   (seconds of SLO violation, weighted by how bad:
 *                                           unmet fraction + latency excess, see service-model)
 *   cost  = -weights.cost  * cpuSeconds    (CPU requested by the controlled pods x time held)
 *   churn = -weights.churn * |replica change|
 * Components are extensive in time, so an episode's return does not depend on the step
 * length (except churn, which counts decisions). `out` is filled and returned (no allocation).
 */
export function computeReward(
  service: Readonly<ServiceReport>,
  replicaChange: number,
  weights: Readonly<RewardWeights>,
  out: RewardBreakdown = emptyReward(),
): RewardBreakdown {
  // `0 - x` keeps a zero penalty +0 rather than -0, so logs show 0.
  out.slo = 0 - weights.slo * service.sloPenaltyS;
  out.cost = 0 - weights.cost * service.cpuSeconds;
  out.churn = 0 - weights.churn * Math.abs(replicaChange);
  out.total = out.slo + out.cost + out.churn;
  return out;
}

/** A zeroed breakdown, to allocate once and reuse. */
export function emptyReward(): RewardBreakdown {
  return { total: 0, slo: 0, cost: 0, churn: 0 };
}

/** Copy `from` into `to`, field by field (Object.assign boxes the doubles it moves). */
export function copyReward(from: Readonly<RewardBreakdown>, to: RewardBreakdown): void {
  to.total = from.total;
  to.slo = from.slo;
  to.cost = from.cost;
  to.churn = from.churn;
}

/** Zero `r` in place (an episode's start: no step, no reward yet). */
export function zeroReward(r: RewardBreakdown): void {
  r.total = 0;
  r.slo = 0;
  r.cost = 0;
  r.churn = 0;
}
