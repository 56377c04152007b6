import { z } from 'zod';
import { checkPodBound, defaultMaxReplicas, loadTrace, setupEnv } from '../env-setup.js';
import { ConfigError } from '../errors.js';
import { issuePath } from '../parse.js';
import { parseOptions, SimEnvOptionsSchema, type SimEnvOptions } from '../options.js';
import type { Trace } from '../trace/schema.js';
import { buildTraceModel, replicasAt, workloadsOfKind, type TraceModel, type Workload } from '../trace/trace-model.js';
import { CallGraphSchema, compileCallGraph, type CompiledCallGraph } from './call-graph.js';

/**
 * The options of an env that controls several deployments: SimEnv's options with
 * `deployments` (a list, or every Deployment of a namespace) instead of `deployment`, and an
 * optional `callGraph` whose entry load flows to the services behind it. Validated and
 * resolved against the trace once, in create().
 */

export const ApplicationOptionsSchema = SimEnvOptionsSchema.omit({ deployment: true }).extend({
  /** The controlled deployments (`namespace/name` or bare names), or `{ namespace }`: every Deployment there, in name order. */
  deployments: z.union([
    z.array(z.string().min(1, 'expected a deployment as NAMESPACE/NAME or NAME')).min(1, 'expected at least one deployment'),
    z.strictObject({ namespace: z.string().min(1) }),
  ]),
  /** The application's call graph and its entry load; without it each deployment's demand comes from the trace. */
  callGraph: CallGraphSchema.optional(),
});
export type ApplicationOptionsInput = z.input<typeof ApplicationOptionsSchema>;

/** Fully resolved options of an ApplicationEnv (JSON-serialisable). */
export interface ApplicationOptions extends Omit<SimEnvOptions, 'deployment' | 'maxReplicas'> {
  /** `namespace/name` of each controlled deployment, in action order. */
  deployments: string[];
  /** Highest replicas of each deployment: the `maxReplicas` option, or max(10, 2 x its recorded peak). */
  maxReplicas: number[];
  /** The call graph's edges resolved to `namespace/name`, its entries and end-to-end SLO (ms); null without one. */
  callGraph: { edges: Array<{ from: string; to: string; ratio: number }>; entries: Array<{ service: string; demand: SimEnvOptions['demand'] }>; sloLatencyMs: number } | null;
}

/** Everything ApplicationEnv.create derives from its options before building a backend. */
export interface ApplicationSetup {
  options: ApplicationOptions;
  model: TraceModel;
  controlled: Workload[];
  graph: CompiledCallGraph | null;
  tracePath?: string;
  findDeployment: (name: string) => Workload;
}

/** Whether `input` asks for several deployments (`deployments`) rather than one (`deployment`). */
export function isApplicationInput(input: unknown): input is ApplicationOptionsInput {
  return typeof input === 'object' && input !== null && 'deployments' in input;
}

/** Validate options, load the trace, resolve deployments, bounds and the call graph. */
export async function setupApplication(input: unknown, preloaded?: Trace): Promise<ApplicationSetup> {
  if (typeof input === 'object' && input !== null && 'deployment' in input && 'deployments' in input) {
    throw new ConfigError('deployments', 'expected either deployment (one) or deployments (several), got both', { hint: 'drop deployment' });
  }
  const r = ApplicationOptionsSchema.safeParse(input);
  const { deployments: _d, callGraph: _c, ...rest } = (input ?? {}) as Record<string, unknown>;
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const top = String(issue.path[0] ?? '');
    if (top === 'deployments' || top === 'callGraph') throw new ConfigError(issuePath(issue), issue.message);
    // Every other field is SimEnv's: its parser phrases the problem (and throws).
    parseOptions({ ...rest, deployment: '(any)' });
    throw new ConfigError('(options)', issue.message);
  }
  const parsed = r.data;
  const trace = await loadTrace(parsed.trace, preloaded);
  const names = resolveDeploymentNames(parsed.deployments, trace);
  // SimEnv's setup resolves and checks every shared option (against the first deployment).
  const single = await setupEnv({ ...rest, deployment: names[0]! }, trace);
  const controlled = names.map((n) => single.findDeployment(n));
  const keys = controlled.map((w) => w.key);
  const dup = keys.find((k, i) => keys.indexOf(k) !== i);
  if (dup !== undefined) throw new ConfigError('deployments', `expected each deployment once, got ${dup} twice`);
  const base = single.options;
  const maxReplicas = controlled.map((w) => parsed.maxReplicas ?? defaultMaxReplicas(w));
  checkPodBound(single.model, new Map(controlled.map((w, i) => [w, maxReplicas[i]!])));
  maxReplicas.forEach((max, i) => {
    if (parsed.minReplicas > max) throw new ConfigError('minReplicas', `expected minReplicas <= maxReplicas of ${keys[i]} (${max}), got ${parsed.minReplicas}`);
    if (typeof parsed.initialReplicas === 'number' && (parsed.initialReplicas < parsed.minReplicas || parsed.initialReplicas > max)) {
      throw new ConfigError('initialReplicas', `expected initialReplicas in [${parsed.minReplicas}, ${max}] for ${keys[i]}, got ${parsed.initialReplicas}`);
    }
  });
  if (parsed.demand.source !== 'trace') {
    throw new ConfigError('demand', `expected demand source "trace" with several deployments, got "${parsed.demand.source}"`, {
      hint: 'one load series cannot drive several deployments: give it as an entry of callGraph (callGraph.entries[].demand)',
    });
  }
  const graph = parsed.callGraph !== undefined ? compileCallGraph(parsed.callGraph, single.findDeployment) : null;
  const { deployment: _one, maxReplicas: _max, ...shared } = base;
  const options: ApplicationOptions = {
    ...shared,
    deployments: keys,
    maxReplicas,
    callGraph: graph
      ? {
          edges: [...graph.edges],
          entries: graph.entries.map((e) => ({ service: graph.services[e.service]!, demand: e.demand })),
          sloLatencyMs: parsed.callGraph?.sloLatencyMs ?? parsed.service.sloLatencyMs,
        }
      : null,
  };
  return {
    options,
    model: single.model,
    controlled,
    graph,
    findDeployment: single.findDeployment,
    ...(single.tracePath !== undefined ? { tracePath: single.tracePath } : {}),
  };
}

/**
 * The deployment names of a `deployments` option: the list as given, or a namespace's
 * Deployments in name order (only this form reads the trace: setupEnv builds the env's model).
 */
function resolveDeploymentNames(d: string[] | { namespace: string }, trace: Trace): string[] {
  if (Array.isArray(d)) return d;
  const model = buildTraceModel(trace);
  const inNs = [...new Set(workloadsOfKind(model, 'Deployment').filter((w) => w.namespace === d.namespace).map((w) => w.key))].sort();
  if (inNs.length === 0) {
    const namespaces = [...new Set(workloadsOfKind(model, 'Deployment').map((w) => w.namespace))].sort();
    throw new ConfigError('deployments.namespace', `expected a namespace with Deployments, got "${d.namespace}" (the trace has ${namespaces.join(', ') || 'none'})`);
  }
  return inNs;
}

/** Initial replicas of deployment `w` at `startS` (the trace's value, or the option), clipped to its bounds. */
export function initialReplicasOf(o: ApplicationOptions, w: Workload, max: number, startS: number): number {
  const initial = o.initialReplicas === 'recorded' ? replicasAt(w, startS) : o.initialReplicas;
  return Math.min(max, Math.max(o.minReplicas, initial));
}
