import type { ApplicationAgentEnv } from '../../../src/agents/learned/rollout-env.js';
import type { ApplicationContext } from '../../../src/env/application/application-types.js';
import { Rng } from '../../../src/env/rng.js';
import { Box, MultiDiscrete } from '../../../src/env/spaces.js';
import type { MultiAction, ResetResult, RewardBreakdown, StepResult } from '../../../src/env/types.js';
import { toyMove, toyReward, toyWander } from './toy-env.js';

/**
 * A toy application for factorised-head tests: `tiers` deployments, each with replicas 1..5
 * and its own demand wandering over 1..5; action component d moves tier d by -1/0/+1. The
 * reward is -0.5 sum |replicas - demand| - 0.05 sum |move|, so every component must follow
 * its own tier: a head that mixes components up cannot score well.
 */
export class ToyMultiEnv implements ApplicationAgentEnv {
  readonly agentContext: ApplicationContext;
  readonly observationSpace: Box;
  readonly actionSpace: MultiDiscrete;
  private readonly rng = new Rng(0);
  private readonly replicas: Int32Array;
  private readonly demand: Int32Array;
  private t = 0;
  private lastReward = 0;
  private readonly obs: Float32Array;
  private readonly info: { reward: RewardBreakdown } = { reward: { total: 0, slo: 0, cost: 0, churn: 0 } };

  constructor(
    readonly tiers = 3,
    private readonly horizon = 20,
  ) {
    this.replicas = new Int32Array(tiers);
    this.demand = new Int32Array(tiers);
    this.obs = new Float32Array(2 * tiers);
    this.observationSpace = new Box(new Array(2 * tiers).fill(0), new Array(2 * tiers).fill(1));
    this.actionSpace = new MultiDiscrete(new Array(tiers).fill(3), new Array(tiers).fill(-1));
    this.agentContext = {
      observationSpace: this.observationSpace,
      actionSpace: this.actionSpace,
      actionMode: 'delta',
      deployments: Array.from({ length: tiers }, (_, d) => `toy/tier-${d}`),
      minReplicas: 1,
      maxReplicas: new Array(tiers).fill(5),
      stepSeconds: 15,
      observationNames: Array.from({ length: tiers }, (_, d) => [`tier-${d}.replicas`, `tier-${d}.demand`]).flat(),
    };
  }

  private fill(): Float32Array {
    for (let d = 0; d < this.tiers; d++) {
      this.obs[2 * d] = this.replicas[d]! / 5;
      this.obs[2 * d + 1] = this.demand[d]! / 5;
    }
    return this.obs;
  }

  reset(opts?: { seed?: number }): ResetResult<{ reward: RewardBreakdown }> {
    if (opts?.seed !== undefined) this.rng.reseed(opts.seed);
    for (let d = 0; d < this.tiers; d++) {
      this.replicas[d] = 1 + Math.floor(this.rng.next() * 5);
      this.demand[d] = 1 + Math.floor(this.rng.next() * 5);
    }
    this.t = 0;
    this.lastReward = 0;
    return { observation: this.fill(), info: this.info };
  }

  step(action: MultiAction): StepResult<{ reward: RewardBreakdown }> {
    let gap = 0;
    let moves = 0;
    for (let d = 0; d < this.tiers; d++) {
      this.replicas[d] = toyMove(this.replicas[d]!, action[d]!);
      this.demand[d] = toyWander(this.demand[d]!, this.rng);
      gap += Math.abs(this.replicas[d]! - this.demand[d]!);
      moves += Math.abs(action[d]!);
    }
    this.t++;
    const reward = toyReward(this.info.reward, gap, moves);
    this.lastReward = reward;
    return { observation: this.fill(), reward, terminated: false, truncated: this.t >= this.horizon, info: this.info };
  }

  observe(): Float32Array {
    return this.obs;
  }

  reward(): number {
    return this.lastReward;
  }

  async close(): Promise<void> {}
}

/** Mean return over `episodes` seeded episodes of a policy mapping an observation to an action vector. */
export function meanMultiReturn(policy: (obs: Float32Array) => ArrayLike<number>, episodes: number, tiers = 3): number {
  const env = new ToyMultiEnv(tiers);
  let total = 0;
  for (let e = 0; e < episodes; e++) {
    let obs = env.reset({ seed: 10_000 + e }).observation;
    for (;;) {
      const r = env.step(Array.from(policy(obs)));
      total += r.reward;
      obs = r.observation;
      if (r.truncated || r.terminated) break;
    }
  }
  return total / episodes;
}

/** The oracle: move each tier one step toward its demand. */
export function oracleMulti(obs: Float32Array): number[] {
  const out: number[] = [];
  for (let d = 0; d < obs.length / 2; d++) out.push(Math.sign(Math.round(obs[2 * d + 1]! * 5) - Math.round(obs[2 * d]! * 5)));
  return out;
}
