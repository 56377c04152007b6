import { describe, expect, it } from 'vitest';
import { successiveHalving, type RungReport } from '../../../src/runner/tune/successive-halving.js';
import { Rng } from '../../../src/env/rng.js';

/** Successive halving: who survives, how many episodes each gets, and that it is paired. */

describe('successiveHalving', () => {
  it('keeps the better half per rung, runs only new episodes, and ends with the finalists at maxEpisodes', async () => {
    // Candidate i scores i + noise on episode e; the noise is the same for every candidate (common random numbers).
    const calls: Array<[number, number, number]> = [];
    const noise = (e: number): number => ((e * 7919) % 13) - 6;
    const rungs: RungReport[] = [];
    const out = await successiveHalving(
      Array.from({ length: 16 }, (_, i) => i),
      async (c, from, to) => {
        calls.push([c, from, to]);
        return Array.from({ length: to - from }, (_, k) => c + noise(from + k));
      },
      { firstEpisodes: 2, maxEpisodes: 16, finalists: 3 },
      (r) => rungs.push(r),
    );
    expect(out.map((o) => o.candidate)).toEqual([15, 14, 13]);
    for (const o of out) expect(o.scores).toHaveLength(16);
    expect(rungs.map((r) => [r.candidates, r.episodes, r.kept])).toEqual([
      [16, 2, 8],
      [8, 4, 4],
      [4, 8, 3],
      [3, 16, 3],
    ]);
    // Never an episode twice: each call starts where the candidate's scores end.
    const seen = new Map<number, number>();
    for (const [c, from, to] of calls) {
      expect(from).toBe(seen.get(c) ?? 0);
      seen.set(c, to);
    }
    // The total is what the rungs say: 16x2 + 8x2 + 4x4 + 3x8 episodes.
    expect(calls.reduce((a, [, f, t]) => a + t - f, 0)).toBe(32 + 16 + 16 + 24);
  });

  it('finds the best of noisy candidates far more often than chance, and ties keep the earlier one', async () => {
    const rng = new Rng(3);
    let found = 0;
    for (let trial = 0; trial < 20; trial++) {
      const best = rng.int(0, 19);
      const out = await successiveHalving(
        Array.from({ length: 20 }, (_, i) => i),
        async (c, from, to) => Array.from({ length: to - from }, () => (c === best ? 1 : 0) + rng.normal() * 0.5),
        { firstEpisodes: 4, maxEpisodes: 32, finalists: 2 },
      );
      if (out[0]!.candidate === best) found++;
    }
    expect(found).toBeGreaterThanOrEqual(16);
    const tie = await successiveHalving([0, 1, 2], async (_c, from, to) => new Array<number>(to - from).fill(1), { firstEpisodes: 1, maxEpisodes: 2, finalists: 1 });
    expect(tie.map((t) => t.candidate)).toEqual([0]);
  });

  it('refuses nonsense budgets', async () => {
    await expect(successiveHalving([], async () => [], { firstEpisodes: 1, maxEpisodes: 1, finalists: 1 })).rejects.toThrow(/at least one candidate/);
    await expect(successiveHalving([1], async () => [0], { firstEpisodes: 4, maxEpisodes: 2, finalists: 1 })).rejects.toThrow(/firstEpisodes <= maxEpisodes/);
  });
});
