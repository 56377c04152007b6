import { statSync } from 'node:fs';
import { ConfigError, EnvStateError, UnknownWorkloadError, UsageError } from '../env/errors.js';
import { SimEnv, type SimEnvOptionsInput } from '../env/sim-env.js';
import type { Agent } from '../agents/agent.js';
import { createAgent, loadAgent, readPolicyInfo } from '../agents/registry.js';
import { TimelineWriter } from './timeline.js';
import { PhasePrinter } from './phase-printer.js';
import { ProgressBar, type ProgressStream } from './progress.js';
import { agentRecord, buildRunConfig, fileSha256, runMetaOf } from './record-run.js';
import { checkRunTarget, kubeRunLabel, newRunDirName, RunWriter, shownPath } from './run-dir.js';
import { runAgent } from './run-loop.js';
import type { RunConfigRecord, SummaryRecord } from './records.js';
import { applyPolicyDefaults, stepsIn, type RunPlan } from './run-plan.js';
import { exitCodeOf, onStopSignals, type StopSignal } from './stop-signals.js';
import { runWarnings } from './run-warnings.js';
import { executeApplicationRun, type FinishedApplicationRun } from './application-run.js';
import { backendLogger } from './backend-log.js';

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
  /** Called once the summary is written (whatever the status), e.g. by `simenv eval`. */
  onFinished?: (dir: string, summary: SummaryRecord, config: RunConfigRecord) => void;
  /** With --json: print the run's JSON document (default true; `simenv eval` prints its own). */
  printJson?: boolean;
  /** An application run (several deployments): called once its summary is written. */
  onApplicationFinished?: (run: FinishedApplicationRun) => void;
}


/** Rethrow option problems found by SimEnv.create as usage errors (exit 2): they come from flags. */
function asUsage(err: unknown): unknown {
  if (err instanceof ConfigError || err instanceof UnknownWorkloadError) {
    // The agent's `target` option is the --target flag: name it as the user typed it.
    const message = err instanceof ConfigError && err.field === 'target' ? `--${err.message}` : err.message;
    return new UsageError(message, err.hint ? { hint: err.hint } : undefined);
  }
  return err;
}

/** Run `plan`; resolves to the exit code (0, or 130/143 when interrupted). Runtime failures throw after the summary is written. */
export async function executeRun(planned: RunPlan, io: RunIo): Promise<number> {
  let plan = planned;
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
  const runId = plan.runId ?? newRunDirName(agentLabel);
  checkRunTarget(plan.out, runId);
  // --deploy a,b,c: one env scaling several deployments (an application).
  if (plan.deployment.includes(',')) return executeApplicationRun(plan, io, runId);
  // A policy brings the env it was trained in (action space, bounds, step length) as the
  // defaults of the flags not given. policy.json only: a bad directory fails here, before
  // the env (on a cluster: preflight, objects) exists.
  if (plan.agent.kind === 'policy') plan = applyPolicyDefaults(plan, await readPolicyInfo(plan.agent.dir));

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
  const envOptions = { ...plan.envOptions };
  if (plan.backend === 'kube' && kubeRunLabel(runId) !== null) {
    envOptions.kube = { ...(envOptions.kube as Record<string, unknown>), runId };
  }
  const backendLog = backendLogger(io.stderr, plan.quiet, () => bar.clear());
  let env: SimEnv;
  try {
    env = await SimEnv.create(envOptions as SimEnvOptionsInput, backendLog ? { log: backendLog } : undefined);
  } catch (err) {
    throw asUsage(err);
  }

  let agent: Agent | null = null;
  let removeSignals = (): void => {};
  try {
    try {
      agent =
        plan.agent.kind === 'baseline'
          ? createAgent(plan.agent.name, env.agentContext, {
              seed: plan.seed,
              ...(plan.agent.target !== undefined ? { target: plan.agent.target } : {}),
              ...(plan.agent.hpa ? { hpa: plan.agent.hpa.options } : {}),
              ...(plan.agent.hpa?.manifest ? { hpaManifest: plan.agent.hpa.manifest } : {}),
            })
          : await loadAgent(plan.agent.dir, env.agentContext);
    } catch (err) {
      throw asUsage(err);
    }
    // [start] waits until the flags have proved valid (deployment found, agent built), so a
    // usage error prints nothing but itself.
    if (!plan.quiet) for (const w of runWarnings(plan)) io.stderr.write(`simenv: warning: ${w}\n`);
    if (human) {
      printer.start({
        run: runId,
        agent:
          plan.agent.kind === 'baseline'
            ? `${plan.agent.name}${plan.agent.target !== undefined ? `(target=${plan.agent.target})` : plan.agent.hpa ? `(manifest=${plan.agent.hpa.file})` : ''}`
            : `policy(${plan.agent.dir})`,
        episodes: plan.episodes,
        seed: plan.seed,
        mode: plan.mode === 'one-step' ? `one-step(${plan.durationSeconds}s)` : `multi-step(${plan.stepSeconds}s${plan.durationSeconds !== null ? `x${stepsIn(plan.durationSeconds, plan.stepSeconds)}` : ''})`,
        trace: `${plan.tracePath}(sha256:${hash.sha256.slice(0, 12)})`,
      });
    }
    if (human) printer.create(env.describe());

    const agentRec = agentRecord(agent);
    const config = buildRunConfig({ runId, env, agent: agentRec, seed: plan.seed, seeds: plan.seeds, seedBlocks: plan.seedBlocks, command: io.argv });
    const writer = RunWriter.create(plan.out, config, { flush: plan.logFlush, log: plan.log });
    const timeline = plan.timeline ? new TimelineWriter(writer.dir) : null;
    if (timeline) env.onSegment(timeline.add);

    const controller = new AbortController();
    if (io.handleSignals !== false) {
      let count = 0;
      const onSignal = (sig: StopSignal): void => {
        count++;
        if (count === 1) {
          controller.abort(sig);
          bar.clear();
          if (!plan.quiet) io.stderr.write(`simenv: ${sig}: finishing the current step and writing the summary (send again to stop at once)\n`);
        } else {
          // Batched lines go to disk first (the process 'exit' hook would too; this is the
          // documented path, so it does not depend on the hook).
          try {
            writer.flush();
          } catch {
            // stopping anyway
          }
          io.stderr.write(`simenv: ${sig} again: stopping now; ${writer.dir}/summary.json is not written, step.jsonl is complete up to the last step\n`);
          process.exit(exitCodeOf(sig));
        }
      };
      removeSignals = onStopSignals(onSignal);
    }

    const a = agent;
    const outcome = await runAgent({
      env,
      agent: a,
      episodes: plan.episodes,
      seed: plan.seed,
      seeds: plan.seeds,
      meta: runMetaOf(config),
      writer,
      signal: controller.signal,
      episodeHorizon: plan.mode === 'one-step' ? 1 : env.options.horizon,
      onProgress: bar.enabled ? (u) => bar.update(u) : undefined,
      onReset:
        human || timeline
          ? (ep, seed, info) => {
              if (timeline) timeline.episode = ep;
              if (human) printer.observe(ep, seed, info);
            }
          : undefined,
      onStep: human ? (ep, step, action, r) => printer.step(ep, step, action, r, a.name) : undefined,
      onEpisodeEnd: human ? (e) => printer.episodeEnd(e, a.name) : undefined,
    });
    bar.done();
    timeline?.close();
    const s = outcome.summary;
    io.onFinished?.(writer.dir, s, config);
    if (plan.json && io.printJson !== false) io.stdout(`${JSON.stringify({ dir: writer.dir, ...s }, null, 2)}\n`);
    else if (human) printer.summary(s, shownPath(writer.dir));
    if (s.status === 'failed') throw outcome.error;
    if (s.status === 'interrupted') return exitCodeOf(s.signal);
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
