import { ConfigError } from '../env/errors.js';
import { episodeSeeds } from './run-loop.js';

/**
 * Which seed each episode of a run is reset with, and why. A run lists one or more seeds
 * (`simenv run --seed S`, `simenv eval --seeds 1,2,3`); each listed seed starts a block of
 * consecutive episodes: the first reset with the seed itself, the rest with seeds drawn from
 * it (`episodeSeeds`). The blocks are recorded in config.json, so a report groups episodes by
 * the seed they came from without re-deriving it.
 */

/** Consecutive episodes reset from one listed seed. */
export interface SeedBlock {
  /** The listed seed (`--seed` / a `--seeds` entry); the block's first episode is reset with it. */
  seed: number;
  /** Index of the block's first episode in the run. */
  firstEpisode: number;
  /** Episodes in the block. */
  episodes: number;
}

/** The seed list, its blocks, and every episode's seed in order. */
export interface SeedPlan {
  seedList: number[];
  seedBlocks: SeedBlock[];
  episodeSeeds: number[];
}

/** `episodesPerSeed` episodes for each listed seed, in list order. */
export function planSeeds(seedList: readonly number[], episodesPerSeed: number): SeedPlan {
  const plan: SeedPlan = { seedList: [...seedList], seedBlocks: [], episodeSeeds: [] };
  for (const seed of seedList) {
    plan.seedBlocks.push({ seed, firstEpisode: plan.episodeSeeds.length, episodes: episodesPerSeed });
    // A loop, not push(...): up to a million seeds would overflow the call's arguments.
    for (const s of episodeSeeds(seed, episodesPerSeed)) plan.episodeSeeds.push(s);
  }
  return plan;
}

/** Throw a ConfigError unless `blocks` tile `seeds` (in order, no gap) and each starts with its seed. */
export function checkSeedBlocks(blocks: readonly SeedBlock[], seeds: readonly number[]): void {
  let next = 0;
  for (const b of blocks) {
    if (b.firstEpisode !== next || b.episodes < 1 || seeds[b.firstEpisode] !== b.seed) {
      throw new ConfigError('seedBlocks', `expected blocks that tile the episode seeds in order, each starting with its seed, got ${JSON.stringify(b)} at episode ${next}`);
    }
    next += b.episodes;
  }
  if (next !== seeds.length) throw new ConfigError('seedBlocks', `expected blocks covering ${seeds.length} episodes, got ${next}`);
}
