import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Agent } from '../agents/agent.js';
import type { SimEnv } from '../env/sim-env.js';
import { RUN_RECORD_FORMAT, type AgentRecord, type RunConfigRecord, type SummaryRecord } from './records.js';
import { newRunDirName, RunWriter, type LogFlush } from './run-dir.js';
import { episodeSeeds, runAgent, type RunAgentOptions, type RunMeta } from './run-loop.js';
import { checkSeedBlocks, type SeedBlock } from './seed-plan.js';
import { TimelineWriter } from './timeline.js';
import { SIMENV_VERSION } from './version.js';

/**
 * Runs with a run directory, for programs: `recordRun({ env, agent })` does what `simenv run`
 * does after parsing its flags (config.json, step.jsonl, summary.json) and answers with the
 * directory and the summary. The CLI builds on the same two functions.
 */

/** Hex SHA-256 and size of a file's bytes. */
export function fileSha256(path: string): { sha256: string; bytes: number } {
  const bytes = readFileSync(path);
  return { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
}

/** The agent as runs record it: its name and its `describe()` as plain JSON. */
export function agentRecord(agent: Agent): AgentRecord {
  let params: Record<string, unknown> = {};
  try {
    params = JSON.parse(JSON.stringify(agent.describe?.() ?? {})) as Record<string, unknown>;
  } catch {
    params = { describe: 'not JSON-serialisable' };
  }
  return { name: agent.name, params };
}

/** One-step or multi-step, episode length and step length, as the env's options say. */
export function episodeShape(env: SimEnv): { mode: 'one-step' | 'multi-step'; durationSeconds: number | null; stepSeconds: number } {
  const o = env.options;
  if (o.oneStep) return { mode: 'one-step', durationSeconds: o.oneStep.durationSeconds, stepSeconds: o.oneStep.durationSeconds };
  return { mode: 'multi-step', durationSeconds: o.horizon !== null ? o.horizon * o.stepSeconds : null, stepSeconds: o.stepSeconds };
}

export interface RunConfigInput {
  runId: string;
  env: SimEnv;
  agent: AgentRecord;
  seed: number;
  /** Every episode's seed, in order. */
  seeds: readonly number[];
  /** The blocks of `seeds` per listed seed (see seed-plan.ts); default one block, from `seed`. */
  seedBlocks?: readonly SeedBlock[];
  command?: string[];
}

/** The `config.json` record of a run of `env`. */
export function buildRunConfig(i: RunConfigInput): RunConfigRecord {
  const seedBlocks = i.seedBlocks ? i.seedBlocks.map((b) => ({ ...b })) : i.seeds.length > 0 ? [{ seed: i.seed, firstEpisode: 0, episodes: i.seeds.length }] : [];
  checkSeedBlocks(seedBlocks, i.seeds);
  const tracePath = i.env.options.trace;
  const isFile = existsSync(tracePath) && statSync(tracePath).isFile();
  const hash = isFile ? fileSha256(tracePath) : null;
  return {
    format: RUN_RECORD_FORMAT,
    run: i.runId,
    createdAt: new Date().toISOString(),
    simenvVersion: SIMENV_VERSION,
    nodeVersion: process.version,
    command: i.command ?? [],
    seed: i.seed,
    episodes: i.seeds.length,
    episodeSeeds: [...i.seeds],
    seedList: seedBlocks.map((b) => b.seed),
    seedBlocks,
    ...episodeShape(i.env),
    agent: i.agent,
    trace: { path: isFile ? tracePath : null, sha256: hash?.sha256 ?? null, bytes: hash?.bytes ?? null },
    backend: i.env.backendKind,
    deployment: i.env.options.deployment,
    describe: i.env.describe(),
    env: JSON.parse(JSON.stringify(i.env.options)) as Record<string, unknown>,
  };
}

/** The `RunMeta` of a config record (what the summary repeats). */
export function runMetaOf(config: RunConfigRecord): RunMeta {
  return { run: config.run, agent: config.agent, backend: config.backend, deployment: config.deployment, trace: config.trace.path, mode: config.mode };
}

/** Options of `recordRun`. */
export interface RecordRunOptions extends Pick<RunAgentOptions, 'signal' | 'onProgress' | 'onReset' | 'onStep' | 'onEpisodeEnd'> {
  env: SimEnv;
  agent: Agent;
  /** Episodes (default 1). */
  episodes?: number;
  /** Run seed (default the env's `seed` option); episode seeds derive from it. */
  seed?: number;
  /** Parent of the run directory (default `runs`). */
  out?: string;
  /** Run directory name (default: time, agent name, random suffix). Never overwritten. */
  runId?: string;
  /**
   * How step.jsonl is written: `step` (default, one write per step) or `batched` (a write per
   * 256 lines or 200 ms, and at every episode end; see RunWriter).
   */
  flush?: LogFlush;
  /** Also write timeline.jsonl (every constant-state interval; `simenv run --timeline`). */
  timeline?: boolean;
}

/** Run `agent` in `env` and log it to `<out>/<run-id>/`. Resolves when summary.json is written. */
export async function recordRun(opts: RecordRunOptions): Promise<{ dir: string; summary: SummaryRecord; error: unknown }> {
  const seed = opts.seed ?? opts.env.options.seed;
  const seeds = episodeSeeds(seed, opts.episodes ?? 1);
  const config = buildRunConfig({ runId: opts.runId ?? newRunDirName(opts.agent.name), env: opts.env, agent: agentRecord(opts.agent), seed, seeds });
  const writer = RunWriter.create(opts.out ?? 'runs', config, { flush: opts.flush ?? 'step' });
  const timeline = opts.timeline ? new TimelineWriter(writer.dir) : null;
  if (timeline) opts.env.onSegment(timeline.add);
  const outcome = await runAgent({
    env: opts.env,
    agent: opts.agent,
    episodes: seeds.length,
    seed,
    seeds,
    meta: runMetaOf(config),
    writer,
    episodeHorizon: config.mode === 'one-step' ? 1 : opts.env.options.horizon,
    signal: opts.signal,
    onProgress: opts.onProgress,
    onReset: (episode, s, info) => {
      if (timeline) timeline.episode = episode;
      opts.onReset?.(episode, s, info);
    },
    onStep: opts.onStep,
    onEpisodeEnd: opts.onEpisodeEnd,
  });
  if (timeline) {
    timeline.close();
    opts.env.onSegment(undefined);
  }
  return { dir: writer.dir, ...outcome };
}
