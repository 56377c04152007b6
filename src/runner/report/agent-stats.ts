import { episodeSeeds } from '../run-loop.js';
import type { EpisodeSummary } from '../records.js';
import type { SeedBlock } from '../seed-plan.js';
import { mean, sampleStd } from '../stats.js';
import type { AgentDescription } from './agent-grouping.js';
import { canonicalJson } from './canonical-json.js';
import { fmtActions, fmtAgentSeeds } from './agent-format.js';
import type { LoadedRun } from './load-run.js';

/**
 * The figures of `simenv report --by agent` (see agent-grouping.ts for the grouping): a
 * run's episodes go to the seed block they came from, each seed's complete episodes are
 * averaged, and an agent's row is the mean, and the sample std, over its seeds.
 */

/** Figures of one seed of one agent (its episodes pooled over every run that ran it). */
export interface SeedFigures {
  /** The seed its episodes were derived from. */
  seed: number;
  /** Seed-like agent settings (e.g. `training.seed`) that tell two units of one `seed` apart. */
  agentSeeds: Record<string, unknown>;
  /** As printed: `s<seed>`, plus the agent seeds when two units of one agent share `seed`. */
  label: string;
  runs: string[];
  /** Episodes the runs planned for this seed, and how many completed (only those count). */
  episodesPlanned: number;
  episodes: number;
  rewardMean: number | null;
  /** Mean per-episode reward components (weighted, <= 0). */
  rewardComponents: { slo: number; cost: number; churn: number } | null;
  /** Share of simulated time the SLO was broken. */
  sloViolationRate: number | null;
  cpuHoursPerEpisode: number | null;
  replicaChangesPerEpisode: number | null;
}

/** One row of `--by agent`: every figure is a mean over seeds of the per-seed figure. */
export interface AgentRow {
  /** As printed: the name, plus the settings that tell it from other agents of that name. */
  agent: string;
  name: string;
  params: Record<string, unknown>;
  actions: string;
  runs: string[];
  /** Their directories (absolute), in the order of `runs`: ids repeat across eval output directories. */
  runDirs: string[];
  /** Policy directories named on the command lines of the runs (`--policy DIR`), if any. */
  policies: string[];
  /** Seeds with at least one complete episode (the n of the std). */
  seeds: number;
  episodes: number;
  /** Mean and sample (n - 1) standard deviation over seeds of the per-seed mean episode reward. */
  reward: { mean: number | null; std: number | null };
  /**
   * 95% interval of the mean over seeds: mean ± t(0.975, n-1) x std / sqrt(n) (Student's t,
   * the seeds taken as a sample); null below two seeds.
   */
  rewardCi95: { lo: number; hi: number } | null;
  rewardComponents: { slo: number; cost: number; churn: number } | null;
  sloViolationRate: number | null;
  cpuHoursPerEpisode: number | null;
  replicaChangesPerEpisode: number | null;
  perSeed: SeedFigures[];
  /** Runs that did not complete, as `id (status)`: their complete episodes still count. */
  notCompleted: string[];
}

/** One seed unit of an agent while runs are added. */
export interface UnitAcc {
  seed: number;
  agentSeeds: Record<string, unknown>;
  runs: Set<string>;
  planned: number;
  episodes: EpisodeSummary[];
}

/** One agent of one scenario while runs are added. */
export interface GroupAcc {
  description: AgentDescription;
  runs: LoadedRun[];
  units: Map<string, UnitAcc>;
}

/**
 * The seed blocks of a run: config.json's `seedBlocks`; for a run directory without them
 * (written before they were recorded, or with no config.json) they are re-derived from the
 * planned episode seeds (config.json's, else the summary's, a prefix of the plan).
 */
export function runSeedBlocks(run: LoadedRun): SeedBlock[] {
  if (run.config?.seedBlocks) return run.config.seedBlocks;
  const seeds = run.config?.episodeSeeds ?? [...run.summary.perEpisode].sort((a, b) => a.episode - b.episode).map((e) => e.seed);
  return deriveSeedBlocks(seeds);
}

/**
 * Split a run's episode seeds into the blocks `episodeSeeds` made, for run directories that
 * did not record them. Greedy and exact: a derived
 * seed is a 31-bit PRNG draw, so a recorded seed that merely happens to equal the next draw
 * (and wrongly extends a block) is a one-in-two-billion event.
 */
export function deriveSeedBlocks(seeds: readonly number[]): SeedBlock[] {
  const out: SeedBlock[] = [];
  let i = 0;
  while (i < seeds.length) {
    const seed = seeds[i]!;
    let length = 1;
    // Draw in doubling chunks: a long block costs O(length), many 1-episode blocks O(1) each.
    let want = Math.min(seeds.length - i, 16);
    for (;;) {
      const derived = episodeSeeds(seed, want);
      while (length < want && seeds[i + length] === derived[length]) length++;
      if (length < want || i + want >= seeds.length) break;
      want = Math.min(seeds.length - i, want * 2);
    }
    out.push({ seed, firstEpisode: i, episodes: length });
    i += length;
  }
  return out;
}

export function addRun(group: GroupAcc, run: LoadedRun, agentSeeds: Record<string, unknown>): void {
  group.runs.push(run);
  const blocks = runSeedBlocks(run);
  const seedKey = canonicalJson(agentSeeds);
  const unitOf: UnitAcc[] = [];
  for (const b of blocks) {
    const key = `${b.seed} ${seedKey}`;
    let u = group.units.get(key);
    if (!u) group.units.set(key, (u = { seed: b.seed, agentSeeds, runs: new Set(), planned: 0, episodes: [] }));
    u.runs.add(run.id);
    u.planned += b.episodes;
    for (let i = 0; i < b.episodes; i++) unitOf[b.firstEpisode + i] = u;
  }
  for (const e of run.summary.perEpisode) {
    // Episodes cut short are left out, as in summary.json's mean: a partial episode's reward
    // covers less time and is not comparable.
    if (!e.complete) continue;
    unitOf[e.episode]?.episodes.push(e);
  }
}

function seedFigures(u: UnitAcc, label: string): SeedFigures {
  const eps = u.episodes;
  const simS = eps.reduce((a, e) => a + e.simSeconds, 0);
  return {
    seed: u.seed,
    agentSeeds: u.agentSeeds,
    label,
    runs: [...u.runs],
    episodesPlanned: u.planned,
    episodes: eps.length,
    rewardMean: mean(eps.map((e) => e.reward.total)),
    rewardComponents:
      eps.length === 0 ? null : { slo: mean(eps.map((e) => e.reward.slo))!, cost: mean(eps.map((e) => e.reward.cost))!, churn: mean(eps.map((e) => e.reward.churn))! },
    sloViolationRate: simS > 0 ? eps.reduce((a, e) => a + e.violationSeconds, 0) / simS : null,
    cpuHoursPerEpisode: eps.length === 0 ? null : mean(eps.map((e) => e.cpuSeconds))! / 3600,
    replicaChangesPerEpisode: mean(eps.map((e) => e.replicaChanges)),
  };
}

/** Student's t quantile t(0.975, df) for df = 1..30 (above: the normal's 1.96 is within 2%). */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** The 95% t-interval of the mean of `xs`; null below two values. */
export function tInterval95(xs: readonly number[]): { lo: number; hi: number } | null {
  const sd = sampleStd(xs);
  if (sd === null) return null;
  const m = mean(xs)!;
  const half = (T975[xs.length - 2] ?? 1.96) * (sd / Math.sqrt(xs.length));
  return { lo: m - half, hi: m + half };
}

/** Policy directories named on the command lines of `runs` (`--policy DIR`), each once. */
export function policyDirsOf(runs: readonly LoadedRun[]): string[] {
  const policies = new Set<string>();
  for (const r of runs) {
    const cmd = r.config?.command ?? [];
    const at = cmd.indexOf('--policy');
    if (at >= 0 && cmd[at + 1] !== undefined) policies.add(cmd[at + 1]!);
    for (const w of cmd) if (w.startsWith('--policy=')) policies.add(w.slice('--policy='.length));
  }
  return [...policies];
}

/** The row of one agent, labelled `label`. */
export function agentRow(g: GroupAcc, label: string): AgentRow {
  const units = [...g.units.values()].sort((a, b) => a.seed - b.seed || canonicalJson(a.agentSeeds).localeCompare(canonicalJson(b.agentSeeds)));
  const seedCounts = new Map<number, number>();
  for (const u of units) seedCounts.set(u.seed, (seedCounts.get(u.seed) ?? 0) + 1);
  const perSeed = units.map((u) => seedFigures(u, seedCounts.get(u.seed)! > 1 && Object.keys(u.agentSeeds).length > 0 ? `s${u.seed}[${fmtAgentSeeds(u.agentSeeds)}]` : `s${u.seed}`));
  const counted = perSeed.filter((s) => s.episodes > 0);
  const over = (f: (s: SeedFigures) => number | null): number | null => mean(counted.map(f).filter((x): x is number => x !== null));
  const means = counted.map((s) => s.rewardMean!);
  const policies = policyDirsOf(g.runs);
  return {
    agent: label,
    name: g.description.name,
    params: g.description.params,
    actions: fmtActions(g.description.actions),
    runs: g.runs.map((r) => r.id),
    runDirs: g.runs.map((r) => r.dir),
    policies,
    seeds: counted.length,
    episodes: counted.reduce((a, s) => a + s.episodes, 0),
    reward: { mean: mean(means), std: sampleStd(means) },
    rewardCi95: tInterval95(means),
    rewardComponents:
      counted.length === 0 ? null : { slo: over((s) => s.rewardComponents!.slo)!, cost: over((s) => s.rewardComponents!.cost)!, churn: over((s) => s.rewardComponents!.churn)! },
    sloViolationRate: over((s) => s.sloViolationRate),
    cpuHoursPerEpisode: over((s) => s.cpuHoursPerEpisode),
    replicaChangesPerEpisode: over((s) => s.replicaChangesPerEpisode),
    perSeed,
    notCompleted: g.runs.filter((r) => r.summary.status !== 'completed').map((r) => `${r.id} (${r.summary.status})`),
  };
}

