import { describe, expect, it } from 'vitest';
import { mean, meanStd, sampleStd } from '../../src/runner/stats.js';

describe('runner stats', () => {
  it('mean of a list, null when empty', () => {
    expect(mean([])).toBeNull();
    expect(mean([4])).toBe(4);
    expect(mean([1, 2, 3, 6])).toBe(3);
  });

  it('std is the sample std (n - 1), null below two values', () => {
    expect(sampleStd([])).toBeNull();
    expect(sampleStd([5])).toBeNull();
    // 2, 4, 4, 4, 5, 5, 7, 9: population std 2, sample std sqrt(32 / 7).
    expect(sampleStd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(sampleStd([1, 3])).toBeCloseTo(Math.SQRT2, 12);
    expect(sampleStd([7, 7, 7])).toBe(0);
  });

  it('meanStd pairs the two', () => {
    expect(meanStd([])).toEqual({ mean: null, std: null });
    expect(meanStd([3])).toEqual({ mean: 3, std: null });
    const r = meanStd([-1, -2, -3]);
    expect(r.mean).toBe(-2);
    expect(r.std).toBeCloseTo(1, 12);
  });
});

describe('minMax (issue 14, defect 2)', () => {
  it('takes 200,000 values (Math.min(...xs) overflows the stack past ~125k)', async () => {
    const { minMax } = await import('../../src/runner/stats.js');
    const xs = Array.from({ length: 200_000 }, (_, i) => Math.sin(i));
    expect(() => Math.min(...xs)).toThrow(RangeError);
    const { min, max } = minMax(xs);
    expect(min).toBeCloseTo(-1, 6);
    expect(max).toBeCloseTo(1, 6);
    expect(minMax([])).toEqual({ min: null, max: null });
  });

  it('RunStats totals and planSeeds take 200,000 episodes', async () => {
    const { RunStats } = await import('../../src/runner/run-stats.js');
    const { planSeeds } = await import('../../src/runner/seed-plan.js');
    const stats = new RunStats();
    const reward = { total: -1, slo: 0, cost: -1, churn: 0 };
    for (let i = 0; i < 200_000; i++) {
      stats.beginEpisode(i, i, 0, 1);
      stats.addStep({ timeS: 1, applied: 1, reward: { ...reward, total: -1 - (i % 7) }, sloViolated: false, violationS: 0, windowS: 1, cpuSeconds: 1, ready: 1, demand: 1, desired: 1 }, false, true);
      stats.endEpisode(true);
    }
    expect(stats.totals().reward).toMatchObject({ min: -7, max: -1 });
    expect(planSeeds([1, 2], 500_000).episodeSeeds).toHaveLength(1_000_000);
  });
});
