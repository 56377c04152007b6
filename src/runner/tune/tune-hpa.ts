import { UsageError } from '../../env/errors.js';
import { Rng } from '../../env/rng.js';
import { loadScenario } from '../../env/scenario-files.js';
import type { SplitName } from '../../env/scenario.js';
import type { SimEnv } from '../../env/sim-env.js';
import { createAgent } from '../../agents/registry.js';
import { hpaDefaultRange } from '../../agents/hpa-agent.js';
import type { RangedHpaOptions } from '../../agents/hpa/hpa-config.js';
import { buildEvalRecord, type EvalRecord } from '../eval-report.js';
import { agentEvalStats, DEFAULT_LEVEL, DEFAULT_RESAMPLES, type MeanCi } from '../eval-stats.js';
import type { EpisodeSummary } from '../records.js';
import { planSeeds } from '../seed-plan.js';
import { defaultHpaOptions, describeHpaOptions, sampleHpaOptions } from './hpa-search-space.js';
import { successiveHalving, type RungReport } from './successive-halving.js';
import { agentEpisodes, scenarioSplitEnv } from './split-episodes.js';

/**
 * `simenv tune hpa`: a seeded successive-halving search (successive-halving.ts) over the HPA's
 * CPU target and behavior (hpa-search-space.ts) on a scenario's `train` split only. The
 * default HPA is candidate 0, so it is ranked like any other. The winner is then evaluated
 * beside the default HPA on each held-out split, with the evaluation protocol's statistics
 * (eval.json's), so `simenv eval --hpa tuned.yaml --baseline hpa` on the same seeds prints
 * the same figures.
 */

/** What the search does. */
export interface TuneHpaOptions {
  /** Built-in scenario name or file. */
  scenario: string;
  /** Candidates (the default HPA included). */
  budget: number;
  /** Seeds the candidates and the training episodes. */
  seed: number;
  firstEpisodes: number;
  maxEpisodes: number;
  finalists: number;
  /** Episode seeds of the held-out evaluation (as `simenv eval --seeds`). */
  heldoutSeeds: number[];
  /** Progress lines (rungs, held-out runs). */
  log?: (line: string) => void;
}

/** One finalist on the training split. */
export interface TunedCandidate {
  /** 0 is the default HPA. */
  candidate: number;
  description: string;
  options: RangedHpaOptions;
  /** Mean training-episode reward with its bootstrap interval. */
  reward: MeanCi;
  components: { slo: number | null; cost: number | null; churn: number | null };
}

/** The held-out comparison of one split: eval.json's record, tuned (agent) vs default (baseline). */
export interface HeldoutComparison {
  split: SplitName;
  eval: EvalRecord;
}

/** Everything the search found. */
export interface TuneHpaResult {
  scenario: string;
  deployment: string;
  search: { method: 'successive-halving'; eta: number; budget: number; seed: number; firstEpisodes: number; maxEpisodes: number; finalists: number; trainEpisodeSeeds: number[] };
  rungs: RungReport[];
  /** Best first; `finalists[0]` is the winner. */
  finalists: TunedCandidate[];
  /** The default HPA on the same training episodes (from the search, or run for the report). */
  defaultOnTrain: TunedCandidate;
  heldout: HeldoutComparison[];
  heldoutSeeds: number[];
  wallS: number;
}

const ETA = 2;

/** Episodes of one HPA on the given seeds. */
function hpaEpisodes(env: SimEnv, options: RangedHpaOptions, seeds: readonly number[]): Promise<EpisodeSummary[]> {
  return agentEpisodes(env, createAgent('hpa', env.agentContext, { seed: seeds[0] ?? 0, hpa: options }), seeds);
}

function finalist(index: number, options: RangedHpaOptions, episodes: readonly EpisodeSummary[], bootstrapSeed: number): TunedCandidate {
  const s = agentEvalStats(episodes, { seed: bootstrapSeed, resamples: DEFAULT_RESAMPLES, level: DEFAULT_LEVEL });
  return { candidate: index, description: index === 0 ? `default (${describeHpaOptions(options)})` : describeHpaOptions(options), options, reward: s.reward, components: s.components };
}

/** Run the search and the held-out evaluation. */
export async function tuneHpa(o: TuneHpaOptions): Promise<TuneHpaResult> {
  const t0 = performance.now();
  const log = o.log ?? ((): void => {});
  const loaded = loadScenario(o.scenario);
  if (loaded.scenario.deployments !== undefined) {
    throw new UsageError(`--scenario: expected a scenario of one deployment (the search tunes one HPA), got ${loaded.scenario.name} with ${loaded.scenario.deployments.length} deployments`, {
      hint: 'tune the HPA of one of its deployments with a scenario of that deployment; docs/scenarios.md',
    });
  }
  const splits = loaded.scenario.splits ?? {};
  if (!splits.train) {
    throw new UsageError(`--scenario: expected a scenario with a train split (tuning never looks at held-out load), got ${loaded.scenario.name} with ${Object.keys(splits).join(', ') || 'none'}`, {
      hint: 'add splits.train (and splits.heldout) to the scenario; docs/scenarios.md',
    });
  }
  if (o.budget < 1) throw new UsageError(`--budget: expected at least 1 candidate, got ${o.budget}`);

  const { env: train, deployment } = await scenarioSplitEnv(o.scenario, 'train');
  let result: Omit<TuneHpaResult, 'heldout' | 'heldoutSeeds' | 'wallS'>;
  try {
    const range = hpaDefaultRange(train.agentContext);
    const rng = new Rng(o.seed);
    const candidates: RangedHpaOptions[] = [defaultHpaOptions(range)];
    while (candidates.length < o.budget) candidates.push(sampleHpaOptions(rng, range));
    // Training episodes: a block from the seed (as `simenv eval --seeds SEED --episodes N` would draw them).
    const trainSeeds = planSeeds([o.seed], o.maxEpisodes).episodeSeeds;
    const episodes = new Map<number, EpisodeSummary[]>();
    const rungs: RungReport[] = [];
    log(`[tune] ${loaded.scenario.name}: ${candidates.length} candidates (the default HPA first), successive halving (eta ${ETA}) from ${o.firstEpisodes} to ${o.maxEpisodes} training episodes, ${o.finalists} finalists`);
    const ranked = await successiveHalving(
      candidates.map((options, index) => ({ options, index })),
      async (c, from, to) => {
        const eps = await hpaEpisodes(train, c.options, trainSeeds.slice(from, to));
        const all = [...(episodes.get(c.index) ?? []), ...eps];
        episodes.set(c.index, all);
        return eps.map((e) => e.reward.total);
      },
      { firstEpisodes: o.firstEpisodes, maxEpisodes: o.maxEpisodes, finalists: o.finalists, eta: ETA },
      (r) => {
        rungs.push(r);
        log(`[tune] rung ${r.rung}: ${r.candidates} candidates x ${r.episodes} episodes, best mean ${r.bestMean.toFixed(3)}, ${r.kept} kept (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      },
    );
    const finalists = ranked.map((r) => finalist(r.index, r.candidate.options, episodes.get(r.index)!, o.seed));
    let defaultOnTrain = finalists.find((f) => f.candidate === 0);
    if (!defaultOnTrain) {
      // Knocked out early: run it on the finalists' episodes so the report compares like with like.
      const eps = [...(episodes.get(0) ?? [])];
      eps.push(...(await hpaEpisodes(train, candidates[0]!, trainSeeds.slice(eps.length))));
      defaultOnTrain = finalist(0, candidates[0]!, eps, o.seed);
    }
    result = {
      scenario: loaded.scenario.name,
      deployment,
      search: { method: 'successive-halving', eta: ETA, budget: candidates.length, seed: o.seed, firstEpisodes: o.firstEpisodes, maxEpisodes: o.maxEpisodes, finalists: o.finalists, trainEpisodeSeeds: trainSeeds },
      rungs,
      finalists,
      defaultOnTrain,
    };
  } finally {
    await train.close();
  }

  const best = result.finalists[0]!;
  const heldout: HeldoutComparison[] = [];
  const seeds = planSeeds(o.heldoutSeeds, 1).episodeSeeds;
  for (const split of ['heldout', 'heldout-workload'] as const) {
    if (!splits[split]) continue;
    log(`[tune] ${split}: the winner and the default HPA on ${seeds.length} episodes`);
    const { env } = await scenarioSplitEnv(o.scenario, split);
    try {
      const tuned = await hpaEpisodes(env, best.options, seeds);
      const dflt = await hpaEpisodes(env, result.defaultOnTrain.options, seeds);
      const record = buildEvalRecord({ label: 'hpa(tuned)', run: '', episodes: tuned }, { label: 'hpa', run: '', episodes: dflt }, seeds, o.heldoutSeeds[0]!);
      heldout.push({ split, eval: record });
    } finally {
      await env.close();
    }
  }
  return { ...result, heldout, heldoutSeeds: o.heldoutSeeds, wallS: (performance.now() - t0) / 1000 };
}
