import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { DemandSchema } from '../options.js';
import type { Workload } from '../trace/trace-model.js';
import { DSB_SOCIAL_NETWORK_EDGES, DSB_SOCIAL_NETWORK_ENTRY } from './dsb-social-network.js';

/**
 * An application's call graph: services (deployments) and edges `from -> to` with a call
 * ratio r: each request `from` serves makes r requests to `to`. Demand enters at entry
 * services (load series) and flows along the edges, so a service's demand is its entry load
 * plus what its callers served times the ratios: an under-provisioned caller starves its
 * callees. The graph must be acyclic (a request path ends).
 *
 * Compiled once in `create()` into typed arrays in topological order; `CallGraphFlow`
 * evaluates one steady interval with no allocation.
 */

export const CallEdgeSchema = z.strictObject({
  /** The calling service (deployment `namespace/name` or bare name). */
  from: z.string().min(1),
  /** The called service. */
  to: z.string().min(1),
  /** Requests to `to` per request `from` serves (>= 0; may be fractional: a share of requests). */
  ratio: z.number().nonnegative(),
});
export type CallEdge = z.infer<typeof CallEdgeSchema>;

export const CallGraphSchema = z.strictObject({
  /** `dsb-social-network` (built in, see dsb-social-network.ts) or explicit edges. */
  graph: z.union([z.literal('dsb-social-network'), z.strictObject({ edges: z.array(CallEdgeSchema).min(1) })]),
  /**
   * Where requests arrive and how many: a demand source per entry service (`trace`: that
   * service's recorded replicas x perReplicaRps x targetUtilisation; `file`; `series`).
   * Default for the built-in graph: its entry (nginx-thrift) with trace demand.
   */
  entries: z.array(z.strictObject({ service: z.string().min(1), demand: DemandSchema })).min(1).optional(),
  /**
   * The end-to-end SLO in ms (a request's latency summed along its call path). Default: the
   * per-deployment `service.sloLatencyMs`; set it apart when paths are long, since a sum of
   * per-service latencies breaks a per-service bound even on an idle application.
   */
  sloLatencyMs: z.number().positive().optional(),
});
export type CallGraphOptions = z.infer<typeof CallGraphSchema>;

/** The graph over resolved services, in topological order (callers before callees). */
export interface CompiledCallGraph {
  /** `namespace/name` of each service, topological order. */
  readonly services: readonly string[];
  /** The trace's workload of each service. */
  readonly workloads: readonly Workload[];
  /** Edges grouped by callee: the in-edges of service k are inStart[k]..inStart[k+1]-1. */
  readonly inStart: Int32Array;
  readonly inFrom: Int32Array;
  readonly inRatio: Float64Array;
  /** Edges grouped by caller: the out-edges of service k are outStart[k]..outStart[k+1]-1. */
  readonly outStart: Int32Array;
  readonly outTo: Int32Array;
  readonly outRatio: Float64Array;
  /** Entry services (indices into services) and their demand options, in the order given. */
  readonly entries: ReadonlyArray<{ service: number; demand: z.infer<typeof DemandSchema> }>;
  /** Edges as given, resolved to `namespace/name` (for options and docs). */
  readonly edges: readonly CallEdge[];
}

/** Resolve names, check the graph is acyclic and has entries; a ConfigError names the problem. */
export function compileCallGraph(opts: CallGraphOptions, findDeployment: (name: string) => Workload): CompiledCallGraph {
  const builtIn = opts.graph === 'dsb-social-network';
  const rawEdges = builtIn ? DSB_SOCIAL_NETWORK_EDGES : (opts.graph as { edges: CallEdge[] }).edges;
  const entriesIn =
    opts.entries ??
    (builtIn ? [{ service: DSB_SOCIAL_NETWORK_ENTRY, demand: DemandSchema.parse({ source: 'trace' }) }] : undefined);
  if (entriesIn === undefined) {
    throw new ConfigError('callGraph.entries', 'expected at least one entry service with its demand, got none', {
      hint: 'add entries: [{ service: "frontend", demand: { source: "trace" } }]',
    });
  }
  const byKey = new Map<string, Workload>();
  const resolve = (name: string, field: string): string => {
    let w: Workload;
    try {
      w = findDeployment(name);
    } catch (err) {
      if (err instanceof ConfigError || !(err instanceof Error)) throw err;
      throw new ConfigError(field, `expected a deployment of the trace, got "${name}": ${err.message}`, {
        hint: builtIn ? 'the built-in dsb-social-network graph needs a DeathStarBench social-network trace' : 'fix the service name in the call graph',
      });
    }
    byKey.set(w.key, w);
    return w.key;
  };
  const edges: CallEdge[] = rawEdges.map((e, i) => ({
    from: resolve(e.from, `callGraph.graph.edges.${i}.from`),
    to: resolve(e.to, `callGraph.graph.edges.${i}.to`),
    ratio: e.ratio,
  }));
  edges.forEach((e, i) => {
    if (e.from === e.to) throw new ConfigError(`callGraph.graph.edges.${i}`, `expected an edge between two services, got ${e.from} calling itself`);
  });
  const entryKeys = entriesIn.map((e, i) => resolve(e.service, `callGraph.entries.${i}.service`));

  // Kahn's algorithm, ties in first-seen order, so the order (and float sums) are deterministic.
  const keys = [...byKey.keys()];
  const index = new Map(keys.map((k, i) => [k, i]));
  const indeg = new Int32Array(keys.length);
  for (const e of edges) indeg[index.get(e.to)!]! += 1;
  const order: number[] = [];
  const queue = keys.map((_, i) => i).filter((i) => indeg[i] === 0);
  while (queue.length > 0) {
    const k = queue.shift()!;
    order.push(k);
    for (const e of edges) {
      if (index.get(e.from) !== k) continue;
      const j = index.get(e.to)!;
      if (--indeg[j]! === 0) queue.push(j);
    }
  }
  if (order.length < keys.length) {
    const cyclic = keys.filter((_, i) => indeg[i]! > 0);
    throw new ConfigError('callGraph.graph', `expected an acyclic call graph, got a cycle through ${cyclic.join(', ')}`, {
      hint: 'a request path must end: remove the edge that calls back',
    });
  }
  const services = order.map((i) => keys[i]!);
  const pos = new Map(services.map((k, i) => [k, i]));
  const n = services.length;
  const group = (by: 'from' | 'to'): { start: Int32Array; other: Int32Array; ratio: Float64Array } => {
    const sorted = edges
      .map((e, i) => ({ e, i }))
      .sort((a, b) => pos.get(a.e[by])! - pos.get(b.e[by])! || a.i - b.i);
    const start = new Int32Array(n + 1);
    for (const { e } of sorted) start[pos.get(e[by])! + 1]! += 1;
    for (let k = 0; k < n; k++) start[k + 1]! += start[k]!;
    return {
      start,
      other: Int32Array.from(sorted, ({ e }) => pos.get(by === 'from' ? e.to : e.from)!),
      ratio: Float64Array.from(sorted, ({ e }) => e.ratio),
    };
  };
  const ins = group('to');
  const outs = group('from');
  const seenEntry = new Set<number>();
  const entries = entriesIn.map((e, i) => {
    const k = pos.get(entryKeys[i]!)!;
    if (seenEntry.has(k)) throw new ConfigError(`callGraph.entries.${i}.service`, `expected each entry service once, got ${services[k]} twice`);
    seenEntry.add(k);
    return { service: k, demand: e.demand };
  });
  return {
    services,
    workloads: services.map((k) => byKey.get(k)!),
    inStart: ins.start,
    inFrom: ins.other,
    inRatio: ins.ratio,
    outStart: outs.start,
    outTo: outs.other,
    outRatio: outs.ratio,
    entries,
    edges,
  };
}

/**
 * One steady interval of the call graph: given each service's entry load and capacity
 * (ready replicas x per-replica rate; Infinity for a service nobody controls), the demand,
 * served rate and M/M/1 latency of every service, then the end-to-end view of each service's
 * requests: its latency is its own plus, for each callee, ratio x the callee's end-to-end
 * latency (calls made one after another: the mean over requests), and its completed fraction
 * is its own served share times each callee's completed fraction to the power of the ratio
 * (calls fail independently). Buffers are reused: no allocation per call.
 */
export class CallGraphFlow {
  readonly entryRate: Float64Array;
  readonly capacity: Float64Array;
  readonly demand: Float64Array;
  readonly served: Float64Array;
  /** Own latency (M/M/1 sojourn, capped), ms. */
  readonly latencyMs: Float64Array;
  /** End-to-end latency of a request entering at the service, ms (capped at maxLatencyMs). */
  readonly pathLatencyMs: Float64Array;
  /** Fraction of the service's requests whose whole call tree completes. */
  readonly completed: Float64Array;
  /** log(completed), what the propagation multiplies (a ratio is an exponent). */
  private readonly logCompleted: Float64Array;
  /**
   * The latency cap as a double: a number field that has only held integers loads as a tagged
   * small integer, and `path < max ? path : max` then boxes `path` (an allocation per service).
   */
  private readonly maxLatencyMs: Float64Array;

  constructor(
    readonly graph: CompiledCallGraph,
    /** Per-replica service rate (requests/s) of each service. */
    private readonly mu: Float64Array,
    maxLatencyMs: number,
  ) {
    this.maxLatencyMs = Float64Array.of(maxLatencyMs);
    const n = graph.services.length;
    this.entryRate = new Float64Array(n);
    this.capacity = new Float64Array(n).fill(Infinity);
    this.demand = new Float64Array(n);
    this.served = new Float64Array(n);
    this.latencyMs = new Float64Array(n);
    this.pathLatencyMs = new Float64Array(n);
    this.completed = new Float64Array(n);
    this.logCompleted = new Float64Array(n);
  }

  /**
   * Demand and served rate of every service for the current entryRate and capacity, callers
   * first. A service nobody controls (capacity Infinity) serves everything at its no-load
   * latency 1/mu; the caller fills `latencyMs` of the others (the service model's M/M/1
   * latency) before `propagatePaths`.
   */
  propagateDemand(): void {
    const g = this.graph;
    const n = g.services.length;
    for (let k = 0; k < n; k++) {
      let lambda = this.entryRate[k]!;
      for (let e = g.inStart[k]!; e < g.inStart[k + 1]!; e++) lambda += this.served[g.inFrom[e]!]! * g.inRatio[e]!;
      const cap = this.capacity[k]!;
      this.demand[k] = lambda;
      this.served[k] = lambda < cap ? lambda : cap;
      if (cap === Infinity) this.latencyMs[k] = 1000 / this.mu[k]!;
    }
  }

  /** End-to-end latency and completed fraction of every service's requests, callees first. */
  propagatePaths(): void {
    const g = this.graph;
    const n = g.services.length;
    const maxMs = this.maxLatencyMs[0]!;
    for (let k = n - 1; k >= 0; k--) {
      const lambda = this.demand[k]!;
      let path = this.latencyMs[k]!;
      const served = this.served[k]!;
      let logDone = lambda > 0 && served < lambda ? Math.log(served / lambda) : 0;
      for (let e = g.outStart[k]!; e < g.outStart[k + 1]!; e++) {
        const j = g.outTo[e]!;
        const r = g.outRatio[e]!;
        path += r * this.pathLatencyMs[j]!;
        logDone += r * this.logCompleted[j]!;
      }
      this.pathLatencyMs[k] = path < maxMs ? path : maxMs;
      this.logCompleted[k] = logDone;
      this.completed[k] = logDone === 0 ? 1 : Math.exp(logDone);
    }
  }
}
