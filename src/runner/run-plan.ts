import { z } from 'zod';
import { UsageError } from '../env/errors.js';
import { BASELINE_AGENT_NAMES, LEARNED_AGENT_NAMES } from '../agents/registry.js';
import { intFlag, intListFlag, parseFlags, positiveNumberFlag } from './commands/flags.js';
import { checkRunId } from './run-dir.js';
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
  if ((BASELINE_AGENT_NAMES as readonly string[]).includes(name)) return;
  if ((LEARNED_AGENT_NAMES as readonly string[]).includes(name)) {
    ctx.addIssue({ code: 'custom', message: `"${name}" is a learned agent: pass its trained policy with --policy DIR instead` });
    return;
  }
  ctx.addIssue({ code: 'custom', message: `expected one of ${BASELINE_AGENT_NAMES.join(', ')}, got "${name}" (learned agents load with --policy DIR)` });
});

/** Flags common to `run` and `eval` (commander hands every value over as text). */
export const RunFlagsSchema = z.strictObject({
  trace: z.string({ error: 'expected a trace file (--trace FILE)' }).min(1, 'expected a trace file path'),
  deploy: z.string({ error: 'expected the deployment to control (--deploy NAME or NS/NAME)' }).min(1, 'expected a deployment name'),
  ns: z.string().min(1, 'expected a namespace').optional(),
  target: intFlag(0).optional(),
  agent: agentName.optional(),
  policy: z.string().min(1, 'expected a policy directory').optional(),
  duration: positiveNumberFlag().optional(),
  step: positiveNumberFlag().optional(),
  episodes: intFlag(1, 1_000_000).default(1),
  seed: intFlag(0, 0x7fffffff).default(0),
  seeds: intListFlag().optional(),
  backend: z.enum(['memory', 'kube'], { error: (i) => `expected memory or kube, got "${String(i.input)}"` }).default('memory'),
  actionMode: z.enum(['absolute', 'delta'], { error: (i) => `expected absolute or delta, got "${String(i.input)}"` }).optional(),
  minReplicas: intFlag(0).optional(),
  maxReplicas: intFlag(1).optional(),
  driverImage: z.string().min(1).optional(),
  kubeconfig: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
  speed: positiveNumberFlag().optional(),
  mode: z.enum(['replay', 'simkube'], { error: (i) => `expected replay or simkube, got "${String(i.input)}"` }).optional(),
  out: z.string().min(1, 'expected a directory').default(DEFAULT_RUNS_DIR),
  runId: z.string().optional(),
  json: z.boolean().default(false),
  quiet: z.boolean().default(false),
  progress: z.boolean().default(true),
});
export type RunFlags = z.output<typeof RunFlagsSchema>;

/** How the agent comes to be. */
export type AgentSpec =
  | { kind: 'baseline'; name: string; target?: number }
  | { kind: 'policy'; dir: string };

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
  json: boolean;
  quiet: boolean;
  progress: boolean;
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
  } else if (f.target !== undefined) {
    agent = { kind: 'baseline', name: 'static', target: f.target };
  } else {
    throw new UsageError('expected what acts: --target N (hold N replicas), --agent NAME or --policy DIR', {
      hint: `e.g. --target 3, or --agent hpa; agents: ${BASELINE_AGENT_NAMES.join(', ')}`,
    });
  }

  const kubeFlags = { driverImage: f.driverImage, kubeconfig: f.kubeconfig, context: f.context, speed: f.speed, mode: f.mode };
  const givenKube = Object.entries(kubeFlags).filter(([, v]) => v !== undefined);
  if (f.backend !== 'kube' && givenKube.length > 0) {
    throw new UsageError(`--${givenKube[0]![0].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: only applies with --backend kube`);
  }

  if (!opts.evalMode && f.seeds !== undefined) throw new UsageError('--seeds: only `simenv eval` takes --seeds; use --seed N');
  const mode = f.step === undefined ? 'one-step' : 'multi-step';
  const durationSeconds = mode === 'one-step' ? (f.duration ?? DEFAULT_ONE_STEP_SECONDS) : (f.duration ?? null);
  const stepSeconds = mode === 'one-step' ? durationSeconds! : f.step!;
  if (mode === 'multi-step' && durationSeconds !== null && durationSeconds < stepSeconds) {
    throw new UsageError(`--duration: expected at least one step (--step ${stepSeconds}), got ${durationSeconds}`);
  }

  const envOptions: Record<string, unknown> = {
    trace: f.trace,
    deployment,
    backend: f.backend,
    seed: f.seed,
  };
  if (f.actionMode) envOptions.actionMode = f.actionMode;
  if (f.minReplicas !== undefined) envOptions.minReplicas = f.minReplicas;
  if (f.maxReplicas !== undefined) envOptions.maxReplicas = f.maxReplicas;
  if (mode === 'one-step') {
    envOptions.oneStep = { durationSeconds };
  } else {
    envOptions.stepSeconds = stepSeconds;
    if (durationSeconds !== null) envOptions.horizon = Math.max(1, Math.floor(durationSeconds / stepSeconds));
  }
  if (f.backend === 'kube') {
    const kube: Record<string, unknown> = {};
    for (const [k, v] of givenKube) kube[k] = v;
    if (f.ns !== undefined) kube.namespace = f.ns;
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
    mode,
    durationSeconds,
    stepSeconds,
    episodes: seeds.length,
    seed,
    seeds,
    out: f.out,
    runId: f.runId ?? null,
    json: f.json,
    quiet: f.quiet,
    progress: f.progress,
  };
}
