import { createHash } from 'node:crypto';
import { episodeSeeds } from '../run-loop.js';
import type { EpisodeSummary, RunConfigRecord } from '../records.js';
import { mean, sampleStd } from '../stats.js';
import type { LoadedRun } from './load-run.js';
import { fmt, fmtMeanStd, fmtPercent } from './report-table.js';

/**
 * `simenv report --by agent`: one row per agent, per scenario. The unit of the comparison is
 * the seed, not the episode: episodes of one seed share a PRNG stream (their windows and the
 * agent's draws derive from it), so they are not independent, and a mean ± std over episodes
 * would look more certain than the evidence is. So each seed's episodes are averaged first and
 * the row reports the mean and the sample standard deviation of those per-seed means.
 *
 * What "a seed" is: `simenv run --seed S --episodes N` resets episode 0 with S and the rest with
 * seeds drawn from S (`episodeSeeds`); `simenv eval --seeds 1,2,3` does that once per listed
 * seed in one run directory. Only the per-episode seeds are recorded, so the blocks are found
 * again by re-deriving: a block starts at an episode seed S and runs as long as the next
 * recorded seeds are the ones `episodeSeeds(S, ...)` draws. A run therefore contributes one
 * seed per `--seeds` entry, and runs of the same seed (re-runs) pool into one.
 *
 * Runs are only comparable on the same scenario: trace (by content hash), deployment, backend,
 * episode shape and every env option that changes rewards (weights, service model, windows...).
 * Each scenario gets its own table; nothing is averaged across them.
 */

/** A block of consecutive episodes reset from one seed and the seeds derived from it. */
export interface SeedBlock {
  /** The seed of the block's first episode (the `--seed` / `--seeds` entry). */
  seed: number;
  /** Index of the block's first episode in the run. */
  start: number;
  /** Episodes in the block. */
  length: number;
}

/**
 * Split a run's episode seeds into the blocks `episodeSeeds` made. Greedy and exact: a derived
 * seed is a 31-bit PRNG draw, so a recorded seed that merely happens to equal the next draw
 * (and wrongly extends a block) is a one-in-two-billion event.
 */
export function seedBlocks(seeds: readonly number[]): SeedBlock[] {
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
    out.push({ seed, start: i, length });
    i += length;
  }
  return out;
}

/** A copy of `value` without `seed` keys at any depth; those go to `seeds` by path (they name a seed unit, not the agent). */
function splitSeeds(value: unknown, path: string, seeds: Record<string, unknown>): unknown {
  if (Array.isArray(value)) return value.map((v, i) => splitSeeds(v, `${path}[${i}]`, seeds));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const p = path ? `${path}.${k}` : k;
    if (k === 'seed') seeds[p] = v;
    else out[k] = splitSeeds(v, p, seeds);
  }
  return out;
}

/** JSON with object keys sorted, so equal descriptions give equal keys. */
export function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.keys(v as Record<string, unknown>)
        .sort()
        .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
    );
  };
  return JSON.stringify(sort(value)) ?? 'null';
}

/** `{a: {b: 1}, c: [1, 2]}` -> `{'a.b': '1', c: '[1,2]'}` (leaves as JSON text). */
function flatten(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out[prefix] = '{}';
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = typeof value === 'string' ? value : canonicalJson(value);
  }
  return out;
}

/** Flattened paths whose values are not the same in every one of `items`. */
function differingPaths(items: ReadonlyArray<Record<string, string>>): string[] {
  const paths = new Set(items.flatMap((i) => Object.keys(i)));
  return [...paths].filter((p) => new Set(items.map((i) => i[p] ?? '(unset)')).size > 1).sort();
}

/** The action space an agent was given: part of what the agent is, not of the scenario. */
export interface ActionInterface {
  mode: 'absolute' | 'delta';
  minReplicas: number | null;
  maxReplicas: number | null;
  /** Only in delta mode (ignored by the env otherwise). */
  maxDelta: number | null;
}

/** What identifies an agent across runs: equal descriptions are one row. */
export interface AgentDescription {
  name: string;
  /** The agent's recorded settings without seeds (and without the informational `tfBackend`). */
  params: Record<string, unknown>;
  actions: ActionInterface | null;
}

const ACTION_KEYS = ['actionMode', 'maxDelta', 'minReplicas', 'maxReplicas'] as const;

function num(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

function actionInterface(config: RunConfigRecord | null): ActionInterface | null {
  const env = config?.env;
  if (!env || (env.actionMode !== 'absolute' && env.actionMode !== 'delta')) return null;
  return {
    mode: env.actionMode,
    minReplicas: num(env.minReplicas),
    maxReplicas: num(env.maxReplicas),
    maxDelta: env.actionMode === 'delta' ? num(env.maxDelta) : null,
  };
}

/** `absolute 1..20`, `delta ±4 1..20`, `-` when the run has no config.json. */
export function fmtActions(a: ActionInterface | null): string {
  if (!a) return '-';
  const range = a.minReplicas !== null && a.maxReplicas !== null ? ` ${a.minReplicas}..${a.maxReplicas}` : '';
  return a.mode === 'delta' ? `delta ±${a.maxDelta ?? '?'}${range}` : `absolute${range}`;
}

/**
 * The agent of a run, and the seed-like settings taken out of it. Seeds are split off because
 * the same agent under several seeds (the random agent's draws, a policy per training seed)
 * is exactly what a row should pool; `tfBackend` because it only says which tfjs build ran.
 */
export function describeAgent(run: LoadedRun): { description: AgentDescription; agentSeeds: Record<string, unknown> } {
  const agent = run.config?.agent ?? run.summary.agent;
  const agentSeeds: Record<string, unknown> = {};
  const params = splitSeeds(agent.params, '', agentSeeds) as Record<string, unknown>;
  delete params.tfBackend;
  return { description: { name: agent.name, params, actions: actionInterface(run.config) }, agentSeeds };
}

/** Where a run ran: runs are compared only within one scenario. */
export interface ScenarioDescription {
  trace: string | null;
  /** SHA-256 of the trace file (null when unknown: the scenario then keys on the path). */
  traceSha256: string | null;
  deployment: string;
  backend: string;
  mode: 'one-step' | 'multi-step';
  stepSeconds: number | null;
  durationSeconds: number | null;
  /**
   * SimEnv's resolved options that shape the reward, i.e. all of them except the trace path
   * (the hash stands for it), the env's default seed (every episode is reset with its own), the
   * action space (the agent's, above) and kube connection details. Null without config.json.
   */
  env: Record<string, unknown> | null;
}

const ENV_NOT_SCENARIO = new Set<string>(['trace', 'seed', 'kube', ...ACTION_KEYS]);
/** Kube options that change what is simulated (the rest say where and as whom). */
const KUBE_SCENARIO_KEYS = ['mode', 'speed', 'workloads'];

export function describeScenario(run: LoadedRun): ScenarioDescription {
  const c = run.config;
  const s = run.summary;
  if (!c) {
    return { trace: s.trace, traceSha256: null, deployment: s.deployment, backend: s.backend, mode: s.mode, stepSeconds: null, durationSeconds: null, env: null };
  }
  const env: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.env)) if (!ENV_NOT_SCENARIO.has(k)) env[k] = v;
  if (c.env.kube !== null && typeof c.env.kube === 'object') {
    const kube = c.env.kube as Record<string, unknown>;
    env.kube = Object.fromEntries(KUBE_SCENARIO_KEYS.filter((k) => k in kube).map((k) => [k, kube[k]]));
  }
  return {
    trace: c.trace.path,
    traceSha256: c.trace.sha256,
    deployment: c.deployment,
    backend: c.backend,
    mode: c.mode,
    stepSeconds: c.stepSeconds,
    durationSeconds: c.durationSeconds,
    env,
  };
}

function scenarioKey(d: ScenarioDescription): string {
  // The path only when there is no hash: the same bytes under two paths are one scenario.
  return canonicalJson({ ...d, trace: d.traceSha256 === null ? d.trace : null });
}

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
  /** Policy directories named on the command lines of the runs (`--policy DIR`), if any. */
  policies: string[];
  /** Seeds with at least one complete episode (the n of the std). */
  seeds: number;
  episodes: number;
  /** Mean and sample (n - 1) standard deviation over seeds of the per-seed mean episode reward. */
  reward: { mean: number | null; std: number | null };
  rewardComponents: { slo: number; cost: number; churn: number } | null;
  sloViolationRate: number | null;
  cpuHoursPerEpisode: number | null;
  replicaChangesPerEpisode: number | null;
  perSeed: SeedFigures[];
  /** Runs that did not complete, as `id (status)`: their complete episodes still count. */
  notCompleted: string[];
}

/** One table of `--by agent`. */
export interface ScenarioTable {
  /** One line naming the scenario (trace, deployment, backend, episode shape). */
  label: string;
  /** Env options (flattened, `path=value`) that set this scenario apart from the others in the report. */
  differs: string[];
  scenario: ScenarioDescription;
  agents: AgentRow[];
}

/** The whole `--by agent` report (also its `--json` form, plus `html`). */
export interface AgentReport {
  by: 'agent';
  /** How the ± is computed, spelled out for readers of the JSON. */
  std: 'sample standard deviation (n - 1) over seeds of the per-seed mean episode reward';
  scenarios: ScenarioTable[];
}

interface UnitAcc {
  seed: number;
  agentSeeds: Record<string, unknown>;
  runs: Set<string>;
  planned: number;
  episodes: EpisodeSummary[];
}

interface GroupAcc {
  description: AgentDescription;
  runs: LoadedRun[];
  units: Map<string, UnitAcc>;
}

/** The planned episode seeds of a run: config.json's, else the summary's (a prefix of the plan). */
function plannedSeeds(run: LoadedRun): number[] {
  return run.config?.episodeSeeds ?? [...run.summary.perEpisode].sort((a, b) => a.episode - b.episode).map((e) => e.seed);
}

function addRun(group: GroupAcc, run: LoadedRun, agentSeeds: Record<string, unknown>): void {
  group.runs.push(run);
  const blocks = seedBlocks(plannedSeeds(run));
  const seedKey = canonicalJson(agentSeeds);
  const unitOf: UnitAcc[] = [];
  for (const b of blocks) {
    const key = `${b.seed} ${seedKey}`;
    let u = group.units.get(key);
    if (!u) group.units.set(key, (u = { seed: b.seed, agentSeeds, runs: new Set(), planned: 0, episodes: [] }));
    u.runs.add(run.id);
    u.planned += b.length;
    for (let i = 0; i < b.length; i++) unitOf[b.start + i] = u;
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

function fmtAgentSeeds(s: Record<string, unknown>): string {
  return Object.entries(s)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : canonicalJson(v)}`)
    .join(',');
}

function agentRow(g: GroupAcc, label: string): AgentRow {
  const units = [...g.units.values()].sort((a, b) => a.seed - b.seed || canonicalJson(a.agentSeeds).localeCompare(canonicalJson(b.agentSeeds)));
  const seedCounts = new Map<number, number>();
  for (const u of units) seedCounts.set(u.seed, (seedCounts.get(u.seed) ?? 0) + 1);
  const perSeed = units.map((u) => seedFigures(u, seedCounts.get(u.seed)! > 1 && Object.keys(u.agentSeeds).length > 0 ? `s${u.seed}[${fmtAgentSeeds(u.agentSeeds)}]` : `s${u.seed}`));
  const counted = perSeed.filter((s) => s.episodes > 0);
  const over = (f: (s: SeedFigures) => number | null): number | null => mean(counted.map(f).filter((x): x is number => x !== null));
  const means = counted.map((s) => s.rewardMean!);
  const policies = new Set<string>();
  for (const r of g.runs) {
    const cmd = r.config?.command ?? [];
    const at = cmd.indexOf('--policy');
    if (at >= 0 && cmd[at + 1] !== undefined) policies.add(cmd[at + 1]!);
    for (const w of cmd) if (w.startsWith('--policy=')) policies.add(w.slice('--policy='.length));
  }
  return {
    agent: label,
    name: g.description.name,
    params: g.description.params,
    actions: fmtActions(g.description.actions),
    runs: g.runs.map((r) => r.id),
    policies: [...policies],
    seeds: counted.length,
    episodes: counted.reduce((a, s) => a + s.episodes, 0),
    reward: { mean: mean(means), std: sampleStd(means) },
    rewardComponents:
      counted.length === 0 ? null : { slo: over((s) => s.rewardComponents!.slo)!, cost: over((s) => s.rewardComponents!.cost)!, churn: over((s) => s.rewardComponents!.churn)! },
    sloViolationRate: over((s) => s.sloViolationRate),
    cpuHoursPerEpisode: over((s) => s.cpuHoursPerEpisode),
    replicaChangesPerEpisode: over((s) => s.replicaChangesPerEpisode),
    perSeed,
    notCompleted: g.runs.filter((r) => r.summary.status !== 'completed').map((r) => `${r.id} (${r.summary.status})`),
  };
}

const MAX_LABEL_PATHS = 3;

/**
 * Row labels of one table: the agent name, plus what differs between descriptions that share
 * the name there (e.g. `hpa(targetUtilisation=60)` and `hpa(targetUtilisation=80)`). Per table,
 * because settings that follow the scenario (maxReplicas defaults to the deployment's) would
 * otherwise label every row of a multi-scenario report.
 */
function agentLabels(descriptions: ReadonlyMap<string, AgentDescription>): Map<string, string> {
  const byName = new Map<string, string[]>();
  for (const [key, d] of descriptions) byName.set(d.name, [...(byName.get(d.name) ?? []), key]);
  const labels = new Map<string, string>();
  for (const [name, keys] of byName) {
    if (keys.length === 1) {
      labels.set(keys[0]!, name);
      continue;
    }
    const flat = keys.map((k): Record<string, string> => {
      const d = descriptions.get(k)!;
      return { ...flatten(d.params), ...(d.actions ? { actions: fmtActions(d.actions) } : {}) };
    });
    const paths = differingPaths(flat);
    keys.forEach((k, i) => {
      const shown = paths.slice(0, MAX_LABEL_PATHS).map((p) => `${p}=${flat[i]![p] ?? '(unset)'}`);
      // Past a few settings the label stops being readable; a short hash keeps it unique.
      const more = paths.length > MAX_LABEL_PATHS ? `,+${paths.length - MAX_LABEL_PATHS} more #${createHash('sha256').update(k).digest('hex').slice(0, 6)}` : '';
      labels.set(k, `${name}(${shown.join(',')}${more})`);
    });
  }
  return labels;
}

function fmtSeconds(s: number): string {
  return `${fmt(s, 6)} s`;
}

function scenarioLabel(d: ScenarioDescription): string {
  const trace = d.traceSha256 ? `${d.trace ?? '(decoded trace)'} (sha256:${d.traceSha256.slice(0, 12)})` : `${d.trace ?? '(decoded trace)'} (not hashed)`;
  let shape: string;
  if (d.stepSeconds === null) shape = d.mode;
  else if (d.mode === 'one-step') shape = `one-step of ${fmtSeconds(d.stepSeconds)}`;
  else if (d.durationSeconds === null) shape = `${fmtSeconds(d.stepSeconds)} steps to the trace end`;
  else shape = `${fmtSeconds(d.stepSeconds)} steps x ${Math.floor(d.durationSeconds / d.stepSeconds)} (${fmtSeconds(d.durationSeconds)})`;
  return `trace ${trace}, deployment ${d.deployment}, ${d.backend} backend, ${shape}${d.env === null ? ', no config.json (env options unknown)' : ''}`;
}

const MAX_DIFFERS = 6;
/** Env options the scenario line names (deployment, backend, episode shape). */
const IN_SCENARIO_LABEL = ['deployment', 'backend', 'stepSeconds', 'horizon', 'oneStep'];

/** Group loaded runs by scenario, then by agent. Order: first appearance in `runs`. */
export function groupByAgent(runs: readonly LoadedRun[]): AgentReport {
  const scenarios = new Map<string, { description: ScenarioDescription; groups: Map<string, GroupAcc> }>();
  for (const run of runs) {
    const sd = describeScenario(run);
    const sk = scenarioKey(sd);
    let sc = scenarios.get(sk);
    if (!sc) scenarios.set(sk, (sc = { description: sd, groups: new Map() }));
    const { description, agentSeeds } = describeAgent(run);
    const ak = canonicalJson(description);
    let g = sc.groups.get(ak);
    if (!g) sc.groups.set(ak, (g = { description, runs: [], units: new Map() }));
    addRun(g, run, agentSeeds);
  }
  const list = [...scenarios.values()];
  const flatEnvs = list.map((s) => flatten({ env: s.description.env ?? {} }));
  // What the scenario line already says is not repeated among the differences.
  const envPaths = list.length > 1 ? differingPaths(flatEnvs).filter((p) => !IN_SCENARIO_LABEL.some((k) => p === `env.${k}` || p.startsWith(`env.${k}.`))) : [];
  return {
    by: 'agent',
    std: 'sample standard deviation (n - 1) over seeds of the per-seed mean episode reward',
    scenarios: list.map((s, i) => {
      const differs = envPaths.map((p) => `${p.replace(/^env\./, '')}=${flatEnvs[i]![p] ?? '(unset)'}`);
      const labels = agentLabels(new Map([...s.groups.entries()].map(([k, g]) => [k, g.description])));
      return {
        label: scenarioLabel(s.description),
        differs,
        scenario: s.description,
        agents: [...s.groups.entries()].map(([k, g]) => agentRow(g, labels.get(k)!)),
      };
    }),
  };
}

const MAX_SEEDS_SHOWN = 6;

/** `s1=-6.84 s2=-7.02 ...`: at most a handful, the rest counted (all of them are in --json). */
export function fmtPerSeed(perSeed: readonly SeedFigures[]): string {
  // One number of decimals for the whole cell (3 significant digits of the largest), so the
  // seeds read as a column of figures: -7.50 next to -7.03, not -7.5.
  const values = perSeed.map((s) => s.rewardMean).filter((x): x is number => x !== null && Number.isFinite(x) && x !== 0);
  const top = values.length > 0 ? Math.max(...values.map(Math.abs)) : 1;
  const decimals = Math.min(6, Math.max(0, 2 - Math.floor(Math.log10(top))));
  const value = (x: number | null): string => (x === null || !Number.isFinite(x) ? '-' : x.toFixed(decimals));
  const cell = (s: SeedFigures): string => `${s.label}${s.episodes < s.episodesPlanned ? '*' : ''}=${value(s.rewardMean)}`;
  if (perSeed.length <= MAX_SEEDS_SHOWN) return perSeed.map(cell).join(' ');
  const shown = perSeed.slice(0, MAX_SEEDS_SHOWN - 1).map(cell);
  return `${shown.join(' ')} ... (+${perSeed.length - shown.length} more)`;
}

/**
 * `mean ± std` with both to the mean's 4 significant digits: the spread over seeds is the point
 * of this table, so it keeps its digits (`-4.875 ± 1.049`, not `± 1`).
 */
export function fmtRewardMeanStd(mean: number | null, std: number | null): string {
  if (mean === null || !Number.isFinite(mean)) return '-';
  if (mean === 0 || Math.abs(mean) >= 1e6 || Math.abs(mean) < 1e-3) return fmtMeanStd(mean, std);
  const decimals = Math.min(6, Math.max(0, 3 - Math.floor(Math.log10(Math.abs(mean)))));
  return `${mean.toFixed(decimals)} ± ${std === null ? '-' : std.toFixed(decimals)}`;
}

/** Column headers and cell text of an agent row, in table order. */
export function agentCells(r: AgentRow): Record<string, string> {
  return {
    agent: r.agent,
    actions: r.actions,
    runs: String(r.runs.length),
    seeds: String(r.seeds),
    episodes: String(r.episodes),
    'reward (mean ± std)': fmtRewardMeanStd(r.reward.mean, r.reward.std),
    'r.slo': fmt(r.rewardComponents?.slo ?? null, 3),
    'r.cost': fmt(r.rewardComponents?.cost ?? null, 3),
    'r.churn': fmt(r.rewardComponents?.churn ?? null, 3),
    'SLO viol.': fmtPercent(r.sloViolationRate),
    'CPU-h/ep': fmt(r.cpuHoursPerEpisode, 3),
    'changes/ep': fmt(r.replicaChangesPerEpisode, 3),
    'per-seed mean reward': fmtPerSeed(r.perSeed),
  };
}

const AGENT_TEXT_COLUMNS = new Set(['agent', 'actions', 'per-seed mean reward']);

function alignedTable(cells: ReadonlyArray<Record<string, string>>, text: ReadonlySet<string>): string {
  const headers = Object.keys(cells[0]!);
  const widths = headers.map((h) => Math.max(h.length, ...cells.map((c) => c[h]!.length)));
  const pad = (s: string, i: number): string => (text.has(headers[i]!) ? s.padEnd(widths[i]!) : s.padStart(widths[i]!));
  return [headers.map(pad).join('  '), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map((c) => headers.map((h, i) => pad(c[h]!, i)).join('  '))]
    .map((l) => l.trimEnd())
    .join('\n');
}

/** The first line of `--by agent` text: which grouping, and what the ± means. */
export const AGENT_REPORT_HEADER = [
  'grouped by agent (--by agent): one row per agent and scenario',
  "reward: mean ± sample std (n-1) over seeds of each seed's mean episode reward; r.slo, r.cost, r.churn: mean reward components per episode",
].join('\n');

/** The text of `simenv report --by agent`. */
export function formatAgentReport(report: AgentReport): string {
  if (report.scenarios.length === 0) return `${AGENT_REPORT_HEADER}\n(no runs)`;
  const out: string[] = [AGENT_REPORT_HEADER];
  const n = report.scenarios.length;
  report.scenarios.forEach((s, i) => {
    out.push('');
    out.push(`scenario ${i + 1} of ${n}: ${s.label}`);
    if (s.differs.length > 0) {
      const shown = s.differs.slice(0, MAX_DIFFERS).join(', ');
      out.push(`  env differs from the other scenarios: ${shown}${s.differs.length > MAX_DIFFERS ? `, +${s.differs.length - MAX_DIFFERS} more (see --json)` : ''}`);
    }
    out.push(alignedTable(s.agents.map(agentCells), AGENT_TEXT_COLUMNS));
    if (s.agents.some((a) => a.perSeed.some((p) => p.episodes < p.episodesPlanned))) {
      out.push('* fewer complete episodes than planned for that seed (the mean is over those that completed)');
    }
    const unfinished = s.agents.flatMap((a) => a.notCompleted);
    if (unfinished.length > 0) out.push(`not completed: ${unfinished.join(', ')}`);
  });
  if (n > 1) out.push('', `${n} scenarios: rewards are not comparable across them, so each has its own table`);
  return out.join('\n');
}
