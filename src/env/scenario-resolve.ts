import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from './errors.js';
import type { DemandOptions, SimEnvOptionsInput } from './options.js';
import { parseScenario, type Scenario, type ScenarioInput, type SplitName } from './scenario.js';
import { loadScenario, type LoadedScenario } from './scenario-files.js';

/**
 * From a scenario (and optionally a split) to `SimEnv.create` options. Pure apart from
 * reading the scenario file: the env's create() calls this, and so does the runner (to know
 * the trace, the deployment and the HPA manifest before it builds anything).
 */

/** `SimEnv.create({ scenario })`: a scenario by name, path or object, a split, and option overrides. */
export type ScenarioEnvInput = Partial<SimEnvOptionsInput> & {
  /** Built-in scenario name, scenario file path, or a scenario object (paths relative to the cwd). */
  scenario: string | ScenarioInput;
  /** Which episode windows (and workload) to use; default: the scenario's `episodeStart`. */
  split?: SplitName;
};

/** What a scenario resolved to. */
export interface ResolvedScenario {
  options: SimEnvOptionsInput;
  /** Recorded in the env's options (and so in config.json). */
  record: { name: string; file: string | null; split: string | null };
  /** Absolute path of the scenario's HPA manifest, if it names one. */
  hpa: string | null;
}

function at(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/** The demand with its file path made absolute. */
function demandAt(d: DemandOptions, baseDir: string): DemandOptions {
  return d.source === 'file' || d.source === 'load' ? { ...d, path: at(baseDir, d.path) } : d;
}

/** The SimEnv options a scenario declares, for `split` (or none). */
export function scenarioOptions(s: Scenario, baseDir: string, split?: SplitName): SimEnvOptionsInput {
  const o: Record<string, unknown> = { trace: at(baseDir, s.trace) };
  if (s.deployments !== undefined) o.deployments = [...s.deployments];
  else o.deployment = s.deployment;
  // Entry load files, like the demand's, are relative to the scenario file.
  if (s.callGraph !== undefined) o.callGraph = { ...s.callGraph, ...(s.callGraph.entries ? { entries: s.callGraph.entries.map((e) => ({ ...e, demand: demandAt(e.demand, baseDir) })) } : {}) };
  for (const k of ['stepSeconds', 'horizon', 'pastTraceEnd', 'actionMode', 'minReplicas', 'maxReplicas', 'maxDelta', 'initialReplicas', 'nodes', 'startupLatency', 'seed', 'service', 'reward'] as const) {
    if (s[k] !== undefined) o[k] = s[k];
  }
  let demand = s.demand;
  if (split !== undefined) {
    const sp = s.splits?.[split];
    if (sp === undefined) {
      const have = Object.keys(s.splits ?? {});
      throw new ConfigError('split', `expected a split scenario "${s.name}" defines (${have.join(', ') || 'it defines none'}), got "${split}"`, {
        hint: have.length > 0 ? `pass --split ${have[0]}` : 'add splits to the scenario, or leave --split out',
      });
    }
    if (sp.demand !== undefined) demand = sp.demand;
    o.episodeStart = { type: 'windows', windows: sp.windows };
  } else if (s.window !== undefined) o.episodeStart = { type: 'windows', windows: [s.window] };
  else if (s.episodeStart !== undefined) o.episodeStart = episodeStartOption(s.episodeStart);
  if (demand !== undefined) o.demand = demandAt(demand, baseDir);
  return o as SimEnvOptionsInput;
}

/** `random` | `trace-start` | seconds as a SimEnv `episodeStart`. */
export function episodeStartOption(v: 'random' | 'trace-start' | number): NonNullable<SimEnvOptionsInput['episodeStart']> {
  if (v === 'random') return { type: 'random-window' };
  if (v === 'trace-start') return { type: 'trace-start' };
  return { type: 'offset', seconds: v };
}

function isBareLoad(v: unknown): v is { source: 'load'; path: string } {
  return typeof v === 'object' && v !== null && (v as { source?: unknown }).source === 'load' && Object.keys(v).every((k) => k === 'source' || k === 'path');
}

/** Load (by name, path or object) and resolve a scenario, with the caller's overrides on top. */
export function resolveScenario(input: ScenarioEnvInput): ResolvedScenario {
  const { scenario, split, ...overrides } = input;
  const loaded: LoadedScenario =
    typeof scenario === 'string' ? loadScenario(scenario) : { scenario: parseScenario(scenario, '(inline scenario)'), file: null, baseDir: process.cwd() };
  if (split !== undefined && overrides.episodeStart !== undefined) {
    throw new ConfigError('split', 'expected either a split or an episodeStart, got both', { hint: 'a split decides where episodes start' });
  }
  const base = scenarioOptions(loaded.scenario, loaded.baseDir, split) as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) continue;
    // Service and reward weights merge field by field: `--slo-ms` keeps the scenario's capacity.
    if ((k === 'service' || k === 'reward') && typeof v === 'object' && v !== null) merged[k] = { ...(base[k] as object | undefined), ...v };
    // Another load file under the scenario's mapping (`--load FILE` on a load scenario).
    else if (k === 'demand' && isBareLoad(v) && (base.demand as DemandOptions | undefined)?.source === 'load') merged[k] = { ...(base.demand as object), path: v.path };
    else merged[k] = v;
  }
  const s = loaded.scenario;
  return {
    options: merged as SimEnvOptionsInput,
    record: { name: s.name, file: loaded.file, split: split ?? null },
    hpa: s.hpa !== undefined ? at(loaded.baseDir, s.hpa) : null,
  };
}

/** What SimEnv.create calls: resolve, or fail with the scenario's ConfigError (also for a scenario of several deployments, whose env is an ApplicationEnv). */
export async function resolveScenarioInput(input: ScenarioEnvInput): Promise<ResolvedScenario> {
  const resolved = resolveScenario(input);
  const deployments = (resolved.options as { deployments?: unknown }).deployments;
  if (Array.isArray(deployments)) {
    throw new ConfigError('scenario', `expected a scenario of one deployment for SimEnv.create({ scenario }), got ${resolved.record.name} with ${deployments.length} deployments`, {
      hint: 'create its ApplicationEnv from the resolved options: SimEnv.create(resolveScenario({ scenario }).options)',
    });
  }
  return resolved;
}
