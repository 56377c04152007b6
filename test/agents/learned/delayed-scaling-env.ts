import type { AgentEnv } from '../../../src/agents/learned/rollout-env.js';
import { Rng } from '../../../src/env/rng.js';
import { Box, Discrete } from '../../../src/env/spaces.js';
import type { AgentContext, ResetResult, StepInfo, StepResult } from '../../../src/env/types.js';
import { makeInfo } from '../fixtures.js';

/**
 * A toy scaling problem for the learning tests, small enough to learn in seconds but needing
 * multi-step credit assignment: a replica asked for now is ready two steps later (a pod's
 * start-up), so the reward of an action arrives only after the next step. A learner that
 * cannot carry value across steps (a broken TD target, target network or GAE) sees only the
 * immediate churn cost and learns to hold, which this env punishes.
 *
 * State: demand d in 1..5 (a seeded random walk: +-1 with probability 0.1 per step), desired
 * replicas n in 1..5 (moved by the action -1/0/+1), and the pipeline: `ready` = desired two
 * steps ago, `pending` = desired one step ago. Observation [n, ready, pending, d] / 5.
 * Reward per step: -0.5 x max(0, d - ready) (too few) - 0.1 x max(0, ready - d) (too many)
 * - 0.05 x |action| (churn). 20-step episodes, truncated (not terminated).
 */
export class DelayedScalingEnv implements AgentEnv {
  static readonly HORIZON = 20;
  readonly agentContext: AgentContext;
  private readonly rng = new Rng(0);
  private desired = 1;
  private pending = 1;
  private ready = 1;
  private demand = 1;
  private t = 0;
  private readonly obs = new Float32Array(4);
  private readonly info: StepInfo = makeInfo({});

  constructor() {
    this.agentContext = {
      observationSpace: new Box([0, 0, 0, 0], [1, 1, 1, 1]),
      actionSpace: new Discrete(3, -1),
      actionMode: 'delta',
      minReplicas: 1,
      maxReplicas: 5,
      stepSeconds: 15,
    };
  }

  get observationSpace(): Box {
    return this.agentContext.observationSpace;
  }

  get actionSpace(): Discrete {
    return this.agentContext.actionSpace;
  }

  observe(): Float32Array {
    return this.obs;
  }

  reward(): number {
    return this.info.reward.total;
  }

  async close(): Promise<void> {}

  private fill(): Float32Array {
    this.obs[0] = this.desired / 5;
    this.obs[1] = this.ready / 5;
    this.obs[2] = this.pending / 5;
    this.obs[3] = this.demand / 5;
    this.info.observation.desired = this.desired;
    this.info.observation.ready = this.ready;
    this.info.observation.demand = this.demand;
    return this.obs;
  }

  reset(opts?: { seed?: number }): ResetResult {
    if (opts?.seed !== undefined) this.rng.reseed(opts.seed);
    this.demand = 1 + Math.floor(this.rng.next() * 5);
    this.desired = this.pending = this.ready = 1 + Math.floor(this.rng.next() * 5);
    this.t = 0;
    return { observation: this.fill(), info: this.info };
  }

  step(action: number): StepResult {
    this.desired = Math.min(5, Math.max(1, this.desired + action));
    this.ready = this.pending;
    this.pending = this.desired;
    if (this.rng.next() < 0.1) this.demand = Math.min(5, Math.max(1, this.demand + (this.rng.next() < 0.5 ? -1 : 1)));
    this.t++;
    const slo = -0.5 * Math.max(0, this.demand - this.ready);
    const cost = -0.1 * Math.max(0, this.ready - this.demand);
    const churn = -0.05 * Math.abs(action);
    const reward = slo + cost + churn;
    this.info.reward.total = reward;
    this.info.reward.slo = slo;
    this.info.reward.cost = cost;
    this.info.reward.churn = churn;
    return { observation: this.fill(), reward, terminated: false, truncated: this.t >= DelayedScalingEnv.HORIZON, info: this.info };
  }
}

/** Mean episode return of `policy` (obs -> action index 0..2) over `episodes` seeded episodes. */
export function meanReturn(policy: (obs: Float32Array) => number, episodes: number, seed = 1000): number {
  const env = new DelayedScalingEnv();
  let total = 0;
  for (let e = 0; e < episodes; e++) {
    let obs = env.reset({ seed: seed + e }).observation;
    for (;;) {
      const r = env.step(policy(obs) - 1);
      total += r.reward;
      obs = r.observation;
      if (r.terminated || r.truncated) break;
    }
  }
  return total / episodes;
}

/** The hand-written policy that knows the env: ask for the demand. */
export function oracleAction(obs: Float32Array): number {
  const desired = Math.round(obs[0]! * 5);
  const demand = Math.round(obs[3]! * 5);
  return desired < demand ? 2 : desired > demand ? 0 : 1;
}
