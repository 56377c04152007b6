/**
 * Successive halving (Jamieson & Talwalkar 2016) over a fixed list of candidates, with common
 * random numbers: every candidate is scored on the same episode seeds, and a rung that doubles
 * the episodes only runs the new ones (the earlier ones are kept). So the ranking at every rung
 * is paired, and the finalists' figures are over the same seeds as each other.
 *
 *   rung 0:   all N candidates x e0 episodes, keep the best ceil(N / eta)
 *   rung k:   survivors x min(e0 x eta^k, maxEpisodes) episodes, keep the best ceil(n / eta)
 *   ...       until at most `finalists` remain (they then get `maxEpisodes` episodes each)
 *             or a rung reaches `maxEpisodes` (its best `finalists` are the result).
 *
 * Ties keep the earlier candidate (a stable sort), so the result is a function of the inputs.
 */

import { mean } from '../stats.js';

/** How the search spends its episodes. */
export interface HalvingOptions {
  /** Episodes per candidate in the first rung. */
  firstEpisodes: number;
  /** Episodes of the finalists (the most any candidate gets). */
  maxEpisodes: number;
  /** Candidates kept for the last rung. */
  finalists: number;
  /** Keep 1/eta of the candidates per rung (default 2). */
  eta?: number;
}

/** A candidate's scores so far: one per episode, in seed order. */
export interface Scored<C> {
  index: number;
  candidate: C;
  scores: number[];
}

/** What a rung did, for progress output. */
export interface RungReport {
  rung: number;
  candidates: number;
  episodes: number;
  kept: number;
  bestMean: number;
}

/**
 * Run the halving. `score(c, from, to)` evaluates candidate `c` on episodes `from..to-1` of the
 * common seed list and returns one score per episode (higher is better). Resolves to the
 * finalists, best first, each with `maxEpisodes` scores.
 */
export async function successiveHalving<C>(
  candidates: readonly C[],
  score: (candidate: C, from: number, to: number) => Promise<number[]>,
  opts: HalvingOptions,
  onRung?: (r: RungReport) => void,
): Promise<Array<Scored<C>>> {
  const eta = opts.eta ?? 2;
  if (candidates.length === 0) throw new RangeError('successiveHalving: expected at least one candidate');
  if (!(opts.firstEpisodes >= 1 && opts.maxEpisodes >= opts.firstEpisodes && opts.finalists >= 1 && eta > 1)) {
    throw new RangeError(`successiveHalving: expected 1 <= firstEpisodes <= maxEpisodes, finalists >= 1, eta > 1, got ${JSON.stringify(opts)}`);
  }
  let alive: Array<Scored<C>> = candidates.map((candidate, index) => ({ index, candidate, scores: [] }));
  let episodes = opts.firstEpisodes;
  for (let rung = 0; ; rung++) {
    if (alive.length <= opts.finalists) episodes = opts.maxEpisodes;
    // The last rung: few enough candidates, or the most episodes any may get.
    const last = episodes >= opts.maxEpisodes;
    for (const a of alive) {
      if (a.scores.length < episodes) a.scores.push(...(await score(a.candidate, a.scores.length, episodes)));
    }
    alive = [...alive].sort((x, y) => mean(y.scores)! - mean(x.scores)! || x.index - y.index);
    const kept = last ? Math.min(alive.length, opts.finalists) : Math.max(opts.finalists, Math.ceil(alive.length / eta));
    onRung?.({ rung, candidates: alive.length, episodes, kept, bestMean: mean(alive[0]!.scores)! });
    if (last) return alive.slice(0, kept);
    alive = alive.slice(0, kept);
    episodes = Math.min(opts.maxEpisodes, Math.round(episodes * eta));
  }
}
