import type { Rng } from '../../rng.js';
import type { NodePoolOptions, StartupLatency } from '../../options.js';
import type { BackendContext, BackendResetParams, ClusterBackend, ClusterSnapshot, SegmentSink } from '../backend.js';
import { EventQueue } from './event-queue.js';
import { StartupLatencyDraw } from './startup-latency.js';
import { NodeTable, virtualNodeFacts, type NodeFacts } from './node-table.js';
import {
  PHASE_PENDING,
  PHASE_READY,
  PHASE_STARTING,
  PHASE_TERMINATING,
  PodTable,
} from './pod-table.js';
import { bindResources, pickNode, releaseResources, TemplateTable } from './scheduler.js';
import type { TolerationLike } from './placement.js';
import {
  ACT_APPLY,
  ACT_DELETE,
  ACT_NODE_APPLY,
  ACT_NODE_DELETE,
  compileTrace,
  KIND_CRONJOB,
  KIND_DEPLOYMENT,
  KIND_JOB,
  KIND_POD,
  KIND_STATEFULSET,
  type TraceScript,
} from './trace-script.js';

/**
 * The memory backend: a deterministic discrete-event model of a Kubernetes cluster replaying
 * a trace. Time advances from event to event (trace actions from a cursor, pod events from a
 * heap); ties go to trace actions, then to events in the order they were queued.
 *
 * What it models: workloads applied and deleted at their recorded times (the controlled
 * deployment's replicas come from the agent instead); controllers (Deployment/ReplicaSet:
 * converge at once, deleting pending, then starting, then ready pods, newest first;
 * StatefulSet: OrderedReady, one pod at a time; Job: `parallelism` pods at once until as many
 * pods as `pod_lifecycles` recorded have finished, each running its recorded duration after
 * Ready; bare Pods: one pod, finishing after its recorded duration); the scheduler
 * (scheduler.ts) with Pending pods retried in FIFO order whenever capacity frees up or nodes
 * change; start-up latency from bind to Ready (seeded draw); termination that holds the node's
 * resources for the pod's grace period; nodes from the trace or virtual pools.
 *
 * Rolling updates follow the RollingUpdate defaults (see `rollout`). Not modelled (documented
 * in docs/env.md): CronJob schedules (their Jobs replay if the trace recorded them), PreferNoSchedule
 * scoring, pod priority and preemption, affinity beyond nodeSelector.
 */

const EV_READY = 1;
const EV_GONE = 2;
const EV_COMPLETE = 3;
const ROLLOUT_UNREADY = [PHASE_PENDING, PHASE_STARTING] as const;

export interface MemoryBackendOptions {
  nodeSource: 'trace' | 'virtual';
  pools: NodePoolOptions[];
  inject: { nodeSelector: Record<string, string>; tolerations: TolerationLike[] } | null;
  startupLatency: StartupLatency;
}

/** Per-slot pod counts of one workload (for tests and debugging; not the hot path). */
export interface PodCounts {
  desired: number;
  pending: number;
  starting: number;
  ready: number;
  terminating: number;
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
  private readonly c: number;
  private readonly slotCount: number;
  // Per-slot controller state.
  private readonly kindOf: Uint8Array;
  private readonly alive: Uint8Array;
  private readonly desired: Int32Array;
  private readonly tplOf: Int32Array;
  private readonly succeeded: Int32Array;
  private readonly nextLifecycle: Int32Array;
  /** 1 while a slot rolls its pods to a new template. */
  private readonly rolling: Uint8Array;
  private readonly slotIndex = new Map<string, number>();
  /** FIFO event lane of each template's terminations (by grace period). */
  private readonly graceLane: Int32Array;

  private rng: Rng | null = null;
  private now = 0;
  private cursor = 0;
  private segStart = 0;
  private sink: SegmentSink | null = null;
  private clusterCpu = 0;
  private clusterCpuUsed = 0;
  private capacityFreed = false;
  private retryPass = 0;
  private failStamp: Int32Array;
  private closed = false;
  private compatPresence: Uint8Array;
  private nodeVersion: Int32Array;
  private nodeFactsChanged = true;

  constructor(
    private readonly ctx: BackendContext,
    opts: MemoryBackendOptions,
  ) {
    this.templates = new TemplateTable(opts.inject);
    const fallback = opts.pools[0]!;
    this.script = compileTrace(
      ctx.model,
      ctx.controlled,
      (w, vi, revision) => this.templates.idOf(w.versions[vi]!.template, revision),
      fallback,
    );
    this.virtual = opts.nodeSource === 'virtual' ? virtualNodeFacts(opts.pools) : [];
    this.nodes = new NodeTable(opts.nodeSource === 'virtual' ? this.virtual : this.script.traceNodes);
    this.latency = new StartupLatencyDraw(opts.startupLatency);
    this.c = this.script.controlledSlot;
    const n = this.script.slots.length;
    this.slotCount = n;
    this.kindOf = Uint8Array.from(this.script.slots.map((s) => s.kind));
    this.alive = new Uint8Array(n);
    this.desired = new Int32Array(n);
    this.tplOf = new Int32Array(n);
    this.succeeded = new Int32Array(n);
    this.nextLifecycle = new Int32Array(n);
    this.rolling = new Uint8Array(n);
    this.script.slots.forEach((s, i) => this.slotIndex.set(s.key, i));
    let podGuess = 64;
    while (podGuess < n * 4) podGuess *= 2;
    this.pods = new PodTable(n, podGuess);
    // Terminations wait a fixed grace per template: one FIFO event lane per distinct grace.
    const graces: number[] = [];
    this.graceLane = Int32Array.from(this.templates.specs, (t) => {
      let k = graces.indexOf(t.graceS);
      if (k < 0) k = graces.push(t.graceS) - 1;
      return k;
    });
    this.events.setLanes(graces.length);
    this.failStamp = new Int32Array(Math.max(16, this.templates.specs.length));
    this.compatPresence = new Uint8Array(this.nodes.count);
    this.nodeVersion = new Int32Array(this.nodes.count).fill(-1);
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
    this.alive.fill(0);
    this.desired.fill(0);
    this.tplOf.fill(0);
    this.succeeded.fill(0);
    this.nextLifecycle.fill(0);
    this.rolling.fill(0);
    this.clusterCpuUsed = 0;
    this.capacityFreed = false;
    this.sink = null;
    const start = params.startTimeS;
    for (let i = 0; i < this.virtual.length; i++) this.nodes.present[i] = 1;
    // The cluster as the trace has it at the start: apply every action up to it, without
    // dynamics, then create the pods as already running.
    const s = this.script;
    let k = 0;
    let controlledSeen = false;
    for (; k < s.times.length && s.times[k]! <= start; k++) {
      const target = s.target[k]!;
      switch (s.type[k]) {
        case ACT_APPLY:
          if (target === this.c) controlledSeen = true;
          this.alive[target] = 1;
          this.tplOf[target] = s.tpl[k]!;
          if (target !== this.c) this.desired[target] = s.value[k]!;
          break;
        case ACT_DELETE:
          this.alive[target] = 0;
          this.desired[target] = 0;
          break;
        case ACT_NODE_APPLY:
          this.nodes.present[target] = 1;
          this.applyNodeVersion(target, s.value[k]!);
          break;
        case ACT_NODE_DELETE:
          this.nodes.present[target] = 0;
          break;
      }
    }
    this.cursor = k;
    this.refreshNodes();
    // The controlled deployment exists for the whole episode (its replicas are the agent's).
    if (!controlledSeen) this.tplOf[this.c] = s.tpl[this.firstApplyOf(this.c)]!;
    this.alive[this.c] = 1;
    this.desired[this.c] = params.initialReplicas;
    this.now = start;
    this.segStart = start;
    for (let slot = 0; slot < this.slotCount; slot++) {
      if (this.alive[slot] === 1) this.reconcile(slot, true);
    }
  }

  setDesiredReplicas(replicas: number): void {
    if (replicas === this.desired[this.c]) return;
    this.touchControlled();
    this.desired[this.c] = replicas;
    this.reconcile(this.c, false);
  }

  advanceTo(timeS: number, onSegment?: SegmentSink): void {
    this.sink = onSegment ?? null;
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
    this.sink = null;
  }

  snapshot(out: ClusterSnapshot): void {
    const c = this.c;
    const pods = this.pods;
    out.timeS = this.now;
    out.desired = this.desired[c]!;
    out.ready = pods.countOf(c, PHASE_READY);
    out.pending = pods.countOf(c, PHASE_PENDING);
    out.starting = pods.countOf(c, PHASE_STARTING);
    out.terminating = pods.countOf(c, PHASE_TERMINATING);
    out.podCpu = this.templates.cpu[this.tplOf[c]!]! / 1000;
    out.clusterCpu = this.clusterCpu / 1000;
    out.clusterCpuRequested = this.clusterCpuUsed / 1000;
    out.clusterPending = pods.queued;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  // --- debugging and test accessors (not on the hot path) ---

  /** Pod counts of a workload by `namespace/name` (undefined if the trace has none). */
  podCountsOf(key: string): PodCounts | undefined {
    const slot = this.slotIndex.get(key);
    if (slot === undefined) return undefined;
    return {
      desired: this.desired[slot]!,
      pending: this.pods.countOf(slot, PHASE_PENDING),
      starting: this.pods.countOf(slot, PHASE_STARTING),
      ready: this.pods.countOf(slot, PHASE_READY),
      terminating: this.pods.countOf(slot, PHASE_TERMINATING),
    };
  }

  /** Ready replicas of a workload by `namespace/name` (0 if unknown). */
  readyReplicasOf(key: string): number {
    return this.podCountsOf(key)?.ready ?? 0;
  }

  /** Every workload key the backend replays. */
  workloadKeys(): string[] {
    return this.script.slots.map((s) => s.key);
  }

  /** Nodes and what is bound to them: name, pods, CPU used/allocatable (cores). */
  nodeUsage(): Array<{ name: string; present: boolean; pods: number; cpuUsed: number; cpuAllocatable: number }> {
    return this.nodes.names.map((name, i) => ({
      name,
      present: this.nodes.present[i] === 1,
      pods: this.nodes.usedPods[i]!,
      cpuUsed: this.nodes.usedCpu[i]! / 1000,
      cpuAllocatable: this.nodes.allocCpu[i]! / 1000,
    }));
  }

  /** Node names hosting the scheduled pods of a workload (sorted), for placement tests. */
  nodesOf(key: string): string[] {
    const slot = this.slotIndex.get(key);
    if (slot === undefined) return [];
    const out: string[] = [];
    for (let p = 0; p < this.pods.capacity; p++) {
      const ph = this.pods.phase[p];
      if (this.pods.slot[p] === slot && (ph === PHASE_STARTING || ph === PHASE_READY || ph === PHASE_TERMINATING)) {
        out.push(this.nodes.names[this.pods.node[p]!]!);
      }
    }
    return out.sort();
  }

  /** Current simulated time. */
  get timeS(): number {
    return this.now;
  }

  // --- internals ---

  private firstApplyOf(slot: number): number {
    const s = this.script;
    for (let k = 0; k < s.times.length; k++) if (s.type[k] === ACT_APPLY && s.target[k] === slot) return k;
    return 0;
  }

  /** Emit the controlled deployment's segment up to now, before its state changes. */
  private touchControlled(): void {
    const now = this.now;
    if (now > this.segStart) {
      if (this.sink !== null) {
        const c = this.c;
        const pods = this.pods;
        const ready = pods.countOf(c, PHASE_READY);
        const held = ready + pods.countOf(c, PHASE_STARTING) + pods.countOf(c, PHASE_TERMINATING);
        this.sink(this.segStart, now, ready, this.desired[c]!, held, pods.countOf(c, PHASE_PENDING));
      }
      this.segStart = now;
    }
  }

  private applyNodeVersion(node: number, version: number): void {
    if (this.nodeVersion[node] === version) return;
    this.nodeVersion[node] = version;
    this.nodes.setFacts(node, this.script.nodeVersions[version]!);
    this.nodeFactsChanged = true;
  }

  private refreshNodes(): void {
    // Resets usually rebuild the same node set: skip the (allocating) compat rebuild then.
    const present = this.nodes.present;
    let same = !this.nodeFactsChanged && this.compatPresence.length === present.length;
    for (let i = 0; same && i < present.length; i++) if (present[i] !== this.compatPresence[i]) same = false;
    if (!same) {
      this.templates.refreshCompat(this.nodes);
      this.compatPresence.set(present);
      this.nodeFactsChanged = false;
    }
    let cpu = 0;
    for (let i = 0; i < this.nodes.count; i++) if (this.nodes.schedulable(i)) cpu += this.nodes.allocCpu[i]!;
    this.clusterCpu = cpu;
    if (this.failStamp.length < this.templates.specs.length) this.failStamp = new Int32Array(this.templates.specs.length * 2);
  }

  private applyAction(k: number): void {
    const s = this.script;
    const target = s.target[k]!;
    switch (s.type[k]) {
      case ACT_APPLY: {
        if (target === this.c) {
          // Only the template follows the trace; replicas are the agent's.
          if (this.tplOf[target] !== s.tpl[k]) {
            this.startRollout(target, s.tpl[k]!);
            this.reconcile(target, false);
          }
          return;
        }
        const wasAlive = this.alive[target] === 1;
        this.alive[target] = 1;
        if (this.tplOf[target] !== s.tpl[k]) this.startRollout(target, s.tpl[k]!);
        if (!wasAlive) {
          this.succeeded[target] = 0;
          this.nextLifecycle[target] = 0;
        }
        this.desired[target] = s.value[k]!;
        this.reconcile(target, false);
        return;
      }
      case ACT_DELETE:
        if (target === this.c) return; // the env ends the episode when the controlled deployment goes
        this.alive[target] = 0;
        this.desired[target] = 0;
        this.removeAllPods(target);
        return;
      case ACT_NODE_APPLY:
        this.nodes.present[target] = 1;
        this.applyNodeVersion(target, s.value[k]!);
        this.refreshNodes();
        this.capacityFreed = true;
        return;
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
      if (slot === this.c) this.touchControlled();
      pods.setPhase(p, PHASE_READY);
      const life = pods.lifetime[p]!;
      if (life !== Infinity) this.events.push(this.now + life, EV_COMPLETE, p, pods.gen[p]!);
      if (this.kindOf[slot] === KIND_STATEFULSET || this.rolling[slot] === 1) this.reconcile(slot, false);
    } else if (kind === EV_GONE) {
      if (slot === this.c) this.touchControlled();
      this.unbind(p);
      pods.release(p);
      if (this.kindOf[slot] === KIND_STATEFULSET && this.alive[slot] === 1) this.reconcile(slot, false);
    } else if (kind === EV_COMPLETE) {
      if (slot === this.c) this.touchControlled();
      this.unbind(p);
      pods.release(p);
      this.succeeded[slot]! += 1;
      if (this.alive[slot] === 1) this.reconcile(slot, false);
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

  /** Bring a workload's pods toward its desired count. `instant`: at reset, pods start Ready. */
  private reconcile(slot: number, instant: boolean): void {
    const pods = this.pods;
    const kind = this.kindOf[slot]!;
    if (kind === KIND_CRONJOB) return;
    if (this.rolling[slot] === 1 && !instant) {
      if (this.rollout(slot)) return;
    }
    const pending = pods.countOf(slot, PHASE_PENDING);
    const starting = pods.countOf(slot, PHASE_STARTING);
    const ready = pods.countOf(slot, PHASE_READY);
    const active = pending + starting + ready;
    let want = this.desired[slot]!;
    if (kind === KIND_JOB || kind === KIND_POD) {
      const lifetimes = this.script.slots[slot]!.lifetimes;
      const parallel = kind === KIND_POD ? Math.min(1, want) : want;
      // With recorded lifecycles, the Job is done after that many pods finished.
      const remaining = lifetimes.length > 0 ? lifetimes.length - this.succeeded[slot]! : Infinity;
      want = Math.max(0, Math.min(parallel, remaining));
      if (kind === KIND_POD && this.succeeded[slot]! > 0) want = 0;
    }
    if (active < want) {
      if (kind === KIND_STATEFULSET && !instant) {
        // OrderedReady: the next ordinal only once all others are Ready and none terminates.
        if (pending + starting === 0 && pods.countOf(slot, PHASE_TERMINATING) === 0) this.createPod(slot, false);
        return;
      }
      if (slot === this.c) this.touchControlled();
      for (let i = active; i < want; i++) this.createPod(slot, instant);
    } else if (active > want) {
      if (kind === KIND_JOB || kind === KIND_POD) return; // Jobs do not kill running pods to shrink
      if (slot === this.c) this.touchControlled();
      let excess = active - want;
      if (kind === KIND_STATEFULSET && !instant) excess = pods.countOf(slot, PHASE_TERMINATING) === 0 ? 1 : 0;
      // ReplicaSet deletion order: unscheduled, then not ready, then ready; newest first.
      while (excess > 0) {
        let p = pods.newest(slot, PHASE_PENDING);
        if (p < 0) p = pods.newest(slot, PHASE_STARTING);
        if (p < 0) p = pods.newest(slot, PHASE_READY);
        if (p < 0) break;
        this.deletePod(p);
        excess--;
      }
    }
  }

  /** A new pod template for a slot: Deployments and StatefulSets with pods roll them. */
  private startRollout(slot: number, tpl: number): void {
    this.tplOf[slot] = tpl;
    const kind = this.kindOf[slot];
    if (kind !== KIND_DEPLOYMENT && kind !== KIND_STATEFULSET) return; // Jobs and Pods keep running pods
    const pods = this.pods;
    if (pods.countOf(slot, PHASE_PENDING) + pods.countOf(slot, PHASE_STARTING) + pods.countOf(slot, PHASE_READY) > 0) this.rolling[slot] = 1;
  }

  /**
   * One reconcile of a rolling update (Deployment strategy RollingUpdate with the defaults
   * maxSurge 25% rounded up, maxUnavailable 25% rounded down, at least one of them non-zero;
   * StatefulSets: no surge, one unavailable). Old pods that are not ready go first; old ready
   * pods go while ready pods stay at least desired - maxUnavailable; new pods are created up to
   * desired, with at most desired + maxSurge pods in all. Returns false once no old pod is
   * left (the rollout is over and the plain controller takes over).
   */
  private rollout(slot: number): boolean {
    const pods = this.pods;
    const cur = this.tplOf[slot]!;
    let oldReady = 0;
    let oldUnready = 0;
    let newPending = 0;
    let newStarting = 0;
    let newReady = 0;
    for (let phase = PHASE_PENDING; phase <= PHASE_READY; phase++) {
      for (let p = pods.oldest(slot, phase); p >= 0; p = pods.after(p)) {
        if (pods.tpl[p] === cur) {
          if (phase === PHASE_PENDING) newPending++;
          else if (phase === PHASE_STARTING) newStarting++;
          else newReady++;
        } else if (phase === PHASE_READY) oldReady++;
        else oldUnready++;
      }
    }
    if (oldReady + oldUnready === 0) {
      this.rolling[slot] = 0;
      return false;
    }
    if (slot === this.c) this.touchControlled();
    const d = this.desired[slot]!;
    const sts = this.kindOf[slot] === KIND_STATEFULSET;
    const surge = sts ? 0 : Math.ceil(d * 0.25);
    let unavailable = sts ? 1 : Math.floor(d * 0.25);
    if (surge === 0 && unavailable === 0) unavailable = 1;
    // Old pods that serve nothing yet go first.
    for (const phase of ROLLOUT_UNREADY) {
      let p = pods.newest(slot, phase);
      while (p >= 0) {
        const prev = this.previousOf(p);
        if (pods.tpl[p] !== cur) this.deletePod(p);
        p = prev;
      }
    }
    let removable = newReady + oldReady - (d - unavailable);
    while (removable > 0 && oldReady > 0) {
      let p = pods.newest(slot, PHASE_READY);
      while (p >= 0 && pods.tpl[p] === cur) p = this.previousOf(p);
      if (p < 0) break;
      this.deletePod(p);
      oldReady--;
      removable--;
    }
    const newActive = newPending + newStarting + newReady;
    let create = Math.min(d - newActive, d + surge - (newActive + oldReady));
    if (sts) create = Math.min(create, newPending + newStarting === 0 ? 1 : 0);
    for (let i = 0; i < create; i++) this.createPod(slot, false);
    return true;
  }

  /** The pod before `p` in its workload-phase list (-1 at the head); rollouts only. */
  private previousOf(p: number): number {
    return this.pods.before(p);
  }

  private createPod(slot: number, instant: boolean): void {
    const kind = this.kindOf[slot]!;
    let lifetime = Infinity;
    if (kind === KIND_JOB || kind === KIND_POD) {
      const lifetimes = this.script.slots[slot]!.lifetimes;
      const i = this.nextLifecycle[slot]!;
      if (i < lifetimes.length) {
        lifetime = lifetimes[i]!;
        this.nextLifecycle[slot] = i + 1;
      }
    }
    const tpl = this.tplOf[slot]!;
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
      if (lifetime !== Infinity) this.events.push(this.now + lifetime, EV_COMPLETE, p, pods.gen[p]!);
    } else {
      const p = pods.allocBound(slot, tpl, lifetime, node, PHASE_STARTING);
      this.events.push(this.now + this.latency.draw(this.rng!), EV_READY, p, pods.gen[p]!);
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
      if (life !== Infinity) this.events.push(this.now + life, EV_COMPLETE, p, pods.gen[p]!);
    } else {
      pods.setPhase(p, PHASE_STARTING);
      this.events.push(this.now + this.latency.draw(this.rng!), EV_READY, p, pods.gen[p]!);
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
    this.events.pushLane(this.graceLane[tpl]!, this.now + this.templates.grace[tpl]!, EV_GONE, p, pods.gen[p]!);
  }

  private removeAllPods(slot: number): void {
    const pods = this.pods;
    if (slot === this.c) this.touchControlled();
    for (const phase of [PHASE_PENDING, PHASE_STARTING, PHASE_READY]) {
      let p = pods.newest(slot, phase);
      while (p >= 0) {
        this.deletePod(p);
        p = pods.newest(slot, phase);
      }
    }
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
          if (pods.slot[p] === this.c) this.touchControlled();
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
        if (slot === this.c) this.touchControlled();
        this.unbind(p);
        if (ph !== PHASE_TERMINATING) this.succeededGuard(slot);
        pods.release(p);
        touched.add(slot);
      }
    }
    this.nodes.present[node] = 0;
    this.refreshNodes();
    for (const slot of touched) if (this.alive[slot] === 1) this.reconcile(slot, false);
  }

  private succeededGuard(slot: number): void {
    // A Job pod lost with its node is retried: give its lifecycle back.
    const kind = this.kindOf[slot];
    if ((kind === KIND_JOB || kind === KIND_POD) && this.nextLifecycle[slot]! > 0) this.nextLifecycle[slot]! -= 1;
  }
}

/** Build the memory backend for a context (setup time: compiles the trace once). */
export function createMemoryBackend(ctx: BackendContext, opts: MemoryBackendOptions): MemoryBackend {
  return new MemoryBackend(ctx, opts);
}
