import type { DemandSeries } from '../demand.js';
import type { ServiceOptions } from '../options.js';
import { ServiceAccumulator } from '../service-model.js';
import type { ServiceReport } from '../types.js';
import type { EndToEndReport } from './application-types.js';
import { CallGraphFlow, type CompiledCallGraph } from './call-graph.js';

/**
 * The service model of an application: one ServiceAccumulator per controlled deployment
 * (the single-deployment M/M/1 model, its SLO penalty and cost), fed over the joint segments
 * in which every controlled deployment's ready pods are constant.
 *
 * Without a call graph each deployment's demand is its own series (from the trace). With one,
 * the entry services' series are the only inputs: in each interval where they and the ready
 * counts are constant, the demand flows through the graph (CallGraphFlow), each controlled
 * service in it is charged the demand its callers served, and the entries' end-to-end latency
 * and completed fraction are integrated into the end-to-end report. Controlled deployments
 * outside the graph keep their own series. No allocation per segment.
 */
export class ApplicationService {
  readonly accumulators: ServiceAccumulator[];
  private readonly flow: CallGraphFlow | null;
  /** Graph index of each controlled deployment (-1: outside the graph). */
  private readonly graphIndex: Int32Array;
  /** Controlled index of each graph service (-1: nobody controls it). */
  private readonly controlledIndex: Int32Array;
  private readonly entrySeries: DemandSeries[];
  private readonly entryService: Int32Array;
  private readonly mu: number;
  private readonly sloMs: number;
  private e2eDt = 0;
  private e2eDemand = 0;
  private e2eCompleted = 0;
  private e2eLatency = 0;
  private e2eViolation = 0;
  /** Length of the steady interval being added (a field: see add). */
  private steadyDt = 0;

  constructor(
    opts: ServiceOptions,
    /** Each controlled deployment's own demand (used when it is outside the graph). */
    ownDemand: readonly DemandSeries[],
    graph: { compiled: CompiledCallGraph; entries: readonly DemandSeries[]; controlledKeys: readonly string[] } | null,
  ) {
    this.mu = opts.perReplicaRps;
    this.sloMs = opts.sloLatencyMs;
    this.accumulators = ownDemand.map((d) => new ServiceAccumulator(opts, d));
    const n = ownDemand.length;
    this.graphIndex = new Int32Array(n).fill(-1);
    if (graph === null) {
      this.flow = null;
      this.controlledIndex = new Int32Array(0);
      this.entrySeries = [];
      this.entryService = new Int32Array(0);
      return;
    }
    const g = graph.compiled;
    this.flow = new CallGraphFlow(g, new Float64Array(g.services.length).fill(opts.perReplicaRps), opts.maxLatencyMs);
    this.controlledIndex = Int32Array.from(g.services, (k) => graph.controlledKeys.indexOf(k));
    this.controlledIndex.forEach((ci, k) => {
      if (ci >= 0) this.graphIndex[ci] = k;
    });
    this.entrySeries = [...graph.entries];
    this.entryService = Int32Array.from(g.entries, (e) => e.service);
  }

  /** Whether controlled deployment i's demand flows through the call graph. */
  inGraph(i: number): boolean {
    return this.graphIndex[i]! >= 0;
  }

  /** Start a window at t0; `podCpu[i]` is deployment i's CPU request per pod. */
  begin(t0: number, podCpu: Float64Array): void {
    for (let i = 0; i < this.accumulators.length; i++) this.accumulators[i]!.begin(t0, podCpu[i]!);
    this.e2eDt = 0;
    this.e2eDemand = 0;
    this.e2eCompleted = 0;
    this.e2eLatency = 0;
    this.e2eViolation = 0;
  }

  /** Add [t0, t1) with deployment i's ready pods `ready[i]` and CPU-holding pods `held[i]`. */
  add(t0: number, t1: number, ready: Int32Array, held: Int32Array): void {
    // Small methods, so V8 can inline the per-deployment calls (a call it does not inline
    // boxes the doubles passed to it: an allocation).
    if (!(t1 > t0)) return;
    this.addOwn(t0, t1, ready, held);
    if (this.flow !== null) this.addFlow(t0, t1, ready);
  }

  /** Deployments outside the graph: their own demand; inside it: CPU only (the flow adds the rest). */
  private addOwn(t0: number, t1: number, ready: Int32Array, held: Int32Array): void {
    const accs = this.accumulators;
    for (let i = 0; i < accs.length; i++) {
      const acc = accs[i]!;
      if (this.graphIndex[i]! < 0) acc.add(t0, t1, ready[i]!, held[i]!);
      else acc.addHeld(t1 - t0, held[i]!);
    }
  }

  /** [t0, t1) through the graph, split where an entry's load changes. */
  private addFlow(t0: number, t1: number, ready: Int32Array): void {
    const flow = this.flow!;
    const series = this.entrySeries;
    const ci = this.controlledIndex;
    for (let k = 0; k < ci.length; k++) if (ci[k]! >= 0) flow.capacity[k] = ready[ci[k]!]! * this.mu;
    let t = t0;
    while (t < t1) {
      let end = t1;
      for (let e = 0; e < series.length; e++) {
        const s = series[e]!;
        const piece = s.pieceAt(t);
        flow.entryRate[this.entryService[e]!] = s.values[piece]!;
        const next = piece + 1 < s.times.length ? s.times[piece + 1]! : Infinity;
        if (next < end) end = next;
      }
      this.steadyDt = end - t;
      flow.propagateDemand();
      this.chargeControlled(ready);
      flow.propagatePaths();
      this.addEndToEnd();
      t = end;
    }
  }

  /** Each controlled service of the graph serves the demand its callers sent, for steadyDt. */
  private chargeControlled(ready: Int32Array): void {
    const flow = this.flow!;
    const ci = this.controlledIndex;
    const dt = this.steadyDt;
    for (let k = 0; k < ci.length; k++) {
      const i = ci[k]!;
      if (i < 0) continue;
      const acc = this.accumulators[i]!;
      acc.addConstant(dt, flow.demand[k]!, ready[i]!);
      flow.latencyMs[k] = acc.lastLatencyMs;
    }
  }

  /** The entries' end-to-end latency and completed fraction over steadyDt. */
  private addEndToEnd(): void {
    const flow = this.flow!;
    const dt = this.steadyDt;
    let violated = false;
    for (let e = 0; e < this.entryService.length; e++) {
      const k = this.entryService[e]!;
      const w = flow.entryRate[k]!;
      if (w <= 0) continue;
      const done = flow.completed[k]!;
      const latency = flow.pathLatencyMs[k]!;
      this.e2eDemand += w * dt;
      this.e2eCompleted += w * done * dt;
      this.e2eLatency += w * latency * dt;
      if (done < 1 || latency > this.sloMs) violated = true;
    }
    this.e2eDt += dt;
    if (violated) this.e2eViolation += dt;
  }

  /** Write the window's per-deployment reports and the end-to-end report (no allocation). */
  finish(out: readonly ServiceReport[], e2e: EndToEndReport | null): void {
    for (let i = 0; i < this.accumulators.length; i++) this.accumulators[i]!.finish(out[i]!);
    if (e2e === null) return;
    const dt = this.e2eDt;
    const d = this.e2eDemand;
    e2e.demand = dt > 0 ? d / dt : 0;
    e2e.completed = d > 0 ? this.e2eCompleted / d : 1;
    e2e.latencyMs = d > 0 ? this.e2eLatency / d : 0;
    e2e.violationS = this.e2eViolation;
  }

  /**
   * The demand on each controlled deployment at time t with `ready` pods (an instant of the
   * flow, for the observation): its own series, or what its callers serve now.
   */
  demandNow(t: number, ready: Int32Array, own: readonly DemandSeries[], out: Float64Array): void {
    for (let i = 0; i < out.length; i++) {
      if (this.graphIndex[i]! >= 0) continue;
      const s = own[i]!;
      out[i] = s.values[s.pieceAt(t)]!; // not at(): a returned double may be boxed
    }
    const flow = this.flow;
    if (flow === null) return;
    const ci = this.controlledIndex;
    // The flow's demand already answers the inputs it was last propagated with (the last
    // segment ends now, usually with the same loads and ready pods): propagate only on a change.
    let changed = false;
    for (let k = 0; k < ci.length; k++) {
      if (ci[k]! < 0) continue;
      const cap = ready[ci[k]!]! * this.mu;
      if (flow.capacity[k] !== cap) {
        flow.capacity[k] = cap;
        changed = true;
      }
    }
    for (let e = 0; e < this.entrySeries.length; e++) {
      const s = this.entrySeries[e]!;
      const rate = s.values[s.pieceAt(t)]!;
      const k = this.entryService[e]!;
      if (flow.entryRate[k] !== rate) {
        flow.entryRate[k] = rate;
        changed = true;
      }
    }
    if (changed) flow.propagateDemand();
    for (let i = 0; i < out.length; i++) {
      const k = this.graphIndex[i]!;
      if (k >= 0) out[i] = flow.demand[k]!;
    }
  }
}
