import { Rng } from '../env/rng.js';
import type { EpisodeSummary } from './records.js';

/**
 * The statistics of the evaluation protocol (docs/runs.md, "Evaluation"): per agent the mean
 * episode reward with a percentile-bootstrap confidence interval over episodes, and paired
 * differences against a baseline evaluated on the same episode seeds. Every resampling draws
 * from a PRNG seeded by the caller, so an eval's intervals are reproducible.
 *
 * Why the bootstrap: episode rewards are few (tens), skewed and not normal; the percentile
 * bootstrap needs no distributional assumption and pairs naturally (resample pair indices).
 * Its intervals are too narrow for very few episodes (n < ~10): they are reported with n.
 */

/** How intervals are computed (recorded in eval.json). */
export interface BootstrapOptions {
  /** Resamples (default 2000). */
  resamples?: number;
  /** Confidence level (default 0.95). */
  level?: number;
  /** Seed of the resampling PRNG. */
  seed: number;
}

export const DEFAULT_RESAMPLES = 2000;
export const DEFAULT_LEVEL = 0.95;

/** A mean with its bootstrap interval; `lo`/`hi` equal `mean` for one value, all null for none. */
export interface MeanCi {
  n: number;
  mean: number | null;
  lo: number | null;
  hi: number | null;
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** The q-quantile of sorted `xs` (linear interpolation, as numpy's default). */
function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < sorted.length ? sorted[i]! * (1 - f) + sorted[i + 1]! * f : sorted[i]!;
}

/** Mean of `xs` with a seeded percentile-bootstrap interval. */
export function bootstrapMeanCi(xs: readonly number[], opts: BootstrapOptions): MeanCi {
  const n = xs.length;
  if (n === 0) return { n, mean: null, lo: null, hi: null };
  const m = mean(xs);
  if (n === 1) return { n, mean: m, lo: m, hi: m };
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  const level = opts.level ?? DEFAULT_LEVEL;
  const rng = new Rng(opts.seed);
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += xs[rng.int(0, n - 1)]!;
    means[b] = s / n;
  }
  means.sort();
  const alpha = (1 - level) / 2;
  return { n, mean: m, lo: quantile(means, alpha), hi: quantile(means, 1 - alpha) };
}

/** Per-agent figures of an evaluation. */
export interface AgentEvalStats {
  episodes: number;
  /** Mean episode reward (total) with its interval. */
  reward: MeanCi;
  /** Mean episode reward components (already weighted, <= 0). */
  components: { slo: number | null; cost: number | null; churn: number | null };
  /** Share of simulated time the SLO was broken, over all episodes. */
  sloViolationRate: number | null;
  /** Mean CPU-seconds and replica changes per episode. */
  cpuSecondsPerEpisode: number | null;
  replicaChangesPerEpisode: number | null;
}

/** The figures of one agent's complete episodes. */
export function agentEvalStats(episodes: readonly EpisodeSummary[], opts: BootstrapOptions): AgentEvalStats {
  const eps = episodes.filter((e) => e.complete);
  const n = eps.length;
  const avg = (f: (e: EpisodeSummary) => number): number | null => (n > 0 ? mean(eps.map(f)) : null);
  const simS = eps.reduce((a, e) => a + e.simSeconds, 0);
  return {
    episodes: n,
    reward: bootstrapMeanCi(eps.map((e) => e.reward.total), opts),
    components: { slo: avg((e) => e.reward.slo), cost: avg((e) => e.reward.cost), churn: avg((e) => e.reward.churn) },
    sloViolationRate: simS > 0 ? eps.reduce((a, e) => a + e.violationSeconds, 0) / simS : null,
    cpuSecondsPerEpisode: avg((e) => e.cpuSeconds),
    replicaChangesPerEpisode: avg((e) => e.replicaChanges),
  };
}

/** Candidate minus baseline, episode by episode on the same seeds. */
export interface PairedDifference {
  pairs: number;
  /** Mean of (candidate - baseline) episode reward, with its paired bootstrap interval; > 0: the candidate is better. */
  reward: MeanCi;
  components: { slo: number | null; cost: number | null; churn: number | null };
  /** Pairs where the candidate's reward is higher, lower, equal. */
  wins: number;
  losses: number;
  ties: number;
}

/** Thrown when two evaluations cannot be paired (different episode seeds). */
export class UnpairedEpisodesError extends Error {}

/**
 * Paired differences of complete episodes matched by seed and order. Both lists must hold the
 * same seeds in the same order (the protocol gives every agent the same episode seeds);
 * UnpairedEpisodesError naming the first mismatch otherwise.
 */
export function pairedDifference(candidate: readonly EpisodeSummary[], baseline: readonly EpisodeSummary[], opts: BootstrapOptions): PairedDifference {
  const c = candidate.filter((e) => e.complete);
  const b = baseline.filter((e) => e.complete);
  if (c.length !== b.length) throw new UnpairedEpisodesError(`expected the same number of complete episodes, got ${c.length} and ${b.length} for the baseline`);
  for (let i = 0; i < c.length; i++) {
    if (c[i]!.seed !== b[i]!.seed) throw new UnpairedEpisodesError(`expected the same episode seeds in the same order, got seed ${c[i]!.seed} and ${b[i]!.seed} for the baseline at episode ${i}`);
  }
  const d = c.map((e, i) => e.reward.total - b[i]!.reward.total);
  const n = d.length;
  const avg = (f: (e: EpisodeSummary) => number): number | null => (n > 0 ? mean(c.map((e, i) => f(e) - f(b[i]!))) : null);
  return {
    pairs: n,
    reward: bootstrapMeanCi(d, opts),
    components: { slo: avg((e) => e.reward.slo), cost: avg((e) => e.reward.cost), churn: avg((e) => e.reward.churn) },
    wins: d.filter((x) => x > 0).length,
    losses: d.filter((x) => x < 0).length,
    ties: d.filter((x) => x === 0).length,
  };
}

/** The figures two episodes must share, bit for bit, to count as the same episode. */
function fingerprint(e: EpisodeSummary): string {
  return [e.steps, e.simSeconds, e.reward.total, e.reward.slo, e.reward.cost, e.reward.churn, e.violationSeconds, e.cpuSeconds, e.replicaChanges, e.meanReady, e.meanDemand].join('|');
}

/**
 * Groups of episodes, by seed, whose figures are identical: their seeds changed nothing the
 * episode depends on (e.g. every episode starts at the trace start with a deterministic
 * start-up latency), so they are one observation, not several. Only groups of two or more.
 */
export function identicalEpisodeGroups(episodes: readonly EpisodeSummary[]): number[][] {
  const groups = new Map<string, number[]>();
  for (const e of episodes) {
    if (!e.complete) continue;
    const k = fingerprint(e);
    const g = groups.get(k);
    if (g) g.push(e.seed);
    else groups.set(k, [e.seed]);
  }
  return [...groups.values()].filter((g) => g.length > 1);
}
