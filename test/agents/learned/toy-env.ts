import type { AgentContext } from '../../../src/env/types.js';
import type { AgentEnv } from '../../../src/agents/learned/rollout-env.js';
import { Rng } from '../../../src/env/rng.js';
import { Box, Discrete } from '../../../src/env/spaces.js';
import type { ResetResult, RewardBreakdown, StepInfo, StepResult } from '../../../src/env/types.js';
import { makeInfo } from '../fixtures.js';

// The toy rules, shared with ToyMultiEnv (one tier each there).

/** Replicas after a move, within 1..5. */
export function toyMove(replicas: number, move: number): number {
  return Math.min(5, Math.max(1, replicas + move));
}

/** Demand after a step: with probability 0.2 one up or down, within 1..5 (draws from `rng` as before the split). */
export function toyWander(demand: number, rng: Rng): number {
  return rng.next() < 0.2 ? Math.min(5, Math.max(1, demand + (rng.next() < 0.5 ? -1 : 1))) : demand;
}

/** Writes the reward -0.5 gap - 0.05 moves and its parts into `reward`; returns the total. */
export function toyReward(reward: RewardBreakdown, gap: number, moves: number): number {
  reward.total = -0.5 * gap - 0.05 * moves;
  reward.slo = -0.5 * gap;
  reward.cost = 0;
  reward.churn = -0.05 * moves;
  return reward.total;
}

/**
 * A tiny scaling problem for fast learner tests: demand wanders over 1..5, the agent moves
 * replicas by -1/0/+1 and is penalised by |replicas - demand|. Two observation components
 * (replicas/5, demand/5), or `obsSize` with zero padding to test shape checks.
 */
export class ToyScalingEnv implements AgentEnv {
  readonly agentContext: AgentContext;
  readonly observationSpace: Box;
  readonly actionSpace: Discrete;
  private lastReward = 0;
  private readonly rng = new Rng(0);
  private replicas = 1;
  private demand = 1;
  private t = 0;
  private readonly obs: Float32Array;
  private readonly info: StepInfo = makeInfo({});

  constructor(
    private readonly horizon = 20,
    readonly obsSize = 2,
  ) {
    this.obs = new Float32Array(obsSize);
    this.agentContext = {
      observationSpace: new Box(new Array(obsSize).fill(0), new Array(obsSize).fill(1)),
      actionSpace: new Discrete(3, -1),
      actionMode: 'delta',
      minReplicas: 1,
      maxReplicas: 5,
      stepSeconds: 15,
    };
    this.observationSpace = this.agentContext.observationSpace;
    this.actionSpace = this.agentContext.actionSpace;
  }

  private fill(): Float32Array {
    this.obs[0] = this.replicas / 5;
    this.obs[1] = this.demand / 5;
    this.info.observation.desired = this.replicas;
    this.info.observation.demand = this.demand;
    return this.obs;
  }

  reset(opts?: { seed?: number }): ResetResult {
    this.rng.reseed(opts?.seed ?? 0);
    this.replicas = 1 + Math.floor(this.rng.next() * 5);
    this.demand = 1 + Math.floor(this.rng.next() * 5);
    this.t = 0;
    this.lastReward = 0;
    return { observation: this.fill(), info: this.info };
  }

  step(action: number): StepResult {
    this.replicas = toyMove(this.replicas, action);
    this.demand = toyWander(this.demand, this.rng);
    this.t++;
    const reward = toyReward(this.info.reward, Math.abs(this.replicas - this.demand), Math.abs(action));
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
