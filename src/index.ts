/**
 * simenv's public API: every name a program may import from 'simenv', listed explicitly and
 * grouped the way Gymnasium groups its `__all__` (errors, env, spaces, vector env and checker,
 * traces, agents, learned agents and training, runner and reports, kube tools). Anything not
 * here is internal and may change without notice. test/public-api.test.ts holds the sorted
 * list of the runtime names: adding or removing one is a deliberate edit of both files.
 */

// --- errors ---
export {
  SimEnvError,
  ConfigError,
  InvalidActionError,
  EnvStateError,
  UnknownWorkloadError,
  TraceFormatError,
  TraceVersionError,
  TraceValidationError,
  PreflightError,
  ClusterError,
  TimeoutError,
  PolicyError,
  UsageError,
  describeError,
} from './env/errors.js';

// --- env: SimEnv, its options, and what reset/step return ---
export { SimEnv } from './env/sim-env.js';
export {
  SimEnvOptionsSchema,
  parseOptions,
  DEFAULT_NODE_COUNT,
  DEFAULT_INJECTED_PLACEMENT,
  type SimEnvOptions,
  type SimEnvOptionsInput,
  type ParsedSimEnvOptions,
  type DemandOptions,
  type ServiceOptions,
  type RewardWeights,
  type NodePoolOptions,
  type StartupLatency,
  type EpisodeStart,
  type Taint,
} from './env/options.js';
export {
  OBSERVATION_FIELDS,
  type Action,
  type ObservationField,
  type NamedObservation,
  type RewardBreakdown,
  type ServiceReport,
  type StepInfo,
  type ResetResult,
  type StepResult,
  type AgentContext,
  type SyncEnv,
  type AsyncEnv,
  type DualEnv,
} from './env/types.js';
export { OBSERVATION_SIZE, observationBox } from './env/observation.js';
export { copyStepInfo } from './env/step-info.js';
export { computeReward } from './env/reward.js';
export { Rng } from './env/rng.js';
export type { ClusterBackend, ClusterSnapshot } from './env/cluster/backend.js';
export {
  buildScenarioTrace,
  syntheticClusterTrace,
  type Scenario,
  type ScenarioDeployment,
  type ScenarioJob,
  type ScenarioNode,
  type ScenarioPodSpec,
  type ScenarioToleration,
} from './env/scenario-trace.js';

// --- applications: several deployments, call-graph demand (docs/env.md, "Applications") ---
export { ApplicationEnv } from './env/application/application-env.js';
export { ApplicationOptionsSchema, type ApplicationOptions, type ApplicationOptionsInput } from './env/application/application-options.js';
export {
  DEPLOYMENT_OBSERVATION_FIELDS,
  CLUSTER_OBSERVATION_FIELDS,
  type ApplicationContext,
  type ApplicationStepInfo,
  type DeploymentStepInfo,
  type EndToEndReport,
} from './env/application/application-types.js';
export { CallGraphSchema, CallEdgeSchema, type CallEdge, type CallGraphOptions } from './env/application/call-graph.js';
export { DSB_SOCIAL_NETWORK_EDGES, DSB_SOCIAL_NETWORK_ENTRY } from './env/application/dsb-social-network.js';
export { type MultiAction, type ActionOf } from './env/types.js';

// --- spaces ---
export { Box, Discrete, MultiDiscrete, type Space, type ActionSpace } from './env/spaces.js';

// --- vector env, wrappers and env checker ---
export { VectorEnv, createSimEnvs, type AutoresetMode, type VectorEnvOptions, type VectorStepResult, type VectorResetResult } from './env/vector-env.js';
export { RecordEpisodeStatistics, type EpisodeStatistics, type RecordEpisodeStatisticsOptions } from './env/wrappers/record-episode-statistics.js';
export { checkEnv, type CheckEnvOptions, type CheckResult, type EnvCheckReport } from './env/env-checker.js';
export { inspectMemoryBackend } from './env/cluster/memory/memory-backend.js';
export { MemoryInspector, type PodCounts as MemoryPodCounts, type NodeUsage } from './env/cluster/memory/memory-inspector.js';

// --- real load and experiment scenarios (docs/scenarios.md) ---
export { parseSourceSeries, sourcePeak, LoadFormatSchema, type LoadFormat, type SourceSeries } from './env/load-series.js';
export { mapLoad, LoadMappingSchema, PastLoadEndSchema, type LoadMapping, type LoadResolution } from './env/load-mapping.js';
export { generateSyntheticLoad, SyntheticLoadSchema, type SyntheticLoad, type SyntheticLoadInput } from './env/synthetic-load.js';
export { ScenarioSchema, SplitNameSchema, SplitSchema, parseScenario, type ScenarioInput, type Scenario as ScenarioFile, type SplitName } from './env/scenario.js';
export { builtInScenarioDir, builtInScenarioNames, loadScenario, readScenarioFile, type LoadedScenario } from './env/scenario-files.js';
export { resolveScenario, scenarioOptions, type ResolvedScenario, type ScenarioEnvInput } from './env/scenario-resolve.js';

// --- Kubernetes rules shared by both backends (quantities, requests, selectors, tolerations, phases) ---
export { parseQuantity, parseQuantityExact, parseQuantityDecimal, parseMilli, type ParsedQuantity, type ExactQuantity } from './env/k8s/quantity.js';
export { podRequests, podRequest, containerRequest, cpuMilli, memoryBytes, type PodRequests } from './env/k8s/pod-resources.js';
export { labelsMatch, labelSelectorMatches } from './env/k8s/labels.js';
export { toleratesTaint, toleratesAll, type Toleration } from './env/k8s/tolerations.js';
export { podPhase, countPods, type PodPhase, type PodPhaseCounts } from './env/k8s/pod-phase.js';

// --- traces: read, write, validate, summarise, synthesise; the bundled examples ---
export { TraceSchema, TRACE_FORMAT_VERSION, type Trace, type TraceConfig, type TraceEvent, type KubeObject } from './env/trace/schema.js';
export { readTrace, writeTrace, type ReadTraceOptions, type WriteTraceOptions } from './env/trace/trace-codec.js';
export { buildTraceModel, findWorkload, replicaTimeline, type TraceModel, type Workload, type WorkloadKind } from './env/trace/trace-model.js';
export { traceFromJson, traceToJson, type TraceJsonOptions } from './env/trace/trace-json.js';
export { summarizeTrace, type TraceSummary, type WorkloadSummary, type KindSummary } from './env/trace/trace-summary.js';
export { synthesizeTrace, SynthOptionsSchema, type SynthOptions } from './env/trace/trace-synth.js';
export { EXAMPLE_TRACES, exampleTracePath, type ExampleTraceName } from './package-files.js';

// --- SimKube compatibility (pre-version-2 traces, what the driver can replay) ---
export { isLegacyTrace, LEGACY_TRACE_MESSAGE, upgradeLegacyTrace, type LegacyUpgrade } from './env/trace/legacy-trace.js';
export { CLUSTER_SCOPED_KINDS, driverProblems, type DriverProblem } from './env/trace/driver-check.js';

// --- agents ---
export { actionForReplicas, type Agent, type Transition } from './agents/agent.js';
export {
  createAgent,
  loadAgent,
  readPolicyInfo,
  AGENT_NAMES,
  BASELINE_AGENT_NAMES,
  LEARNED_AGENT_NAMES,
  CLUSTER_AGENT_NAMES,
  type AgentName,
  type CreateAgentOptions,
  type PolicyInfo,
} from './agents/registry.js';
export { StaticAgent } from './agents/static-agent.js';
export { createApplicationAgent, PerDeploymentAgent, type ApplicationAgent, type CreateApplicationAgentOptions } from './agents/application/application-agent.js';
export { loadHpaManifests } from './agents/application/hpa-manifests.js';
export { RandomAgent } from './agents/random-agent.js';
export { TraceAgent } from './agents/trace-agent.js';
export { HpaAgent } from './agents/hpa-agent.js';
export {
  HpaOptionsSchema,
  type HpaOptions,
  type HpaOptionsInput,
  type HpaBehavior,
  type HpaScalingPolicy,
  type HpaScalingRules,
  type HpaScalingRulesInput,
} from './agents/hpa/hpa-config.js';
export { HpaController, type HpaDecision, type HpaObservation, type ScaleEvent } from './agents/hpa/hpa-controller.js';
export { parseHpaManifest, loadHpaManifest, type HpaManifest } from './agents/hpa/hpa-manifest.js';
export { calculateReplicas, type PodSample, type ReplicaCalculation, type ReplicaCalculationReason, type Tolerance } from './agents/hpa/replica-calculator.js';

// --- learned agents and training (TensorFlow.js) ---
// Training, and loading a trained policy as an Agent (`loadAgent`, above), need no tfjs types.
// The learners, model I/O and the tfjs backend choice name tfjs types, so they are in the
// 'simenv/learned' entry point (src/learned.ts), which a consumer needs `skipLibCheck` for.
export { RolloutEnv, type AgentEnv, type EpisodeStats } from './agents/learned/rollout-env.js';
export { PolicyMetadataSchema, resolvePolicyDir, type PolicyMetadata } from './agents/learned/policy-metadata.js';
export { TF_BACKENDS, type TfBackendName, type TfBackendPreference, type LogFn } from './agents/tf-backend-names.js';
export { trainAgent, TrainOptionsSchema, type TrainOptionsInput, type TrainProgress, type TrainResult } from './runner/train/train-loop.js';
export {
  TRAIN_RECORD_FORMAT,
  TrainConfigRecordSchema,
  TrainLogRecordSchema,
  TrainSummaryRecordSchema,
  type TrainConfigRecord,
  type TrainLogRecord,
  type TrainSummaryRecord,
} from './runner/train/train-records.js';

// --- runner: run directories and their records ---
export {
  RUN_RECORD_FORMAT,
  RUN_STATUSES,
  StepRecordSchema,
  RunConfigRecordSchema,
  SummaryRecordSchema,
  EpisodeSummarySchema,
  AgentRecordSchema,
  ObservationRecordSchema,
  RewardRecordSchema,
  ServiceRecordSchema,
  recordJsonSchemas,
  type StepRecord,
  type RunConfigRecord,
  type SummaryRecord,
  type EpisodeSummary,
  type AgentRecord,
  type ObservationRecord,
  type RewardRecord,
  type ServiceRecord,
  type RunStatus,
} from './runner/records.js';
export { RunWriter, RUN_FILES, newRunDirName, type LogFlush, type LogLevel, type RunWriterOptions } from './runner/run-dir.js';
export { runAgent, episodeSeeds, type RunAgentOptions, type RunOutcome, type RunMeta } from './runner/run-loop.js';
export { recordRun, buildRunConfig, type RecordRunOptions } from './runner/record-run.js';

// --- the evaluation protocol (docs/runs.md): intervals, paired differences ---
export { bootstrapMeanCi, agentEvalStats, pairedDifference, identicalEpisodeGroups, type MeanCi, type AgentEvalStats, type PairedDifference } from './runner/eval-stats.js';
export { EvalRecordSchema, EVAL_FILE, type EvalRecord } from './runner/eval-report.js';

// --- reports and run comparison ---
export { loadRun, parseStepLines, type LoadedRun } from './runner/report/load-run.js';
export { formatTable, reportRow, type ReportRow } from './runner/report/report-table.js';
export { groupByAgent, formatAgentReport, type AgentReport, type AgentRow, type ScenarioTable, type SeedFigures } from './runner/report/agent-table.js';
export { renderHtmlReport } from './runner/report/html-report.js';
export { compareRuns, formatComparison, divergence, type RunComparison, type RunSteps, type StepPair, type SeriesDivergence } from './runner/compare.js';
export { readTimeline, TimelineRecordSchema, TIMELINE_FILE, type TimelineRecord } from './runner/timeline.js';
export { compareTimelines, formatTimelineComparison, type TimelineComparison, type GridDivergence, type TargetTiming } from './runner/timeline-compare.js';

// --- kube backend tools (the backend itself is loaded by SimEnv.create; nothing here loads @kubernetes/client-node) ---
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
export { kubePreflight, kubeSetup, kubeTeardown, type KubePreflightInput, type KubeSetupInput, type KubeTeardownInput } from './env/cluster/kube/kube-tools.js';
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
  type TeardownReport,
} from './env/cluster/kube/kube-reports.js';
