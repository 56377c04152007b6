import { z } from 'zod';
import { Rng } from '../../env/rng.js';
import type { Tf } from '../tf-backend.js';
import { disposeWeights, FlatAdam, FlatMlps, type NetWeights } from './flat-mlp.js';
import type { Learner, UpdateStats } from './learner.js';
import { buildMlp, type LayersModel } from './networks.js';
import { ppoLossAndGrad, type PpoLossStats } from './ppo-loss.js';
import type { EpisodeStats, Rollouts } from './rollout-env.js';

/**
 * Proximal Policy Optimisation (Schulman et al. 2017) for a Discrete or MultiDiscrete action
 * space (a factorised head: one categorical per component, see ppo-loss.ts), structured
 * like CleanRL's ppo.py: roll out `numSteps` vector steps, compute GAE advantages, then
 * `updateEpochs` passes over shuffled minibatches with the clipped surrogate objective, a
 * (clipped) value loss and an entropy bonus; separate actor and critic MLPs.
 */

export const PpoConfigSchema = z.strictObject({
  /**
   * 2e-3 with 4 epochs x 2 minibatches: at CleanRL's 2.5e-4 x 4 epochs the policy barely moved
   * on SimEnv (approximate KL ~1e-3, no clipping); with fewer gradient steps per rollout than
   * the old 10 x 4 at 1e-3, a larger step learns more per CPU-second (docs/agents.md
   * "Training throughput").
   */
  learningRate: z.number().positive().default(2e-3),
  /** Linearly anneal the learning rate to 0 over the run. */
  annealLr: z.boolean().default(true),
  /** Vector steps per rollout (each collects numEnvs transitions). */
  numSteps: z.number().int().positive().default(128),
  gamma: z.number().min(0).max(1).default(0.99),
  gaeLambda: z.number().min(0).max(1).default(0.95),
  /**
   * 4 epochs x 2 minibatches: learns less per env step than 10 x 4 but takes 1.6-3.2x as many
   * steps per CPU-second, and at an equal CPU budget reached at least 10 x 4's return on both
   * learning-test envs and on nginx-diurnal (bench/ppo-geometry.ts; docs/agents.md "Training
   * throughput"). Per env step it needs about three times the steps for the same return.
   */
  numMinibatches: z.number().int().positive().default(2),
  updateEpochs: z.number().int().positive().default(4),
  normAdv: z.boolean().default(true),
  clipCoef: z.number().positive().default(0.2),
  clipVloss: z.boolean().default(true),
  entCoef: z.number().nonnegative().default(0.01),
  vfCoef: z.number().nonnegative().default(0.5),
  maxGradNorm: z.number().nonnegative().default(0.5),
  /** Stop the epoch loop early when the approximate KL exceeds this (0: off). */
  targetKl: z.number().nonnegative().default(0),
  hidden: z.array(z.number().int().positive()).min(1).default([64, 64]),
  /**
   * Rewards are multiplied by this before learning (logs keep the env's rewards). SimEnv's
   * episode returns reach tens of units; 0.1 keeps value targets near unit scale.
   */
  rewardScale: z.number().positive().default(0.1),
});
export type PpoConfigInput = z.input<typeof PpoConfigSchema>;
export type PpoConfig = z.output<typeof PpoConfigSchema>;

const ACTOR = 0;
const CRITIC = 1;

/** Softmax of `logits[offset .. offset+n)` into `out` (numerically stable). */
export function softmaxInto(logits: ArrayLike<number>, offset: number, n: number, out: Float64Array): void {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[offset + i]!);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(logits[offset + i]! - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < n; i++) out[i]! /= sum;
}

/** A rollout laid out [numSteps x numEnvs] (row t holds every env's step t). */
export interface GaeInput {
  rewards: ArrayLike<number>;
  values: ArrayLike<number>;
  /** 1 where the observation of step t starts a new episode (the previous step ended one). */
  dones: ArrayLike<number>;
  /** Values and done flags of the observations after the last step. */
  nextValues: ArrayLike<number>;
  nextDones: ArrayLike<number>;
  numSteps: number;
  numEnvs: number;
  gamma: number;
  lambda: number;
}

/**
 * GAE(lambda) advantages and returns (advantage + value) as CleanRL computes them:
 * delta_t = r_t + gamma V_{t+1} (1 - done_{t+1}) - V_t, A_t = delta_t + gamma lambda (1 - done_{t+1}) A_{t+1}.
 */
export function computeGae(g: GaeInput, advantages: Float32Array, returns: Float32Array): void {
  const T = g.numSteps;
  const N = g.numEnvs;
  for (let i = 0; i < N; i++) {
    let lastGae = 0;
    for (let t = T - 1; t >= 0; t--) {
      const idx = t * N + i;
      const nonTerminal = t === T - 1 ? 1 - g.nextDones[i]! : 1 - g.dones[idx + N]!;
      const nextValue = t === T - 1 ? g.nextValues[i]! : g.values[idx + N]!;
      const delta = g.rewards[idx]! + g.gamma * nextValue * nonTerminal - g.values[idx]!;
      lastGae = delta + g.gamma * g.lambda * nonTerminal * lastGae;
      advantages[idx] = lastGae;
      returns[idx] = lastGae + g.values[idx]!;
    }
  }
}

/** PPO learner over rollouts with a Discrete or MultiDiscrete action space. */
export class PpoLearner implements Learner {
  readonly kind = 'ppo' as const;
  readonly head = 'logits' as const;
  readonly cfg: PpoConfig;
  private readonly actor: LayersModel;
  private readonly critic: LayersModel;
  /** Actor and critic weights while training (the LayersModels get them back on demand). */
  private readonly flat: FlatMlps;
  private readonly optimizer: FlatAdam;
  /** The LayersModels hold older weights than `flat`. */
  private stale = false;
  private readonly rng: Rng;
  private updates = 0;
  // Rollout storage, [numSteps x numEnvs (x obsSize)].
  private readonly obsBuf: Float32Array;
  private readonly actBuf: Int32Array;
  private readonly logpBuf: Float32Array;
  private readonly rewBuf: Float32Array;
  private readonly doneBuf: Float32Array;
  private readonly valBuf: Float32Array;
  private readonly advBuf: Float32Array;
  private readonly retBuf: Float32Array;
  private readonly probs: Float64Array;
  private readonly actions: Int32Array;
  private readonly batchSize: number;
  private readonly minibatchSize: number;
  private readonly mbObs: Float32Array;
  private readonly mbAct: Int32Array;
  private readonly dLogits: Float32Array;
  private readonly dValues: Float32Array;
  private readonly logpScratch: Float64Array;
  private readonly mbLogp: Float32Array;
  private readonly mbAdv: Float32Array;
  private readonly mbRet: Float32Array;
  private readonly mbVal: Float32Array;
  private readonly order: Int32Array;
  /** The flat gradient of a minibatch (actor then critic, theta's layout). */
  private readonly grad: Float32Array;
  /** Done flags of the current observations (1: the env just auto-reset). */
  private readonly nextDone: Float32Array;
  /** Categories of each action component ([n] for Discrete). */
  private readonly nvec: readonly number[];
  /** Logits of the actor: the sum of nvec. */
  private readonly nActions: number;

  /** `actions`: the category count of a Discrete space, or the nvec of a MultiDiscrete one. */
  constructor(
    readonly tf: Tf,
    private readonly obsSize: number,
    actions: number | readonly number[],
    private readonly numEnvs: number,
    seed: number,
    config: PpoConfigInput = {},
  ) {
    this.cfg = PpoConfigSchema.parse(config);
    const c = this.cfg;
    this.nvec = typeof actions === 'number' ? [actions] : [...actions];
    if (this.nvec.length < 1 || this.nvec.some((n) => !Number.isInteger(n) || n < 1)) {
      throw new RangeError(`PpoLearner: expected action components of at least 1 category, got [${this.nvec.join(', ')}]`);
    }
    const nActions = this.nvec.reduce((a, b) => a + b, 0);
    this.nActions = nActions;
    const D = this.nvec.length;
    this.actor = buildMlp(tf, { inputSize: obsSize, hidden: c.hidden, outputSize: nActions, activation: 'tanh', outputGain: 0.01, seed, name: 'actor' });
    this.critic = buildMlp(tf, { inputSize: obsSize, hidden: c.hidden, outputSize: 1, activation: 'tanh', outputGain: 1, seed: seed + 1000, name: 'critic' });
    this.flat = new FlatMlps(
      tf,
      [
        { model: this.actor, activation: 'tanh' },
        { model: this.critic, activation: 'tanh' },
      ],
    );
    // eps 1e-5 as in CleanRL (PyTorch's Adam default is 1e-8; tfjs' is 1e-7).
    this.optimizer = new FlatAdam(this.flat.size, c.learningRate, 0.9, 0.999, 1e-5);
    this.grad = new Float32Array(this.flat.size);
    this.rng = new Rng(seed ^ 0x9e37);
    const T = c.numSteps;
    const N = numEnvs;
    this.batchSize = T * N;
    this.minibatchSize = Math.max(1, Math.floor(this.batchSize / c.numMinibatches));
    this.obsBuf = new Float32Array(T * N * obsSize);
    this.actBuf = new Int32Array(T * N * D);
    this.logpBuf = new Float32Array(T * N);
    this.rewBuf = new Float32Array(T * N);
    this.doneBuf = new Float32Array(T * N);
    this.valBuf = new Float32Array(T * N);
    this.advBuf = new Float32Array(T * N);
    this.retBuf = new Float32Array(T * N);
    this.probs = new Float64Array(Math.max(...this.nvec));
    this.actions = new Int32Array(N * D);
    this.mbObs = new Float32Array(this.minibatchSize * obsSize);
    this.mbAct = new Int32Array(this.minibatchSize * D);
    this.dLogits = new Float32Array(this.minibatchSize * nActions);
    this.dValues = new Float32Array(this.minibatchSize);
    this.logpScratch = new Float64Array(nActions);
    this.mbLogp = new Float32Array(this.minibatchSize);
    this.mbAdv = new Float32Array(this.minibatchSize);
    this.mbRet = new Float32Array(this.minibatchSize);
    this.mbVal = new Float32Array(this.minibatchSize);
    this.order = new Int32Array(this.batchSize);
    this.nextDone = new Float32Array(N);
  }

  /** The actor (the acting network), with the weights trained so far. */
  get policyModel(): LayersModel {
    this.syncModels();
    return this.actor;
  }

  private syncModels(): void {
    if (!this.stale) return;
    this.flat.writeTo(ACTOR, this.actor);
    this.flat.writeTo(CRITIC, this.critic);
    this.stale = false;
  }

  /**
   * Actor and critic outputs for a batch of observations in one pass of the joint network
   * (made once per rollout): row i holds nActions logits then the value, stride nActions + 1.
   */
  private forward(w: NetWeights, obs: Float32Array, rows: number): Float32Array {
    return this.flat.infer(w, obs, rows);
  }

  /** One rollout of numSteps vector steps, then the PPO update. */
  iterate(env: Rollouts, totalSteps: number, onEpisode: (e: EpisodeStats) => void): UpdateStats {
    const c = this.cfg;
    const N = this.numEnvs;
    const k = this.obsSize;
    const T = c.numSteps;
    const lr = c.annealLr ? c.learningRate * Math.max(0, 1 - env.steps / Math.max(1, totalSteps)) : c.learningRate;
    this.optimizer.learningRate = lr;
    const tf = this.tf;
    // The weights do not change during the rollout: make the joint actor-critic tensors once.
    const w = this.flat.jointWeights([ACTOR, CRITIC]);
    const stride = this.nActions + 1;

    for (let t = 0; t < T; t++) {
      const row = t * N;
      this.obsBuf.set(env.obs, row * k);
      this.doneBuf.set(this.nextDone, row);
      const out = this.forward(w, env.obs, N);
      const D = this.nvec.length;
      for (let i = 0; i < N; i++) {
        let logp = 0;
        // One categorical per component, sampled in component order from the learner's stream.
        for (let d = 0, co = 0; d < D; co += this.nvec[d]!, d++) {
          const n = this.nvec[d]!;
          softmaxInto(out, i * stride + co, n, this.probs);
          let u = this.rng.next();
          let a = n - 1;
          for (let j = 0; j < n; j++) {
            u -= this.probs[j]!;
            if (u < 0) {
              a = j;
              break;
            }
          }
          this.actions[i * D + d] = a;
          this.actBuf[(row + i) * D + d] = a;
          logp += Math.log(Math.max(this.probs[a]!, 1e-12));
        }
        this.logpBuf[row + i] = logp;
        this.valBuf[row + i] = out[i * stride + this.nActions]!;
      }
      env.step(this.actions, onEpisode);
      let truncatedAny = false;
      for (let i = 0; i < N; i++) if (env.truncated[i] === 1 && env.terminated[i] === 0) truncatedAny = true;
      // Truncation is not termination: fold gamma * V(final observation) into the reward.
      const finalOut = truncatedAny ? this.forward(w, env.finalObs, N) : undefined;
      for (let i = 0; i < N; i++) {
        let r = env.rewards[i]! * c.rewardScale;
        if (finalOut && env.truncated[i] === 1 && env.terminated[i] === 0) r += c.gamma * finalOut[i * stride + this.nActions]!;
        this.rewBuf[row + i] = r;
        this.nextDone[i] = env.terminated[i] === 1 || env.truncated[i] === 1 ? 1 : 0;
      }
    }

    // GAE(lambda), bootstrapped from the value of the observations after the rollout.
    const lastOut = this.forward(w, env.obs, N);
    const nextValues = Float32Array.from({ length: N }, (_, i) => lastOut[i * stride + this.nActions]!);
    disposeWeights(tf, w);
    computeGae(
      { rewards: this.rewBuf, values: this.valBuf, dones: this.doneBuf, nextValues, nextDones: this.nextDone, numSteps: T, numEnvs: N, gamma: c.gamma, lambda: c.gaeLambda },
      this.advBuf,
      this.retBuf,
    );

    let lossSum = 0;
    let pgSum = 0;
    let vSum = 0;
    let entSum = 0;
    let klSum = 0;
    let clipSum = 0;
    let ran = 0;
    for (let i = 0; i < this.batchSize; i++) this.order[i] = i;
    epochs: for (let epoch = 0; epoch < c.updateEpochs; epoch++) {
      // Fisher-Yates with the learner's seeded stream.
      for (let i = this.batchSize - 1; i > 0; i--) {
        const j = Math.floor(this.rng.next() * (i + 1));
        const tmp = this.order[i]!;
        this.order[i] = this.order[j]!;
        this.order[j] = tmp;
      }
      for (let start = 0; start + this.minibatchSize <= this.batchSize; start += this.minibatchSize) {
        this.gatherMinibatch(start);
        const s = this.updateMinibatch();
        lossSum += s.loss;
        pgSum += s.pg;
        vSum += s.v;
        entSum += s.ent;
        klSum += s.kl;
        clipSum += s.clip;
        ran++;
        this.updates++;
        if (c.targetKl > 0 && s.kl > c.targetKl) break epochs;
      }
    }
    return {
      updates: this.updates,
      loss: lossSum / ran,
      policyLoss: pgSum / ran,
      valueLoss: vSum / ran,
      entropy: entSum / ran,
      approxKl: klSum / ran,
      clipFraction: clipSum / ran,
      learningRate: lr,
    };
  }

  private gatherMinibatch(start: number): void {
    const k = this.obsSize;
    const M = this.minibatchSize;
    let mean = 0;
    for (let m = 0; m < M; m++) {
      const j = this.order[start + m]!;
      this.mbObs.set(this.obsBuf.subarray(j * k, j * k + k), m * k);
      const D = this.nvec.length;
      for (let d = 0; d < D; d++) this.mbAct[m * D + d] = this.actBuf[j * D + d]!;
      this.mbLogp[m] = this.logpBuf[j]!;
      this.mbAdv[m] = this.advBuf[j]!;
      this.mbRet[m] = this.retBuf[j]!;
      this.mbVal[m] = this.valBuf[j]!;
      mean += this.advBuf[j]!;
    }
    if (this.cfg.normAdv && M > 1) {
      mean /= M;
      let v = 0;
      for (let m = 0; m < M; m++) v += (this.mbAdv[m]! - mean) ** 2;
      const std = Math.sqrt(v / (M - 1));
      for (let m = 0; m < M; m++) this.mbAdv[m] = (this.mbAdv[m]! - mean) / (std + 1e-8);
    }
  }

  /**
   * One gradient step on the gathered minibatch: forward both networks keeping activations,
   * the loss and its output gradients in JS (ppo-loss.ts), backward, one Adam step.
   */
  private updateMinibatch(): PpoLossStats {
    const tf = this.tf;
    const c = this.cfg;
    const M = this.minibatchSize;
    const nA = this.nActions;
    let stats: PpoLossStats | undefined;
    tf.tidy(() => {
      const wA = this.flat.weights(ACTOR);
      const wC = this.flat.weights(CRITIC);
      const ta = this.flat.forward(wA, this.mbObs, M);
      const tc = this.flat.forward(wC, this.mbObs, M);
      stats = ppoLossAndGrad(
        c,
        {
          rows: M,
          nActions: nA,
          nvec: this.nvec,
          logits: ta.out.dataSync(),
          values: tc.out.dataSync(),
          actions: this.mbAct,
          oldLogp: this.mbLogp,
          advantages: this.mbAdv,
          returns: this.mbRet,
          oldValues: this.mbVal,
        },
        this.dLogits,
        this.dValues,
        this.logpScratch,
      );
      this.flat.backward(wA, ta, this.dLogits, this.grad);
      this.flat.backward(wC, tc, this.dValues, this.grad);
    });
    this.optimizer.step(this.flat.theta, this.grad, c.maxGradNorm);
    this.stale = true;
    return stats!;
  }

  extraModels(): Record<string, LayersModel> {
    this.syncModels();
    return { critic: this.critic };
  }

  config(): Record<string, unknown> {
    return { algorithm: 'ppo', ...this.cfg };
  }

  dispose(): void {
    this.actor.dispose();
    this.critic.dispose();
  }
}
