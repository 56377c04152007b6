import { pieceFrom, type DemandSeries } from '../demand.js';
import type { ServiceOptions } from '../options.js';
import { SLO_RELATIVE_TOLERANCE } from '../service-model.js';
import type { ServiceReport } from '../types.js';
import type { EndToEndReport } from './application-types.js';
import { CallGraphFlow, type CompiledCallGraph } from './call-graph.js';

/** Where the window integrals of deployment i start in `ApplicationService.acc` (stride ACC). */
const DT = 0;
const DEMAND = 1;
const SERVED = 2;
const UTIL = 3;
const LATENCY = 4;
const PENALTY = 5;
const VIOLATION = 6;
const CPU = 7;
const ACC = 8;

/** The rates `charge` integrates for deployment i, at `i * RATES` in `ApplicationService.rates`. */
const R_SERVED = 0;
const R_RHO = 1;
const R_LATENCY = 2;
const R_PENALTY = 3;
const R_VIOLATING = 4;
const RATES = 5;

/** Slots of `ApplicationService.clock`. */
export const CLOCK_T0 = 0;
export const CLOCK_T1 = 1;
export const CLOCK_AT = 2;
/** Scratch slots: the interval and demand `charge` integrates, the time `pieceFrom` looks up. */
const CLOCK_DT = 3;
const CLOCK_LAMBDA = 4;
const CLOCK_Q = 5;

/** Slots of the end-to-end integrals. */
const E2E_DT = 0;
const E2E_DEMAND = 1;
const E2E_COMPLETED = 2;
const E2E_LATENCY = 3;
const E2E_VIOLATION = 4;

/**
 * The service model of an application: the single-deployment M/M/1 model (ServiceAccumulator
 * in service-model.ts: its SLO penalty, violation rule and cost) for every controlled
 * deployment, fed over the joint segments in which every controlled deployment's ready pods
 * are constant.
 *
 * Without a call graph each deployment's demand is its own series (from the trace). With one,
 * the entry services' series are the only inputs: in each interval where they and the ready
 * counts are constant, the demand flows through the graph (CallGraphFlow), each controlled
 * service in it is charged the demand its callers served, and the entries' end-to-end latency
 * and completed fraction are integrated into the end-to-end report. Controlled deployments
 * outside the graph keep their own series.
 *
 * Why it is laid out this way (issue 12: 27 deployments, >= 200,000 steps/s, no allocation):
 * the per-deployment integrals live in one Float64Array (struct of arrays, not 27 objects),
 * and doubles cross method boundaries through `clock`, never as arguments or return values:
 * V8 boxes a double passed to or returned from a call it does not inline (a heap number per
 * call), and at 27 deployments the step is past its inlining budget. `charge` repeats
 * ServiceAccumulator.addConstant operation for operation (test/env/application pins the two
 * bit for bit), so one deployment here integrates exactly as SimEnv does.
 */
export class ApplicationService {
  /**
   * Times passed in: [CLOCK_T0, CLOCK_T1) is the segment `add` integrates, CLOCK_AT the
   * instant `demandNow` reads (write them, then call).
   */
  readonly clock = new Float64Array(6);
  private readonly n: number;
  private readonly mu: number;
  /** The end-to-end SLO (the call graph's, or the per-deployment one). */
  private readonly sloMs: number;
  /**
   * [mu, sloMs, sloLimitMs, maxMs] as doubles for `charge`: a number field that has only held
   * integers loads as a tagged small integer, and a branch that picks it or a double boxes the double.
   */
  private readonly model: Float64Array;
  /** The window integrals of each deployment, ACC doubles each (see DT..CPU). */
  private readonly acc: Float64Array;
  private readonly podCpu: Float64Array;
  /** Latency of the interval `charge` last integrated, per deployment. */
  private readonly lastLatencyMs: Float64Array;
  /** The demand and ready pods `rates` were computed for, per deployment (NaN: none yet). */
  private readonly rateLambda: Float64Array;
  private readonly rateReady: Float64Array;
  /** Served, utilisation, latency, SLO penalty rate and whether violating, RATES per deployment. */
  private readonly rates: Float64Array;
  /** Graph index of each controlled deployment (-1: outside the graph). */
  private readonly graphIndex: Int32Array;
  /** Each deployment's own demand series (read when it is outside the graph) and its cursor. */
  private readonly ownTimes: Float64Array[];
  private readonly ownValues: Float64Array[];
  private readonly ownCursor: Int32Array;
  private readonly flow: CallGraphFlow | null;
  /** Controlled index of each graph service (-1: nobody controls it). */
  private readonly controlledIndex: Int32Array;
  private readonly entryTimes: Float64Array[];
  private readonly entryValues: Float64Array[];
  private readonly entryCursor: Int32Array;
  private readonly entryService: Int32Array;
  private readonly e2e = new Float64Array(5);
  /** Whether the flow's paths answer its current demand and latencies (see addFlow). */
  private pathsFresh = false;

  constructor(
    opts: ServiceOptions,
    /** Each controlled deployment's own demand (used when it is outside the graph). */
    ownDemand: readonly DemandSeries[],
    graph: { compiled: CompiledCallGraph; entries: readonly DemandSeries[]; controlledKeys: readonly string[]; sloLatencyMs?: number } | null,
  ) {
    this.mu = opts.perReplicaRps;
    this.sloMs = graph?.sloLatencyMs ?? opts.sloLatencyMs;
    this.model = Float64Array.of(opts.perReplicaRps, opts.sloLatencyMs, opts.sloLatencyMs * (1 + SLO_RELATIVE_TOLERANCE), opts.maxLatencyMs);
    const n = ownDemand.length;
    this.n = n;
    this.acc = new Float64Array(n * ACC);
    this.podCpu = new Float64Array(n);
    this.lastLatencyMs = new Float64Array(n);
    this.rateLambda = new Float64Array(n).fill(NaN);
    this.rateReady = new Float64Array(n).fill(NaN);
    this.rates = new Float64Array(n * RATES);
    this.ownTimes = ownDemand.map((s) => s.times);
    this.ownValues = ownDemand.map((s) => s.values);
    this.ownCursor = new Int32Array(n);
    this.graphIndex = new Int32Array(n).fill(-1);
    if (graph === null) {
      this.flow = null;
      this.controlledIndex = new Int32Array(0);
      this.entryTimes = [];
      this.entryValues = [];
      this.entryCursor = new Int32Array(0);
      this.entryService = new Int32Array(0);
      return;
    }
    const g = graph.compiled;
    this.flow = new CallGraphFlow(g, new Float64Array(g.services.length).fill(opts.perReplicaRps), opts.maxLatencyMs);
    this.controlledIndex = Int32Array.from(g.services, (k) => graph.controlledKeys.indexOf(k));
    this.controlledIndex.forEach((ci, k) => {
      if (ci >= 0) this.graphIndex[ci] = k;
    });
    this.entryTimes = graph.entries.map((s) => s.times);
    this.entryValues = graph.entries.map((s) => s.values);
    this.entryCursor = new Int32Array(graph.entries.length);
    this.entryService = Int32Array.from(g.entries, (e) => e.service);
  }

  /** Whether controlled deployment i's demand flows through the call graph. */
  inGraph(i: number): boolean {
    return this.graphIndex[i]! >= 0;
  }

  /** Start a window; `podCpu[i]` is deployment i's CPU request per pod. */
  begin(podCpu: Float64Array): void {
    this.acc.fill(0);
    this.podCpu.set(podCpu);
    this.e2e.fill(0);
  }

  /**
   * Add [clock[CLOCK_T0], clock[CLOCK_T1]) with deployment i's ready pods `ready[i]` and
   * CPU-holding pods `held[i]`.
   */
  add(ready: Int32Array, held: Int32Array): void {
    const t0 = this.clock[CLOCK_T0]!;
    const t1 = this.clock[CLOCK_T1]!;
    if (!(t1 > t0)) return;
    const acc = this.acc;
    const podCpu = this.podCpu;
    for (let i = 0; i < this.n; i++) {
      // Every deployment holds CPU over the whole segment (ServiceAccumulator.add / addHeld).
      acc[i * ACC + CPU] += held[i]! * podCpu[i]! * (t1 - t0);
      if (this.graphIndex[i]! < 0) this.addOwn(i, ready[i]!);
    }
    if (this.flow !== null) this.addFlow(ready);
  }

  /** Deployment i outside the graph: its own series over the segment, piece by piece. */
  private addOwn(i: number, ready: number): void {
    const t1 = this.clock[CLOCK_T1]!;
    const times = this.ownTimes[i]!;
    const values = this.ownValues[i]!;
    const clock = this.clock;
    let p = this.ownCursor[i]!;
    let t = clock[CLOCK_T0]!;
    while (t < t1) {
      clock[CLOCK_Q] = t;
      p = pieceFrom(times, clock, CLOCK_Q, p);
      const next = p + 1 < times.length ? times[p + 1]! : Infinity;
      const end = Math.min(t1, next);
      clock[CLOCK_DT] = end - t;
      clock[CLOCK_LAMBDA] = values[p]!;
      this.charge(i, ready);
      t = end;
    }
    this.ownCursor[i] = p;
  }

  /** Set the graph's capacities from `ready`; whether one changed (the flow must propagate again). */
  private setCapacities(ready: Int32Array): boolean {
    const flow = this.flow!;
    const ci = this.controlledIndex;
    let changed = false;
    for (let k = 0; k < ci.length; k++) {
      if (ci[k]! < 0) continue;
      const cap = ready[ci[k]!]! * this.mu;
      if (flow.capacity[k] !== cap) {
        flow.capacity[k] = cap;
        changed = true;
      }
    }
    return changed;
  }

  /** Set the graph's entry rates at clock[CLOCK_Q], moving the entry cursors; whether one changed. */
  private setEntryRates(): boolean {
    const flow = this.flow!;
    const clock = this.clock;
    let changed = false;
    for (let e = 0; e < this.entryService.length; e++) {
      const p = pieceFrom(this.entryTimes[e]!, clock, CLOCK_Q, this.entryCursor[e]!);
      this.entryCursor[e] = p;
      const rate = this.entryValues[e]![p]!;
      const k = this.entryService[e]!;
      if (flow.entryRate[k] !== rate) {
        flow.entryRate[k] = rate;
        changed = true;
      }
    }
    return changed;
  }

  /**
   * The segment through the graph, split where an entry's load changes. The flow is a
   * function of the entry loads and the capacities alone, so it propagates only when one of
   * them changed since it last did (most segments continue the last one's flow).
   */
  private addFlow(ready: Int32Array): void {
    const flow = this.flow!;
    const clock = this.clock;
    const t1 = clock[CLOCK_T1]!;
    const ci = this.controlledIndex;
    let changed = this.setCapacities(ready);
    let t = clock[CLOCK_T0]!;
    while (t < t1) {
      let end = t1;
      clock[CLOCK_Q] = t;
      if (this.setEntryRates()) changed = true;
      // The interval ends where an entry's load next changes.
      for (let e = 0; e < this.entryService.length; e++) {
        const times = this.entryTimes[e]!;
        const p = this.entryCursor[e]!;
        const next = p + 1 < times.length ? times[p + 1]! : Infinity;
        if (next < end) end = next;
      }
      clock[CLOCK_DT] = end - t;
      if (changed) {
        flow.propagateDemand();
        this.pathsFresh = false;
      }
      // Each controlled service of the graph serves the demand its callers sent.
      for (let k = 0; k < ci.length; k++) {
        const i = ci[k]!;
        if (i < 0) continue;
        clock[CLOCK_LAMBDA] = flow.demand[k]!;
        this.charge(i, ready[i]!);
        flow.latencyMs[k] = this.lastLatencyMs[i]!;
      }
      // The paths read the latencies just charged: the same as last time unless the demand changed.
      if (!this.pathsFresh) {
        flow.propagatePaths();
        this.pathsFresh = true;
      }
      this.addEndToEnd();
      changed = false;
      t = end;
    }
  }

  /**
   * Integrate clock[CLOCK_DT] seconds of constant demand clock[CLOCK_LAMBDA] on `ready`
   * replicas into deployment i's window: ServiceAccumulator.addConstant, the same operations
   * in the same order (no CPU: `add` charges it per segment), its rates kept from the last
   * call with the same demand and ready pods.
   */
  private charge(i: number, ready: number): void {
    const dt = this.clock[CLOCK_DT]!;
    const lambda = this.clock[CLOCK_LAMBDA]!;
    const r = i * RATES;
    const rates = this.rates;
    // The rates are a function of (lambda, ready) alone, and most intervals repeat the last one's.
    // Not shared with ServiceAccumulator.addConstant: a helper returning three doubles would box them or need scratch arrays there.
    if (this.rateLambda[i] !== lambda || this.rateReady[i] !== ready) {
      this.rateLambda[i] = lambda;
      this.rateReady[i] = ready;
      const model = this.model;
      const mu = model[0]!;
      const sloMs = model[1]!;
      const maxMs = model[3]!;
      const cap = ready * mu;
      let served: number;
      let rho: number;
      let latency: number;
      if (lambda <= 0) {
        served = 0;
        rho = 0;
        latency = ready > 0 ? 1000 / mu : 0;
      } else if (ready <= 0) {
        served = 0;
        rho = 1;
        latency = maxMs;
      } else {
        rho = lambda / cap;
        if (rho >= 1) {
          served = cap;
          rho = 1;
          latency = maxMs;
        } else {
          served = lambda;
          latency = Math.min(maxMs, 1000 / (mu * (1 - rho)));
        }
      }
      const unmetFraction = lambda > 0 ? (lambda - served) / lambda : 0;
      let excess = (latency - sloMs) / (maxMs - sloMs);
      excess = excess > 1 ? 1 : excess > 0 ? excess : 0;
      rates[r + R_SERVED] = served;
      rates[r + R_RHO] = rho;
      rates[r + R_LATENCY] = latency;
      rates[r + R_PENALTY] = unmetFraction + excess;
      rates[r + R_VIOLATING] = unmetFraction > 0 || latency > model[2]! ? 1 : 0;
    }
    const acc = this.acc;
    const o = i * ACC;
    acc[o + DT] += dt;
    acc[o + DEMAND] += lambda * dt;
    acc[o + SERVED] += rates[r + R_SERVED]! * dt;
    acc[o + UTIL] += rates[r + R_RHO]! * dt;
    acc[o + LATENCY] += rates[r + R_LATENCY]! * dt;
    acc[o + PENALTY] += rates[r + R_PENALTY]! * dt;
    if (rates[r + R_VIOLATING] === 1) acc[o + VIOLATION] += dt;
    this.lastLatencyMs[i] = rates[r + R_LATENCY]!;
  }

  /** The entries' end-to-end latency and completed fraction over clock[CLOCK_DT]. */
  private addEndToEnd(): void {
    const flow = this.flow!;
    const dt = this.clock[CLOCK_DT]!;
    const e2e = this.e2e;
    let violated = false;
    for (let e = 0; e < this.entryService.length; e++) {
      const k = this.entryService[e]!;
      const w = flow.entryRate[k]!;
      if (w <= 0) continue;
      const done = flow.completed[k]!;
      const latency = flow.pathLatencyMs[k]!;
      e2e[E2E_DEMAND] += w * dt;
      e2e[E2E_COMPLETED] += w * done * dt;
      e2e[E2E_LATENCY] += w * latency * dt;
      if (done < 1 || latency > this.sloMs) violated = true;
    }
    e2e[E2E_DT] += dt;
    if (violated) e2e[E2E_VIOLATION] += dt;
  }

  /** Write the window's per-deployment reports and the end-to-end report (ServiceAccumulator.finish; no allocation). */
  finish(out: readonly ServiceReport[], e2e: EndToEndReport | null): void {
    const acc = this.acc;
    for (let i = 0; i < this.n; i++) {
      const r = out[i]!;
      const o = i * ACC;
      const dt = acc[o + DT]!;
      r.windowS = dt;
      if (dt > 0) {
        r.demand = acc[o + DEMAND]! / dt;
        r.served = acc[o + SERVED]! / dt;
        r.unmet = Math.max(0, r.demand - r.served);
        r.utilisation = acc[o + UTIL]! / dt;
        r.latencyMs = acc[o + LATENCY]! / dt;
      } else {
        r.demand = 0;
        r.served = 0;
        r.unmet = 0;
        r.utilisation = 0;
        r.latencyMs = 0;
      }
      r.sloPenaltyS = acc[o + PENALTY]!;
      r.violationS = acc[o + VIOLATION]!;
      r.sloViolated = acc[o + VIOLATION]! > 0;
      r.cpuSeconds = acc[o + CPU]!;
    }
    if (e2e === null) return;
    const dt = this.e2e[E2E_DT]!;
    const d = this.e2e[E2E_DEMAND]!;
    e2e.demand = dt > 0 ? d / dt : 0;
    e2e.completed = d > 0 ? this.e2e[E2E_COMPLETED]! / d : 1;
    e2e.latencyMs = d > 0 ? this.e2e[E2E_LATENCY]! / d : 0;
    e2e.violationS = this.e2e[E2E_VIOLATION]!;
  }

  /**
   * The demand on each controlled deployment at clock[CLOCK_AT] with `ready` pods (an instant
   * of the flow, for the observation): its own series, or what its callers serve now.
   */
  demandNow(ready: Int32Array, out: Float64Array): void {
    const clock = this.clock;
    clock[CLOCK_Q] = clock[CLOCK_AT]!;
    for (let i = 0; i < this.n; i++) {
      if (this.graphIndex[i]! >= 0) continue;
      const p = pieceFrom(this.ownTimes[i]!, clock, CLOCK_Q, this.ownCursor[i]!);
      this.ownCursor[i] = p;
      out[i] = this.ownValues[i]![p]!;
    }
    const flow = this.flow;
    if (flow === null) return;
    // The flow's demand already answers the inputs it was last propagated with (the last
    // segment ends now, usually with the same loads and ready pods): propagate only on a change.
    let changed = this.setCapacities(ready);
    if (this.setEntryRates()) changed = true;
    if (changed) {
      flow.propagateDemand();
      this.pathsFresh = false;
    }
    for (let i = 0; i < this.n; i++) {
      const k = this.graphIndex[i]!;
      if (k >= 0) out[i] = flow.demand[k]!;
    }
  }
}
