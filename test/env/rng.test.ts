import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/env/rng.js';

const take = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.nextUint32());

describe('Rng', () => {
  it('gives the same stream for the same seed and different streams for nearby seeds', () => {
    expect(take(new Rng(42), 100)).toEqual(take(new Rng(42), 100));
    const a = take(new Rng(1), 50);
    const b = take(new Rng(2), 50);
    expect(a.filter((x, i) => x === b[i])).toEqual([]);
  });

  it('reseed restarts the stream; a seed counts by its 32-bit integer part', () => {
    const rng = new Rng(7);
    const first = take(rng, 10);
    take(rng, 5);
    rng.reseed(7);
    expect(take(rng, 10)).toEqual(first);
    expect(take(new Rng(7.9), 10)).toEqual(first);
    expect(take(new Rng(7 + 2 ** 32), 10)).toEqual(first);
  });

  it('draws 32-bit unsigned integers and floats in [0, 1) with a uniform mean', () => {
    const rng = new Rng(3);
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const u = rng.nextUint32();
      expect(Number.isInteger(u) && u >= 0 && u < 2 ** 32).toBe(true);
      const f = rng.next();
      expect(f >= 0 && f < 1).toBe(true);
      sum += f;
    }
    expect(sum / 20000).toBeCloseTo(0.5, 1);
  });

  it('int(lo, hi) covers both ends inclusive and nothing outside', () => {
    const rng = new Rng(11);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const x = rng.int(-2, 2);
      expect(x >= -2 && x <= 2 && Number.isInteger(x)).toBe(true);
      seen.add(x);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2]);
  });

  it('normal() has mean ~0 and variance ~1', () => {
    const rng = new Rng(13);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.normal();
      s += x;
      s2 += x * x;
    }
    expect(s / n).toBeCloseTo(0, 1);
    expect(s2 / n).toBeCloseTo(1, 1);
  });

  it('fork() gives child seeds whose streams differ from the parent and each other', () => {
    const parent = new Rng(5);
    const c1 = new Rng(parent.fork());
    const c2 = new Rng(parent.fork());
    const p = take(parent, 20);
    const a = take(c1, 20);
    const b = take(c2, 20);
    expect(a).not.toEqual(b);
    expect(a).not.toEqual(p);
  });
});
