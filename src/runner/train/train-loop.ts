import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeError } from '../write-error.js';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { AgentContext } from '../../env/types.js';
import type { ApplicationEnv } from '../../env/application/application-env.js';
import { isApplicationInput, type ApplicationOptionsInput } from '../../env/application/application-options.js';
import type { ApplicationContext } from '../../env/application/application-types.js';
import { SimEnv } from '../../env/sim-env.js';
import { DqnConfigSchema, DqnLearner } from '../../agents/learned/dqn.js';
import type { Learner, UpdateStats } from '../../agents/learned/learner.js';
import { writePolicyDir } from '../../agents/learned/policy-io.js';
import { makePolicyMetadata, type PolicyMetadata } from '../../agents/learned/policy-metadata.js';
import { PpoConfigSchema, PpoLearner } from '../../agents/learned/ppo.js';
import { RolloutEnv, type AgentEnv, type ApplicationAgentEnv, type EpisodeStats } from '../../agents/learned/rollout-env.js';
import { HpaResidualEnv, hpaResidualFields, parseHpaResidualOptions } from '../../agents/hpa-residual.js';
import { initTfBackend } from '../../agents/tf-backend.js';
import type { LogFn, TfBackendPreference } from '../../agents/tf-backend-names.js';
import { ConfigError, SimEnvError, UsageError } from '../../env/errors.js';
import type { SimEnvOptionsInput } from '../../env/sim-env.js';
import { createSimEnvs } from '../../env/vector-env.js';
import { JsonlLog } from '../jsonl-log.js';
import { mkdirParents, writeFileAtomic } from '../run-dir.js';
import { SIMENV_VERSION } from '../version.js';
import { mean } from '../stats.js';
import { TRAIN_RECORD_FORMAT, type TrainConfigRecord, type TrainLogRecord, type TrainSummaryRecord } from './train-records.js';
import { issuePath, parse } from '../../env/parse.js';

/**
 * Training a learned agent end to end: build N memory-backend envs, pick the tfjs backend,
 * roll out and update until the step budget, logging `train.jsonl`, writing checkpoints, and
 * the final policy. A checkpoint of the initial network is written before the first update,
 * so a run directory always holds a loadable policy, whatever happens later.
 */

export const TrainOptionsSchema = z.strictObject({
  agent: z.enum(['dqn', 'ppo']),
  /**
   * SimEnv options (validated by SimEnv.create; `actionMode` defaults to `delta` here), or a
   * list of them (e.g. several deployments): env i gets entry i mod length. Options with
   * `deployments` (an application, MultiDiscrete actions) train PPO's factorised head.
   */
  env: z.union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown())).min(1)]),
  /** Env steps to train for (summed over the envs). */
  steps: z.number().int().positive(),
  seed: z.number().int().default(0),
  numEnvs: z.number().int().min(1).max(256).default(8),
  /** The run directory (created; must be new or empty unless `overwrite`). */
  out: z.string().min(1),
  overwrite: z.boolean().default(false),
  /** Gradient updates between checkpoints (default: DQN 2500, PPO 80 = 10 rollouts). */
  checkpointEvery: z.number().int().positive().optional(),
  keepCheckpoints: z.number().int().min(1).default(3),
  /** DQN: updates per train.jsonl record (default 100). PPO logs every rollout. */
  logEvery: z.number().int().positive().optional(),
  tfBackend: z.enum(['auto', 'node', 'wasm', 'cpu']).default('auto'),
  /** Algorithm hyper-parameters (see DqnConfigSchema / PpoConfigSchema). */
  hyper: z.record(z.string(), z.unknown()).default({}),
  /** Stop (as completed, with a note) after this much wall time. */
  maxWallSeconds: z.number().positive().optional(),
  /**
   * Train on top of an HPA (src/agents/hpa-residual.ts): actions are corrections to the HPA's
   * recommendation, the observation gains its recommendation and past demand. Needs absolute
   * env actions; one deployment only. The policy records it (`hpaResidual` in policy.json).
   */
  hpaResidual: z.record(z.string(), z.unknown()).optional(),
});
export type TrainOptionsInput = z.input<typeof TrainOptionsSchema>;
export type TrainOptions = z.output<typeof TrainOptionsSchema>;

/** What the loop reports to a progress display. */
export interface TrainProgress {
  steps: number;
  totalSteps: number;
  updates: number;
  episodes: number;
  stepsPerSecond: number;
  /** Mean return of the last (up to) 20 episodes. */
  recentEpisodeReward: number | null;
  loss: number | null;
  elapsedS: number;
  etaS: number;
}

export interface TrainHooks {
  log?: LogFn;
  onProgress?: (p: TrainProgress) => void;
  /** Abort to stop: a checkpoint is written and the summary says `interrupted`. */
  signal?: AbortSignal;
  /** Wall clock, ms (injectable for tests). */
  clock?: () => number;
}

export interface TrainResult {
  summary: TrainSummaryRecord;
  /** The run directory. */
  dir: string;
  /** The error that stopped training, if any (also in the summary). */
  error: unknown;
}

/** Validate options; ConfigError naming the field. */
export function parseTrainOptions(input: unknown): TrainOptions {
  return parse(TrainOptionsSchema, input, (issue) => new ConfigError(issuePath(issue, '(train options)'), issue.message));
}

function parseHyper(agent: 'dqn' | 'ppo', hyper: Record<string, unknown>): Record<string, unknown> {
  const schema = agent === 'dqn' ? DqnConfigSchema : PpoConfigSchema;
  return parse(schema, hyper, (issue) =>
    new ConfigError(`hyper.${issuePath(issue)}`, issue.message, { hint: `see docs/agents.md for the ${agent.toUpperCase()} hyper-parameters` }),
  ) as Record<string, unknown>;
}

/** The lock a training holds on its --out: created exclusively, holding the trainer's pid. */
const LOCK_FILE = '.simenv-train.lock';

/** Whether process `pid` is alive (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Take `dir`'s training lock, atomically (O_EXCL): two trainings into one --out, with or
 * without --overwrite, cannot mix their files; the second is refused naming the first's pid.
 * A lock left by a killed training (its pid gone) is taken over. Returns the release function.
 */
function lockDir(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError(path, err);
      const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new UsageError(`--out: expected a directory no other training is writing, got ${dir} (process ${pid} holds ${LOCK_FILE})`, {
          hint: 'wait for that training to end, or choose another --out',
        });
      }
      rmSync(path, { force: true });
    }
  }
  throw new UsageError(`--out: could not take the training lock ${path}`, { hint: 'choose another --out' });
}

function prepareDir(dir: string, overwrite: boolean): () => void {
  // Bounded mkdir -p: Node's recursive mkdir loops forever under /proc (see run-dir.ts).
  mkdirParents(dir, dir);
  const release = lockDir(dir);
  try {
    emptyDir(dir, overwrite);
    mkdirParents(join(dir, 'checkpoints'), dir);
  } catch (err) {
    release();
    throw err;
  }
  return release;
}

function emptyDir(dir: string, overwrite: boolean): void {
  if (existsSync(dir)) {
    const entries = readdirSync(dir).filter((e) => e !== LOCK_FILE);
    if (entries.length > 0) {
      if (!overwrite) {
        throw new UsageError(`--out: expected a new or empty directory, got ${dir} with ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}`, {
          hint: 'choose another --out, or pass --overwrite to replace a previous training there',
        });
      }
      for (const e of ['train.json', 'train.jsonl', 'summary.json', 'policy', 'checkpoints']) rmSync(join(dir, e), { recursive: true, force: true });
    }
  }
}

function errorRecord(err: unknown): { code: string; message: string } {
  if (err instanceof SimEnvError) return { code: err.code, message: err.message };
  if (err instanceof Error) return { code: 'INTERNAL', message: `${err.name}: ${err.message}` };
  return { code: 'INTERNAL', message: String(err) };
}

/** Train a DQN or PPO agent; never throws after the run directory exists (the error is in the result). */
export async function trainAgent(input: TrainOptionsInput, hooks: TrainHooks = {}): Promise<TrainResult> {
  const opts = parseTrainOptions(input);
  const hyper = parseHyper(opts.agent, opts.hyper);
  const clock = hooks.clock ?? (() => performance.now());
  const log = hooks.log ?? (() => {});
  const envList = Array.isArray(opts.env) ? opts.env : [opts.env];
  if (envList.length > opts.numEnvs) {
    throw new ConfigError('numEnvs', `expected at least one env per env option set (${envList.length}), got ${opts.numEnvs}`, { hint: `pass --envs ${envList.length} or more` });
  }
  const application = envList.some((e) => isApplicationInput(e));
  if (application && !envList.every((e) => isApplicationInput(e))) {
    throw new ConfigError('env', 'expected every env option set to have deployments (an application) or none to, got a mix', { hint: 'train on applications or on single deployments, not both' });
  }
  if (application && opts.agent !== 'ppo') {
    throw new ConfigError('agent', `expected ppo to train on several deployments, got ${opts.agent}, which has one categorical head (one deployment)`, {
      hint: 'use --agent ppo (a factorised head: one categorical per deployment), or train dqn on one deployment (--deploy NAME)',
    });
  }
  if (opts.hpaResidual !== undefined && application) {
    throw new ConfigError('hpaResidual', 'expected one deployment per env under an HPA-residual agent, got an application', { hint: 'train the residual agent on one deployment (--deploy NAME)' });
  }
  const residualOptions = opts.hpaResidual !== undefined ? parseHpaResidualOptions(opts.hpaResidual) : undefined;
  const envInputs = Array.from(
    { length: opts.numEnvs },
    (_, i) => ({ actionMode: residualOptions ? 'absolute' : 'delta', ...envList[i % envList.length] }) as SimEnvOptionsInput,
  );

  // Everything that can fail on bad input fails here, before the run directory is touched.
  const envs: Array<SimEnv | ApplicationEnv> = application ? await createSimEnvs(envInputs as unknown as ApplicationOptionsInput[]) : await createSimEnvs(envInputs);
  if (envs[0]!.isAsync) {
    await Promise.all(envs.map((e) => e.close()));
    throw new ConfigError('backend', `expected the memory backend for training, got ${envs[0]!.backendKind}`, {
      hint: 'train in memory, then evaluate the policy on a cluster with simenv eval --backend kube',
    });
  }
  const dir = resolve(opts.out);

  // The learner is built before the directory is touched: one that cannot be built (e.g. a
  // replay buffer too large to allocate) leaves nothing that would block the rerun.
  const choice = await initTfBackend({ prefer: opts.tfBackend as TfBackendPreference, log });
  const tf = choice.tf;
  let residualEnvs: HpaResidualEnv<SimEnv>[] | undefined;
  try {
    residualEnvs = residualOptions ? (envs as SimEnv[]).map((e) => new HpaResidualEnv(e, residualOptions)) : undefined;
  } catch (err) {
    await Promise.all(envs.map((e) => e.close()));
    throw err;
  }
  const ctx: AgentContext | ApplicationContext = residualEnvs ? residualEnvs[0]!.agentContext : envs[0]!.agentContext;
  const rollout = new RolloutEnv((residualEnvs ?? envs) as readonly (AgentEnv | ApplicationAgentEnv)[], opts.seed);
  const obsSize = rollout.obsSize;
  let learner: Learner;
  try {
    learner =
      opts.agent === 'dqn'
        ? new DqnLearner(tf, obsSize, rollout.nActions, opts.numEnvs, opts.seed, hyper)
        : new PpoLearner(tf, obsSize, rollout.nvec.length === 1 ? rollout.nvec[0]! : rollout.nvec, opts.numEnvs, opts.seed, hyper);
  } catch (err) {
    await rollout.close();
    if (err instanceof SimEnvError) throw err;
    throw new ConfigError('hyper', `expected hyper-parameters a ${opts.agent.toUpperCase()} learner can be built with, got ${JSON.stringify(opts.hyper)} (${(err as Error).message})`, {
      hint: 'lower bufferSize, batch or network sizes; see docs/agents.md',
    });
  }
  let release: () => void;
  try {
    release = prepareDir(dir, opts.overwrite);
  } catch (err) {
    learner.dispose();
    await rollout.close();
    throw err;
  }
  const checkpointEvery = opts.checkpointEvery ?? (opts.agent === 'dqn' ? 2500 : 80);
  const logEvery = opts.logEvery ?? 100;
  const envOptions = envs[0]!.options as unknown as Record<string, unknown>;

  const residualRecord = residualEnvs ? residualEnvs[0]!.residual.describe() : undefined;
  const config: TrainConfigRecord = {
    format: TRAIN_RECORD_FORMAT,
    agent: opts.agent,
    steps: opts.steps,
    seed: opts.seed,
    numEnvs: opts.numEnvs,
    tfBackend: choice.backend,
    envOptions,
    hyper: learner.config(),
    ...(residualRecord ? { hpaResidual: residualRecord } : {}),
    checkpointEvery,
    simenvVersion: SIMENV_VERSION,
    startedAt: new Date().toISOString(),
  };
  writeFileAtomic(join(dir, 'train.json'), `${JSON.stringify(config, null, 2)}\n`);
  // One record per line, durable against a killed process when written (jsonl-log.ts).
  const trainLog = JsonlLog.open(join(dir, 'train.jsonl'));

  const metadata = (steps: number, updates: number): PolicyMetadata => ({
    ...makePolicyMetadata({
      agent: opts.agent,
      ...(residualOptions ? { fields: hpaResidualFields(residualOptions) } : {}),
      head: learner.head,
      ctx,
      envOptions,
      training: {
        ...learner.config(),
        seed: opts.seed,
        numEnvs: opts.numEnvs,
        steps,
        updates,
        totalSteps: opts.steps,
        deployments: [...new Set(envs.flatMap((e) => ('deployments' in e.options ? e.options.deployments : [e.options.deployment])))],
      },
      simenvVersion: SIMENV_VERSION,
      tfBackend: choice.backend,
    }),
    ...(residualRecord ? { hpaResidual: residualRecord } : {}),
  });
  const checkpoints: string[] = [];
  const saveCheckpoint = async (steps: number, updates: number): Promise<void> => {
    const name = `step-${String(steps).padStart(9, '0')}`;
    const path = join(dir, 'checkpoints', name);
    await writePolicyDir(tf, path, { model: learner.policyModel, metadata: metadata(steps, updates), extras: learner.extraModels() });
    if (checkpoints[checkpoints.length - 1] !== path) checkpoints.push(path);
    while (checkpoints.length > opts.keepCheckpoints) rmSync(checkpoints.shift()!, { recursive: true, force: true });
  };

  const t0 = clock();
  let status: TrainSummaryRecord['status'] = 'completed';
  let error: unknown = null;
  let updates = 0;
  let episodes = 0;
  let lastCheckpointUpdate = 0;
  let policyDir: string | null = null;
  const recent: number[] = [];
  const sinceLog = { returns: [] as number[], slo: [] as number[], cost: [] as number[], churn: [] as number[], losses: [] as number[] };
  let lastStats: UpdateStats | undefined;
  let lastLoggedUpdate = 0;
  let lastYield = t0;
  let lastLoss: number | null = null;

  const onEpisode = (e: EpisodeStats): void => {
    episodes++;
    recent.push(e.return);
    if (recent.length > 20) recent.shift();
    sinceLog.returns.push(e.return);
    sinceLog.slo.push(e.slo);
    sinceLog.cost.push(e.cost);
    sinceLog.churn.push(e.churn);
  };
  const writeLog = (stats: UpdateStats): void => {
    const wallS = (clock() - t0) / 1000;
    const record: TrainLogRecord = {
      update: stats.updates,
      step: rollout.steps,
      wallS,
      stepsPerSecond: wallS > 0 ? rollout.steps / wallS : 0,
      loss: mean(sinceLog.losses),
      episodeReward: mean(sinceLog.returns),
      episodeSlo: mean(sinceLog.slo),
      episodeCost: mean(sinceLog.cost),
      episodeChurn: mean(sinceLog.churn),
      episodes,
    };
    for (const key of ['epsilon', 'qMean', 'policyLoss', 'valueLoss', 'entropy', 'approxKl', 'clipFraction', 'learningRate'] as const) {
      const v = stats[key];
      if (v !== undefined && Number.isFinite(v)) record[key] = v;
    }
    trainLog.append(record);
    sinceLog.returns.length = sinceLog.slo.length = sinceLog.cost.length = sinceLog.churn.length = sinceLog.losses.length = 0;
    lastLoggedUpdate = stats.updates;
  };

  try {
    rollout.reset();
    // Before anything risky: the initial network is a loadable policy.
    await saveCheckpoint(0, 0);
    while (rollout.steps < opts.steps) {
      if (hooks.signal?.aborted) {
        status = 'interrupted';
        break;
      }
      if (opts.maxWallSeconds !== undefined && (clock() - t0) / 1000 >= opts.maxWallSeconds) {
        log(`stopping at the wall-time budget of ${opts.maxWallSeconds} s (${rollout.steps} of ${opts.steps} steps)`);
        break;
      }
      const stats = learner.iterate(rollout, opts.steps, onEpisode);
      lastStats = stats;
      const ran = stats.updates - updates;
      if (ran > 0) {
        if (!Number.isFinite(stats.loss)) {
          throw new SimEnvError('TRAINING_DIVERGED', `expected a finite loss, got ${stats.loss} at update ${stats.updates} (training diverged)`, {
            hint: 'lower the learning rate (--lr) or the reward scale; the last checkpoint before the divergence is kept',
          });
        }
        for (let i = 0; i < ran; i++) sinceLog.losses.push(stats.loss);
        lastLoss = stats.loss;
        updates = stats.updates;
        if (opts.agent === 'ppo' || updates - lastLoggedUpdate >= logEvery) writeLog(stats);
        if (updates - lastCheckpointUpdate >= checkpointEvery) {
          await saveCheckpoint(rollout.steps, updates);
          lastCheckpointUpdate = updates;
        }
      }
      const now = clock();
      if (now - lastYield > 50) {
        lastYield = now;
        const elapsedS = (now - t0) / 1000;
        const sps = elapsedS > 0 ? rollout.steps / elapsedS : 0;
        hooks.onProgress?.({
          steps: rollout.steps,
          totalSteps: opts.steps,
          updates,
          episodes,
          stepsPerSecond: sps,
          recentEpisodeReward: mean(recent),
          loss: lastLoss,
          elapsedS,
          etaS: sps > 0 ? (opts.steps - rollout.steps) / sps : Number.NaN,
        });
        // Let signals and timers run: the loop itself is synchronous.
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    if (lastStats && updates > lastLoggedUpdate) writeLog(lastStats);
    await saveCheckpoint(rollout.steps, updates);
    if (status === 'completed') {
      const finalDir = join(dir, 'policy');
      await writePolicyDir(tf, finalDir, { model: learner.policyModel, metadata: metadata(rollout.steps, updates), extras: learner.extraModels() });
      policyDir = finalDir;
    } else {
      policyDir = checkpoints[checkpoints.length - 1] ?? null;
    }
  } catch (err) {
    status = 'failed';
    error = err;
    // Keep the work done so far unless the weights themselves went bad.
    if (!(err instanceof SimEnvError && err.code === 'TRAINING_DIVERGED')) {
      try {
        await saveCheckpoint(rollout.steps, updates);
      } catch {
        // the earlier checkpoints remain
      }
    }
    policyDir = checkpoints[checkpoints.length - 1] ?? null;
  } finally {
    trainLog.close();
  }

  const wallS = (clock() - t0) / 1000;
  const summary: TrainSummaryRecord = {
    format: TRAIN_RECORD_FORMAT,
    agent: opts.agent,
    status,
    error: error === null ? null : errorRecord(error),
    steps: rollout.steps,
    updates,
    episodes,
    wallS,
    stepsPerSecond: wallS > 0 ? rollout.steps / wallS : 0,
    tfBackend: choice.backend,
    finalEpisodeReward: mean(recent),
    policyDir,
    checkpoints: [...checkpoints],
    finishedAt: new Date().toISOString(),
  };
  try {
    writeFileAtomic(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  } finally {
    release();
    learner.dispose();
    await rollout.close();
  }
  return { summary, dir, error };
}
