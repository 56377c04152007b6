import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as simenv from '../src/index.js';
import * as learned from '../src/learned.js';

/**
 * The public API, name by name. Adding or removing an export of src/index.ts fails here until
 * the lists below are edited too: the surface changes only on purpose. (Inline lists, not a
 * snapshot file, so an update is a reviewed edit, never `vitest -u`.)
 */

const VALUES = [
    'AGENT_NAMES', 'AgentRecordSchema', 'ApplicationEnv', 'ApplicationOptionsSchema',
    'BASELINE_AGENT_NAMES', 'Box', 'CLUSTER_AGENT_NAMES', 'CLUSTER_OBSERVATION_FIELDS',
    'CLUSTER_SCOPED_KINDS', 'CallEdgeSchema', 'CallGraphSchema', 'ClusterError', 'ConfigError',
    'DEFAULT_DRIVER_IMAGE', 'DEFAULT_INJECTED_PLACEMENT', 'DEFAULT_NODE_COUNT',
    'DEFAULT_SERVICE_ACCOUNT', 'DEPLOYMENT_OBSERVATION_FIELDS', 'DSB_SOCIAL_NETWORK_EDGES',
    'DSB_SOCIAL_NETWORK_ENTRY', 'Discrete', 'EVAL_FILE', 'EXAMPLE_TRACES', 'EnvStateError',
    'EpisodeSummarySchema', 'EvalRecordSchema', 'HpaAgent', 'HpaController', 'HpaOptionsSchema',
    'InvalidActionError', 'KubeOptionsSchema', 'LEARNED_AGENT_NAMES', 'LEGACY_TRACE_MESSAGE',
    'LoadFormatSchema', 'LoadMappingSchema', 'MemoryInspector', 'MultiDiscrete',
    'OBSERVATION_FIELDS', 'OBSERVATION_SIZE', 'ObservationRecordSchema', 'PastLoadEndSchema',
    'PerDeploymentAgent', 'PolicyError', 'PolicyMetadataSchema', 'PreflightError', 'RUN_FILES',
    'RUN_LABEL', 'RUN_RECORD_FORMAT', 'RUN_STATUSES', 'RandomAgent', 'RecordEpisodeStatistics',
    'RewardRecordSchema', 'Rng', 'RolloutEnv', 'RunConfigRecordSchema', 'RunWriter',
    'ScenarioSchema', 'ServiceRecordSchema', 'SimEnv', 'SimEnvError', 'SimEnvOptionsSchema',
    'SplitNameSchema', 'SplitSchema', 'StaticAgent', 'StepRecordSchema', 'SummaryRecordSchema',
    'SynthOptionsSchema', 'SyntheticLoadSchema', 'TF_BACKENDS', 'TIMELINE_FILE',
    'TRACE_FORMAT_VERSION', 'TRAIN_RECORD_FORMAT', 'TimelineRecordSchema', 'TimeoutError',
    'TraceAgent', 'TraceFormatError', 'TraceSchema', 'TraceValidationError', 'TraceVersionError',
    'TrainConfigRecordSchema', 'TrainLogRecordSchema', 'TrainOptionsSchema',
    'TrainSummaryRecordSchema', 'UnknownWorkloadError', 'UsageError', 'VectorEnv', 'WORKLOAD_LABEL',
    'actionForReplicas', 'agentEvalStats', 'bootstrapMeanCi', 'buildRunConfig',
    'buildScenarioTrace', 'buildSimulation', 'buildTraceModel', 'builtInScenarioDir',
    'builtInScenarioNames', 'calculateReplicas', 'checkEnv', 'compareRuns', 'compareTimelines',
    'computeReward', 'containerRequest', 'copyStepInfo', 'countPods', 'cpuMilli', 'createAgent',
    'createApplicationAgent', 'createSimEnvs', 'describeError', 'describePermission', 'divergence',
    'driverProblems', 'episodeSeeds', 'exampleTracePath', 'findWorkload', 'formatAgentReport',
    'formatComparison', 'formatPreflightReport', 'formatSetupReport', 'formatTable',
    'formatTimelineComparison', 'generateSyntheticLoad', 'groupByAgent', 'identicalEpisodeGroups',
    'inspectMemoryBackend', 'isLegacyTrace', 'kubePreflight', 'kubeSetup', 'kubeTeardown',
    'labelSelectorMatches', 'labelsMatch', 'loadAgent', 'loadHpaManifest', 'loadHpaManifests',
    'loadRun', 'loadScenario', 'mapLoad', 'memoryBytes', 'newRunDirName', 'observationBox',
    'pairedDifference', 'parseHpaManifest', 'parseKubeOptions', 'parseMilli', 'parseOptions',
    'parseQuantity', 'parseQuantityDecimal', 'parseQuantityExact', 'parseScenario',
    'parseSourceSeries', 'parseStepLines', 'podPhase', 'podRequest', 'podRequests',
    'preflightError', 'readPolicyInfo', 'readScenarioFile', 'readTimeline', 'readTrace',
    'recordJsonSchemas', 'recordRun', 'renderHtmlReport', 'replicaTimeline', 'reportRow',
    'resolvePolicyDir', 'resolveScenario', 'runAgent', 'runPermissions', 'runSelector',
    'scenarioOptions', 'serviceAccountPermissions', 'simulationStatus', 'sourcePeak',
    'summarizeTrace', 'synthesizeTrace', 'syntheticClusterTrace', 'toPolicyRules', 'toleratesAll',
    'toleratesTaint', 'traceFromJson', 'traceToJson', 'trainAgent', 'upgradeLegacyTrace',
    'writeTrace',
];

const TYPES = [
    'Action', 'ActionOf', 'ActionSpace', 'Agent', 'AgentContext', 'AgentEnv', 'AgentEvalStats',
    'AgentName', 'AgentRecord', 'AgentReport', 'AgentRow', 'ApplicationAgent', 'ApplicationContext',
    'ApplicationOptions', 'ApplicationOptionsInput', 'ApplicationStepInfo', 'AsyncEnv',
    'AutoresetMode', 'CallEdge', 'CallGraphOptions', 'CheckEnvOptions', 'CheckResult',
    'ClusterBackend', 'ClusterSnapshot', 'CreateAgentOptions', 'CreateApplicationAgentOptions',
    'DemandOptions', 'DeploymentStepInfo', 'DriverProblem', 'DualEnv', 'EndToEndReport',
    'EnvCheckReport', 'EpisodeStart', 'EpisodeStatistics', 'EpisodeStats', 'EpisodeSummary',
    'EvalRecord', 'ExactQuantity', 'ExampleTraceName', 'GridDivergence', 'HpaBehavior',
    'HpaDecision', 'HpaManifest', 'HpaObservation', 'HpaOptions', 'HpaOptionsInput',
    'HpaScalingPolicy', 'HpaScalingRules', 'HpaScalingRulesInput', 'KindSummary', 'KubeObject',
    'KubeOptions', 'KubeOptionsInput', 'KubePreflightInput', 'KubeSetupInput', 'KubeTeardownInput',
    'LegacyUpgrade', 'LoadFormat', 'LoadMapping', 'LoadResolution', 'LoadedRun', 'LoadedScenario',
    'LogFlush', 'LogFn', 'LogLevel', 'MeanCi', 'MemoryPodCounts', 'MultiAction', 'NamedObservation',
    'NodePoolOptions', 'NodeUsage', 'ObservationField', 'ObservationRecord', 'PairedDifference',
    'ParsedQuantity', 'ParsedSimEnvOptions', 'Permission', 'PodPhase', 'PodPhaseCounts',
    'PodRequests', 'PodSample', 'PolicyInfo', 'PolicyMetadata', 'PolicyRule',
    'PreflightCheckResult', 'PreflightCheckStatus', 'PreflightReport', 'ReadTraceOptions',
    'RecordEpisodeStatisticsOptions', 'RecordRunOptions', 'ReplicaCalculation',
    'ReplicaCalculationReason', 'ReportRow', 'ResetResult', 'ResolvedScenario', 'RewardBreakdown',
    'RewardRecord', 'RewardWeights', 'RunAgentOptions', 'RunComparison', 'RunConfigRecord',
    'RunMeta', 'RunOutcome', 'RunStatus', 'RunSteps', 'RunWriterOptions', 'ScaleEvent', 'Scenario',
    'ScenarioDeployment', 'ScenarioEnvInput', 'ScenarioFile', 'ScenarioInput', 'ScenarioJob',
    'ScenarioNode', 'ScenarioPodSpec', 'ScenarioTable', 'ScenarioToleration', 'SeedFigures',
    'SeriesDivergence', 'ServiceOptions', 'ServiceRecord', 'ServiceReport', 'SetupAction',
    'SetupItem', 'SetupReport', 'SimEnvOptions', 'SimEnvOptionsInput', 'SimulationParams',
    'SimulationStatus', 'SourceSeries', 'Space', 'SplitName', 'StartupLatency', 'StepInfo',
    'StepPair', 'StepRecord', 'StepResult', 'SummaryRecord', 'SyncEnv', 'SynthOptions',
    'SyntheticLoad', 'SyntheticLoadInput', 'Taint', 'TargetTiming', 'TeardownReport',
    'TfBackendName', 'TfBackendPreference', 'TimelineComparison', 'TimelineRecord', 'Tolerance',
    'Toleration', 'Trace', 'TraceConfig', 'TraceEvent', 'TraceJsonOptions', 'TraceModel',
    'TraceSummary', 'TrainConfigRecord', 'TrainLogRecord', 'TrainOptionsInput', 'TrainProgress',
    'TrainResult', 'TrainSummaryRecord', 'Transition', 'VectorEnvOptions', 'VectorResetResult',
    'VectorStepResult', 'Workload', 'WorkloadKind', 'WorkloadSummary', 'WriteTraceOptions',
];

/** Runtime names of 'simenv/learned' (src/learned.ts). */
const LEARNED_VALUES = [
    'DqnConfigSchema', 'DqnLearner', 'PolicyAgent', 'PpoConfigSchema', 'PpoLearner',
    'availableTfBackends', 'currentTfBackend', 'initTfBackend', 'loadModel', 'loadPolicyAgent',
    'saveModel', 'writePolicyDir',
];

/** Type-only names of src/index.ts's `export { type X }` and `export type { X }` clauses. */
function exportedTypeNames(): string[] {
  const file = ts.createSourceFile('index.ts', readFileSync(new URL('../src/index.ts', import.meta.url), 'utf8'), ts.ScriptTarget.ES2022);
  const names: string[] = [];
  for (const st of file.statements) {
    if (!ts.isExportDeclaration(st) || !st.exportClause || !ts.isNamedExports(st.exportClause)) continue;
    for (const el of st.exportClause.elements) if (st.isTypeOnly || el.isTypeOnly) names.push(el.name.text);
  }
  return names.sort();
}

describe('public API (src/index.ts, what `import ... from "simenv"` gives)', () => {
  it('exports exactly the listed runtime names', () => {
    expect(Object.keys(simenv).sort()).toEqual([...VALUES].sort());
  });

  it("'simenv/learned' exports exactly the listed runtime names", () => {
    expect(Object.keys(learned).sort()).toEqual([...LEARNED_VALUES].sort());
  });

  it('exports exactly the listed types, and src/index.ts has no `export *`', () => {
    expect(exportedTypeNames()).toEqual([...TYPES].sort());
    expect(readFileSync(new URL('../src/index.ts', import.meta.url), 'utf8')).not.toMatch(/^export \*/m);
  });

  it('the env surface works through it', async () => {
    expect(typeof simenv.SimEnv.create).toBe('function');
    const env = await simenv.SimEnv.create({ trace: simenv.exampleTracePath('dsb-scaling.sktrace'), deployment: 'dsb/nginx-thrift' });
    expect(env.reset().observation).toBeInstanceOf(Float32Array);
    await env.close();
  });

  it('exampleTracePath names the bundled traces and refuses others', () => {
    for (const name of simenv.EXAMPLE_TRACES) expect(readFileSync(simenv.exampleTracePath(name)).length).toBeGreaterThan(0);
    expect(() => simenv.exampleTracePath('nope.sktrace' as never)).toThrow(/expected one of dsb-scaling.sktrace, .*got "nope.sktrace"/);
  });
});
