import { SimEnvError } from '../env/errors.js';
import { Rng } from '../env/rng.js';
import type { DualEnv, ResetResult, StepInfo, StepResult } from '../env/types.js';
import type { Agent } from '../agents/agent.js';
import { RUN_RECORD_FORMAT, type AgentRecord, type EpisodeSummary, type SummaryRecord } from './records.js';
import { RunStats } from './run-stats.js';
import { StepLineEncoder } from './step-line.js';
import type { ProgressUpdate } from './progress.js';

/**
 * The episode loop: reset, let the agent act, step, log, until the episodes are done, the
 * signal aborts (the current step finishes first) or something throws. It writes one
 * `step.jsonl` line per step (plus the state after each reset) and always ends with a
 * `summary.json`, whose status says how the run ended.
 */

/** Where the loop's records go: RunWriter (a run directory) or anything shaped like it. */
export interface RunRecordSink {
  /** One complete `step.jsonl` line, newline included. */
  appendStepLine(line: string): void;
  /**
   * Hand buffered lines to the kernel now. The loop calls it at every episode end and when
   * it stops early (signal, error), before `finish`; a sink that writes each line at once
   * need not have it.
   */
  flush?(): void;
  /** The summary, once, when the run ends (a buffering sink writes its lines first). */
  finish(summary: SummaryRecord): void;
  /** False when the sink keeps no step lines (--log episodes|none): the loop then does not encode them. Default true. */
  readonly logsSteps?: boolean;
  /** Each episode's figures as it ends (complete or cut short), for a sink that logs episodes. */
  appendEpisode?(summary: EpisodeSummary): void;
  /** Step lines appended but not on disk (buffered, or lost to a failed write); default 0. */
  readonly unwrittenStepLines?: number;
  /** The most step lines the sink holds unwritten at a time; default 0 (each written at once). */
  readonly maxUnwrittenStepLines?: number;
}

/** Facts about the run that go into `summary.json` as they are. */
export interface RunMeta {
  run: string;
  agent: AgentRecord;
  backend: 'memory' | 'kube';
  deployment: string;
  trace: string | null;
  mode: 'one-step' | 'multi-step';
}

export interface RunAgentOptions {
  /** SimEnv, or any env with both surfaces (the loop picks one by `isAsync`). */
  env: DualEnv;
  agent: Agent;
  /** Episodes to run. */
  episodes: number;
  /** The run's seed; episode seeds derive from it (see `episodeSeeds`) unless given. */
  seed: number;
  /** The seed each episode is reset with (length >= episodes); default `episodeSeeds(seed, episodes)`. */
  seeds?: readonly number[];
  meta: RunMeta;
  /** Where records go (a RunWriter); without one the loop only computes the summary. */
  writer?: RunRecordSink | null;
  /** Abort to stop after the current step; `signal.reason` (e.g. 'SIGINT') lands in the summary. */
  signal?: AbortSignal;
  /** Expected steps per episode, for the progress bar's ETA. */
  episodeHorizon?: number | null;
  onProgress?: (u: ProgressUpdate) => void;
  /** After each reset. `info` is the env's reused buffer: copy what you keep. */
  onReset?: (episode: number, seed: number, info: StepInfo) => void;
  /** After each step. `result` is the env's reused buffer: copy what you keep. */
  onStep?: (episode: number, step: number, action: number, result: StepResult) => void;
  onEpisodeEnd?: (summary: EpisodeSummary) => void;
  /** Wall clock for timing, ms (default performance.now); Date for the ISO stamps. */
  clock?: () => number;
  /** Yield to the event loop (signals, progress) at least this often on a sync env, ms. */
  yieldEveryMs?: number;
}

/** How a run ended: the summary (also written to the run directory) and the error, if any. */
export interface RunOutcome {
  summary: SummaryRecord;
  error: unknown;
}

/**
 * The seed of each episode: the run's seed for episode 0, then draws of a PRNG seeded with
 * it, so runs with nearby seeds (1, 2, 3) do not share episodes.
 */
export function episodeSeeds(seed: number, episodes: number): number[] {
  const rng = new Rng(seed);
  const out: number[] = [];
  for (let i = 0; i < episodes; i++) out.push(i === 0 ? seed : rng.nextUint32() & 0x7fffffff);
  return out;
}

const YIELD_CHECK_EVERY = 64;

/** Run `agent` in `env` for `episodes` episodes, logging to `writer`; never throws for a failed step. */
export async function runAgent(opts: RunAgentOptions): Promise<RunOutcome> {
  const { env, agent, episodes, writer, signal } = opts;
  const seeds = opts.seeds ?? episodeSeeds(opts.seed, episodes);
  if (seeds.length < episodes) throw new RangeError(`runAgent: expected ${episodes} seeds, got ${seeds.length}`);
  const clock = opts.clock ?? (() => performance.now());
  const yieldMs = opts.yieldEveryMs ?? 25;
  const encoder = new StepLineEncoder(opts.meta.run, agent.actor);
  // Step lines are the bulk of a run's cost; a sink that keeps none is not handed any.
  const stepSink = writer && writer.logsSteps !== false ? writer : null;
  const stats = new RunStats();
  // A failed batch write loses its lines: the stats must be able to take them back.
  const maxUnwritten = stepSink?.maxUnwrittenStepLines ?? 0;
  if (maxUnwritten > 0) stats.keepRecentSteps(maxUnwritten + 1);
  const startedAt = new Date();
  const t0 = clock();
  let lastYield = t0;
  let error: unknown = null;
  const progress: ProgressUpdate = {
    episodesDone: 0,
    episodesTotal: episodes,
    steps: 0,
    episodeSteps: 0,
    episodeHorizon: opts.episodeHorizon ?? null,
  };
  const report = (): void => {
    if (!opts.onProgress) return;
    progress.steps = stats.steps;
    opts.onProgress(progress);
  };

  // 1 while a line is appended but not yet counted: a write failing inside appendStepLine
  // loses that line too, and the stats never saw it.
  let uncounted = 0;
  const afterReset = (episode: number, seed: number, r: ResetResult): void => {
    uncounted = 1;
    stepSink?.appendStepLine(encoder.encode(episode, 0, r.info, null, false, false));
    stats.beginEpisode(episode, seed, r.info.timeS, r.info.observation.desired);
    uncounted = 0;
    opts.onReset?.(episode, seed, r.info);
    progress.episodeSteps = 0;
  };
  /** Log one step; true when the episode is over. */
  const afterStep = (episode: number, step: number, action: number, r: StepResult): boolean => {
    const info = r.info;
    uncounted = 1;
    stepSink?.appendStepLine(encoder.encode(episode, step, info, action, r.terminated, r.truncated));
    uncounted = 0;
    stats.addStep(
      {
        timeS: info.timeS,
        applied: info.action.applied,
        reward: info.reward,
        sloViolated: info.service.sloViolated,
        violationS: info.service.violationS,
        windowS: info.service.windowS,
        cpuSeconds: info.service.cpuSeconds,
        ready: info.observation.ready,
        demand: info.service.demand,
        desired: info.observation.desired,
      },
      r.terminated,
      r.truncated,
    );
    opts.onStep?.(episode, step, action, r);
    progress.episodeSteps = step;
    return r.terminated || r.truncated;
  };
  const endEpisode = (complete: boolean): void => {
    // Episode ends are the points where a batched writer must be on disk (episodes are what
    // a reader of an unfinished run can use whole). A failure to write here is the run's
    // error: it happens inside the loop's try.
    writer?.flush?.();
    const s = stats.endEpisode(complete);
    if (s) writer?.appendEpisode?.(s);
    if (complete) progress.episodesDone++;
    report();
    if (s) opts.onEpisodeEnd?.(s);
  };

  try {
    episodes: for (let episode = 0; episode < episodes; episode++) {
      if (signal?.aborted) break;
      const seed = seeds[episode]!;
      agent.reset?.(seed);
      if (env.isAsync) {
        const first = await env.resetAsync({ seed });
        afterReset(episode, seed, first);
        let obs = first.observation;
        let info = first.info;
        for (let step = 1; ; step++) {
          const action = agent.act(obs, info);
          const r = await env.stepAsync(action);
          obs = r.observation;
          info = r.info;
          const done = afterStep(episode, step, action, r);
          report();
          if (done) break;
          if (signal?.aborted) {
            endEpisode(false);
            break episodes;
          }
        }
      } else {
        const first = env.reset({ seed });
        afterReset(episode, seed, first);
        let obs = first.observation;
        let info = first.info;
        for (let step = 1; ; step++) {
          const action = agent.act(obs, info);
          const r = env.step(action);
          obs = r.observation;
          info = r.info;
          if (afterStep(episode, step, action, r)) break;
          // A sync env never gives the event loop a turn; without these yields a SIGINT
          // handler (and the progress bar) would wait for the whole run.
          if (step % YIELD_CHECK_EVERY === 0 && clock() - lastYield >= yieldMs) {
            report();
            await new Promise<void>((resolve) => setImmediate(resolve));
            lastYield = clock();
          }
          if (signal?.aborted) {
            endEpisode(false);
            break episodes;
          }
        }
      }
      endEpisode(true);
    }
  } catch (err) {
    error = err;
    // The steps before the failure still go to disk; if writing them fails too, the first
    // error is the one the summary reports.
    try {
      writer?.flush?.();
    } catch {
      // keep `error`
    }
    // The summary counts only what is on disk: steps whose lines a failed write lost are taken back.
    const lost = (stepSink?.unwrittenStepLines ?? 0) - uncounted;
    if (lost > 0) stats.dropLastLines(lost);
    if (stats.inEpisode) {
      const s = stats.endEpisode(false);
      try {
        if (s) writer?.appendEpisode?.(s);
      } catch {
        // keep `error`
      }
      report();
      if (s) opts.onEpisodeEnd?.(s);
    }
  }

  const wallTimeS = (clock() - t0) / 1000;
  const totals = stats.totals();
  const aborted = signal?.aborted === true;
  const status: SummaryRecord['status'] = error !== null ? 'failed' : aborted && totals.episodes < episodes ? 'interrupted' : 'completed';
  const summary: SummaryRecord = {
    format: RUN_RECORD_FORMAT,
    run: opts.meta.run,
    status,
    error: error === null ? null : errorRecord(error),
    signal: status === 'interrupted' && typeof signal?.reason === 'string' ? signal.reason : null,
    agent: opts.meta.agent,
    seed: opts.seed,
    backend: opts.meta.backend,
    deployment: opts.meta.deployment,
    trace: opts.meta.trace,
    mode: opts.meta.mode,
    episodesRequested: episodes,
    episodes: totals.episodes,
    steps: totals.steps,
    reward: totals.reward,
    slo: totals.slo,
    cost: totals.cost,
    churn: totals.churn,
    wallTimeS,
    stepsPerSecond: wallTimeS > 0 ? totals.steps / wallTimeS : null,
    startedAt: startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    perEpisode: totals.perEpisode,
  };
  try {
    writer?.finish(summary);
  } catch (finishErr) {
    // A full disk fails the summary too: say both, the run's own failure first.
    if (error === null) throw finishErr;
    const first = error instanceof Error ? error.message : String(error);
    throw new SimEnvError(error instanceof SimEnvError ? error.code : 'WRITE', `${first}; the summary could not be written either (${finishErr instanceof Error ? finishErr.message : String(finishErr)}): simenv report recomputes the run from step.jsonl`, {
      hint: error instanceof SimEnvError ? error.hint : undefined,
      cause: error,
    });
  }
  return { summary, error };
}

/** The `error` field of a failed run's summary. */
export function errorRecord(err: unknown): { code: string; message: string } {
  if (err instanceof SimEnvError) return { code: err.code, message: err.message };
  if (err instanceof Error) return { code: err.name, message: err.message };
  return { code: 'UNKNOWN', message: String(err) };
}
