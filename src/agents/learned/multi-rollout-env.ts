import type { ApplicationContext } from '../../env/application/application-types.js';
import type { MultiDiscrete } from '../../env/spaces.js';
import type { RewardBreakdown, SyncEnv } from '../../env/types.js';
import type { EpisodeStats, Rollouts } from './rollout-env.js';

/**
 * Rollouts over N envs with a MultiDiscrete action space (ApplicationEnvs: one component per
 * deployment), with RolloutEnv's contract: same-step auto-reset, the observation an episode
 * ended on in `finalObs`, episode totals from `info.reward`. The Discrete path goes through
 * VectorEnv, whose slots hold single-deployment StepInfos; an application's info has another
 * shape, so this batch keeps only what the learners need. No allocation per step.
 */

/** A sync env with a MultiDiscrete action space that describes itself (ApplicationEnv does). */
export type MultiAgentEnv = SyncEnv<MultiDiscrete, { reward: RewardBreakdown }> & { readonly agentContext: ApplicationContext };

export class MultiRolloutEnv implements Rollouts {
  readonly numEnvs: number;
  readonly obsSize: number;
  readonly nvec: readonly number[];
  readonly obs: Float32Array;
  readonly finalObs: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  steps = 0;
  private readonly start: Int32Array;
  /** One action buffer per env (the env reads it during step). */
  private readonly actions: Int32Array[];
  private readonly running: EpisodeStats[];

  constructor(
    readonly envs: readonly MultiAgentEnv[],
    private readonly seed: number,
  ) {
    if (envs.length === 0) throw new RangeError('MultiRolloutEnv: expected at least one env, got none');
    const space = envs[0]!.actionSpace;
    const obsSize = envs[0]!.observationSpace.shape[0]!;
    for (const e of envs) {
      if (e.observationSpace.shape[0] !== obsSize || e.actionSpace.nvec.join(',') !== space.nvec.join(',') || e.actionSpace.start.join(',') !== space.start.join(',')) {
        throw new RangeError('MultiRolloutEnv: expected envs of one observation and action shape');
      }
    }
    this.numEnvs = envs.length;
    this.obsSize = obsSize;
    this.nvec = Array.from(space.nvec);
    this.start = Int32Array.from(space.start);
    const N = this.numEnvs;
    this.obs = new Float32Array(N * obsSize);
    this.finalObs = new Float32Array(N * obsSize);
    this.rewards = new Float32Array(N);
    this.terminated = new Uint8Array(N);
    this.truncated = new Uint8Array(N);
    this.actions = envs.map(() => new Int32Array(this.nvec.length));
    this.running = envs.map((_, i) => ({ env: i, return: 0, length: 0, slo: 0, cost: 0, churn: 0 }));
  }

  /** The agent context shared by the envs. */
  get agentContext(): ApplicationContext {
    return this.envs[0]!.agentContext;
  }

  /** Reset every env (env i with seed + i). */
  reset(): void {
    for (let i = 0; i < this.numEnvs; i++) {
      this.obs.set(this.envs[i]!.reset({ seed: this.seed + i }).observation, i * this.obsSize);
      clear(this.running[i]!);
    }
    this.terminated.fill(0);
    this.truncated.fill(0);
  }

  /** Step env i with `actionIndices[i*D .. i*D+D)` (category indices; the env action is start + index). */
  step(actionIndices: ArrayLike<number>, onEpisode?: (stats: EpisodeStats) => void): void {
    const k = this.obsSize;
    const D = this.nvec.length;
    for (let i = 0; i < this.numEnvs; i++) {
      const a = this.actions[i]!;
      for (let d = 0; d < D; d++) a[d] = this.start[d]! + actionIndices[i * D + d]!;
      const env = this.envs[i]!;
      const r = env.step(a);
      const s = this.running[i]!;
      s.return += r.reward;
      s.length++;
      s.slo += r.info.reward.slo;
      s.cost += r.info.reward.cost;
      s.churn += r.info.reward.churn;
      this.rewards[i] = r.reward;
      this.terminated[i] = r.terminated ? 1 : 0;
      this.truncated[i] = r.truncated ? 1 : 0;
      this.finalObs.set(r.observation, i * k);
      if (r.terminated || r.truncated) {
        onEpisode?.({ ...s });
        clear(s);
        this.obs.set(env.reset().observation, i * k);
      } else {
        this.obs.set(r.observation, i * k);
      }
    }
    this.steps += this.numEnvs;
  }

  /** Close every env. */
  async close(): Promise<void> {
    await Promise.all(this.envs.map((e) => e.close()));
  }
}

function clear(s: EpisodeStats): void {
  s.return = 0;
  s.length = 0;
  s.slo = 0;
  s.cost = 0;
  s.churn = 0;
}
