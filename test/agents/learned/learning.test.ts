import { beforeAll, describe, expect, it } from 'vitest';
import { DqnLearner } from '../../../src/agents/learned/dqn.js';
import type { Learner } from '../../../src/agents/learned/learner.js';
import { argmax } from '../../../src/agents/learned/networks.js';
import { PpoLearner } from '../../../src/agents/learned/ppo.js';
import { RolloutEnv } from '../../../src/agents/learned/rollout-env.js';
import { initTfBackend, type Tf } from '../../../src/agents/tf-backend.js';
import { DelayedScalingEnv, meanReturn, oracleAction } from './delayed-scaling-env.js';

/**
 * Learning is tested: seeded PPO and DQN must reach a stated greedy return on a toy scaling env
 * with a two-step start-up delay (delayed-scaling-env.ts) within a stated step budget. The
 * thresholds sit between what a policy that never scales or always scales up gets and what the
 * hand-written oracle gets, so an update that does not learn (a sign flip in the policy loss, a
 * target network that is not copied, an off-by-one in GAE or the TD target) fails them; how
 * each was checked is in docs/agents.md ("Learning tests").
 */

let tf: Tf;
beforeAll(async () => {
  tf = (await initTfBackend()).tf;
});

const EPISODES = 30;
const NUM_ENVS = 8;

/** Greedy return of the learner's acting network (argmax of Q-values or logits). */
function greedyReturn(learner: Learner): number {
  const model = learner.policyModel;
  return meanReturn((obs) => tf.tidy(() => argmax((model.predict(tf.tensor2d(obs, [1, obs.length])) as ReturnType<Tf['tensor']>).dataSync(), 0, 3)), EPISODES);
}

/** Train to `steps` env steps; returns the tensor counts after each iteration. */
function train(learner: Learner, seed: number, steps: number): number[] {
  const env = RolloutEnv.of(Array.from({ length: NUM_ENVS }, () => new DelayedScalingEnv()), seed);
  env.reset();
  const tensors: number[] = [];
  while (env.steps < steps) {
    learner.iterate(env, steps, () => {});
    tensors.push(tf.memory().numTensors);
  }
  return tensors;
}

describe('learning on a toy scaling env with delayed effect', () => {
  it('has a gap between holding, always scaling up, and the oracle', () => {
    expect(meanReturn(() => 1, EPISODES)).toBeLessThan(-7.5);
    expect(meanReturn(() => 2, EPISODES)).toBeLessThan(-5.5);
    expect(meanReturn(oracleAction, EPISODES)).toBeGreaterThan(-2);
  });

  it('PPO (seed 1) reaches a greedy return >= -3.2 within 10,240 env steps, tensor count flat', () => {
    const learner = new PpoLearner(tf, 4, 3, NUM_ENVS, 1, { numSteps: 32, learningRate: 2e-3 });
    const before = greedyReturn(learner);
    const tensors = train(learner, 1, 10_240);
    const after = greedyReturn(learner);
    expect(before).toBeLessThan(-4);
    expect(after).toBeGreaterThanOrEqual(-3.2);
    expect(tensors[tensors.length - 1]).toBe(tensors[1]);
    learner.dispose();
  }, 60_000);

  it('DQN (seed 1) reaches a greedy return >= -2.5 within 6,000 env steps, tensor count flat', () => {
    const learner = new DqnLearner(tf, 4, 3, NUM_ENVS, 1, { learningStarts: 500, targetUpdateInterval: 500 });
    const before = greedyReturn(learner);
    const tensors = train(learner, 1, 6_000);
    const after = greedyReturn(learner);
    expect(before).toBeLessThan(-4);
    expect(after).toBeGreaterThanOrEqual(-2.5);
    expect(tensors[tensors.length - 1]).toBe(tensors[Math.ceil(500 / NUM_ENVS) + 1]);
    learner.dispose();
  }, 60_000);
});
