import { z } from 'zod';
import { OBSERVATION_FIELDS, type ObservationField } from '../env/types.js';

/**
 * The records a run writes: one `StepRecord` per line of `step.jsonl`, `config.json` and
 * `summary.json`. These zod schemas are the single source of truth: the TypeScript types are
 * inferred from them, `npm run schemas` exports them as JSON Schema into `schemas/`, and the
 * runner's hand-built step lines are tested against them.
 */

/** Bumped when a field changes meaning or disappears (adding an optional field does not). */
export const RUN_RECORD_FORMAT = 1;

const Int = z.int();
const NonNegInt = z.int().nonnegative();

/** The named observation, one number per `OBSERVATION_FIELDS` entry, physical units. */
export const ObservationRecordSchema = z.strictObject(
  Object.fromEntries(OBSERVATION_FIELDS.map((f) => [f, z.number()])) as Record<ObservationField, z.ZodNumber>,
);
export type ObservationRecord = z.infer<typeof ObservationRecordSchema>;

/** Reward components, already weighted; `total` is their sum. */
export const RewardRecordSchema = z.strictObject({
  total: z.number().describe('sum of the components; larger is better'),
  slo: z.number().describe('penalty for unmet demand / SLO violation (<= 0)'),
  cost: z.number().describe('penalty for the CPU the replicas hold (<= 0)'),
  churn: z.number().describe('penalty for replica changes (<= 0)'),
});
export type RewardRecord = z.infer<typeof RewardRecordSchema>;

/** The service model's account of the step's window. */
export const ServiceRecordSchema = z.strictObject({
  demand: z.number().describe('mean demand over the window, requests/s'),
  served: z.number().describe('mean served requests/s'),
  unmet: z.number().describe('mean unmet requests/s'),
  utilisation: z.number().describe('mean utilisation of ready replicas, 0..1'),
  latencyMs: z.number().describe('latency estimate of the queueing model, ms'),
  sloViolated: z.boolean(),
  cpuSeconds: z.number().describe('CPU-seconds held by the controlled deployment in the window'),
  windowS: z.number().describe('length of the window, simulated seconds'),
  sloPenaltyS: z.number().describe('integral of the SLO penalty rate over the window, seconds'),
  violationS: z.number().describe('seconds of the window in which the SLO was broken'),
});
export type ServiceRecord = z.infer<typeof ServiceRecordSchema>;

/**
 * One line of `step.jsonl`. Step 0 of each episode is the state right after reset: its
 * action, reward and service are null. Steps 1.. are the results of `step(action)`.
 */
export const StepRecordSchema = z
  .strictObject({
    run: z.string().describe('run id (the run directory name)'),
    actor: z
      .literal('hpa-controller')
      .optional()
      .describe("who set the replicas when not the agent: the cluster's HPA controller (--agent k8s-hpa); absent: the agent acted"),
    episode: NonNegInt.describe('episode index within the run, from 0'),
    step: NonNegInt.describe('steps taken in the episode; 0 is the state after reset'),
    timeS: z.number().describe('simulated seconds since the trace first event'),
    traceTs: z.number().describe('the trace Unix timestamp at this simulated time'),
    action: Int.nullable().describe("the agent's action, in the env's action space (replicas, or a delta in delta mode)"),
    requested: Int.nullable().describe('replicas the action asked for'),
    applied: Int.nullable().describe('replicas applied after clipping to the bounds'),
    recorded: z.number().describe('replicas production recorded for the deployment at this time'),
    observation: ObservationRecordSchema,
    reward: RewardRecordSchema.nullable(),
    service: ServiceRecordSchema.nullable(),
    terminated: z.boolean(),
    truncated: z.boolean(),
  })
  .describe('one line of step.jsonl');
export type StepRecord = z.infer<typeof StepRecordSchema>;

/** The agent as a run records it. */
export const AgentRecordSchema = z.strictObject({
  name: z.string(),
  params: z.record(z.string(), z.unknown()).describe("the agent's describe(), or {}"),
});
export type AgentRecord = z.infer<typeof AgentRecordSchema>;

/** `config.json`: everything needed to reproduce the run. */
export const RunConfigRecordSchema = z
  .strictObject({
    format: z.literal(RUN_RECORD_FORMAT),
    run: z.string(),
    createdAt: z.string().describe('ISO 8601 wall-clock time the run started'),
    simenvVersion: z.string(),
    nodeVersion: z.string(),
    command: z.array(z.string()).describe('the CLI arguments, or [] when run from code'),
    seed: Int,
    episodes: NonNegInt.describe('episodes requested'),
    episodeSeeds: z.array(Int).describe('the seed each episode is reset with, in order'),
    seedList: z.array(Int).optional().describe('the listed seeds (--seed, or the --seeds of simenv eval); absent in run directories written before config.json recorded it'),
    seedBlocks: z
      .array(z.strictObject({ seed: Int, firstEpisode: NonNegInt, episodes: z.int().positive() }))
      .optional()
      .describe('per listed seed, the consecutive episodes reset from it (the first with the seed, the rest with seeds drawn from it); absent in run directories written before config.json recorded them'),
    mode: z.enum(['one-step', 'multi-step']),
    durationSeconds: z.number().nullable().describe('episode length in simulated seconds, null = to the end of the trace'),
    stepSeconds: z.number().describe('simulated seconds per step (the whole episode in one-step mode)'),
    agent: AgentRecordSchema,
    trace: z.strictObject({
      path: z.string().nullable().describe('the trace file, null when the trace was passed decoded'),
      sha256: z.string().nullable().describe("hex SHA-256 of the trace file's bytes"),
      bytes: NonNegInt.nullable(),
    }),
    backend: z.enum(['memory', 'kube']),
    deployment: z.string().describe('the controlled deployment, namespace/name'),
    describe: z.string().describe("the env's one-line description"),
    env: z.record(z.string(), z.unknown()).describe("SimEnv's fully resolved options"),
  })
  .describe('config.json of a run directory');
export type RunConfigRecord = z.infer<typeof RunConfigRecordSchema>;

/** Per-episode figures inside `summary.json`. */
export const EpisodeSummarySchema = z.strictObject({
  episode: NonNegInt,
  seed: Int,
  steps: NonNegInt,
  complete: z.boolean().describe('false for an episode cut short by an interrupt or a failure'),
  terminated: z.boolean(),
  truncated: z.boolean(),
  simSeconds: z.number().describe('simulated seconds the episode covered'),
  reward: RewardRecordSchema.describe('sums over the episode steps'),
  sloViolations: NonNegInt.describe('steps whose window broke the SLO'),
  violationSeconds: z.number().describe('simulated seconds in which the SLO was broken'),
  cpuSeconds: z.number(),
  replicaChanges: NonNegInt.describe('steps whose applied replicas differ from the desired replicas before the step'),
  meanReady: z.number().describe('mean ready replicas over the steps'),
  meanDemand: z.number().describe('mean demand over the steps, requests/s'),
});
export type EpisodeSummary = z.infer<typeof EpisodeSummarySchema>;

export const RUN_STATUSES = ['completed', 'interrupted', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** `summary.json`: written once, atomically, when the run ends (however it ends). */
export const SummaryRecordSchema = z
  .strictObject({
    format: z.literal(RUN_RECORD_FORMAT),
    run: z.string(),
    status: z.enum(RUN_STATUSES),
    error: z
      .strictObject({ code: z.string(), message: z.string() })
      .nullable()
      .describe('why the run failed (null unless status is failed)'),
    signal: z.string().nullable().describe('the signal that interrupted the run (SIGINT, SIGTERM), else null'),
    agent: AgentRecordSchema,
    seed: Int,
    backend: z.enum(['memory', 'kube']),
    deployment: z.string(),
    trace: z.string().nullable(),
    mode: z.enum(['one-step', 'multi-step']),
    episodesRequested: NonNegInt,
    episodes: NonNegInt.describe('complete episodes'),
    steps: NonNegInt.describe('steps taken, complete and partial episodes alike'),
    reward: z.strictObject({
      total: z.number().describe('sum over every step'),
      mean: z.number().nullable().describe('mean episode reward over complete episodes'),
      std: z.number().nullable().describe('sample standard deviation (n - 1) of complete episodes\' rewards; null below two episodes'),
      min: z.number().nullable(),
      max: z.number().nullable(),
      perStep: z.number().nullable(),
      components: RewardRecordSchema.describe('sums over every step'),
    }),
    slo: z.strictObject({
      violations: NonNegInt.describe('steps whose window broke the SLO'),
      stepViolationRate: z.number().nullable().describe('violations / steps'),
      violationSeconds: z.number().describe('simulated seconds in which the SLO was broken'),
      violationRate: z.number().nullable().describe('violationSeconds / simulated seconds: the share of time the SLO was broken'),
    }),
    cost: z.strictObject({
      cpuSeconds: z.number(),
      cpuHours: z.number(),
    }),
    churn: z.strictObject({
      replicaChanges: NonNegInt,
      perEpisode: z.number().nullable(),
    }),
    wallTimeS: z.number(),
    stepsPerSecond: z.number().nullable(),
    startedAt: z.string(),
    endedAt: z.string(),
    perEpisode: z.array(EpisodeSummarySchema),
  })
  .describe('summary.json of a run directory');
export type SummaryRecord = z.infer<typeof SummaryRecordSchema>;

/** One deployment's part of an application episode (`simenv run --deploy a,b,c`): sums over the episode's steps. */
export const DeploymentEpisodeSummarySchema = z.strictObject({
  name: z.string().describe('the deployment, namespace/name'),
  reward: RewardRecordSchema.describe("sums of the deployment's own reward over the episode steps"),
  cpuSeconds: z.number().describe('CPU-seconds held by the deployment'),
  replicaChanges: NonNegInt.describe('steps whose applied replicas differ from the desired replicas before the step'),
  meanReady: z.number().describe('mean ready replicas over the steps'),
  meanDemand: z.number().describe('mean demand over the steps, requests/s (what its callers served, with a call graph)'),
  violationSeconds: z.number().describe('simulated seconds in which the deployment broke its own SLO'),
});
export type DeploymentEpisodeSummary = z.infer<typeof DeploymentEpisodeSummarySchema>;

/** An application episode: the totals over the deployments (an EpisodeSummary) and each deployment's part. */
export const ApplicationEpisodeSummarySchema = EpisodeSummarySchema.extend({ deployments: z.array(DeploymentEpisodeSummarySchema) });
export type ApplicationEpisodeSummary = z.infer<typeof ApplicationEpisodeSummarySchema>;

/** `summary.json` of an application run (runner/application-run.ts). */
export const ApplicationSummaryRecordSchema = z
  .strictObject({
    run: z.string(),
    status: z.enum(['completed', 'interrupted']),
    signal: z.string().nullable().describe('the signal that interrupted the run (SIGINT, SIGTERM), else null'),
    backend: z.enum(['memory', 'kube']),
    deployments: z.array(z.string()).min(1),
    episodesRequested: NonNegInt,
    episodes: NonNegInt.describe('complete episodes'),
    steps: NonNegInt.describe('steps taken, complete and partial episodes alike'),
    meanReturn: z.number().describe('mean episode return over complete episodes (0 without one)'),
    perEpisode: z.array(ApplicationEpisodeSummarySchema),
  })
  .describe('summary.json of an application run directory');
export type ApplicationSummaryRecord = z.infer<typeof ApplicationSummaryRecordSchema>;

/** The JSON Schema files `npm run schemas` writes, by file name. */
export function recordJsonSchemas(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const entries: Array<[string, z.ZodType, string]> = [
    ['step-record', StepRecordSchema, 'simenv step.jsonl line'],
    ['run-config', RunConfigRecordSchema, 'simenv run config.json'],
    ['run-summary', SummaryRecordSchema, 'simenv run summary.json'],
  ];
  for (const [name, schema, title] of entries) {
    const json = z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
    out[`${name}.schema.json`] = { title, ...json };
  }
  return out;
}
