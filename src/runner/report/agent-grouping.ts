import type { RunConfigRecord } from '../records.js';
import { fmtActions, scenarioLabel } from './agent-format.js';
import { canonicalJson } from './canonical-json.js';
import { differingPaths, flatten } from './json-paths.js';
import { addRun, agentRow, policyDirsOf, type AgentRow, type GroupAcc } from './agent-stats.js';
import { shortAgentLabels } from './agent-labels.js';
import { policyName } from './load-training.js';
import type { LoadedRun } from './load-run.js';

/**
 * `simenv report --by agent`: one row per agent, per scenario. The unit of the comparison is
 * the seed, not the episode: episodes of one seed share a PRNG stream (their windows and the
 * agent's draws derive from it), so they are not independent, and a mean ± std over episodes
 * would look more certain than the evidence is. So each seed's episodes are averaged first and
 * the row reports the mean and the sample standard deviation of those per-seed means.
 *
 * What "a seed" is: `simenv run --seed S --episodes N` resets episode 0 with S and the rest with
 * seeds drawn from S (`episodeSeeds`); `simenv eval --seeds 1,2,3` does that once per listed
 * seed in one run directory. config.json records these blocks (`seedBlocks`), and the report reads
 * them (agent-stats.ts). A run therefore contributes one seed per `--seeds` entry, and runs of
 * the same seed (re-runs) pool into one.
 *
 * This module groups runs by scenario and agent; agent-stats.ts computes the figures and
 * agent-format.ts writes the text.
 *
 * Runs are only comparable on the same scenario: trace (by content hash), deployment, backend,
 * episode shape and every env option that changes rewards (weights, service model, windows...).
 * Each scenario gets its own table; nothing is averaged across them.
 */

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

/**
 * Row labels of one table (agent-labels.ts): per table, because settings that follow the
 * scenario (maxReplicas defaults to the deployment's) would otherwise label every row of a
 * multi-scenario report.
 */
function agentLabels(groups: ReadonlyMap<string, GroupAcc>): Map<string, string> {
  const keys = [...groups.keys()];
  const subjects = keys.map((k) => {
    const g = groups.get(k)!;
    return { name: g.description.name, params: g.description.params, policies: policyDirsOf(g.runs).map(policyName) };
  });
  // The action space has its own column: it joins a label only when the settings alone leave two rows alike.
  let labels = shortAgentLabels(subjects);
  if (new Set(labels).size < labels.length) labels = shortAgentLabels(subjects.map((s, i) => ({ ...s, actions: fmtActions(groups.get(keys[i]!)!.description.actions) })));
  return new Map(keys.map((k, i) => [k, labels[i]!]));
}

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
      const labels = agentLabels(s.groups);
      return {
        label: scenarioLabel(s.description),
        differs,
        scenario: s.description,
        agents: [...s.groups.entries()].map(([k, g]) => agentRow(g, labels.get(k)!)),
      };
    }),
  };
}

