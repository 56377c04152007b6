import { describe, expect, it } from 'vitest';
import { computeReward } from '../../src/env/reward.js';
import { emptyServiceReport } from '../../src/env/service-model.js';

describe('computeReward', () => {
  const weights = { slo: 0.1, cost: 0.002, churn: 0.05 };

  it('weights each component and sums them', () => {
    const s = { ...emptyServiceReport(), sloPenaltyS: 3, cpuSeconds: 150 };
    const r = computeReward(s, -4, weights);
    expect(r.slo).toBeCloseTo(-0.3);
    expect(r.cost).toBeCloseTo(-0.3);
    expect(r.churn).toBeCloseTo(-0.2);
    expect(r.total).toBeCloseTo(-0.8);
  });

  it('is pure: same inputs, same output; fills the given object', () => {
    const s = { ...emptyServiceReport(), sloPenaltyS: 1, cpuSeconds: 10 };
    const out = { total: 9, slo: 9, cost: 9, churn: 9 };
    const a = computeReward(s, 2, weights, out);
    expect(a).toBe(out);
    expect(computeReward(s, 2, weights)).toEqual(a);
    expect(s.sloPenaltyS).toBe(1);
  });

  it('no penalty gives exactly 0 (not -0), and zero weights switch components off', () => {
    const r = computeReward(emptyServiceReport(), 0, weights);
    expect(Object.is(r.total, 0)).toBe(true);
    expect(Object.is(r.slo, 0)).toBe(true);
    const off = computeReward({ ...emptyServiceReport(), sloPenaltyS: 5, cpuSeconds: 5 }, 3, { slo: 0, cost: 0, churn: 1 });
    expect(off.total).toBe(-3);
  });

  it('larger penalties give smaller rewards in every component', () => {
    const lo = computeReward({ ...emptyServiceReport(), sloPenaltyS: 1, cpuSeconds: 10 }, 1, weights);
    const hi = computeReward({ ...emptyServiceReport(), sloPenaltyS: 2, cpuSeconds: 20 }, 2, weights);
    expect(hi.slo).toBeLessThan(lo.slo);
    expect(hi.cost).toBeLessThan(lo.cost);
    expect(hi.churn).toBeLessThan(lo.churn);
  });
});
