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
