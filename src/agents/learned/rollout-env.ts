import { emptyStepInfo, storeFinal, storeStep } from '../../env/step-info.js';
import type { ResetResult, StepInfo, StepResult } from '../../env/types.js';
import type { AgentContext } from '../agent.js';

/**
 * What the learners roll out in: N envs stepped in lockstep with batched observations and
 * same-step auto-reset (a finished env is reset at once; the observation it ended on is kept
 * in `finalObservations`, Gymnasium's `final_obs`, for bootstrapping truncated episodes).
 */

/** A synchronous env, as SimEnv on the memory backend is (structural: agents stay env-agnostic). */
export interface SyncEnv {
  readonly agentContext: AgentContext;
  reset(opts?: { seed?: number }): ResetResult;
  step(action: number): StepResult;
}

/**
 * A batch of envs with same-step auto-reset: the shape of src/env/vector-env.ts's VectorEnv
 * with `autoreset: 'same-step'` (plus `finalInfos`, the final step's info of envs that ended).
 */
export interface BatchedEnv {
  readonly numEnvs: number;
  readonly envs: readonly SyncEnv[];
  readonly observations: Float32Array;
  readonly finalObservations: Float32Array;
  readonly hasFinal: Uint8Array;
  readonly rewards: ArrayLike<number>;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly infos: StepInfo[];
  /** The last step's info of each env that ended in it (where hasFinal[i] === 1). */
  readonly finalInfos?: ReadonlyArray<Pick<StepInfo, 'reward'> | undefined>;
  reset(opts?: { seed?: number }): unknown;
  step(actions: ArrayLike<number>): unknown;
}

/** Lockstep stepping of sync envs with same-step auto-reset (a BatchedEnv over plain envs). */
export class LockstepEnvs implements BatchedEnv {
  readonly numEnvs: number;
  readonly observations: Float32Array;
  readonly finalObservations: Float32Array;
  readonly hasFinal: Uint8Array;
  readonly rewards: Float64Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly infos: StepInfo[];
  readonly finalInfos: StepInfo[];
  private readonly obsSize: number;

  constructor(readonly envs: readonly SyncEnv[]) {
    if (envs.length === 0) throw new RangeError('LockstepEnvs: expected at least one env, got none');
    this.numEnvs = envs.length;
    this.obsSize = envs[0]!.agentContext.observationSpace.shape[0]!;
    const n = this.numEnvs;
    this.observations = new Float32Array(n * this.obsSize);
    this.finalObservations = new Float32Array(n * this.obsSize);
    this.hasFinal = new Uint8Array(n);
    this.rewards = new Float64Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.infos = new Array<StepInfo>(n);
    this.finalInfos = Array.from({ length: n }, () => emptyStepInfo());
  }

  /** Reset env i with `seed + i` (as VectorEnv does) or continue each env's seed stream. */
  reset(opts?: { seed?: number }): void {
    for (let i = 0; i < this.numEnvs; i++) {
      const r = this.envs[i]!.reset(opts?.seed !== undefined ? { seed: opts.seed + i } : undefined);
      this.observations.set(r.observation, i * this.obsSize);
      this.infos[i] = r.info;
    }
    this.hasFinal.fill(0);
  }

  step(actions: ArrayLike<number>): void {
    const k = this.obsSize;
    this.hasFinal.fill(0);
    for (let i = 0; i < this.numEnvs; i++) {
      const env = this.envs[i]!;
      const r = env.step(actions[i]!);
      if (storeStep(this, i, r)) {
        storeFinal(this, i, i * k, r);
        this.observations.set(env.reset().observation, i * k);
      } else {
        this.observations.set(r.observation, i * k);
      }
    }
  }
}

/** One finished episode's totals. */
export interface EpisodeStats {
  env: number;
  return: number;
  length: number;
  slo: number;
  cost: number;
  churn: number;
}

/** Rollout bookkeeping over a BatchedEnv: action indices, step counts, episode totals. */
export class RolloutEnv {
  readonly numEnvs: number;
  readonly obsSize: number;
  readonly nActions: number;
  readonly actionStart: number;
  /** Current observations, [numEnvs x obsSize] (after auto-reset). */
  readonly obs: Float32Array;
  /** Observations each env's last step ended on, [numEnvs x obsSize]: the batch's finalObservations where an episode ended, else the new observation. */
  readonly finalObs: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** Total env steps taken since construction. */
  steps = 0;
  private readonly returns: Float64Array;
  private readonly lengths: Int32Array;
  private readonly comps: Float64Array;
  private readonly actions: Int32Array;

  constructor(
    readonly batch: BatchedEnv,
    private readonly seed: number,
  ) {
    const ctx = batch.envs[0]!.agentContext;
    this.numEnvs = batch.numEnvs;
    this.obsSize = ctx.observationSpace.shape[0]!;
    this.nActions = ctx.actionSpace.n;
    this.actionStart = ctx.actionSpace.start;
    for (const e of batch.envs) {
      const c = e.agentContext;
      if (c.observationSpace.shape[0] !== this.obsSize || c.actionSpace.n !== this.nActions || c.actionSpace.start !== this.actionStart) {
        throw new RangeError('RolloutEnv: expected envs of one observation and action shape');
      }
    }
    this.obs = batch.observations;
    this.finalObs = new Float32Array(this.numEnvs * this.obsSize);
    this.rewards = new Float32Array(this.numEnvs);
    this.terminated = batch.terminated;
    this.truncated = batch.truncated;
    this.returns = new Float64Array(this.numEnvs);
    this.lengths = new Int32Array(this.numEnvs);
    this.comps = new Float64Array(this.numEnvs * 3);
    this.actions = new Int32Array(this.numEnvs);
  }

  /** Build a rollout over plain sync envs (tests, or when no VectorEnv is at hand). */
  static of(envs: readonly SyncEnv[], seed: number): RolloutEnv {
    return new RolloutEnv(new LockstepEnvs(envs), seed);
  }

  /** The agent context shared by the envs. */
  get agentContext(): AgentContext {
    return this.batch.envs[0]!.agentContext;
  }

  /** Reset every env (env i with seed + i). */
  reset(): void {
    this.batch.reset({ seed: this.seed });
    this.returns.fill(0);
    this.lengths.fill(0);
    this.comps.fill(0);
  }

  /**
   * Step every env with `actionIndices[i]` (0..nActions-1; the env action is start + index).
   * Finished episodes are reported to `onEpisode`; their envs are already reset.
   */
  step(actionIndices: ArrayLike<number>, onEpisode?: (stats: EpisodeStats) => void): void {
    const k = this.obsSize;
    const b = this.batch;
    for (let i = 0; i < this.numEnvs; i++) this.actions[i] = this.actionStart + actionIndices[i]!;
    b.step(this.actions);
    for (let i = 0; i < this.numEnvs; i++) {
      const r = b.rewards[i]!;
      this.rewards[i] = r;
      this.returns[i] += r;
      this.lengths[i]++;
      const ended = b.hasFinal[i] === 1;
      const breakdown = ended ? b.finalInfos?.[i]?.reward : b.infos[i]!.reward;
      if (ended && !breakdown) throw new RangeError('RolloutEnv: expected finalInfos from the batched env for ended episodes');
      this.comps[i * 3] += breakdown!.slo;
      this.comps[i * 3 + 1] += breakdown!.cost;
      this.comps[i * 3 + 2] += breakdown!.churn;
      if (ended) {
        this.finalObs.set(b.finalObservations.subarray(i * k, i * k + k), i * k);
        onEpisode?.({
          env: i,
          return: this.returns[i]!,
          length: this.lengths[i]!,
          slo: this.comps[i * 3]!,
          cost: this.comps[i * 3 + 1]!,
          churn: this.comps[i * 3 + 2]!,
        });
        this.returns[i] = 0;
        this.lengths[i] = 0;
        this.comps.fill(0, i * 3, i * 3 + 3);
      } else {
        this.finalObs.set(this.obs.subarray(i * k, i * k + k), i * k);
      }
    }
    this.steps += this.numEnvs;
  }
}
