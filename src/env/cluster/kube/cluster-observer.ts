import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { ClusterError } from '../../errors.js';
import type { ClusterSnapshot } from '../backend.js';
import type { KubeClient } from './kube-client.js';
import { countPods, podPhase, type PodPhaseCounts } from '../../k8s/pod-phase.js';
import { nodeCpu, nodeSchedulable, podCpuRequest } from './pod-state.js';
import { WatchCache } from './watch-cache.js';

/**
 * What the kube backend sees of the cluster, kept current by two watches (the pods of one
 * namespace, the nodes) instead of a list per step: each controlled workload's pods by
 * phase, a log of when its ready count changed (for the env's exact service integral), and
 * cluster CPU for the snapshot.
 */

export interface ObserverOptions {
  client: KubeClient;
  /** Namespace whose pods are watched (replay: the run's; SimKube: `virtual-<ns>`). */
  namespace: string;
  /** Restrict the pod watch (replay: the run label). */
  podLabelSelector?: string;
  /** Which controlled workload a watched pod belongs to (its index), -1 for none. */
  controlledIndexOf: (pod: V1Pod) => number;
  /** How many controlled workloads there are (default 1). */
  controlledCount?: number;
  /** Nodes that count towards cluster CPU (the virtual nodes the pods are steered to). */
  nodeSelector: Record<string, string>;
  syncTimeoutMs: number;
  log: (message: string) => void;
}

/** A change of a controlled workload's ready, held or pending count, at a monotonic clock time. */
export interface ReadyChange {
  atMs: number;
  /** Which controlled workload changed. */
  index: number;
  ready: number;
  /** Pods holding CPU on a node: starting, ready or terminating. */
  held: number;
  /** Pods not yet scheduled. */
  pending: number;
}

/** See the module comment. */
export class ClusterObserver {
  readonly pods: WatchCache<V1Pod>;
  readonly nodes: WatchCache<V1Node>;
  /** Per controlled workload: its pods by key, and their counts by phase. */
  private readonly podsByIndex: Array<Map<string, V1Pod>>;
  private readonly counts: PodPhaseCounts[];
  /** Which controlled workload each tracked pod was counted under (a pod's labels could change). */
  private readonly indexOfPod = new Map<string, number>();
  private readyLog: ReadyChange[] = [];
  private listeners: Array<() => void> = [];

  constructor(private readonly opts: ObserverOptions) {
    const { client, namespace } = opts;
    const n = opts.controlledCount ?? 1;
    this.podsByIndex = Array.from({ length: n }, () => new Map<string, V1Pod>());
    this.counts = Array.from({ length: n }, () => ({ pending: 0, starting: 0, ready: 0, terminating: 0 }));
    const retry = { attempts: 1, baseDelayMs: 200, maxDelayMs: 5000 };
    const podCall = { verb: 'list', resource: 'pods', namespace };
    this.pods = new WatchCache<V1Pod>({
      path: `/api/v1/namespaces/${namespace}/pods`,
      labelSelector: opts.podLabelSelector,
      list: () =>
        client.call(podCall, (a) => a.core.listNamespacedPod({ namespace, labelSelector: opts.podLabelSelector })),
      watch: client.watch,
      clock: client.clock,
      retry,
      what: { verb: 'watch', resource: 'pods', namespace },
      server: client.server,
      onChange: (type, pod) => this.onPod(type, pod),
      log: opts.log,
    });
    this.nodes = new WatchCache<V1Node>({
      path: '/api/v1/nodes',
      list: () => client.call({ verb: 'list', resource: 'nodes' }, (a) => a.core.listNode({})),
      watch: client.watch,
      clock: client.clock,
      retry,
      what: { verb: 'watch', resource: 'nodes' },
      server: client.server,
      onChange: () => this.notify(),
      log: opts.log,
    });
  }

  /** Start both watches; resolves when both caches hold their first list. */
  async start(): Promise<void> {
    await Promise.all([this.pods.start(this.opts.syncTimeoutMs), this.nodes.start(this.opts.syncTimeoutMs)]);
  }

  /** Stop watching. Idempotent. */
  stop(): void {
    this.pods.stop();
    this.nodes.stop();
    this.listeners = [];
  }

  /** A watch that has failed since it last worked, as a ClusterError (the caller decides when it matters). */
  watchFailure(minFailures = 1): ClusterError | undefined {
    const failing = [this.pods, this.nodes].find((w) => w.error !== undefined && w.consecutiveFailures >= minFailures);
    const err = failing?.error;
    if (err === undefined) return undefined;
    return err instanceof ClusterError ? err : new ClusterError(`the watch of pods or nodes at ${this.opts.client.server} keeps failing: ${String((err as Error).message ?? err)}`);
  }

  /** The (first) controlled workload's pods by phase (live object: copy what you keep). */
  get controlled(): Readonly<PodPhaseCounts> {
    return this.counts[0]!;
  }

  /** Controlled workload `index`'s pods by phase (live object). */
  controlledAt(index: number): Readonly<PodPhaseCounts> {
    return this.counts[index]!;
  }

  /** Controlled workload `index`'s pods as last watched (live objects: do not modify). */
  controlledPods(index = 0): IterableIterator<V1Pod> {
    return this.podsByIndex[index]!.values();
  }

  /** Pods of the (first) controlled workload holding CPU on a node now. */
  get held(): number {
    return heldOf(this.counts[0]!);
  }

  /** Ready-count changes recorded since the last drain, oldest first (the log is emptied). */
  drainReadyChanges(): ReadyChange[] {
    const out = this.readyLog;
    this.readyLog = [];
    return out;
  }

  /** Call `listener` after every watch event (pods and nodes); returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Resolve when `predicate()` holds (checked after every watch event), or reject after `timeoutMs`. */
  waitUntil(predicate: () => boolean, timeoutMs: number, onTimeout: () => Error): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(onTimeout());
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== check);
      };
      this.listeners.push(check);
    });
  }

  /** Fill the cluster-wide fields of a snapshot and controlled workload `index`'s pod counts. */
  fillSnapshot(out: ClusterSnapshot, index = 0): void {
    const c = this.counts[index]!;
    out.ready = c.ready;
    out.pending = c.pending;
    out.starting = c.starting;
    out.terminating = c.terminating;
    let cpu = 0;
    for (const n of this.nodes.objects.values()) if (nodeSchedulable(n, this.opts.nodeSelector)) cpu += nodeCpu(n);
    let requested = 0;
    let pending = 0;
    for (const p of this.pods.objects.values()) {
      const ph = podPhase(p);
      if (ph === 'finished') continue;
      if (ph === 'pending') pending++;
      else requested += podCpuRequest(p);
    }
    out.clusterCpu = cpu;
    out.clusterCpuRequested = requested;
    out.clusterPending = pending;
  }

  /** Virtual nodes that take pods now, for preflight-style messages. */
  schedulableNodeCount(): number {
    let n = 0;
    for (const node of this.nodes.objects.values()) if (nodeSchedulable(node, this.opts.nodeSelector)) n++;
    return n;
  }

  private onPod(type: string, pod: V1Pod | null): void {
    if (pod) {
      const key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
      const before = this.indexOfPod.get(key);
      const index = type === 'DELETED' ? -1 : this.opts.controlledIndexOf(pod);
      if (before !== undefined && before !== index) {
        this.podsByIndex[before]!.delete(key);
        this.indexOfPod.delete(key);
        this.recount(before);
      }
      if (index >= 0 && index < this.counts.length) {
        this.podsByIndex[index]!.set(key, pod);
        this.indexOfPod.set(key, index);
        this.recount(index);
      }
    }
    this.notify();
  }

  /** Count controlled workload `index`'s pods again; log a change of its ready, held or pending count. */
  private recount(index: number): void {
    const counts = this.counts[index]!;
    const ready = counts.ready;
    const held = heldOf(counts);
    const pending = counts.pending;
    countPods(this.podsByIndex[index]!.values(), counts);
    if (counts.ready !== ready || heldOf(counts) !== held || counts.pending !== pending) {
      this.readyLog.push({ atMs: this.opts.client.clock.nowMs(), index, ready: counts.ready, held: heldOf(counts), pending: counts.pending });
    }
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}

/** Pods holding CPU on a node (scheduled: starting, ready or terminating). */
export function heldOf(c: PodPhaseCounts): number {
  return c.starting + c.ready + c.terminating;
}
