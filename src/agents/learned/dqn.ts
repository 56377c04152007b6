import { z } from 'zod';
import { Rng } from '../../env/rng.js';
import type { Tf } from '../tf-backend.js';
import type { Learner, UpdateStats } from './learner.js';
import { mlpApply, mlpInfer, mlpParams, mlpVariables, type MlpParams } from './mlp-ops.js';
import { argmax, buildMlp, copyWeights, type LayersModel } from './networks.js';
import { ReplayBuffer } from './replay-buffer.js';
import type { EpisodeStats, RolloutEnv } from './rollout-env.js';
import type * as TfModule from '@tensorflow/tfjs';

/**
 * Deep Q-learning (Mnih et al. 2015) with double-Q targets (van Hasselt et al. 2016), a
 * target network, a replay buffer, a linear epsilon schedule and the Huber loss, structured
 * like CleanRL's dqn.py: act, store, and every `trainFrequency` env steps one gradient step.
 */

export const DqnConfigSchema = z.strictObject({
  learningRate: z.number().positive().default(5e-4),
  gamma: z.number().min(0).max(1).default(0.99),
  bufferSize: z.number().int().positive().default(50_000),
  batchSize: z.number().int().positive().default(64),
  /** Env steps of uniform-random actions before learning starts. */
  learningStarts: z.number().int().nonnegative().default(2_000),
  /** Env steps per gradient step. */
  trainFrequency: z.number().int().positive().default(4),
  /** Env steps between target network syncs. */
  targetUpdateInterval: z.number().int().positive().default(1_000),
  /** Soft update coefficient (1: hard copy). */
  tau: z.number().gt(0).max(1).default(1),
  startEpsilon: z.number().min(0).max(1).default(1),
  endEpsilon: z.number().min(0).max(1).default(0.05),
  /** Fraction of the total steps over which epsilon decays linearly. */
  explorationFraction: z.number().gt(0).max(1).default(0.4),
  doubleQ: z.boolean().default(true),
  huberDelta: z.number().positive().default(1),
  /** Clip the gradient's global norm (0: off). */
  maxGradNorm: z.number().nonnegative().default(10),
  hidden: z.array(z.number().int().positive()).min(1).default([64, 64]),
  /** Rewards are multiplied by this before learning (the logged rewards are not). */
  rewardScale: z.number().positive().default(1),
});
export type DqnConfigInput = z.input<typeof DqnConfigSchema>;
export type DqnConfig = z.output<typeof DqnConfigSchema>;

/** Linear decay from start to end over `duration` steps, then flat (CleanRL's linear_schedule). */
export function linearSchedule(start: number, end: number, duration: number, t: number): number {
  if (duration <= 0) return end;
  const slope = (end - start) / duration;
  return Math.max(slope * t + start, Math.min(start, end));
}

type Variable = TfModule.Variable;
type Tensor = TfModule.Tensor;

/** DQN learner over a RolloutEnv with a Discrete action space. */
export class DqnLearner implements Learner {
  readonly kind = 'dqn' as const;
  readonly head = 'q' as const;
  readonly cfg: DqnConfig;
  readonly policyModel: LayersModel;
  private readonly target: LayersModel;
  private readonly optimizer: TfModule.Optimizer;
  private readonly buffer: ReplayBuffer;
  private readonly rng: Rng;
  private readonly actions: Int32Array;
  private readonly vars: Variable[];
  private readonly onlineParams: MlpParams;
  private readonly targetParams: MlpParams;
  /** The observations a vector step starts from (env.obs is overwritten by the step). */
  private readonly before: Float32Array;
  /** One-hot rows of a sampled batch's actions. */
  private readonly mask: Float32Array;
  private updates = 0;
  private sinceUpdate = 0;
  private sinceTarget = 0;
  private epsilon: number;

  constructor(
    readonly tf: Tf,
    private readonly obsSize: number,
    private readonly nActions: number,
    numEnvs: number,
    seed: number,
    config: DqnConfigInput = {},
  ) {
    this.cfg = DqnConfigSchema.parse(config);
    const spec = { inputSize: obsSize, hidden: this.cfg.hidden, outputSize: nActions, activation: 'relu' as const, outputGain: 1, seed };
    this.policyModel = buildMlp(tf, { ...spec, name: 'q' });
    this.target = buildMlp(tf, { ...spec, name: 'q_target' });
    this.target.trainable = false;
    copyWeights(tf, this.policyModel, this.target);
    this.onlineParams = mlpParams(this.policyModel, 'relu');
    this.targetParams = mlpParams(this.target, 'relu');
    this.vars = mlpVariables(this.onlineParams);
    this.before = new Float32Array(numEnvs * obsSize);
    this.mask = new Float32Array(this.cfg.batchSize * nActions);
    this.optimizer = tf.train.adam(this.cfg.learningRate);
    this.buffer = new ReplayBuffer(this.cfg.bufferSize, obsSize, this.cfg.batchSize);
    this.rng = new Rng(seed ^ 0x5eed);
    this.actions = new Int32Array(numEnvs);
    this.epsilon = this.cfg.startEpsilon;
  }

  /** One vector step: epsilon-greedy actions, store transitions, run due updates. */
  iterate(env: RolloutEnv, totalSteps: number, onEpisode: (e: EpisodeStats) => void): UpdateStats {
    const tf = this.tf;
    const cfg = this.cfg;
    const n = env.numEnvs;
    const k = this.obsSize;
    this.epsilon = linearSchedule(cfg.startEpsilon, cfg.endEpsilon, cfg.explorationFraction * totalSteps, env.steps);
    const explore = env.steps < cfg.learningStarts;
    let q: Float32Array | undefined;
    for (let i = 0; i < n; i++) {
      if (explore || this.rng.next() < this.epsilon) {
        this.actions[i] = Math.floor(this.rng.next() * this.nActions);
      } else {
        q ??= tf.tidy(() => mlpInfer(tf, this.onlineParams, tf.tensor2d(env.obs, [n, k])).dataSync() as Float32Array);
        this.actions[i] = argmax(q, i * this.nActions, this.nActions);
      }
    }
    // Keep the pre-step observations: env.obs is overwritten by step (and auto-reset).
    const before = this.before;
    before.set(env.obs);
    env.step(this.actions, onEpisode);
    for (let i = 0; i < n; i++) {
      // Truncation is not a terminal state: bootstrap from the observation the episode ended on.
      this.buffer.add(before, i * k, this.actions[i]!, env.rewards[i]! * cfg.rewardScale, env.finalObs, i * k, env.terminated[i] === 1);
    }
    this.sinceUpdate += n;
    this.sinceTarget += n;
    let lossSum = 0;
    let qSum = 0;
    let ran = 0;
    if (env.steps >= cfg.learningStarts && this.buffer.size >= cfg.batchSize) {
      while (this.sinceUpdate >= cfg.trainFrequency) {
        this.sinceUpdate -= cfg.trainFrequency;
        const r = this.update();
        lossSum += r.loss;
        qSum += r.q;
        ran++;
      }
      if (this.sinceTarget >= cfg.targetUpdateInterval) {
        this.sinceTarget = 0;
        this.syncTarget();
      }
    } else {
      this.sinceUpdate = 0;
    }
    return { updates: this.updates, loss: ran > 0 ? lossSum / ran : Number.NaN, qMean: ran > 0 ? qSum / ran : undefined, epsilon: this.epsilon };
  }

  private syncTarget(): void {
    const tf = this.tf;
    if (this.cfg.tau >= 1) {
      copyWeights(tf, this.policyModel, this.target);
      return;
    }
    const tau = this.cfg.tau;
    tf.tidy(() => {
      const online = this.policyModel.getWeights();
      const target = this.target.getWeights();
      this.target.setWeights(target.map((t, i) => tf.add(tf.mul(online[i]!, tau), tf.mul(t, 1 - tau))));
    });
  }

  /** One gradient step on a sampled batch; returns the loss and mean Q of the taken actions. */
  private update(): { loss: number; q: number } {
    const tf = this.tf;
    const cfg = this.cfg;
    const b = this.buffer.sample(this.rng);
    const B = cfg.batchSize;
    const k = this.obsSize;
    const nA = this.nActions;
    this.mask.fill(0);
    for (let i = 0; i < B; i++) this.mask[i * nA + b.actions[i]!] = 1;
    const out = tf.tidy(() => {
      const obs = tf.tensor2d(b.obs, [B, k]);
      const nextObs = tf.tensor2d(b.nextObs, [B, k]);
      const actionMask = tf.tensor2d(this.mask, [B, nA]);
      const rewards = tf.tensor1d(b.rewards);
      const notDone = tf.sub(1, tf.tensor1d(b.dones));
      const nextTarget = mlpInfer(tf, this.targetParams, nextObs);
      let nextValue: Tensor;
      if (cfg.doubleQ) {
        // Double DQN: the online network picks the next action, the target network values it.
        const nextOnline = mlpInfer(tf, this.onlineParams, nextObs);
        const pick = tf.oneHot(tf.argMax(nextOnline, 1), nA);
        nextValue = tf.sum(tf.mul(nextTarget, pick), 1);
      } else {
        nextValue = tf.max(nextTarget, 1);
      }
      const tdTarget = tf.add(rewards, tf.mul(tf.mul(nextValue, cfg.gamma), notDone));
      let qMean: Tensor | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const q = mlpApply(tf, this.onlineParams, obs);
        const qa = tf.sum(tf.mul(q, actionMask), 1);
        // Q of the taken actions before this step's update (a diagnostic; no gradient flows from it).
        qMean = tf.keep(tf.mean(qa));
        return tf.losses.huberLoss(tdTarget, qa, undefined, cfg.huberDelta) as TfModule.Scalar;
      }, this.vars);
      const clipped = cfg.maxGradNorm > 0 ? clipByGlobalNorm(tf, grads, cfg.maxGradNorm) : grads;
      this.optimizer.applyGradients(clipped);
      const stats = tf.stack([value, qMean!]);
      // kept tensors escape every tidy scope: release it explicitly
      qMean!.dispose();
      return stats;
    });
    const [loss, q] = out.dataSync();
    out.dispose();
    this.updates++;
    return { loss: loss!, q: q! };
  }

  extraModels(): Record<string, LayersModel> {
    return {};
  }

  config(): Record<string, unknown> {
    return { algorithm: 'dqn', ...this.cfg };
  }

  dispose(): void {
    this.policyModel.dispose();
    this.target.dispose();
    this.optimizer.dispose();
  }
}

/** Scale gradients so their global L2 norm is at most `maxNorm` (like torch's clip_grad_norm_). */
export function clipByGlobalNorm(tf: Tf, grads: TfModule.NamedTensorMap, maxNorm: number): TfModule.NamedTensorMap {
  return tf.tidy(() => {
    const names = Object.keys(grads);
    const sq = names.map((n) => tf.sum(tf.square(grads[n]!)));
    const norm = tf.sqrt(tf.addN(sq));
    const factor = tf.div(maxNorm, tf.maximum(norm, maxNorm));
    const out: TfModule.NamedTensorMap = {};
    for (const n of names) out[n] = tf.mul(grads[n]!, factor);
    return out;
  });
}
