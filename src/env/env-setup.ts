import { ConfigError, SimEnvError, UnknownWorkloadError } from './errors.js';
import { DEFAULT_INJECTED_PLACEMENT, DEFAULT_NODE_COUNT, NodePoolSchema, parseOptions, type SimEnvOptions } from './options.js';
import { checkWindows, episodeReach } from './episode-windows.js';
import { checkLimit, LIMITS, limitMessage } from './limits.js';
import { readTrace } from './trace/trace-codec.js';
import type { Trace } from './trace/schema.js';
import { buildTraceModel, findWorkload, workloadsOfKind, type TraceModel, type Workload } from './trace/trace-model.js';

/**
 * Everything `SimEnv.create` derives from its options before building a backend: the trace
 * and its model, the controlled deployment, and the options resolved against the trace
 * (defaults that depend on it filled, cross-field rules checked). No backend work here.
 */
export interface EnvSetup {
  options: SimEnvOptions;
  model: TraceModel;
  controlled: Workload;
  tracePath?: string;
  /** The latest simulated time an episode can reach (how far a looped load is laid out). */
  reachS: number;
  /** Find any deployment by name (for `demand.of`); throws UnknownWorkloadError. */
  findDeployment: (name: string) => Workload;
}

/** Read the trace of `trace` (path or decoded object). */
export async function loadTrace(trace: string | Trace, preloaded?: Trace): Promise<Trace> {
  if (typeof trace !== 'string') return trace;
  if (preloaded !== undefined) return preloaded;
  try {
    return readTrace(trace);
  } catch (err) {
    if (err instanceof SimEnvError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ConfigError('trace', `expected a readable trace file, got "${trace}" (no such file)`, {
        hint: 'pass the path of a .sktrace file, e.g. examples/traces/dsb-scaling.sktrace',
      });
    }
    throw new ConfigError('trace', `expected a readable trace file, got "${trace}": ${(err as Error).message}`);
  }
}

/** Names of the trace's deployments, for error messages. */
function deploymentNames(model: TraceModel): string[] {
  return [...new Set(workloadsOfKind(model, 'Deployment').map((w) => w.key))];
}

/** A workload's largest recorded replica count (a loop: versions can outnumber a call's arguments). */
export function peakReplicas(w: Workload): number {
  let peak = 0;
  for (const v of w.versions) if (v.replicas > peak) peak = v.replicas;
  return peak;
}

/** maxReplicas when not given: max(10, twice the recorded peak), within LIMITS.replicas. */
export function defaultMaxReplicas(w: Workload): number {
  return Math.min(LIMITS.replicas, Math.max(10, 2 * peakReplicas(w)));
}

/**
 * The most pods the memory backend can have to hold at once is at most every other workload's
 * peak plus the controlled deployment's maxReplicas: refuse a trace or range over LIMITS.pods
 * before anything is allocated per pod.
 */
export function checkPodBound(model: TraceModel, controlled: ReadonlyMap<Workload, number>): void {
  let pods = 0;
  for (const max of controlled.values()) pods += max;
  const held = pods;
  for (const w of model.workloads) if (!controlled.has(w)) pods += peakReplicas(w);
  if (pods > LIMITS.pods) {
    throw new ConfigError('trace', limitMessage('pods', `${pods} (maxReplicas ${held} plus the other workloads' recorded peaks)`), {
      hint: 'lower maxReplicas, or use a trace whose workloads fit the limit',
    });
  }
}

/** Validate options, load the trace and resolve every default. */
export async function setupEnv(input: unknown, preloaded?: Trace): Promise<EnvSetup> {
  const parsed = parseOptions(input);
  const trace = await loadTrace(parsed.trace, preloaded);
  const model = buildTraceModel(trace);
  const names = deploymentNames(model);
  if (names.length === 0) {
    throw new ConfigError('trace', `expected a trace with at least one Deployment to control, got ${model.workloads.length} workload(s) and no Deployment`, {
      hint: 'record the cluster with SimKube tracking apps/v1.Deployment, or pick another trace',
    });
  }
  const findDeployment = (name: string): Workload => {
    const w = findWorkload(model, name);
    if (w) return w;
    const namespaces = [...new Set(workloadsOfKind(model, 'Deployment').filter((d) => d.name === name).map((d) => d.namespace))];
    if (namespaces.length > 1) {
      throw new UnknownWorkloadError(name, names, {
        hint: `"${name}" is in several namespaces (${namespaces.join(', ')}): pass NAMESPACE/NAME`,
      });
    }
    throw new UnknownWorkloadError(name, names);
  };
  const controlled = findDeployment(parsed.deployment);

  const maxReplicas = parsed.maxReplicas ?? defaultMaxReplicas(controlled);
  checkLimit('maxReplicas', 'replicas', maxReplicas);
  checkPodBound(model, new Map([[controlled, maxReplicas]]));
  if (parsed.minReplicas > maxReplicas) {
    throw new ConfigError('minReplicas', `expected minReplicas <= maxReplicas (${maxReplicas}), got ${parsed.minReplicas}`);
  }
  if (typeof parsed.initialReplicas === 'number' && (parsed.initialReplicas < parsed.minReplicas || parsed.initialReplicas > maxReplicas)) {
    throw new ConfigError(
      'initialReplicas',
      `expected initialReplicas in [${parsed.minReplicas}, ${maxReplicas}], got ${parsed.initialReplicas}`,
    );
  }
  let stepSeconds = parsed.stepSeconds;
  let horizon: number | null = parsed.horizon ?? null;
  if (parsed.oneStep) {
    if (parsed.horizon !== undefined && parsed.horizon !== 1) {
      throw new ConfigError('horizon', `expected no horizon (or 1) with oneStep, got ${parsed.horizon}`, {
        hint: 'a one-step episode is one action held for oneStep.durationSeconds',
      });
    }
    stepSeconds = parsed.oneStep.durationSeconds;
    horizon = 1;
  }
  if (parsed.pastTraceEnd === 'hold' && horizon === null) {
    throw new ConfigError('horizon', 'expected a horizon with pastTraceEnd "hold", got none', {
      hint: 'without the trace end, only the horizon ends an episode',
    });
  }
  if (horizon !== null) checkLimit('horizon', 'stepsPerEpisode', horizon);
  const start = parsed.episodeStart;
  if (parsed.pastTraceEnd === 'truncate') {
    const earliest =
      start.type === 'offset'
        ? start.seconds
        : start.type === 'random-window'
          ? (start.earliestS ?? 0)
          : start.type === 'windows'
            ? start.windows.reduce((m, w) => Math.min(m, w[0]), Infinity)
            : 0;
    if (earliest >= model.durationS) {
      const field = start.type === 'trace-start' ? 'trace' : 'episodeStart';
      throw new ConfigError(field, `expected an episode start before the trace's end (${model.durationS} s), got ${earliest} s`, {
        hint:
          model.durationS === 0
            ? 'the trace spans 0 s: pass pastTraceEnd: "hold" with a horizon to run past its end'
            : 'pick an earlier start, or pastTraceEnd: "hold" with a horizon',
      });
    }
  }
  if (start.type === 'windows') {
    if (horizon === null) {
      throw new ConfigError('horizon', 'expected a horizon with episodeStart "windows", got none', { hint: 'an episode must fit inside a window: give horizon (steps)' });
    }
    checkWindows(start.windows, horizon * stepSeconds, start.alignS ?? stepSeconds);
  }
  if (start.type === 'random-window' && start.latestS !== undefined && start.latestS < (start.earliestS ?? 0)) {
    throw new ConfigError('episodeStart.latestS', `expected latestS >= earliestS (${start.earliestS ?? 0}), got ${start.latestS}`);
  }

  const hasTraceNodes = model.nodes.length > 0 || trace.events.some((e) => e.applied_objs.some((o) => o.kind === 'Node'));
  const source = parsed.nodes.source === 'auto' ? (hasTraceNodes ? 'trace' : 'virtual') : parsed.nodes.source;
  if (source === 'trace' && !hasTraceNodes) {
    throw new ConfigError('nodes.source', 'expected a trace with Node objects for nodes.source "trace", got none', {
      hint: 'use nodes.source "virtual" (or "auto") to simulate virtual nodes',
    });
  }
  const pools = parsed.nodes.pools ?? [NodePoolSchema.parse({ count: DEFAULT_NODE_COUNT })];
  let nodeCount = source === 'trace' ? model.nodes.length : 0;
  if (source === 'virtual') for (const p of pools) nodeCount += p.count;
  checkLimit(source === 'virtual' ? 'nodes.pools' : 'nodes.source', 'nodes', nodeCount);
  const inject =
    parsed.nodes.inject === null
      ? null
      : parsed.nodes.inject !== undefined
        ? parsed.nodes.inject
        : source === 'virtual'
          ? { nodeSelector: { ...DEFAULT_INJECTED_PLACEMENT.nodeSelector }, tolerations: DEFAULT_INJECTED_PLACEMENT.tolerations.map((t) => ({ ...t })) }
          : null;

  const options: SimEnvOptions = {
    ...parsed,
    trace: typeof parsed.trace === 'string' ? parsed.trace : '(in-memory trace)',
    deployment: controlled.key,
    maxReplicas,
    stepSeconds,
    horizon,
    nodes: { source, pools, inject },
  };
  if (parsed.kube === undefined) delete options.kube;
  return {
    options,
    model,
    controlled,
    findDeployment,
    reachS: episodeReach(start, horizon, stepSeconds, parsed.pastTraceEnd, model.durationS),
    ...(typeof parsed.trace === 'string' ? { tracePath: parsed.trace } : {}),
  };
}
