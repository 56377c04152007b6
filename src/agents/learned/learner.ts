import type { Tf } from '../tf-backend.js';
import type { LayersModel } from './networks.js';
import type { EpisodeStats, Rollouts } from './rollout-env.js';

/**
 * What the training loop needs from a learning algorithm. One `iterate` collects experience
 * from the rollout env and runs the updates due; the loop owns budgets, logs and checkpoints.
 */

/** Numbers from the updates one `iterate` ran (undefined fields: not applicable). */
export interface UpdateStats {
  /** Updates (gradient steps) so far. */
  updates: number;
  /** Mean loss of this iteration's updates (NaN if none ran). */
  loss: number;
  /** DQN: exploration rate; PPO: undefined. */
  epsilon?: number;
  /** Mean Q of the sampled actions (DQN). */
  qMean?: number;
  /** PPO components. */
  policyLoss?: number;
  valueLoss?: number;
  entropy?: number;
  approxKl?: number;
  clipFraction?: number;
  learningRate?: number;
}

export interface Learner {
  readonly kind: 'dqn' | 'ppo';
  readonly tf: Tf;
  /** Collect experience and run the updates that are due; `totalSteps` drives schedules. */
  iterate(env: Rollouts, totalSteps: number, onEpisode: (e: EpisodeStats) => void): UpdateStats;
  /** The network that acts (Q-network or actor); the saved policy. */
  readonly policyModel: LayersModel;
  /** Networks saved beside it in checkpoints (e.g. the critic), by subdirectory name. */
  extraModels(): Record<string, LayersModel>;
  /** Head kind of the acting network. */
  readonly head: 'q' | 'logits';
  /** Hyper-parameters, for policy.json and the run directory. */
  config(): Record<string, unknown>;
  dispose(): void;
}
