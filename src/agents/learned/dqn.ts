import { z } from 'zod';
import { Rng } from '../../env/rng.js';
import type { Tf } from '../tf-backend.js';
import type { Learner, UpdateStats } from './learner.js';
import { disposeWeights, FlatAdam, FlatMlps, type NetWeights } from './flat-mlp.js';
import { argmax, buildMlp, type LayersModel } from './networks.js';
import { ReplayBuffer } from './replay-buffer.js';
import type { EpisodeStats, RolloutEnv } from './rollout-env.js';

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

/** DQN learner over a RolloutEnv with a Discrete action space. */
export class DqnLearner implements Learner {
  readonly kind = 'dqn' as const;
  readonly head = 'q' as const;
  readonly cfg: DqnConfig;
  private readonly onlineModel: LayersModel;
  /** The online network's weights while training (the LayersModel gets them back on demand). */
  private readonly flat: FlatMlps;
  /** The target network: a flat vector in the online network's layout. */
  private readonly targetTheta: Float32Array;
  /** The target network's tensors, made once per target sync (they only change then). */
  private targetWeights: NetWeights;
  /** The online network's tensors for the current theta (made on first use after an update, shared by acting and the next update). */
  private onlineWeights: NetWeights | undefined;
  /** The flat gradient of an update. */
  private readonly grad: Float32Array;
  private readonly optimizer: FlatAdam;
  /** The LayersModel holds older weights than `flat`. */
  private stale = false;
  private readonly buffer: ReplayBuffer;
  private readonly rng: Rng;
  private readonly actions: Int32Array;
  /** The observations a vector step starts from (env.obs is overwritten by the step). */
  private readonly before: Float32Array;
  /** dLoss/dQ of a sampled batch (non-zero at the taken actions only). */
  private readonly dq: Float32Array;
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
    this.onlineModel = buildMlp(tf, { ...spec, name: 'q' });
    this.flat = new FlatMlps(tf, [{ model: this.onlineModel, activation: 'relu' }]);
    this.targetTheta = this.flat.theta.slice();
    this.targetWeights = this.flat.weights(0, this.targetTheta, false);
    this.grad = new Float32Array(this.flat.size);
    this.before = new Float32Array(numEnvs * obsSize);
    this.dq = new Float32Array(this.cfg.batchSize * nActions);
    // tfjs' Adam defaults (epsilon 1e-7), as before the flat optimizer.
    this.optimizer = new FlatAdam(this.flat.size, this.cfg.learningRate, 0.9, 0.999, 1e-7);
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
        const w = this.online();
        q ??= this.flat.infer(w, env.obs, n);
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

  /** The online Q-network (the acting network), with the weights trained so far. */
  get policyModel(): LayersModel {
    if (this.stale) {
      this.flat.writeTo(0, this.onlineModel);
      this.stale = false;
    }
    return this.onlineModel;
  }

  /** The online network's tensors for the current weights. */
  private online(): NetWeights {
    this.onlineWeights ??= this.flat.weights(0);
    return this.onlineWeights;
  }

  private dropOnline(): void {
    if (this.onlineWeights) disposeWeights(this.tf, this.onlineWeights);
    this.onlineWeights = undefined;
  }

  private syncTarget(): void {
    const tau = this.cfg.tau;
    if (tau >= 1) {
      this.targetTheta.set(this.flat.theta);
    } else {
      const online = this.flat.theta;
      for (let i = 0; i < online.length; i++) this.targetTheta[i] = tau * online[i]! + (1 - tau) * this.targetTheta[i]!;
    }
    disposeWeights(this.tf, this.targetWeights);
    this.targetWeights = this.flat.weights(0, this.targetTheta, false);
  }

  /**
   * One gradient step on a sampled batch; returns the loss and mean Q of the taken actions
   * (before the step). TD targets, the Huber loss and its gradient are computed in JS from the
   * networks' outputs (a few hundred numbers); the networks run in tfjs (flat-mlp.ts).
   */
  private update(): { loss: number; q: number } {
    const tf = this.tf;
    const cfg = this.cfg;
    const b = this.buffer.sample(this.rng);
    const B = cfg.batchSize;
    const k = this.obsSize;
    const nA = this.nActions;
    const delta = cfg.huberDelta;
    let loss = 0;
    let qSum = 0;
    const targetWeights = this.targetWeights;
    const w = this.online();
    tf.tidy(() => {
      const nextTarget = this.flat.infer(targetWeights, b.nextObs, B);
      // Double DQN: the online network picks the next action, the target network values it.
      const nextOnline = cfg.doubleQ ? this.flat.infer(w, b.nextObs, B) : undefined;
      const trace = this.flat.forward(w, b.obs, B);
      const q = trace.out.dataSync();
      this.dq.fill(0);
      for (let i = 0; i < B; i++) {
        const off = i * nA;
        const nextValue = nextOnline ? nextTarget[off + argmax(nextOnline, off, nA)]! : nextTarget[off + argmax(nextTarget, off, nA)]!;
        const target = b.rewards[i]! + cfg.gamma * nextValue * (1 - b.dones[i]!);
        const qa = q[off + b.actions[i]!]!;
        const d = qa - target;
        const ad = Math.abs(d);
        // Huber: 0.5 d^2 inside [-delta, delta], linear outside; gradient clip(d, -delta, delta).
        loss += ad <= delta ? 0.5 * d * d : delta * (ad - 0.5 * delta);
        qSum += qa;
        this.dq[off + b.actions[i]!] = Math.min(Math.max(d, -delta), delta) / B;
      }
      this.flat.backward(w, trace, this.dq, this.grad);
    });
    this.optimizer.step(this.flat.theta, this.grad, cfg.maxGradNorm);
    this.dropOnline();
    this.stale = true;
    this.updates++;
    return { loss: loss / B, q: qSum / B };
  }

  extraModels(): Record<string, LayersModel> {
    return {};
  }

  config(): Record<string, unknown> {
    return { algorithm: 'dqn', ...this.cfg };
  }

  dispose(): void {
    this.onlineModel.dispose();
    this.dropOnline();
    disposeWeights(this.tf, this.targetWeights);
  }
}
