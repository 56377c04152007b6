import { z } from 'zod';
import { PolicyError, UsageError } from '../env/errors.js';
import { readHpaManifestFile } from '../agents/hpa/hpa-manifest-lite.js';
import { BASELINE_AGENT_NAMES, CLUSTER_AGENT_NAMES, LEARNED_AGENT_NAMES, type PolicyInfo } from '../agents/registry.js';
import { intFlag, intListFlag, parseFlags, positiveNumberFlag } from './commands/flags.js';
import { checkRunId, type LogFlush } from './run-dir.js';
import { episodeSeeds } from './run-loop.js';

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

/** Flags common to `run` and `eval` (commander hands every value over as text). */
export const RunFlagsSchema = z.strictObject({
  trace: z.string({ error: 'expected a trace file (--trace FILE)' }).min(1, 'expected a trace file path'),
  deploy: z.string({ error: 'expected the deployment to control (--deploy NAME or NS/NAME)' }).min(1, 'expected a deployment name'),
  ns: z.string().min(1, 'expected a namespace').optional(),
  target: intFlag(0).optional(),
  agent: agentName.optional(),
  hpa: z.string().min(1, 'expected an HPA manifest file').optional(),
  policy: z.string().min(1, 'expected a policy directory').optional(),
  duration: positiveNumberFlag().optional(),
  step: positiveNumberFlag().optional(),
  episodes: intFlag(1, 1_000_000).default(1),
  seed: intFlag(0, 0x7fffffff).default(0),
  seeds: intListFlag().optional(),
  backend: z.enum(['memory', 'kube'], { error: (i) => `expected memory or kube, got "${String(i.input)}"` }).default('memory'),
  actionMode: z.enum(['absolute', 'delta'], { error: (i) => `expected absolute or delta, got "${String(i.input)}"` }).optional(),
  maxDelta: intFlag(1).optional(),
  minReplicas: intFlag(0).optional(),
  maxReplicas: intFlag(1).optional(),
  kubeNs: namespaceFlag.optional(),
  driverImage: z.string().min(1).optional(),
  kubeconfig: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
  speed: positiveNumberFlag().optional(),
  mode: z.enum(['replay', 'simkube'], { error: (i) => `expected replay or simkube, got "${String(i.input)}"` }).optional(),
  out: z.string().min(1, 'expected a directory').default(DEFAULT_RUNS_DIR),
  logFlush: z.enum(['step', 'batched'], { error: (i) => `expected step or batched, got "${String(i.input)}"` }).default('step'),
  runId: z.string().optional(),
  timeline: z.boolean().default(false),
  json: z.boolean().default(false),
  quiet: z.boolean().default(false),
  progress: z.boolean().default(true),
});
export type RunFlags = z.output<typeof RunFlagsSchema>;

/** How the agent comes to be. */
export type AgentSpec =
  | { kind: 'baseline'; name: string; target?: number; hpaManifest?: Record<string, unknown> }
  | { kind: 'policy'; dir: string };

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
  out: string;
  runId: string | null;
  /** How step.jsonl lines are written (RunWriter `flush`). */
  logFlush: LogFlush;
  /** Also write timeline.jsonl (every constant-state interval, between step ends too). */
  timeline: boolean;
  json: boolean;
  quiet: boolean;
  progress: boolean;
  /** The env flags as given, for `applyPolicyDefaults`. */
  given: GivenEnvFlags;
}

/** The deployment as `NS/NAME` (or a bare name for SimEnv to resolve), from --deploy and --ns. */
export function deploymentOf(deploy: string, ns: string | undefined): string {
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

/** Set the episode shape's SimEnv options (oneStep, or stepSeconds and horizon) on `envOptions`. */
function shapeEnvOptions(envOptions: Record<string, unknown>, shape: EpisodeShape): void {
  delete envOptions.oneStep;
  delete envOptions.stepSeconds;
  delete envOptions.horizon;
  if (shape.mode === 'one-step') {
    envOptions.oneStep = { durationSeconds: shape.durationSeconds };
  } else {
    envOptions.stepSeconds = shape.stepSeconds;
    if (shape.durationSeconds !== null) envOptions.horizon = Math.max(1, Math.floor(shape.durationSeconds / shape.stepSeconds));
  }
}

/** Validate `raw` commander options and decide the run. `evalMode` makes --seeds the episode plan. */
export function planRun(raw: Record<string, unknown>, opts: { evalMode?: boolean } = {}): RunPlan {
  const f = parseFlags(RunFlagsSchema, raw);
  const deployment = deploymentOf(f.deploy, f.ns);
  if (f.runId !== undefined) checkRunId(f.runId);

  const chosen = [f.policy !== undefined, f.agent !== undefined].filter(Boolean).length;
  if (chosen > 1) throw new UsageError('--policy: expected either --agent NAME or --policy DIR, got both');
  let agent: AgentSpec;
  if (f.policy !== undefined) {
    if (f.target !== undefined) throw new UsageError('--target: a trained policy (--policy) takes no --target');
    agent = { kind: 'policy', dir: f.policy };
  } else if (f.agent !== undefined) {
    agent = { kind: 'baseline', name: f.agent, ...(f.target !== undefined ? { target: f.target } : {}) };
    if (f.hpa !== undefined) {
      if (f.agent !== 'hpa' && f.agent !== 'k8s-hpa') throw new UsageError(`--hpa: only applies with --agent hpa or --agent k8s-hpa, got --agent ${f.agent}`);
      agent.hpaManifest = readHpaManifest(f.hpa);
    } else if (f.agent === 'k8s-hpa') {
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

  const kubeFlags = { driverImage: f.driverImage, kubeconfig: f.kubeconfig, context: f.context, speed: f.speed, mode: f.mode, kubeNs: f.kubeNs };
  const givenKube = Object.entries(kubeFlags).filter(([, v]) => v !== undefined);
  if (f.backend !== 'kube' && givenKube.length > 0) {
    throw new UsageError(`--${givenKube[0]![0].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: only applies with --backend kube`);
  }

  if (!opts.evalMode && f.seeds !== undefined) throw new UsageError('--seeds: only `simenv eval` takes --seeds; use --seed N');
  const shape = episodeShape(f.step, f.duration);

  const envOptions: Record<string, unknown> = {
    trace: f.trace,
    deployment,
    backend: f.backend,
    seed: f.seed,
  };
  if (f.actionMode) envOptions.actionMode = f.actionMode;
  if (f.maxDelta !== undefined) envOptions.maxDelta = f.maxDelta;
  if (f.minReplicas !== undefined) envOptions.minReplicas = f.minReplicas;
  if (f.maxReplicas !== undefined) envOptions.maxReplicas = f.maxReplicas;
  shapeEnvOptions(envOptions, shape);
  if (f.backend === 'kube') {
    const kube: Record<string, unknown> = {};
    for (const [k, v] of givenKube) if (k !== 'kubeNs') kube[k] = v;
    // The cluster namespace: --kube-ns, else the trace namespace (which is also the kube
    // backend's own default when --deploy NS/NAME carries it instead of --ns).
    const namespace = f.kubeNs ?? f.ns;
    if (namespace !== undefined) kube.namespace = namespace;
    if (agent.kind === 'baseline' && agent.name === 'k8s-hpa') kube.hpa = agent.hpaManifest;
    envOptions.kube = kube;
  }

  let seeds: number[];
  let seed = f.seed;
  if (opts.evalMode) {
    const list = f.seeds ?? [f.seed];
    seed = list[0]!;
    seeds = list.flatMap((s) => episodeSeeds(s, f.episodes));
  } else {
    seeds = episodeSeeds(f.seed, f.episodes);
  }

  return {
    envOptions,
    tracePath: f.trace,
    deployment,
    backend: f.backend,
    agent,
    ...shape,
    episodes: seeds.length,
    seed,
    seeds,
    out: f.out,
    runId: f.runId ?? null,
    logFlush: f.logFlush,
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
  };
}

/** --hpa FILE, read and checked now so a bad manifest is a usage error before anything starts. */
function readHpaManifest(path: string): Record<string, unknown> {
  try {
    return readHpaManifestFile(path);
  } catch (err) {
    throw new UsageError(`--hpa: ${(err as Error).message.replace(/^hpa: /, '')}`, { hint: (err as { hint?: string }).hint });
  }
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
  const parsed = PolicyEnvOptionsSchema.safeParse(info.envOptions);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PolicyError(`${info.dir}/policy.json at envOptions.${issue.path.join('.')}: ${issue.message}`, {
      hint: 'the policy metadata is corrupt or from another simenv version: retrain',
    });
  }
  const trained = parsed.data;
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

  let shape: EpisodeShape = { mode: plan.mode, durationSeconds: plan.durationSeconds, stepSeconds: plan.stepSeconds };
  if (g.stepSeconds === undefined) {
    if (trained.oneStep) shape = episodeShape(undefined, g.durationSeconds ?? trained.oneStep.durationSeconds);
    else if (trained.stepSeconds !== undefined) shape = episodeShape(trained.stepSeconds, g.durationSeconds, "the policy's step of");
  }
  shapeEnvOptions(env, shape);
  return { ...plan, ...shape, envOptions: env };
}
