import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { ConfigError, EnvStateError, UnknownWorkloadError, UsageError } from '../env/errors.js';
import { SimEnv } from '../env/sim-env.js';
import type { Agent } from '../agents/agent.js';
import { createAgent, loadAgent } from '../agents/registry.js';
import { PhasePrinter } from './phase-printer.js';
import { ProgressBar, type ProgressStream } from './progress.js';
import { RUN_RECORD_FORMAT, type AgentRecord, type RunConfigRecord } from './records.js';
import { checkRunTarget, newRunId, RunWriter } from './run-dir.js';
import { runAgent } from './run-loop.js';
import type { RunPlan } from './run-plan.js';
import { SIMENV_VERSION } from './version.js';

/**
 * Carry out a `RunPlan`: check the inputs, create the env and the agent, write the run
 * directory, run the episodes with signal handling and a progress bar, print the six phases
 * (or one JSON document), and answer with the exit code.
 */

/** Where a run's output goes (the CLI passes the process streams; tests pass fakes). */
export interface RunIo {
  stdout: (text: string) => void;
  stderr: ProgressStream;
  /** The CLI arguments, recorded in config.json. */
  argv: string[];
  /** Install SIGINT/SIGTERM handlers (the CLI does; an embedding program may not want it). */
  handleSignals?: boolean;
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** Hex SHA-256 of a file's bytes. */
export function fileSha256(path: string): { sha256: string; bytes: number } {
  const bytes = readFileSync(path);
  return { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
}

/** Rethrow option problems found by SimEnv.create as usage errors (exit 2): they come from flags. */
function asUsage(err: unknown): unknown {
  if (err instanceof ConfigError || err instanceof UnknownWorkloadError) return new UsageError(err.message, err.hint ? { hint: err.hint } : undefined);
  return err;
}

function agentRecord(agent: Agent): AgentRecord {
  let params: Record<string, unknown> = {};
  try {
    params = JSON.parse(JSON.stringify(agent.describe?.() ?? {})) as Record<string, unknown>;
  } catch {
    params = { describe: 'not JSON-serialisable' };
  }
  return { name: agent.name, params };
}

/** A path as the user would type it: relative to the working directory when shorter. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && rel.length < path.length ? rel : path;
}

/** Run `plan`; resolves to the exit code (0, or 130/143 when interrupted). Runtime failures throw after the summary is written. */
export async function executeRun(plan: RunPlan, io: RunIo): Promise<number> {
  let traceStat;
  try {
    traceStat = statSync(plan.tracePath);
  } catch {
    throw new UsageError(`--trace: expected a readable trace file, got "${plan.tracePath}" (no such file)`, {
      hint: 'pass the path of a .sktrace file, e.g. examples/traces/dsb-scaling.sktrace',
    });
  }
  if (!traceStat.isFile()) throw new UsageError(`--trace: expected a trace file, got "${plan.tracePath}" (not a file)`);
  const agentLabel = plan.agent.kind === 'baseline' ? plan.agent.name : 'policy';
  const runId = plan.runId ?? newRunId(agentLabel);
  checkRunTarget(plan.out, runId);

  const human = !plan.quiet && !plan.json;
  const bar = new ProgressBar({ stream: io.stderr, enabled: plan.progress && !plan.quiet && io.stderr.isTTY === true });
  const printer = new PhasePrinter(
    {
      write: (line) => {
        bar.clear();
        io.stdout(`${line}\n`);
      },
    },
    plan.mode,
    plan.durationSeconds ?? plan.stepSeconds,
  );
  const hash = fileSha256(plan.tracePath);
  if (human) {
    printer.start({
      run: runId,
      agent: plan.agent.kind === 'baseline' ? `${plan.agent.name}${plan.agent.target !== undefined ? `(target=${plan.agent.target})` : ''}` : `policy(${plan.agent.dir})`,
      episodes: plan.episodes,
      seed: plan.seed,
      mode: plan.mode === 'one-step' ? `one-step(${plan.durationSeconds}s)` : `multi-step(${plan.stepSeconds}s${plan.durationSeconds !== null ? `x${Math.floor(plan.durationSeconds / plan.stepSeconds)}` : ''})`,
      trace: `${plan.tracePath}(sha256:${hash.sha256.slice(0, 12)})`,
    });
  }

  const envOptions = { ...plan.envOptions };
  if (plan.backend === 'kube' && /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/.test(runId)) {
    envOptions.kube = { ...(envOptions.kube as Record<string, unknown>), runId };
  }
  let env: SimEnv;
  try {
    env = await SimEnv.create(envOptions as Parameters<typeof SimEnv.create>[0]);
  } catch (err) {
    throw asUsage(err);
  }

  let agent: Agent | null = null;
  let removeSignals = (): void => {};
  try {
    try {
      agent =
        plan.agent.kind === 'baseline'
          ? createAgent(plan.agent.name, env.agentContext, { seed: plan.seed, ...(plan.agent.target !== undefined ? { target: plan.agent.target } : {}) })
          : await loadAgent(plan.agent.dir, env.agentContext);
    } catch (err) {
      throw asUsage(err);
    }
    if (human) printer.create(env.describe());

    const options = JSON.parse(JSON.stringify(env.options)) as Record<string, unknown>;
    const agentRec = agentRecord(agent);
    const config: RunConfigRecord = {
      format: RUN_RECORD_FORMAT,
      run: runId,
      createdAt: new Date().toISOString(),
      simenvVersion: SIMENV_VERSION,
      nodeVersion: process.version,
      command: io.argv,
      seed: plan.seed,
      episodes: plan.episodes,
      episodeSeeds: plan.seeds,
      mode: plan.mode,
      durationSeconds: plan.durationSeconds,
      stepSeconds: plan.stepSeconds,
      agent: agentRec,
      trace: { path: plan.tracePath, sha256: hash.sha256, bytes: hash.bytes },
      backend: env.backendKind,
      deployment: env.options.deployment,
      describe: env.describe(),
      env: options,
    };
    const writer = RunWriter.create(plan.out, config);

    const controller = new AbortController();
    if (io.handleSignals !== false) {
      let count = 0;
      const onSignal = (sig: NodeJS.Signals): void => {
        count++;
        if (count === 1) {
          controller.abort(sig);
          bar.clear();
          if (!plan.quiet) io.stderr.write(`simenv: ${sig}: finishing the current step and writing the summary (send again to stop at once)\n`);
        } else {
          io.stderr.write(`simenv: ${sig} again: stopping now; ${writer.dir}/summary.json is not written, step.jsonl is complete up to the last step\n`);
          process.exit(SIGNAL_EXIT[sig] ?? 1);
        }
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      removeSignals = () => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      };
    }

    const a = agent;
    const outcome = await runAgent({
      env,
      agent: a,
      episodes: plan.episodes,
      seed: plan.seed,
      seeds: plan.seeds,
      meta: { run: runId, agent: agentRec, backend: env.backendKind, deployment: env.options.deployment, trace: plan.tracePath, mode: plan.mode },
      writer,
      signal: controller.signal,
      episodeHorizon: plan.mode === 'one-step' ? 1 : env.options.horizon,
      onProgress: bar.enabled ? (u) => bar.update(u) : undefined,
      onReset: human ? (ep, seed, info) => printer.observe(ep, seed, info) : undefined,
      onStep: human ? (ep, step, action, r) => printer.step(ep, step, action, r, a.name) : undefined,
      onEpisodeEnd: human ? (e) => printer.episodeEnd(e, a.name) : undefined,
    });
    bar.done();
    const s = outcome.summary;
    if (plan.json) io.stdout(`${JSON.stringify({ dir: writer.dir, ...s }, null, 2)}\n`);
    else if (human) printer.summary(s, shown(writer.dir));
    if (s.status === 'failed') throw outcome.error;
    if (s.status === 'interrupted') return SIGNAL_EXIT[s.signal ?? ''] ?? 130;
    return 0;
  } finally {
    bar.done();
    removeSignals();
    agent?.dispose?.();
    await env.close().catch((err: unknown) => {
      if (!(err instanceof EnvStateError)) io.stderr.write(`simenv: warning: closing the env failed: ${(err as Error).message}\n`);
    });
  }
}
