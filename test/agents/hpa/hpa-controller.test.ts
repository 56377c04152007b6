import { describe, expect, it } from 'vitest';
import { HpaOptionsSchema, resolveBehavior, type HpaOptionsInput } from '../../../src/agents/hpa/hpa-config.js';
import { HpaController } from '../../../src/agents/hpa/hpa-controller.js';
import type { AggregateMetrics } from '../../../src/agents/hpa/replica-calculator.js';

/** An HPA with the given options (API defaults otherwise). */
function hpa(min: number, max: number, opts: HpaOptionsInput = {}): HpaController {
  const o = HpaOptionsSchema.parse({ targetUtilisation: 50, ...opts });
  return new HpaController(resolveBehavior(o), min, max, o.targetUtilisation);
}

/** All `n` pods ready, each at `percent` utilisation of its request. */
function at(n: number, percent: number): AggregateMetrics {
  return { readyWithMetrics: n, readyUsage: (n * percent) / 100, readyRequest: n, unready: 0, missing: 0, podRequest: 1 };
}

/** Metrics that recommend exactly `want` replicas from `current` at target 50% (no tolerance issue for big moves). */
function recommending(current: number, want: number): AggregateMetrics {
  return at(current, (50 * want) / current);
}

/**
 * Drive the controller every 15 s like kube-controller-manager, applying each decision as the
 * next current count, for as long as `metrics(current, t)` says. Returns the replica count
 * after each sync.
 */
function run(c: HpaController, start: number, syncs: number, metrics: (current: number, t: number) => AggregateMetrics): number[] {
  let current = start;
  const out: number[] = [];
  for (let i = 0; i < syncs; i++) {
    const t = i * 15;
    current = c.reconcile(t, { currentReplicas: current, metrics: metrics(current, t) }).replicas;
    out.push(current);
  }
  return out;
}

describe('HPA controller: default behavior', () => {
  // API default: "For scale up: allow doubling the number of pods, or an absolute change of 4
  // pods in a 15s window" (selectPolicy Max).
  it('scales up by max(100%, 4 pods) per 15 s', () => {
    const c = hpa(1, 100);
    // Demand for 40 pods from 1: 1 -> 5 (4 pods beats 100%) -> 10 -> 20 -> 40
    expect(run(c, 1, 5, (cur) => recommending(cur, 40))).toEqual([5, 10, 20, 40, 40]);
  });

  it('reports ScaleUpLimit when the rate policy bites', () => {
    const c = hpa(1, 100);
    const d = c.reconcile(0, { currentReplicas: 2, metrics: recommending(2, 40) });
    expect(d.recommendation).toBe(40);
    expect(d.replicas).toBe(6);
    expect(d.limitedBy).toBe('ScaleUpLimit');
  });

  // Default: "For scale down: 300 (i.e. the stabilization window is 300 seconds long)": the
  // highest recommendation of the last 5 minutes wins.
  it('waits out the 300 s downscale stabilization window, then scales down in one step (100% per 15 s)', () => {
    const c = hpa(1, 100);
    // a new HPA seeds its window with the current scale (recordInitialRecommendation)
    const seq = run(c, 10, 22, (cur) => recommending(cur, 2));
    // syncs at t = 0..285 hold 10; at t = 300 the t = 0 sample leaves the window
    expect(seq.slice(0, 20)).toEqual(Array(20).fill(10));
    expect(seq[20]).toBe(2);
    expect(seq[21]).toBe(2);
  });

  it('uses the max recommendation in the window, not the latest', () => {
    const c = hpa(1, 100, { downscaleStabilizationSeconds: 60 });
    // recommendations: 8 at t=0 (from 8), 6 at t=15, 4 at t=30..: window 60 s keeps the max
    const wants = [8, 6, 4, 4, 4, 4, 4, 4];
    const seq = run(c, 8, wants.length, (cur, t) => recommending(cur, wants[t / 15]!));
    // t=0: 8 (seed 8); t=15: max(8,8,6)=8; t=30: 8; t=45: 8; t=60: seed and t=0 drop: max(6,4..)=6; t=75: 4
    expect(seq).toEqual([8, 8, 8, 8, 6, 4, 4, 4]);
  });

  it('scales up immediately (no scale-up window by default)', () => {
    const c = hpa(1, 100);
    expect(c.reconcile(0, { currentReplicas: 4, metrics: recommending(4, 6) }).replicas).toBe(6);
  });
});

describe('HPA controller: scaling policies (docs examples)', () => {
  // Docs: "scaleDown: policies: - type: Pods value: 4 periodSeconds: 60 - type: Percent value:
  // 10 periodSeconds: 60 ... if there are 80 replicas and the target has to be scaled down to
  // 10 replicas then during the first step 8 replicas will be reduced. In the next iteration
  // when the number of replicas is 72, 10% of the pods is 7.2 but the number is rounded up to 8.
  // ... When the number of replicas falls below 40 the first policy (Pods) is applied and 4
  // replicas will be reduced at a time."
  const downPolicies = {
    stabilizationWindowSeconds: 0,
    policies: [
      { type: 'Pods' as const, value: 4, periodSeconds: 60 },
      { type: 'Percent' as const, value: 10, periodSeconds: 60 },
    ],
  };

  it('removes 8 of 80, then 8 of 72 a period later, then 4 at a time below 40', () => {
    const c = hpa(1, 100, { behavior: { scaleDown: downPolicies } });
    let current = 80;
    const steps: number[] = [];
    for (let t = 0; t <= 60 * 12; t += 15) {
      const next = c.reconcile(t, { currentReplicas: current, metrics: at(current, 5) }).replicas; // wants ~8
      if (next !== current) steps.push(current - next);
      current = next;
    }
    expect(steps.slice(0, 2)).toEqual([8, 8]);
    // 80 -72 -64 -57 -51 -45 -40 -36 -32 -28 -24 -20 -16 ...
    expect(steps.slice(0, 8)).toEqual([8, 8, 7, 6, 6, 5, 4, 4]);
    expect(steps.slice(6)).toEqual(Array(steps.length - 6).fill(4));
  });

  it('acts once per policy period: no further scale-down within 60 s of the last', () => {
    const c = hpa(1, 100, { behavior: { scaleDown: downPolicies } });
    const seq = run(c, 80, 6, (cur) => at(cur, 5));
    // t=0: 72; t=15..45: the 8 removed at t=0 still count in the 60 s period; t=60: 64
    expect(seq).toEqual([72, 72, 72, 72, 64, 64]);
  });

  it('selectPolicy Min picks the policy with the smallest change', () => {
    const c = hpa(1, 100, { behavior: { scaleDown: { ...downPolicies, selectPolicy: 'Min' } } });
    expect(c.reconcile(0, { currentReplicas: 80, metrics: at(80, 5) }).replicas).toBe(76);
  });

  // Docs: "selectPolicy: Disabled" turns off scaling in that direction.
  it('selectPolicy Disabled prevents scale-down', () => {
    const c = hpa(1, 100, { behavior: { scaleDown: { selectPolicy: 'Disabled', stabilizationWindowSeconds: 0 } } });
    expect(run(c, 10, 4, (cur) => at(cur, 5))).toEqual([10, 10, 10, 10]);
  });

  // Docs: "type: Percent value: 900 ... 9 times the current number of pods can be added,
  // effectively making the number of replicas 10 times the current size".
  it('Percent 900 allows 10x in one period', () => {
    const c = hpa(1, 1000, { behavior: { scaleUp: { policies: [{ type: 'Percent', value: 900, periodSeconds: 60 }] } } });
    expect(c.reconcile(0, { currentReplicas: 3, metrics: recommending(3, 100) }).replicas).toBe(30);
    // within the same 60 s period nothing more
    expect(c.reconcile(15, { currentReplicas: 30, metrics: recommending(30, 100) }).replicas).toBe(30);
    expect(c.reconcile(60, { currentReplicas: 30, metrics: recommending(30, 100) }).replicas).toBe(100);
  });

  it('a scale-up stabilization window uses the min recommendation in the window', () => {
    const c = hpa(1, 100, { behavior: { scaleUp: { stabilizationWindowSeconds: 30 } } });
    // seed 4 at t=0 -> min(4, 8) = 4: held; t=15: min(4, 8, 8)=4; t=30: seed gone -> 8
    const seq = run(c, 4, 3, (cur) => recommending(cur, 8));
    expect(seq).toEqual([4, 4, 8]);
  });

  it('counts scale-downs in the period toward the scale-up start (periodStartReplicas)', () => {
    const c = hpa(1, 100, { behavior: { scaleDown: { stabilizationWindowSeconds: 0 }, scaleUp: { policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] } } });
    expect(c.reconcile(0, { currentReplicas: 10, metrics: recommending(10, 4) }).replicas).toBe(4);
    // up from 4 within 60 s: period start is 4 + 6 removed = 10, limit 12 -> 9 allowed immediately
    expect(c.reconcile(15, { currentReplicas: 4, metrics: recommending(4, 9) }).replicas).toBe(9);
  });
});

describe('HPA controller: min and max replicas', () => {
  it('caps the recommendation at maxReplicas (TooManyReplicas)', () => {
    const c = hpa(1, 6);
    const d = c.reconcile(0, { currentReplicas: 4, metrics: recommending(4, 8) });
    expect(d.replicas).toBe(6);
    expect(d.limitedBy).toBe('TooManyReplicas');
  });

  it('floors the recommendation at minReplicas (TooFewReplicas)', () => {
    const c = hpa(3, 10, { downscaleStabilizationSeconds: 0 });
    const d = c.reconcile(0, { currentReplicas: 6, metrics: at(6, 1) });
    expect(d.replicas).toBe(3);
    expect(d.limitedBy).toBe('TooFewReplicas');
  });

  it('moves a target outside [min, max] inside without looking at metrics', () => {
    expect(hpa(2, 10).reconcile(0, { currentReplicas: 12, metrics: recommending(12, 40) }).replicas).toBe(10);
    expect(hpa(2, 10).reconcile(0, { currentReplicas: 1, metrics: at(1, 1) }).replicas).toBe(2);
  });

  it('does not scale a target at zero replicas when minReplicas > 0 (scaling disabled)', () => {
    const d = hpa(1, 10).reconcile(0, { currentReplicas: 0, metrics: at(0, 0) });
    expect(d.rescale).toBe(false);
    expect(d.replicas).toBe(0);
  });

  it('holds when the replica calculator has no metrics', () => {
    const d = hpa(1, 10).reconcile(0, { currentReplicas: 3, metrics: { ...at(0, 0), unready: 3 } });
    expect(d.rescale).toBe(false);
    expect(d.replicas).toBe(3);
  });

  it('reset forgets the stabilization history', () => {
    const c = hpa(1, 100);
    run(c, 10, 3, (cur) => recommending(cur, 10));
    c.reset();
    // after reset the window is seeded with the new current (2), so scaling 2 -> 2 stays
    expect(c.reconcile(0, { currentReplicas: 2, metrics: recommending(2, 1) }).replicas).toBe(2);
  });
});
