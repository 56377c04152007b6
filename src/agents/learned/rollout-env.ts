import type { ApplicationContext } from '../../env/application/application-types.js';
import type { MultiDiscrete } from '../../env/spaces.js';
import type { AgentContext, SyncEnv } from '../../env/types.js';
import { VectorEnv } from '../../env/vector-env.js';
import { RecordEpisodeStatistics, type EpisodeStatistics, type RewardInfo } from '../../env/wrappers/record-episode-statistics.js';

/**
 * What the learners roll out in: a VectorEnv with same-step auto-reset (a finished env is
 * reset at once; the observation it ended on is kept in `finalObs`, Gymnasium's `final_obs`,
 * for bootstrapping truncated episodes), each env wrapped in RecordEpisodeStatistics, plus the
 * learners' bookkeeping: action indices and float32 rewards. The envs control one deployment
 * (Discrete actions: SimEnvs) or an application (MultiDiscrete: ApplicationEnvs, one
 * component per deployment); the batch and the statistics are the same VectorEnv and wrapper.
 */

/** A SyncEnv that describes itself to agents (SimEnv does). */
export type AgentEnv = SyncEnv & { readonly agentContext: AgentContext };

/** A sync env with a MultiDiscrete action space that describes itself (ApplicationEnv does). */
export type ApplicationAgentEnv = SyncEnv<MultiDiscrete, RewardInfo> & { readonly agentContext: ApplicationContext };

/** One finished episode's totals and the index of the env it ran in. */
export interface EpisodeStats extends EpisodeStatistics {
  env: number;
}

/** What a learner rolls out in: N envs in lockstep, stepped with category indices. */
export interface Rollouts {
  readonly numEnvs: number;
  readonly obsSize: number;
  /** Categories of each action component ([n] for a Discrete space); step takes numEnvs x nvec.length indices. */
  readonly nvec: readonly number[];
  readonly obs: Float32Array;
  readonly finalObs: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  steps: number;
  step(actionIndices: ArrayLike<number>, onEpisode?: (stats: EpisodeStats) => void): void;
}

/** Rollouts over N sync envs in lockstep: action indices, step counts, episode totals. */
export class RolloutEnv<E extends AgentEnv | ApplicationAgentEnv = AgentEnv> implements Rollouts {
  readonly numEnvs: number;
  readonly obsSize: number;
  /** Categories of the first action component (a Discrete space's `n`: what DQN picks from). */
  readonly nActions: number;
  readonly nvec: readonly number[];
  /** The batch the rollouts step (its envs are the wrapped envs). */
  readonly vec: VectorEnv<RecordEpisodeStatistics<E>>;
  /** Current observations, [numEnvs x obsSize] (after auto-reset). */
  readonly obs: Float32Array;
  /** Observations each env's last step ended on, [numEnvs x obsSize]: the batch's finalObservations where an episode ended, else the new observation. */
  readonly finalObs: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** Total env steps taken since construction. */
  steps = 0;
  /** Env actions, numEnvs x components (start + index); the batch copies env i's part to it. */
  private readonly actions: Int32Array;
  /** Lowest action of each component, tiled over the envs (the batched space's `start`). */
  private readonly starts: Int32Array;

  constructor(
    envs: readonly E[],
    private readonly seed: number,
  ) {
    if (envs.length === 0) throw new RangeError('RolloutEnv: expected at least one env, got none');
    const ctx = envs[0]!.agentContext;
    const space = JSON.stringify(ctx.actionSpace.toJSON());
    for (const e of envs) {
      const c = e.agentContext;
      if (c.observationSpace.shape[0] !== ctx.observationSpace.shape[0] || JSON.stringify(c.actionSpace.toJSON()) !== space) {
        throw new RangeError('RolloutEnv: expected envs of one observation and action shape');
      }
    }
    this.vec = new VectorEnv(
      envs.map((e) => new RecordEpisodeStatistics(e)),
      { autoreset: 'same-step' },
    );
    this.numEnvs = this.vec.numEnvs;
    this.obsSize = this.vec.obsDim;
    const C = this.vec.actionComponents;
    this.nvec = Array.from(this.vec.actionSpace.nvec.subarray(0, C));
    this.starts = this.vec.actionSpace.start;
    this.nActions = this.nvec[0]!;
    this.obs = this.vec.observations;
    this.finalObs = new Float32Array(this.numEnvs * this.obsSize);
    this.rewards = new Float32Array(this.numEnvs);
    this.terminated = this.vec.terminated;
    this.truncated = this.vec.truncated;
    this.actions = new Int32Array(this.numEnvs * C);
  }

  /** The agent context shared by the envs. */
  get agentContext(): E['agentContext'] {
    return this.vec.envs[0]!.env.agentContext;
  }

  /** Reset every env (env i with seed + i). */
  reset(): void {
    this.vec.reset({ seed: this.seed });
  }

  /**
   * Step every env with its category indices: `actionIndices[i*C .. i*C+C)` for C = nvec.length
   * components (one for a Discrete space); the env action is start + index. Finished episodes
   * are reported to `onEpisode`; their envs are already reset.
   */
  step(actionIndices: ArrayLike<number>, onEpisode?: (stats: EpisodeStats) => void): void {
    const k = this.obsSize;
    const b = this.vec;
    for (let j = 0; j < this.actions.length; j++) this.actions[j] = this.starts[j]! + actionIndices[j]!;
    b.step(this.actions);
    for (let i = 0; i < this.numEnvs; i++) {
      this.rewards[i] = b.rewards[i]!;
      if (b.hasFinal[i] === 1) {
        this.finalObs.set(b.finalObservations.subarray(i * k, i * k + k), i * k);
        const e = b.envs[i]!.lastEpisode!;
        onEpisode?.({ env: i, return: e.return, length: e.length, slo: e.slo, cost: e.cost, churn: e.churn });
      } else {
        this.finalObs.set(this.obs.subarray(i * k, i * k + k), i * k);
      }
    }
    this.steps += this.numEnvs;
  }

  /** Close every env. */
  close(): Promise<void> {
    return this.vec.close();
  }
}
