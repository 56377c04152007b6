import type { Rng } from '../../rng.js';
import type { NodePoolOptions, StartupLatency } from '../../options.js';
import { ADVANCE_T0, ADVANCE_T1, ADVANCE_TARGET, type BackendContext, type BackendResetParams, type ClusterBackend, type ClusterSnapshot, type ControlledState, type SegmentSink } from '../backend.js';
import { EventQueue } from './event-queue.js';
import { StartupLatencyDraw } from './startup-latency.js';
import { NodeTable, virtualNodeFacts, type NodeFacts } from './node-table.js';
import { PHASE_PENDING, PHASE_READY, PHASE_STARTING, PHASE_TERMINATING, PodTable } from './pod-table.js';
import { bindResources, pickNode, releaseResources, TemplateTable } from './scheduler.js';
import type { TolerationLike } from './placement.js';
import { ACT_APPLY, ACT_DELETE, ACT_NODE_APPLY, ACT_NODE_DELETE, compileTrace, KIND_STATEFULSET, type TraceScript } from './trace-script.js';
import { reconcile, removeAllPods, startRollout, type ControllerHost } from './controllers.js';
import { MemoryInspector } from './memory-inspector.js';
import { WorkloadTable } from './workload-table.js';
import { applyEpisodeStart } from './episode-start.js';

// The inspector's entry point, long imported from here.
export { inspectMemoryBackend } from './memory-inspector.js';

/**
 * The memory backend: a deterministic discrete-event model of a Kubernetes cluster replaying
 * a trace. Time advances from event to event (trace actions from a cursor, pod events from a
 * heap); ties go to trace actions, then to events in the order they were queued. This module
 * is the event loop: it applies trace actions, fires pod events and creates, binds and deletes
 * pods, and reports the controlled deployments' constant segments and counts (ClusterBackend).
 * Elsewhere: the workload controllers that decide which pods should exist (controllers.ts), the
 * cluster at an episode's start (episode-start.ts), node facts and the scheduler's node lists
 * (node-table.ts, scheduler.ts), read-only views for tests and tools (memory-inspector.ts).
 *
 * What it models: workloads applied and deleted at their recorded times (the controlled
 * deployments' replicas come from the agent instead); controllers (Deployment/ReplicaSet,
 * StatefulSet, Job, bare Pods, each Job or Pod pod running its recorded duration after Ready);
 * the scheduler with Pending pods retried in FIFO order whenever capacity frees up or nodes
 * change; start-up latency from bind to Ready (seeded draw); termination that holds the node's
 * resources for the pod's grace period; nodes from the trace or virtual pools.
 *
 * Rolling updates follow the RollingUpdate defaults (controllers.ts, `rolloutStep`). Not modelled (documented
 * in docs/env.md): CronJob schedules (their Jobs replay if the trace recorded them), PreferNoSchedule
 * scoring, pod priority and preemption, affinity beyond nodeSelector.
 */

const EV_READY = 1;
const EV_GONE = 2;
const EV_COMPLETE = 3;

export interface MemoryBackendOptions {
  nodeSource: 'trace' | 'virtual';
  pools: NodePoolOptions[];
  inject: { nodeSelector: Record<string, string>; tolerations: TolerationLike[] } | null;
  startupLatency: StartupLatency;
}

export class MemoryBackend implements ClusterBackend {
  readonly kind = 'memory' as const;
  readonly synchronous = true;

  private readonly script: TraceScript;
  private readonly templates: TemplateTable;
  private readonly nodes: NodeTable;
  private readonly virtual: NodeFacts[];
  private readonly pods: PodTable;
  private readonly events = new EventQueue(256);
  private readonly latency: StartupLatencyDraw;
  /** Slot of controlled deployment 0, the one `advanceTo`'s sink describes. */
  private readonly c: number;
  /** Slots of the controlled deployments, by controlled index (index 0 is `c`). */
  private readonly cSlots: Int32Array;
  /** Controlled index of each slot, -1 for workloads that replay as recorded. */
  private readonly ctrlOf: Int32Array;
  /** Per-slot controller state. */
  private readonly w: WorkloadTable;
  /** What the controllers act through (built once: no allocation per call). */
  private readonly host: ControllerHost;
  /** Read-only views of this backend's cluster, for tests and tools. */
  readonly inspector: MemoryInspector;
  /** FIFO event lane of each template's terminations (by grace period). */
  private readonly graceLane: Int32Array;

  private rng: Rng | null = null;
  private now = 0;
  private cursor = 0;
  private segStart = 0;
  private sink: SegmentSink | null = null;
  /** advanceControlled's sink and the array it reads the segment's bounds from. */
  private controlledSink: (() => void) | null = null;
  private sinkTimes: Float64Array = new Float64Array(3);
  /** Where the advance under way stops (a typed array: see advanceControlled). */
  private readonly until = new Float64Array(1);
  private clusterCpu = 0;
  private clusterCpuUsed = 0;
  private capacityFreed = false;
  private retryPass = 0;
  /** Retry pass in which each template last failed to fit (retryPending). */
  private readonly failStamp: Int32Array;
  private closed = false;
  /** Reset scratch: whether each controlled deployment was applied by the episode start. */
  private readonly controlledSeen: Uint8Array;

  constructor(
    private readonly ctx: BackendContext,
    opts: MemoryBackendOptions,
  ) {
    this.templates = new TemplateTable(opts.inject);
    const fallback = opts.pools[0]!;
    this.script = compileTrace(
      ctx.model,
      ctx.controlledAll ?? [ctx.controlled],
      (w, vi, revision) => this.templates.idOf(w.versions[vi]!.template, revision),
      fallback,
    );
    this.virtual = opts.nodeSource === 'virtual' ? virtualNodeFacts(opts.pools) : [];
    this.nodes = new NodeTable(opts.nodeSource === 'virtual' ? this.virtual : this.script.traceNodes);
    this.latency = new StartupLatencyDraw(opts.startupLatency);
    this.cSlots = this.script.controlledSlots;
    this.c = this.cSlots[0]!;
    const n = this.script.slots.length;
    this.ctrlOf = new Int32Array(n).fill(-1);
    this.cSlots.forEach((slot, i) => (this.ctrlOf[slot] = i));
    this.controlledSeen = new Uint8Array(this.cSlots.length);
    this.w = new WorkloadTable(this.script.slots);
    let podGuess = 64;
    while (podGuess < n * 4) podGuess *= 2;
    this.pods = new PodTable(n, podGuess);
    const ctrlOf = this.ctrlOf;
    this.host = {
      pods: this.pods,
      workloads: this.w,
      createPod: (slot, instant) => this.createPod(slot, instant),
      deletePod: (p) => this.deletePod(p),
      beforeChange: (slot) => {
        if (ctrlOf[slot]! >= 0) this.touchControlled();
      },
    };
    this.inspector = new MemoryInspector(this.w, this.pods, this.nodes, () => this.now);
    // Terminations wait a fixed grace per template: one FIFO event lane per distinct grace.
    const graces: number[] = [];
    this.graceLane = Int32Array.from(this.templates.specs, (t) => {
      let k = graces.indexOf(t.graceS);
      if (k < 0) k = graces.push(t.graceS) - 1;
      return k;
    });
    this.events.setLanes(graces.length);
    // Every template is registered by compileTrace above: the table never grows after this.
    this.failStamp = new Int32Array(Math.max(16, this.templates.specs.length));
    ctx.log(
      `memory backend: ${this.nodes.count} ${opts.nodeSource} node(s), ${n} workload(s), ${this.script.times.length} trace action(s)`,
    );
  }

  reset(params: BackendResetParams): void {
    if (this.closed) throw new RangeError('memory backend: reset after close');
    this.rng = params.rng;
    this.latency.resetStream();
    this.pods.resetAll();
    this.events.clear();
    this.nodes.clearUsage();
    this.w.clear();
    this.clusterCpuUsed = 0;
    this.capacityFreed = false;
    this.sink = null;
    this.controlledSink = null;
    const start = params.startTimeS;
    for (let i = 0; i < this.virtual.length; i++) this.nodes.present[i] = 1;
    // The cluster as the trace has it at the start, then its pods as already running.
    this.cursor = applyEpisodeStart(this.script, params, this.w, this.nodes, this.cSlots, this.ctrlOf, this.controlledSeen);
    this.refreshNodes();
    this.now = start;
    this.segStart = start;
    for (let slot = 0; slot < this.w.count; slot++) {
      if (this.w.alive[slot] === 1) reconcile(this.host, slot, true);
    }
  }

  setDesiredReplicas(replicas: number, index = 0): void {
    const slot = this.cSlots[index]!;
    if (replicas === this.w.desired[slot]) return;
    this.touchControlled();
    this.w.desired[slot] = replicas;
    reconcile(this.host, slot, false);
  }

  advanceTo(timeS: number, onSegment?: SegmentSink): void {
    this.sink = onSegment ?? null;
    this.until[0] = timeS;
    this.advance();
    this.sink = null;
  }

  advanceControlled(times: Float64Array, onSegment: () => void): void {
    this.controlledSink = onSegment;
    this.sinkTimes = times;
    this.until[0] = times[ADVANCE_TARGET]!;
    this.advance();
    this.controlledSink = null;
  }

  /** Run events and trace actions up to until[0], then close the controlled segment there. */
  private advance(): void {
    const timeS = this.until[0]!;
    const s = this.script;
    const times = s.times;
    const ev = this.events;
    for (;;) {
      const tTrace = this.cursor < times.length ? times[this.cursor]! : Infinity;
      const tEvent = ev.peekTime();
      if (tTrace <= tEvent) {
        if (tTrace > timeS) break;
        this.now = tTrace;
        this.applyAction(this.cursor++);
      } else {
        if (tEvent > timeS) break;
        this.now = tEvent;
        const kind = ev.topKind;
        const pod = ev.topPod;
        const gen = ev.topGen;
        ev.pop();
        this.handleEvent(kind, pod, gen);
      }
      if (this.capacityFreed) {
        this.capacityFreed = false;
        if (this.pods.queued > 0) this.retryPending();
      }
    }
    if (timeS > this.now) this.now = timeS;
    this.touchControlled();
  }

  snapshot(out: ClusterSnapshot, index = 0): void {
    const c = this.cSlots[index]!;
    const pods = this.pods;
    out.timeS = this.now;
    out.desired = this.w.desired[c]!;
    out.ready = pods.countOf(c, PHASE_READY);
    out.pending = pods.countOf(c, PHASE_PENDING);
    out.starting = pods.countOf(c, PHASE_STARTING);
    out.terminating = pods.countOf(c, PHASE_TERMINATING);
    out.podCpu = this.templates.cpu[this.w.tplOf[c]!]! / 1000;
    out.clusterCpu = this.clusterCpu / 1000;
    out.clusterCpuRequested = this.clusterCpuUsed / 1000;
    out.clusterPending = pods.queued;
  }

  readControlledState(out: ControlledState): void {
    const pods = this.pods;
    const slots = this.cSlots;
    const cpu = this.templates.cpu;
    for (let i = 0; i < slots.length; i++) {
      const c = slots[i]!;
      out.desired[i] = this.w.desired[c]!;
      out.ready[i] = pods.countOf(c, PHASE_READY);
      out.pending[i] = pods.countOf(c, PHASE_PENDING);
      out.starting[i] = pods.countOf(c, PHASE_STARTING);
      out.terminating[i] = pods.countOf(c, PHASE_TERMINATING);
      out.podCpu[i] = cpu[this.w.tplOf[c]!]! / 1000;
    }
  }

  readControlled(ready: Int32Array, held: Int32Array): void {
    const pods = this.pods;
    const slots = this.cSlots;
    for (let i = 0; i < slots.length; i++) {
      const c = slots[i]!;
      const r = pods.countOf(c, PHASE_READY);
      ready[i] = r;
      held[i] = r + pods.countOf(c, PHASE_STARTING) + pods.countOf(c, PHASE_TERMINATING);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  // --- internals ---

  /** Emit the controlled deployments' segment up to now, before any of their states changes. */
  private touchControlled(): void {
    const now = this.now;
    if (now > this.segStart) {
      if (this.sink !== null) {
        const c = this.c;
        const pods = this.pods;
        const ready = pods.countOf(c, PHASE_READY);
        const held = ready + pods.countOf(c, PHASE_STARTING) + pods.countOf(c, PHASE_TERMINATING);
        this.sink(this.segStart, now, ready, this.w.desired[c]!, held, pods.countOf(c, PHASE_PENDING));
      } else if (this.controlledSink !== null) {
        this.sinkTimes[ADVANCE_T0] = this.segStart;
        this.sinkTimes[ADVANCE_T1] = now;
        this.controlledSink();
      }
      this.segStart = now;
    }
  }

  /** Nodes appeared, vanished or changed: the scheduler's node lists and the cluster's CPU follow. */
  private refreshNodes(): void {
    this.templates.refreshCompat(this.nodes);
    this.clusterCpu = this.nodes.schedulableCpu();
  }

  private applyAction(k: number): void {
    const s = this.script;
    const target = s.target[k]!;
    switch (s.type[k]) {
      case ACT_APPLY: {
        if (this.ctrlOf[target]! >= 0) {
          // Only the template follows the trace; replicas are the agent's.
          if (this.w.tplOf[target] !== s.tpl[k]) {
            startRollout(this.host, target, s.tpl[k]!);
            reconcile(this.host, target, false);
          }
          return;
        }
        const wasAlive = this.w.alive[target] === 1;
        this.w.alive[target] = 1;
        if (this.w.tplOf[target] !== s.tpl[k]) startRollout(this.host, target, s.tpl[k]!);
        if (!wasAlive) {
          this.w.succeeded[target] = 0;
          this.w.nextLifecycle[target] = 0;
        }
        this.w.desired[target] = s.value[k]!;
        reconcile(this.host, target, false);
        return;
      }
      case ACT_DELETE:
        if (this.ctrlOf[target]! >= 0) return; // the env ends the episode when a controlled deployment goes
        this.w.alive[target] = 0;
        this.w.desired[target] = 0;
        removeAllPods(this.host, target);
        return;
      case ACT_NODE_APPLY: {
        const version = s.value[k]!;
        this.nodes.present[target] = 1;
        this.nodes.applyVersion(target, version, s.nodeVersions[version]!);
        this.refreshNodes();
        this.capacityFreed = true;
        return;
      }
      case ACT_NODE_DELETE:
        this.nodeGone(target);
        return;
    }
  }

  private handleEvent(kind: number, p: number, gen: number): void {
    const pods = this.pods;
    if (pods.gen[p] !== gen) return; // stale: the pod changed phase since
    const slot = pods.slot[p]!;
    if (kind === EV_READY) {
      if (this.ctrlOf[slot]! >= 0) this.touchControlled();
      pods.setPhase(p, PHASE_READY);
      const life = pods.lifetime[p]!;
      if (life !== Infinity) this.pushComplete(p);
      if (this.w.kindOf[slot] === KIND_STATEFULSET || this.w.rolling[slot] === 1) reconcile(this.host, slot, false);
    } else if (kind === EV_GONE) {
      if (this.ctrlOf[slot]! >= 0) this.touchControlled();
      this.unbind(p);
      pods.release(p);
      if (this.w.kindOf[slot] === KIND_STATEFULSET && this.w.alive[slot] === 1) reconcile(this.host, slot, false);
    } else if (kind === EV_COMPLETE) {
      if (this.ctrlOf[slot]! >= 0) this.touchControlled();
      this.unbind(p);
      pods.release(p);
      this.w.succeeded[slot]! += 1;
      if (this.w.alive[slot] === 1) reconcile(this.host, slot, false);
    }
  }

  private unbind(p: number): void {
    const node = this.pods.node[p]!;
    if (node < 0) return;
    const tpl = this.pods.tpl[p]!;
    releaseResources(this.nodes, this.templates, node, tpl);
    this.clusterCpuUsed -= this.templates.cpu[tpl]!;
    this.pods.node[p] = -1;
    this.capacityFreed = true;
  }

  private createPod(slot: number, instant: boolean): void {
    const lifetime = this.w.takeLifetime(slot);
    const tpl = this.w.tplOf[slot]!;
    const node = pickNode(this.nodes, this.templates, tpl);
    if (node < 0) {
      this.pods.alloc(slot, tpl, lifetime);
      return;
    }
    // Bound at once: straight into Starting (Ready at reset), never through the pending queue.
    const pods = this.pods;
    bindResources(this.nodes, this.templates, node, tpl);
    this.clusterCpuUsed += this.templates.cpu[tpl]!;
    if (instant) {
      const p = pods.allocBound(slot, tpl, lifetime, node, PHASE_READY);
      if (lifetime !== Infinity) this.pushComplete(p);
    } else {
      const p = pods.allocBound(slot, tpl, lifetime, node, PHASE_STARTING);
      this.pushReady(p);
    }
  }

  private bind(p: number, node: number, instant: boolean): void {
    const pods = this.pods;
    const tpl = pods.tpl[p]!;
    bindResources(this.nodes, this.templates, node, tpl);
    this.clusterCpuUsed += this.templates.cpu[tpl]!;
    pods.node[p] = node;
    if (instant) {
      pods.setPhase(p, PHASE_READY);
      const life = pods.lifetime[p]!;
      if (life !== Infinity) this.pushComplete(p);
    } else {
      pods.setPhase(p, PHASE_STARTING);
      this.pushReady(p);
    }
  }

  private deletePod(p: number): void {
    const pods = this.pods;
    if (pods.phase[p] === PHASE_PENDING) {
      pods.release(p);
      return;
    }
    pods.setPhase(p, PHASE_TERMINATING);
    const tpl = pods.tpl[p]!;
    const ev = this.events;
    ev.at[0] = this.now + this.templates.grace[tpl]!;
    ev.pushLaneAt(this.graceLane[tpl]!, EV_GONE, p, pods.gen[p]!);
  }

  // Event times reach the queue through its `at` array, never as arguments (EventQueue.at).

  /** Queue the completion of pod p, its lifetime from now (a Job's or bare Pod's pod, once Ready). */
  private pushComplete(p: number): void {
    const ev = this.events;
    ev.at[0] = this.now + this.pods.lifetime[p]!;
    ev.pushAt(EV_COMPLETE, p, this.pods.gen[p]!);
  }

  /** Queue pod p's Ready after a start-up latency drawn now. */
  private pushReady(p: number): void {
    const ev = this.events;
    this.latency.drawInto(this.rng!, ev.at, 0);
    ev.at[0] = this.now + ev.at[0]!;
    ev.pushAt(EV_READY, p, this.pods.gen[p]!);
  }

  /** Try every pending pod again, oldest first; a template that failed is skipped for the pass. */
  private retryPending(): void {
    const pods = this.pods;
    const pass = ++this.retryPass;
    const stamp = this.failStamp;
    let p = pods.qHead;
    while (p >= 0) {
      const next = pods.queueNext(p);
      const tpl = pods.tpl[p]!;
      if (stamp[tpl] !== pass) {
        const node = pickNode(this.nodes, this.templates, tpl);
        if (node >= 0) {
          if (this.ctrlOf[pods.slot[p]!]! >= 0) this.touchControlled();
          this.bind(p, node, false);
        } else stamp[tpl] = pass;
      }
      p = next;
    }
  }

  /** A node vanished: its pods are gone at once and their controllers replace them. */
  private nodeGone(node: number): void {
    const pods = this.pods;
    const touched = new Set<number>();
    for (let p = 0; p < pods.capacity; p++) {
      const ph = pods.phase[p];
      if ((ph === PHASE_STARTING || ph === PHASE_READY || ph === PHASE_TERMINATING) && pods.node[p] === node) {
        const slot = pods.slot[p]!;
        if (this.ctrlOf[slot]! >= 0) this.touchControlled();
        this.unbind(p);
        if (ph !== PHASE_TERMINATING) this.w.returnLifetime(slot);
        pods.release(p);
        touched.add(slot);
      }
    }
    this.nodes.present[node] = 0;
    this.refreshNodes();
    for (const slot of touched) if (this.w.alive[slot] === 1) reconcile(this.host, slot, false);
  }
}
