import { Rng } from '../../env/rng.js';
import type { ResetResult, StepResult } from '../../env/types.js';
import type { AgentContext } from '../agent.js';

/**
 * What the learners roll out in: N synchronous envs stepped in lockstep with batched
 * observations and Gymnasium's auto-reset (a finished env is reset at once; the observation
 * it ended on is kept in `finalObs` for bootstrapping).
 */

/** A synchronous env, as SimEnv on the memory backend is (structural, so agents stay env-agnostic). */
export interface SyncEnv {
  readonly agentContext: AgentContext;
  reset(opts?: { seed?: number }): ResetResult;
  step(action: number): StepResult;
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

/** Batched lockstep rollouts over N envs of one shape. */
export class RolloutEnv {
  readonly numEnvs: number;
  readonly obsSize: number;
  readonly nActions: number;
  readonly actionStart: number;
  /** Current observations, [numEnvs x obsSize] (after auto-reset). */
  readonly obs: Float32Array;
  /** Observations each env's last step ended on (before auto-reset), [numEnvs x obsSize]. */
  readonly finalObs: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** Total env steps taken since construction. */
  steps = 0;
  private readonly returns: Float64Array;
  private readonly lengths: Int32Array;
  private readonly comps: Float64Array;
  private readonly seeds: Rng;

  constructor(
    readonly envs: readonly SyncEnv[],
    seed: number,
  ) {
    if (envs.length === 0) throw new RangeError('RolloutEnv: expected at least one env, got none');
    const ctx = envs[0]!.agentContext;
    this.numEnvs = envs.length;
    this.obsSize = ctx.observationSpace.shape[0]!;
    this.nActions = ctx.actionSpace.n;
    this.actionStart = ctx.actionSpace.start;
    for (const e of envs) {
      const c = e.agentContext;
      if (c.observationSpace.shape[0] !== this.obsSize || c.actionSpace.n !== this.nActions || c.actionSpace.start !== this.actionStart) {
        throw new RangeError('RolloutEnv: expected envs of one observation and action shape');
      }
    }
    this.obs = new Float32Array(this.numEnvs * this.obsSize);
    this.finalObs = new Float32Array(this.numEnvs * this.obsSize);
    this.rewards = new Float32Array(this.numEnvs);
    this.terminated = new Uint8Array(this.numEnvs);
    this.truncated = new Uint8Array(this.numEnvs);
    this.returns = new Float64Array(this.numEnvs);
    this.lengths = new Int32Array(this.numEnvs);
    this.comps = new Float64Array(this.numEnvs * 3);
    this.seeds = new Rng(seed);
  }

  /** The agent context shared by the envs. */
  get agentContext(): AgentContext {
    return this.envs[0]!.agentContext;
  }

  /** Reset every env with seeds drawn from the rollout's stream. */
  reset(): void {
    for (let i = 0; i < this.numEnvs; i++) this.resetOne(i);
  }

  private resetOne(i: number): void {
    const r = this.envs[i]!.reset({ seed: this.seeds.nextUint32() });
    this.obs.set(r.observation, i * this.obsSize);
    this.returns[i] = 0;
    this.lengths[i] = 0;
    this.comps.fill(0, i * 3, i * 3 + 3);
  }

  /**
   * Step every env with `actionIndices[i]` (0..nActions-1; the env action is start + index).
   * Finished episodes are reported to `onEpisode` and their envs reset.
   */
  step(actionIndices: ArrayLike<number>, onEpisode?: (stats: EpisodeStats) => void): void {
    const k = this.obsSize;
    for (let i = 0; i < this.numEnvs; i++) {
      const s = this.envs[i]!.step(this.actionStart + actionIndices[i]!);
      this.rewards[i] = s.reward;
      this.terminated[i] = s.terminated ? 1 : 0;
      this.truncated[i] = s.truncated ? 1 : 0;
      this.finalObs.set(s.observation, i * k);
      this.returns[i] += s.reward;
      this.lengths[i]++;
      this.comps[i * 3] += s.info.reward.slo;
      this.comps[i * 3 + 1] += s.info.reward.cost;
      this.comps[i * 3 + 2] += s.info.reward.churn;
      if (s.terminated || s.truncated) {
        onEpisode?.({
          env: i,
          return: this.returns[i]!,
          length: this.lengths[i]!,
          slo: this.comps[i * 3]!,
          cost: this.comps[i * 3 + 1]!,
          churn: this.comps[i * 3 + 2]!,
        });
        this.resetOne(i);
      } else {
        this.obs.set(s.observation, i * k);
      }
    }
    this.steps += this.numEnvs;
  }
}
