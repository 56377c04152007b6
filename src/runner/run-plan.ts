import { z } from 'zod';
import { ConfigError, PolicyError, UsageError } from '../env/errors.js';
import { BASELINE_AGENT_NAMES, CLUSTER_AGENT_NAMES, LEARNED_AGENT_NAMES, type PolicyInfo } from '../agents/registry.js';
import { SimEnvOptionsSchema } from '../env/options.js';
import { resolveScenario, type ResolvedScenario } from '../env/scenario-resolve.js';
import { checkEnvFlags, ENV_FLAG_SHAPE, enumFlag, envOverrides } from './commands/env-flags.js';
import { HpaTargetUtilisationSchema, type HpaOptionsInput } from '../agents/hpa/hpa-config.js';
import { loadHpaManifest, type HpaManifest } from '../agents/hpa/hpa-manifest.js';
import { parseBaselineSpec, type BaselineSpec } from './eval-baseline.js';
import { intFlag, intListFlag, parseFlags, positiveNumberFlag } from './commands/flags.js';
import { checkRunId, type LogFlush, type LogLevel } from './run-dir.js';
import { planSeeds, type SeedBlock } from './seed-plan.js';
import { issuePath, parse } from '../env/parse.js';
import { LIMITS, limitMessage } from '../env/limits.js';

/** Largest --seed / --seeds value: the PRNG is seeded with 32 bits, and seeds derive by addition. */
const MAX_SEED = 0x7fffffff;

/**
 * From CLI flags to a `RunPlan`: everything `simenv run` and `simenv eval` will do, decided
 * and validated before anything is created (usage errors leave nothing behind).
 */

/** Default length of a one-step episode (the action is held this long), simulated seconds. */
export const DEFAULT_ONE_STEP_SECONDS = 120;
/** Default parent of run directories. */
export const DEFAULT_RUNS_DIR = 'runs';

const agentName = z.string().superRefine((name, ctx) => {
  if ((BASELINE_AGENT_NAMES as readonly string[]).includes(name) || (CLUSTER_AGENT_NAMES as readonly string[]).includes(name)) return;
  if ((LEARNED_AGENT_NAMES as readonly string[]).includes(name)) {
    ctx.addIssue({ code: 'custom', message: `"${name}" is a learned agent: pass its trained policy with --policy DIR instead` });
    return;
  }
  ctx.addIssue({ code: 'custom', message: `expected one of ${[...BASELINE_AGENT_NAMES, ...CLUSTER_AGENT_NAMES].join(', ')}, got "${name}" (learned agents load with --policy DIR)` });
});

// RFC 1123 label: what the kube backend accepts as `kube.namespace` (kube-options.ts). Checked
// here too so a bad --kube-ns is a usage error naming the flag, found before anything starts.
const NAMESPACE_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const namespaceFlag = z.string().refine((ns) => ns.length <= 63 && NAMESPACE_RE.test(ns), {
  error: (i) => `expected a namespace of at most 63 lower-case letters, digits and '-' (RFC 1123 label), got "${String(i.input)}"`,
});

/** Values of the enumerated flags, from the schemas that define them (help text and validation). */
export const FLAG_CHOICES = {
  backend: SimEnvOptionsSchema.shape.backend.unwrap().options,
  actionMode: SimEnvOptionsSchema.shape.actionMode.unwrap().options,
  mode: ['replay', 'simkube'] as const,
  logFlush: ['step', 'batched'] as const,
  log: ['steps', 'episodes', 'none'] as const,
  simkubeDriver: ['cluster', 'local'] as const,
};

/** Flags common to `run` and `eval` (commander hands every value over as text). */
export const RunFlagsSchema = z.strictObject({
  trace: z.string().min(1, 'expected a trace file path').optional(),
  deploy: z.string().min(1, 'expected a deployment name').optional(),
  ns: z.string().min(1, 'expected a namespace').optional(),
  target: intFlag(0).optional(),
  agent: agentName.optional(),
  policy: z.string().min(1, 'expected a policy directory').optional(),
  duration: positiveNumberFlag().optional(),
  step: positiveNumberFlag().optional(),
  episodes: intFlag(1, LIMITS.episodes).default(1),
  seed: intFlag(0, MAX_SEED).default(0),
  seeds: intListFlag(0, MAX_SEED).optional(),
  backend: enumFlag(FLAG_CHOICES.backend).default('memory'),
  actionMode: enumFlag(FLAG_CHOICES.actionMode).optional(),
  maxDelta: intFlag(1).optional(),
  minReplicas: intFlag(0).optional(),
  maxReplicas: intFlag(1).optional(),
  kubeNs: namespaceFlag.optional(),
  driverImage: z.string().min(1).optional(),
  kubeconfig: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
  speed: positiveNumberFlag().optional(),
  mode: enumFlag(FLAG_CHOICES.mode).optional(),
  simkubeDriver: enumFlag(FLAG_CHOICES.simkubeDriver).optional(),
  out: z.string().min(1, 'expected a directory').default(DEFAULT_RUNS_DIR),
  logFlush: enumFlag(FLAG_CHOICES.logFlush).default('step'),
  /** hpa and k8s-hpa agents: an autoscaling/v2 HorizontalPodAutoscaler manifest (YAML or JSON). */
  hpa: z.string().min(1, 'expected an HPA manifest file').optional(),
  /** Several deployments: the call graph demand flows through (a built-in name or a JSON/YAML file). */
  callGraph: z.string().min(1, 'expected a call graph name or file').optional(),
  ...ENV_FLAG_SHAPE,
  runId: z.string().optional(),
  baseline: z.string().min(1, 'expected a baseline agent or run directory').optional(),
  log: enumFlag(FLAG_CHOICES.log).default('steps'),
  timeline: z.boolean().default(false),
  json: z.boolean().default(false),
  quiet: z.boolean().default(false),
  progress: z.boolean().default(true),
});
export type RunFlags = z.output<typeof RunFlagsSchema>;

/** An HPA manifest (--hpa FILE) read into the hpa agent's options. */
export interface HpaManifestSpec {
  file: string;
  options: HpaOptionsInput;
  /** The whole manifest as read (k8s-hpa applies its document to the cluster); absent when another reader loads the file (several deployments). */
  manifest?: HpaManifest;
}

/** How the agent comes to be. */
export type AgentSpec =
  | { kind: 'baseline'; name: string; target?: number; hpa?: HpaManifestSpec }
  | { kind: 'policy'; dir: string };

export type { LogLevel } from './run-dir.js';

/** Read `--hpa FILE` (or a baseline's `hpa:FILE`) as a usage error naming `flag` when it is bad. */
export function readHpaManifestFlag(file: string, flag: string): HpaManifestSpec {
  try {
    const manifest = loadHpaManifest(file);
    return { file, options: manifest.options, manifest };
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`, { hint: 'see examples/hpa/ and docs/agents.md for what a manifest may hold' });
  }
}

/** Flags the user gave explicitly (undefined: not given), which a policy's defaults must not replace. */
export interface GivenEnvFlags {
  actionMode?: 'absolute' | 'delta';
  maxDelta?: number;
  minReplicas?: number;
  maxReplicas?: number;
  stepSeconds?: number;
  durationSeconds?: number;
}

/** Everything a run will do. */
export interface RunPlan {
  /** SimEnv.create input (without trace-dependent defaults: SimEnv resolves those). */
  envOptions: Record<string, unknown>;
  tracePath: string;
  deployment: string;
  backend: 'memory' | 'kube';
  agent: AgentSpec;
  mode: 'one-step' | 'multi-step';
  durationSeconds: number | null;
  stepSeconds: number;
  episodes: number;
  seed: number;
  /** The seed of every episode, in order. */
  seeds: number[];
  /** The episodes of each listed seed (recorded in config.json). */
  seedBlocks: SeedBlock[];
  out: string;
  runId: string | null;
  /** How step.jsonl lines are written (RunWriter `flush`). */
  logFlush: LogFlush;
  /** What the run logs (--log). */
  log: LogLevel;
  /** eval --baseline: what the agent is compared with on the same episode seeds, or null. */
  baseline: BaselineSpec | null;
  /** Also write timeline.jsonl (every constant-state interval, between step ends too). */
  timeline: boolean;
  json: boolean;
  quiet: boolean;
  progress: boolean;
  /** The env flags as given, for `applyPolicyDefaults`. */
  given: GivenEnvFlags;
  /** The scenario the run uses (`--scenario`), resolved, or null. */
  scenario: ResolvedScenario | null;
}

/** Which agents use each agent flag (others refuse it: a flag that does nothing is a usage error). */
const AGENT_FLAGS: Record<'target' | 'hpa', readonly string[]> = { target: ['static', 'hpa'], hpa: ['hpa', 'k8s-hpa'] };

/** UsageError for an agent flag the chosen agent does not use. */
function checkAgentFlags(agent: AgentSpec, given: { target?: number; hpa?: string }): void {
  for (const flag of ['target', 'hpa'] as const) {
    if (given[flag] === undefined) continue;
    const users = AGENT_FLAGS[flag];
    const name = agent.kind === 'policy' ? 'a trained policy (--policy)' : `the ${agent.name} agent`;
    if (agent.kind === 'policy' || !users.includes(agent.name)) {
      throw new UsageError(`--${flag}: ${name} does not use --${flag}; it applies to ${users.map((u) => `--agent ${u}`).join(' and ')}`, {
        hint: `leave --${flag} out, or pick ${users.length === 1 ? `--agent ${users[0]}` : `one of ${users.map((u) => `--agent ${u}`).join(', ')}`}`,
      });
    }
  }
}

/**
 * The deployment as `NS/NAME` (or a bare name for SimEnv to resolve), from --deploy and --ns;
 * `a,b,c` (several deployments, an application run) maps each name and joins them with commas.
 */
export function deploymentOf(deploy: string, ns: string | undefined): string {
  if (deploy.includes(',')) {
    const names = deploy.split(',').map((d) => d.trim());
    if (names.some((d) => d === '')) throw new UsageError(`--deploy: expected NAME,NAME,... without empty names, got "${deploy}"`);
    return names.map((d) => deploymentOf(d, ns)).join(',');
  }
  const slash = deploy.indexOf('/');
  if (slash >= 0) {
    const [dns, name] = [deploy.slice(0, slash), deploy.slice(slash + 1)];
    if (!dns || !name || name.includes('/')) throw new UsageError(`--deploy: expected NAME or NS/NAME, got "${deploy}"`);
    if (ns !== undefined && ns !== dns) throw new UsageError(`--ns: expected the namespace of --deploy ${deploy} ("${dns}") or no --ns, got "${ns}"`);
    return deploy;
  }
  return ns !== undefined ? `${ns}/${deploy}` : deploy;
}

type EpisodeShape = Pick<RunPlan, 'mode' | 'durationSeconds' | 'stepSeconds'>;

/** Without a step length: one step held for the duration; with one: multi-step, the duration bounding the horizon. */
function episodeShape(stepSeconds: number | undefined, durationSeconds: number | undefined, stepSource = '--step'): EpisodeShape {
  if (stepSeconds === undefined) {
    const d = durationSeconds ?? DEFAULT_ONE_STEP_SECONDS;
    return { mode: 'one-step', durationSeconds: d, stepSeconds: d };
  }
  if (durationSeconds !== undefined && durationSeconds < stepSeconds) {
    throw new UsageError(`--duration: expected at least one step (${stepSource} ${stepSeconds}), got ${durationSeconds}`);
  }
  return { mode: 'multi-step', durationSeconds: durationSeconds ?? null, stepSeconds };
}

/**
 * Whole steps of `stepSeconds` in `durationSeconds`: floor, except that a ratio within float
 * error of an integer is that integer (0.3 / 0.1 is 2.9999999999999996, and means 3 steps).
 */
export function stepsIn(durationSeconds: number, stepSeconds: number): number {
  const ratio = durationSeconds / stepSeconds;
  const nearest = Math.round(ratio);
  return Math.abs(ratio - nearest) <= 1e-9 * Math.max(1, nearest) ? nearest : Math.floor(ratio);
}

/** Set the episode shape's SimEnv options (oneStep, or stepSeconds and horizon) on `envOptions`. */
function shapeEnvOptions(envOptions: Record<string, unknown>, shape: EpisodeShape): void {
  delete envOptions.oneStep;
  delete envOptions.stepSeconds;
  delete envOptions.horizon;
  if (shape.mode === 'one-step') {
    envOptions.oneStep = { durationSeconds: shape.durationSeconds };
  } else {
    envOptions.stepSeconds = shape.stepSeconds;
    if (shape.durationSeconds !== null) envOptions.horizon = Math.max(1, stepsIn(shape.durationSeconds, shape.stepSeconds));
  }
}

/** Validate `raw` commander options and decide the run. `evalMode` makes --seeds the episode plan. */
export function planRun(raw: Record<string, unknown>, opts: { evalMode?: boolean } = {}): RunPlan {
  const f = parseFlags(RunFlagsSchema, raw);
  checkEnvFlags(f);
  const overrides = envOverrides(f);
  let scenario: ResolvedScenario | null = null;
  if (f.scenario !== undefined) {
    try {
      scenario = resolveScenario({ scenario: f.scenario, ...(f.split !== undefined ? { split: f.split } : {}), ...overrides });
    } catch (err) {
      throw asScenarioUsage(err);
    }
  } else {
    if (f.trace === undefined) throw new UsageError('--trace: expected a trace file (--trace FILE), or a scenario (--scenario NAME|FILE)');
    if (f.deploy === undefined) throw new UsageError('--deploy: expected the deployment to control (--deploy NAME or NS/NAME)');
  }
  const deployment = f.deploy !== undefined ? deploymentOf(f.deploy, f.ns) : scenarioDeployment(scenario!);
  const tracePath = f.trace ?? String(scenario!.options.trace);
  if (f.runId !== undefined) checkRunId(f.runId);

  const chosen = [f.policy !== undefined, f.agent !== undefined].filter(Boolean).length;
  if (chosen > 1) throw new UsageError('--policy: expected either --agent NAME or --policy DIR, got both');
  let agent: AgentSpec;
  if (f.policy !== undefined) {
    agent = { kind: 'policy', dir: f.policy };
  } else if (f.agent !== undefined) {
    agent = { kind: 'baseline', name: f.agent, ...(f.target !== undefined ? { target: f.target } : {}) };
    if (f.agent === 'k8s-hpa' && f.hpa === undefined) {
      throw new UsageError('--hpa: expected an HPA manifest for --agent k8s-hpa (the real HPA controller scales with it), got none', {
        hint: 'pass --hpa FILE, an autoscaling/v2 HorizontalPodAutoscaler (e.g. examples/hpa/cpu-60.yaml)',
      });
    }
    if (f.agent === 'k8s-hpa' && f.backend !== 'kube') {
      throw new UsageError('--agent k8s-hpa: expected --backend kube (the HPA controller of a real cluster scales), got --backend memory', {
        hint: 'in memory, run the same manifest with --agent hpa --hpa FILE',
      });
    }
  } else if (f.target !== undefined) {
    agent = { kind: 'baseline', name: 'static', target: f.target };
  } else {
    throw new UsageError('expected what acts: --target N (hold N replicas), --agent NAME or --policy DIR', {
      hint: `e.g. --target 3, or --agent hpa; agents: ${BASELINE_AGENT_NAMES.join(', ')}`,
    });
  }
  checkAgentFlags(agent, { target: f.target, hpa: f.hpa });
  if (agent.kind === 'baseline' && agent.name === 'hpa') {
    if (f.target !== undefined && !HpaTargetUtilisationSchema.safeParse(f.target).success) {
      throw new UsageError(`--target: expected the HPA's target CPU utilisation, an integer percent in (0, 100], got ${f.target}`, {
        hint: 'e.g. --target 60 for 60% of the CPU request',
      });
    }
    if (f.hpa !== undefined && f.target !== undefined) {
      throw new UsageError('--target: the --hpa manifest sets the target (averageUtilization); pass one or the other');
    }
    // Several deployments: --hpa is a multi-document file or a directory, read by the application run.
    if (f.hpa !== undefined) agent.hpa = deployment.includes(',') ? { file: f.hpa, options: {} } : readHpaManifestFlag(f.hpa, '--hpa');
    else if (f.target === undefined && scenario?.hpa) agent.hpa = readHpaManifestFlag(scenario.hpa, "the scenario's hpa");
  }
  if (agent.kind === 'baseline' && agent.name === 'k8s-hpa') {
    if (deployment.includes(',')) {
      throw new UsageError('--agent k8s-hpa: expected one deployment (the real HPA controller scales the controlled one), got several', { hint: 'several deployments run with --agent hpa --hpa FILE|DIR' });
    }
    agent.hpa = readHpaManifestFlag(f.hpa!, '--hpa');
  }

  const kubeFlags = { driverImage: f.driverImage, kubeconfig: f.kubeconfig, context: f.context, speed: f.speed, mode: f.mode, simkubeDriver: f.simkubeDriver, kubeNs: f.kubeNs };
  const givenKube = Object.entries(kubeFlags).filter(([, v]) => v !== undefined);
  if (f.backend !== 'kube' && givenKube.length > 0) {
    throw new UsageError(`--${givenKube[0]![0].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: only applies with --backend kube`);
  }

  if (!opts.evalMode && f.seeds !== undefined) throw new UsageError('--seeds: only `simenv eval` takes --seeds; use --seed N');
  if (!opts.evalMode && f.baseline !== undefined) throw new UsageError('--baseline: only `simenv eval` compares with a baseline');
  let baseline = f.baseline !== undefined ? parseBaselineSpec(f.baseline) : null;
  if (baseline?.kind === 'agent' && baseline.hpaFile !== undefined) {
    // Several deployments: a multi-document file or a directory, read by the application run.
    baseline = { ...baseline, hpa: deployment.includes(',') ? { file: baseline.hpaFile, options: {} } : readHpaManifestFlag(baseline.hpaFile, '--baseline') };
  }
  let shape: EpisodeShape;
  if (scenario !== null) {
    // A scenario's episodes are multi-step at its step length and horizon (steps); --step and --duration override.
    const step = f.step ?? scenario.options.stepSeconds ?? 15;
    const horizon = scenario.options.horizon;
    shape = episodeShape(step, f.duration ?? (horizon !== undefined ? horizon * step : undefined));
  } else shape = episodeShape(f.step, f.duration);

  const envOptions: Record<string, unknown> = {
    ...(scenario !== null ? { scenario: f.scenario, ...(f.split !== undefined ? { split: f.split } : {}) } : {}),
    ...(f.trace !== undefined ? { trace: f.trace } : {}),
    ...(f.deploy !== undefined || scenario === null ? { deployment } : {}),
    ...overrides,
    backend: f.backend,
    seed: f.seed,
  };
  if (f.timeline && deployment.includes(',')) {
    throw new UsageError('--timeline: expected one deployment (the timeline follows the controlled one), got several', { hint: 'leave --timeline out, or run one deployment' });
  }
  if (f.callGraph !== undefined) {
    if (!deployment.includes(',')) throw new UsageError('--call-graph: expected several deployments (--deploy a,b,c), got one', { hint: 'a call graph routes demand between the deployments an env controls' });
    envOptions.callGraph = f.callGraph;
  }
  if (f.actionMode) envOptions.actionMode = f.actionMode;
  if (f.maxDelta !== undefined) envOptions.maxDelta = f.maxDelta;
  if (f.minReplicas !== undefined) envOptions.minReplicas = f.minReplicas;
  if (f.maxReplicas !== undefined) envOptions.maxReplicas = f.maxReplicas;
  // An HPA manifest is the production range: without --min/--max-replicas the env's range is
  // the manifests' (both, with an HPA baseline), so no HPA is clipped to another range.
  const manifests = [agent.kind === 'baseline' ? agent.hpa : undefined, baseline?.kind === 'agent' ? baseline.hpa : undefined].filter((m): m is HpaManifestSpec => m !== undefined);
  if (manifests.length > 0 && !deployment.includes(',')) {
    if (f.maxReplicas === undefined) envOptions.maxReplicas = Math.max(...manifests.map((m) => m.options.maxReplicas ?? 1));
    if (f.minReplicas === undefined) envOptions.minReplicas = Math.min(...manifests.map((m) => m.options.minReplicas ?? 1));
  }
  shapeEnvOptions(envOptions, shape);
  if (f.backend === 'kube') {
    const kube: Record<string, unknown> = {};
    for (const [k, v] of givenKube) if (k !== 'kubeNs') kube[k] = v;
    // The cluster namespace: --kube-ns, else the trace namespace (which is also the kube
    // backend's own default when --deploy NS/NAME carries it instead of --ns).
    const namespace = f.kubeNs ?? f.ns;
    if (namespace !== undefined) kube.namespace = namespace;
    if (agent.kind === 'baseline' && agent.name === 'k8s-hpa') kube.hpa = agent.hpa?.manifest?.document;
    envOptions.kube = kube;
  }

  const seedList = opts.evalMode ? (f.seeds ?? [f.seed]) : [f.seed];
  if (seedList.length * f.episodes > LIMITS.episodes) {
    throw new UsageError(`--episodes x --seeds: ${limitMessage('episodes', `${f.episodes} x ${seedList.length} = ${f.episodes * seedList.length}`)}`);
  }
  const seedPlan = planSeeds(seedList, f.episodes);
  const seeds = seedPlan.episodeSeeds;
  const seed = seedPlan.seedList[0]!;

  return {
    envOptions,
    tracePath,
    deployment,
    backend: f.backend,
    agent,
    ...shape,
    episodes: seeds.length,
    seed,
    seeds,
    seedBlocks: seedPlan.seedBlocks,
    out: f.out,
    runId: f.runId ?? null,
    logFlush: f.logFlush,
    log: f.log,
    baseline,
    timeline: f.timeline,
    json: f.json,
    quiet: f.quiet,
    progress: f.progress,
    given: {
      actionMode: f.actionMode,
      maxDelta: f.maxDelta,
      minReplicas: f.minReplicas,
      maxReplicas: f.maxReplicas,
      stepSeconds: f.step,
      durationSeconds: f.duration,
    },
    scenario,
  };
}

/** The deployment a scenario controls, `NS/NAME`, or its deployments joined with commas (an application). */
function scenarioDeployment(scenario: ResolvedScenario): string {
  const o = scenario.options as { deployment?: unknown; deployments?: unknown };
  return Array.isArray(o.deployments) ? o.deployments.map(String).join(',') : String(o.deployment);
}

/** A scenario's ConfigError comes from a flag: exit 2, naming --scenario. */
function asScenarioUsage(err: unknown): unknown {
  if (err instanceof ConfigError) return new UsageError(`--scenario: ${err.message}`, err.hint !== undefined ? { hint: err.hint } : undefined);
  return err;
}

/** What `applyPolicyDefaults` reads from a policy's `envOptions` (the SimEnv options it was trained with). */
const PolicyEnvOptionsSchema = z.looseObject({
  minReplicas: z.number().int().nonnegative().optional(),
  maxReplicas: z.number().int().positive().optional(),
  stepSeconds: z.number().positive().optional(),
  oneStep: z.strictObject({ durationSeconds: z.number().positive() }).nullish(),
});

/**
 * A run of a trained policy gets the env the policy was trained in, unless a flag says
 * otherwise: `actionMode`, `maxDelta`, `minReplicas`, `maxReplicas` and the step length
 * default to the policy's (policy.json, read without TensorFlow.js). A flag that would change
 * what the network's outputs or inputs mean is refused, naming both values: the action mode,
 * `--max-delta` in delta mode and the replica bounds in absolute mode (they define the
 * action space), and `--max-replicas` in any mode (observations are divided by it). Flags
 * that leave both alone override freely: `--min-replicas` in delta mode, `--step`.
 * Without `--step`, episodes are multi-step at the policy's step length (a delta policy
 * holding one action for minutes is not what it learned), `--duration` bounding them.
 */
export function applyPolicyDefaults(plan: RunPlan, info: PolicyInfo): RunPlan {
  const trained = parse(PolicyEnvOptionsSchema, info.envOptions, (issue) =>
    new PolicyError(`${info.dir}/policy.json at envOptions.${issuePath(issue)}: ${issue.message}`, {
      hint: 'the policy metadata is corrupt or from another simenv version: retrain',
    }),
  );
  const { mode, n, start } = info.action;
  const space = `${mode} Discrete(${n}, start=${start})`;
  const g = plan.given;
  const refuse = (flag: string, expected: string | number, got: string | number, why: string): never => {
    throw new UsageError(`${flag}: expected ${expected} (policy ${info.dir} ${why}), got ${got}`, {
      hint: `leave ${flag} out to use the policy's value, or evaluate a policy trained with ${flag} ${got}`,
    });
  };

  const env: Record<string, unknown> = { ...plan.envOptions };
  if (g.actionMode !== undefined && g.actionMode !== mode) refuse('--action-mode', mode, g.actionMode, `acts in ${space}`);
  env.actionMode = mode;
  if (mode === 'delta') {
    // Delta mode: Discrete(2k + 1, start = -k), so the network fixes maxDelta k.
    const k = -start;
    if (g.maxDelta !== undefined && g.maxDelta !== k) refuse('--max-delta', k, g.maxDelta, `acts in ${space}`);
    env.maxDelta = k;
    if (g.minReplicas === undefined && trained.minReplicas !== undefined) env.minReplicas = trained.minReplicas;
    if (trained.maxReplicas !== undefined) {
      if (g.maxReplicas !== undefined && g.maxReplicas !== trained.maxReplicas) {
        refuse('--max-replicas', trained.maxReplicas, g.maxReplicas, `was trained with maxReplicas ${trained.maxReplicas}, and observations are divided by it`);
      }
      env.maxReplicas = trained.maxReplicas;
    }
  } else {
    // Absolute mode: Discrete(max - min + 1, start = min), so the network fixes both bounds.
    const max = start + n - 1;
    if (g.minReplicas !== undefined && g.minReplicas !== start) refuse('--min-replicas', start, g.minReplicas, `acts in ${space}`);
    if (g.maxReplicas !== undefined && g.maxReplicas !== max) refuse('--max-replicas', max, g.maxReplicas, `acts in ${space}`);
    env.minReplicas = start;
    env.maxReplicas = max;
  }

  return withPolicyEpisodeShape({ ...plan, envOptions: env }, trained);
}

/**
 * Without --step, a policy's episodes have the shape it was trained with: multi-step at its
 * step length (`--duration` bounding them), or one step if it learned one-step episodes.
 * `trained` is the SimEnv (or ApplicationEnv) options of its policy.json.
 */
export function withPolicyEpisodeShape(plan: RunPlan, trained: { stepSeconds?: number | undefined; oneStep?: { durationSeconds: number } | null | undefined }): RunPlan {
  const g = plan.given;
  let shape: EpisodeShape = { mode: plan.mode, durationSeconds: plan.durationSeconds, stepSeconds: plan.stepSeconds };
  if (g.stepSeconds === undefined) {
    if (trained.oneStep) shape = episodeShape(undefined, g.durationSeconds ?? trained.oneStep.durationSeconds);
    else if (trained.stepSeconds !== undefined) shape = episodeShape(trained.stepSeconds, g.durationSeconds, "the policy's step of");
  }
  const env: Record<string, unknown> = { ...plan.envOptions };
  shapeEnvOptions(env, shape);
  return { ...plan, ...shape, envOptions: env };
}
