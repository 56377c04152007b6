import { describe, expect, it } from 'vitest';
import { agentEvalStats, bootstrapMeanCi, identicalEpisodeGroups, pairedDifference, UnpairedEpisodesError } from '../../src/runner/eval-stats.js';
import type { EpisodeSummary } from '../../src/runner/records.js';

function ep(seed: number, total: number, extra: Partial<EpisodeSummary> = {}): EpisodeSummary {
  return {
    episode: 0,
    seed,
    steps: 10,
    complete: true,
    terminated: false,
    truncated: true,
    simSeconds: 150,
    reward: { total, slo: total / 2, cost: total / 2, churn: 0 },
    sloViolations: 0,
    violationSeconds: 15,
    cpuSeconds: 100,
    replicaChanges: 2,
    meanReady: 3,
    meanDemand: 200,
    ...extra,
  };
}

describe('eval statistics', () => {
  it('bootstrap CI: seeded, reproducible, close to the normal-theory interval on a large sample', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i);
    const a = bootstrapMeanCi(xs, { seed: 7 });
    expect(bootstrapMeanCi(xs, { seed: 7 })).toEqual(a);
    expect(bootstrapMeanCi(xs, { seed: 8 })).not.toEqual(a);
    expect(a.mean).toBe(49.5);
    // Normal theory: 49.5 -/+ 1.96 x 29.01 / sqrt(100) = 43.8 .. 55.2.
    expect(a.lo!).toBeGreaterThan(43);
    expect(a.lo!).toBeLessThan(44.6);
    expect(a.hi!).toBeGreaterThan(54.4);
    expect(a.hi!).toBeLessThan(56);
    // Fewer episodes: wider.
    const small = bootstrapMeanCi(xs.filter((x) => x % 10 === 0), { seed: 7 });
    expect(small.hi! - small.lo!).toBeGreaterThan(a.hi! - a.lo!);
    expect(bootstrapMeanCi([], { seed: 1 })).toEqual({ n: 0, mean: null, lo: null, hi: null });
    expect(bootstrapMeanCi([3], { seed: 1 })).toEqual({ n: 1, mean: 3, lo: 3, hi: 3 });
    expect(bootstrapMeanCi([2, 2, 2], { seed: 1 })).toEqual({ n: 3, mean: 2, lo: 2, hi: 2 });
  });

  it('per-agent figures use complete episodes only', () => {
    const s = agentEvalStats([ep(1, -10), ep(2, -20), ep(3, -1000, { complete: false })], { seed: 1 });
    expect(s.episodes).toBe(2);
    expect(s.reward.mean).toBe(-15);
    expect(s.components).toEqual({ slo: -7.5, cost: -7.5, churn: 0 });
    expect(s.sloViolationRate).toBeCloseTo(0.1);
  });

  it('paired differences: per pair, with wins and losses; the interval of a consistent gain excludes 0', () => {
    const base = [1, 2, 3, 4, 5, 6].map((s) => ep(s, -10 - s));
    const cand = [1, 2, 3, 4, 5, 6].map((s) => ep(s, -10 - s + (s === 3 ? 0 : 1 + s / 10)));
    const d = pairedDifference(cand, base, { seed: 3 });
    expect(d.pairs).toBe(6);
    expect(d.wins).toBe(5);
    expect(d.ties).toBe(1);
    expect(d.losses).toBe(0);
    const diffs = cand.map((c, i) => c.reward.total - base[i]!.reward.total);
    expect(d.reward.mean).toBeCloseTo(diffs.reduce((a, b) => a + b) / 6, 12);
    expect(d.reward.lo!).toBeGreaterThan(0);
    // Pairing removes the between-episode spread: unpaired, the two intervals would overlap.
    const ca = bootstrapMeanCi(cand.map((e) => e.reward.total), { seed: 3 });
    const ba = bootstrapMeanCi(base.map((e) => e.reward.total), { seed: 3 });
    expect(ca.lo!).toBeLessThan(ba.hi!);
  });

  it('refuses to pair different seeds or counts', () => {
    expect(() => pairedDifference([ep(1, 0), ep(2, 0)], [ep(1, 0), ep(3, 0)], { seed: 1 })).toThrow(UnpairedEpisodesError);
    expect(() => pairedDifference([ep(1, 0), ep(2, 0)], [ep(1, 0), ep(3, 0)], { seed: 1 })).toThrow(/got seed 2 and 3 for the baseline at episode 1/);
    expect(() => pairedDifference([ep(1, 0)], [ep(1, 0), ep(2, 0)], { seed: 1 })).toThrow(/same number of complete episodes, got 1 and 2/);
  });

  it('finds seeds whose episodes are identical, bit for bit', () => {
    const eps = [ep(1, -5), ep(2, -5), ep(3, -5.000000000000001), ep(4, -7), ep(5, -7), ep(6, -5, { cpuSeconds: 101 })];
    expect(identicalEpisodeGroups(eps)).toEqual([[1, 2], [4, 5]]);
    expect(identicalEpisodeGroups([ep(1, -5)])).toEqual([]);
  });
});
