/**
 * simenv's public API. Each area appends its exports in its own section.
 */

// --- errors ---
export * from './env/errors.js';

// --- trace codec and model ---
export * from './env/trace/schema.js';
export * from './env/trace/trace-codec.js';
export * from './env/trace/trace-model.js';
export * from './env/trace/quantity.js';
export * from './env/trace/trace-format.js';
export * from './env/trace/trace-summary.js';
export * from './env/trace/trace-synth.js';
export { BIGINTS_KEY, traceFromJson, traceToJson, type TraceJsonOptions } from './env/trace/trace-json.js';
export { PROBLEM_LIMIT } from './env/trace/trace-validate.js';

// --- SimKube compatibility (pre-version-2 traces, what the driver can replay) ---
export { isLegacyTrace, LEGACY_TRACE_MESSAGE, upgradeLegacyTrace, type LegacyUpgrade } from './env/trace/legacy-trace.js';
export { CLUSTER_SCOPED_KINDS, driverProblems, type DriverProblem } from './env/trace/driver-check.js';

// --- env (SimEnv, spaces, checker, vector env) ---
export * from './env/types.js';
export * from './env/rng.js';
export * from './env/cluster/backend.js';
export * from './env/spaces.js';
export * from './env/options.js';
export * from './env/sim-env.js';
export * from './env/observation.js';
export * from './env/reward.js';
export * from './env/service-model.js';
export * from './env/demand.js';
export * from './env/env-checker.js';
export * from './env/vector-env.js';
export * from './env/scenario-trace.js';

// --- agents ---
export * from './agents/agent.js';
export * from './agents/registry.js';
export { StaticAgent } from './agents/static-agent.js';
export { RandomAgent } from './agents/random-agent.js';
export { TraceAgent } from './agents/trace-agent.js';
export { HpaAgent } from './agents/hpa-agent.js';
export * from './agents/hpa/hpa-config.js';
export * from './agents/hpa/hpa-controller.js';
export * from './agents/hpa/replica-calculator.js';
export * from './agents/tf-backend.js';
export { DqnLearner, DqnConfigSchema, type DqnConfig, type DqnConfigInput } from './agents/learned/dqn.js';
export { PpoLearner, PpoConfigSchema, type PpoConfig, type PpoConfigInput } from './agents/learned/ppo.js';
export type { Learner, UpdateStats } from './agents/learned/learner.js';
export { RolloutEnv, LockstepEnvs, type BatchedEnv, type SyncEnv, type EpisodeStats } from './agents/learned/rollout-env.js';
export { PolicyAgent, loadPolicyAgent } from './agents/learned/policy-agent.js';
export { writePolicyDir, saveModel, loadModel } from './agents/learned/policy-io.js';
export { PolicyMetadataSchema, resolvePolicyDir, type PolicyMetadata } from './agents/learned/policy-metadata.js';
export { trainAgent, TrainOptionsSchema, type TrainOptionsInput, type TrainProgress, type TrainResult } from './runner/train/train-loop.js';
export * from './runner/train/train-records.js';

// --- runner ---
export * from './runner/records.js';
export { RunWriter, RUN_FILES, newRunId, type LogFlush, type RunWriterOptions } from './runner/run-dir.js';
export { runAgent, episodeSeeds, type RunAgentOptions, type RunOutcome, type RunMeta, type RunnableEnv } from './runner/run-loop.js';
export { recordRun, buildRunConfig, type RecordRunOptions } from './runner/record-run.js';
export { loadRun, parseStepLines, type LoadedRun } from './runner/report/load-run.js';
export { formatTable, reportRow, type ReportRow } from './runner/report/report-table.js';
export { groupByAgent, formatAgentReport, seedBlocks, type AgentReport, type AgentRow, type ScenarioTable, type SeedFigures } from './runner/report/agent-table.js';
export { renderHtmlReport } from './runner/report/html-report.js';

// --- kube backend (the factory is loaded by SimEnv.create; nothing here loads @kubernetes/client-node) ---
export {
  KubeOptionsSchema,
  parseKubeOptions,
  DEFAULT_DRIVER_IMAGE,
  DEFAULT_SERVICE_ACCOUNT,
  type KubeOptions,
  type KubeOptionsInput,
} from './env/cluster/kube/kube-options.js';
export { RUN_LABEL, WORKLOAD_LABEL, runSelector } from './env/cluster/kube/labels.js';
export { runPermissions, serviceAccountPermissions, toPolicyRules, describePermission, type Permission, type PolicyRule } from './env/cluster/kube/permissions.js';
export { buildSimulation, simulationStatus, type SimulationParams, type SimulationStatus } from './env/cluster/kube/simulation.js';
export { kubePreflight, kubeSetup, kubeTeardown, type KubeTeardownInput } from './env/cluster/kube/kube-tools.js';
export {
  formatPreflightReport,
  formatSetupReport,
  preflightError,
  type CheckResult as PreflightCheckResult,
  type CheckStatus as PreflightCheckStatus,
  type PreflightReport,
  type SetupAction,
  type SetupItem,
  type SetupReport,
} from './env/cluster/kube/kube-reports.js';
export { compareRuns, formatComparison, divergence, type RunComparison, type RunSteps, type StepPair, type SeriesDivergence } from './runner/compare.js';
