import { z } from 'zod';

/**
 * The records of a training run directory (`simenv train --out DIR`):
 *
 *   DIR/train.json          TrainConfigRecord, written before training starts
 *   DIR/train.jsonl         one TrainLogRecord per logged update, appended and flushed
 *   DIR/checkpoints/step-N/ policy directories written during training (the newest few kept)
 *   DIR/policy/             the final policy (model.json, weights.bin, policy.json)
 *   DIR/summary.json        TrainSummaryRecord, written atomically at the end (also on failure)
 */

export const TRAIN_RECORD_FORMAT = 1;

export const TrainLogRecordSchema = z.strictObject({
  /** Gradient updates so far. */
  update: z.number().int().nonnegative(),
  /** Env steps so far (all envs). */
  step: z.number().int().nonnegative(),
  wallS: z.number().nonnegative(),
  /** Env steps per wall second since the start, learning included. */
  stepsPerSecond: z.number().nonnegative(),
  /** Mean loss of the updates since the previous record (null: none ran yet). */
  loss: z.number().nullable(),
  /** Mean return of the episodes finished since the previous record (null: none finished). */
  episodeReward: z.number().nullable(),
  /** Its components (summed per episode, averaged over those episodes). */
  episodeSlo: z.number().nullable(),
  episodeCost: z.number().nullable(),
  episodeChurn: z.number().nullable(),
  episodes: z.number().int().nonnegative(),
  epsilon: z.number().optional(),
  qMean: z.number().optional(),
  policyLoss: z.number().optional(),
  valueLoss: z.number().optional(),
  entropy: z.number().optional(),
  approxKl: z.number().optional(),
  clipFraction: z.number().optional(),
  learningRate: z.number().optional(),
});
export type TrainLogRecord = z.infer<typeof TrainLogRecordSchema>;

export const TrainConfigRecordSchema = z.looseObject({
  format: z.literal(TRAIN_RECORD_FORMAT),
  agent: z.enum(['dqn', 'ppo']),
  steps: z.number().int().positive(),
  seed: z.number().int(),
  numEnvs: z.number().int().positive(),
  tfBackend: z.string(),
  envOptions: z.record(z.string(), z.unknown()),
  hyper: z.record(z.string(), z.unknown()),
  /** Set when the agent trained on top of an HPA (src/agents/hpa-residual.ts). */
  hpaResidual: z.record(z.string(), z.unknown()).optional(),
  checkpointEvery: z.number().int().positive(),
  simenvVersion: z.string(),
  startedAt: z.string(),
});
export type TrainConfigRecord = z.infer<typeof TrainConfigRecordSchema>;

export const TrainSummaryRecordSchema = z.looseObject({
  format: z.literal(TRAIN_RECORD_FORMAT),
  agent: z.enum(['dqn', 'ppo']),
  status: z.enum(['completed', 'interrupted', 'failed']),
  error: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
  steps: z.number().int().nonnegative(),
  updates: z.number().int().nonnegative(),
  episodes: z.number().int().nonnegative(),
  wallS: z.number().nonnegative(),
  stepsPerSecond: z.number().nonnegative(),
  tfBackend: z.string(),
  /** Mean return of the last (up to) 20 training episodes. */
  finalEpisodeReward: z.number().nullable(),
  /** The policy directory to evaluate: the final policy, or the newest checkpoint if training stopped early. */
  policyDir: z.string().nullable(),
  checkpoints: z.array(z.string()),
  finishedAt: z.string(),
});
export type TrainSummaryRecord = z.infer<typeof TrainSummaryRecordSchema>;
