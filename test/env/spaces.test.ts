import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/env/rng.js';
import { Box, Discrete, MultiDiscrete } from '../../src/env/spaces.js';

describe('Discrete', () => {
  it('holds the integers start..start+n-1', () => {
    const d = new Discrete(5, -2);
    expect(d.end).toBe(2);
    for (const x of [-2, -1, 0, 1, 2]) expect(d.contains(x)).toBe(true);
    for (const x of [-3, 3, 0.5, Number.NaN, '1', null, Infinity]) expect(d.contains(x)).toBe(false);
    expect(d.toJSON()).toEqual({ type: 'Discrete', n: 5, start: -2 });
    expect(new Discrete(3).start).toBe(0);
  });

  it('samples every value, only values of the space, reproducibly from the seed', () => {
    const d = new Discrete(4, 10);
    const seen = new Map<number, number>();
    const rng = new Rng(1);
    const draws = Array.from({ length: 4000 }, () => d.sample(rng));
    for (const x of draws) seen.set(x, (seen.get(x) ?? 0) + 1);
    expect([...seen.keys()].sort()).toEqual([10, 11, 12, 13]);
    for (const c of seen.values()) expect(c).toBeGreaterThan(850); // ~1000 each
    const again = new Rng(1);
    expect(Array.from({ length: 4000 }, () => d.sample(again))).toEqual(draws);
  });

  it('rejects an empty or fractional space with the value it got', () => {
    expect(() => new Discrete(0)).toThrow(/expected n >= 1, got 0/);
    expect(() => new Discrete(2.5)).toThrow(/expected n >= 1, got 2.5/);
    expect(() => new Discrete(2, 0.5)).toThrow(/expected an integer start, got 0.5/);
  });
});

describe('Box', () => {
  it('contains Float32Arrays of its length within closed bounds, and nothing else', () => {
    const b = new Box([0, -1], [1, 1]);
    expect(b.shape).toEqual([2]);
    expect(b.contains(Float32Array.of(0, -1))).toBe(true);
    expect(b.contains(Float32Array.of(1, 1))).toBe(true);
    expect(b.contains(Float32Array.of(1.01, 0))).toBe(false);
    expect(b.contains(Float32Array.of(Number.NaN, 0))).toBe(false);
    expect(b.contains(Float32Array.of(0.5))).toBe(false);
    expect(b.contains([0.5, 0])).toBe(false);
    expect(b.toJSON()).toEqual({ type: 'Box', shape: [2], low: [0, -1], high: [1, 1] });
  });

  it('samples inside finite bounds and on the right side of half-open ones', () => {
    const b = new Box([0, 2, -Infinity, -Infinity], [1, Infinity, -3, Infinity]);
    const rng = new Rng(5);
    let spread = 0;
    for (let i = 0; i < 500; i++) {
      const x = b.sample(rng);
      expect(x[0]).toBeGreaterThanOrEqual(0);
      expect(x[0]).toBeLessThanOrEqual(1);
      expect(x[1]).toBeGreaterThanOrEqual(2);
      expect(x[2]).toBeLessThanOrEqual(-3);
      expect(Number.isFinite(x[3]!)).toBe(true);
      spread += Math.abs(x[3]!);
    }
    expect(spread / 500).toBeGreaterThan(0.5); // a standard normal's mean |x| is ~0.8
    expect(b.contains(b.sample(rng))).toBe(true);
  });

  it('rejects mismatched or inverted bounds, naming the component', () => {
    expect(() => new Box([0, 0], [1])).toThrow(/one length, got 2 and 1/);
    expect(() => new Box([0, 2], [1, 1])).toThrow(/low\[1\] <= high\[1\], got 2 > 1/);
  });
});

describe('MultiDiscrete', () => {
  it('contains integer vectors of the right length within each component range', () => {
    const s = new MultiDiscrete([3, 5], [1, -2]);
    expect(s.contains([1, -2])).toBe(true);
    expect(s.contains(Int32Array.from([3, 2]))).toBe(true);
    expect(s.contains([4, 0])).toBe(false);
    expect(s.contains([1, -3])).toBe(false);
    expect(s.contains([1.5, 0])).toBe(false);
    expect(s.contains([1])).toBe(false);
    expect(s.contains(2)).toBe(false);
    expect(s.contains(new Float32Array([1, 0]))).toBe(false);
    expect(s.end(1)).toBe(2);
    expect(s.component(1).toJSON()).toEqual({ type: 'Discrete', n: 5, start: -2 });
    expect(s.toJSON()).toEqual({ type: 'MultiDiscrete', nvec: [3, 5], start: [1, -2] });
  });

  it('samples are seeded, in the space and cover every value', () => {
    const s = new MultiDiscrete([2, 3]);
    const a = new Rng(9);
    const b = new Rng(9);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const x = s.sample(a);
      expect(Array.from(x)).toEqual(Array.from(s.sample(b)));
      expect(s.contains(x)).toBe(true);
      seen.add(x.join(','));
    }
    expect(seen.size).toBe(6);
  });

  it('rejects bad shapes', () => {
    expect(() => new MultiDiscrete([])).toThrow(RangeError);
    expect(() => new MultiDiscrete([2, 0])).toThrow(/nvec\[1\] >= 1/);
    expect(() => new MultiDiscrete([2], [0, 1])).toThrow(/start of length 1/);
  });
});
