import type { Rng } from '../../env/rng.js';
import type { HpaOptionsInput, HpaScalingPolicy, HpaScalingRulesInput, RangedHpaOptions } from '../../agents/hpa/hpa-config.js';

/**
 * What `simenv tune hpa` searches: the fields of an autoscaling/v2 HPA an operator would tune
 * (docs/agents.md, "Tuning the HPA"). Every candidate is a complete manifest's worth of
 * settings; the replica range stays the baseline's (tuning the range would trade cost for
 * SLO by fiat, not by control).
 *
 *   CPU target            30..95 % in steps of 5
 *   scaleUp window        0, 15, 30, 60, 120 s
 *   scaleUp policies      one or two of Percent {25, 50, 100, 200, 400} / Pods {1, 2, 4, 8},
 *                         period 15, 30 or 60 s; selectPolicy Max or Min
 *   scaleDown window      0, 30, 60, 120, 180, 300, 600 s
 *   scaleDown policies    one or two of Percent {10, 25, 50, 100} / Pods {1, 2, 4},
 *                         period 15, 30, 60 or 120 s; selectPolicy Max or Min
 *
 * Sync period and tolerance are controller flags, not manifest fields: left at the defaults.
 */

const TARGETS = Array.from({ length: 14 }, (_, i) => 30 + 5 * i);
const UP_WINDOWS = [0, 15, 30, 60, 120];
const DOWN_WINDOWS = [0, 30, 60, 120, 180, 300, 600];
const UP_PERCENT = [25, 50, 100, 200, 400];
const UP_PODS = [1, 2, 4, 8];
const DOWN_PERCENT = [10, 25, 50, 100];
const DOWN_PODS = [1, 2, 4];
const UP_PERIODS = [15, 30, 60];
const DOWN_PERIODS = [15, 30, 60, 120];

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(0, xs.length - 1)]!;
}

function policy(rng: Rng, type: 'Percent' | 'Pods', percent: readonly number[], pods: readonly number[], periods: readonly number[]): HpaScalingPolicy {
  return { type, value: pick(rng, type === 'Percent' ? percent : pods), periodSeconds: pick(rng, periods) };
}

function rules(rng: Rng, windows: readonly number[], percent: readonly number[], pods: readonly number[], periods: readonly number[]): HpaScalingRulesInput {
  const first = rng.next() < 0.5 ? 'Percent' : 'Pods';
  const policies = [policy(rng, first, percent, pods, periods)];
  // A second policy of the other type: Max takes the faster, Min the slower of the two.
  if (rng.next() < 0.5) policies.push(policy(rng, first === 'Percent' ? 'Pods' : 'Percent', percent, pods, periods));
  return { stabilizationWindowSeconds: pick(rng, windows), selectPolicy: policies.length > 1 && rng.next() < 0.5 ? 'Min' : 'Max', policies };
}

/** One random candidate in the replica range [min, max]; every draw comes from `rng`. */
export function sampleHpaOptions(rng: Rng, range: { minReplicas: number; maxReplicas: number }): RangedHpaOptions {
  return {
    targetUtilisation: pick(rng, TARGETS),
    minReplicas: range.minReplicas,
    maxReplicas: range.maxReplicas,
    behavior: {
      scaleUp: rules(rng, UP_WINDOWS, UP_PERCENT, UP_PODS, UP_PERIODS),
      scaleDown: rules(rng, DOWN_WINDOWS, DOWN_PERCENT, DOWN_PODS, DOWN_PERIODS),
    },
  };
}

/** The Kubernetes default HPA in the same range: 60% CPU, the API's default behavior. */
export function defaultHpaOptions(range: { minReplicas: number; maxReplicas: number }): RangedHpaOptions {
  return { targetUtilisation: 60, minReplicas: range.minReplicas, maxReplicas: range.maxReplicas };
}

function rulesText(r: HpaScalingRulesInput | undefined): string {
  if (!r) return 'default';
  const ps = (r.policies ?? []).map((p) => `${p.value}${p.type === 'Percent' ? '%' : 'p'}/${p.periodSeconds}s`).join(r.selectPolicy === 'Min' ? '&' : '|');
  return `win ${r.stabilizationWindowSeconds ?? 'default'}s ${ps || 'default'}`;
}

/** A one-line description: `target 70%, up win 0s 100%/15s|4p/15s, down win 300s 10%/60s` (`|` Max, `&` Min). */
export function describeHpaOptions(o: HpaOptionsInput): string {
  return `target ${o.targetUtilisation ?? 60}%, up ${rulesText(o.behavior?.scaleUp)}, down ${rulesText(o.behavior?.scaleDown)}`;
}
