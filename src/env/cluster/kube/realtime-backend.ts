import { EnvStateError } from '../../errors.js';
import { versionAt, type Workload } from '../../trace/trace-model.js';
import type { BackendContext, BackendResetParams, ClusterBackend, ClusterSnapshot, SegmentSink } from '../backend.js';
import { heldOf, type ClusterObserver } from './cluster-observer.js';
import type { DesiredFollower } from './desired-follower.js';
import type { KubeClient } from './kube-client.js';
import type { KubeOptions } from './kube-options.js';
import type { RunScope } from './run-scope.js';
import { SegmentTracker } from './segment-tracker.js';
import { StartupGate } from './startup-gate.js';
import { UsagePublisher } from './usage-publisher.js';

/** metrics-server's resolution on the loopback control plane (up.sh --metric-resolution), simulated seconds at speed 1. */
const METRICS_WINDOW_S = 15;

/**
 * What both kube modes share: simulated time tied to the wall clock at `speed`, the agent's
 * scaling through the scale subresource (each controlled workload through its own),
 * observations from the watch caches, and segments built from watched ready changes.
 * Subclasses say how an episode's cluster comes to be (replay applies the trace itself,
 * SimKube mode creates a Simulation) and how it goes.
 */
export abstract class RealtimeBackend implements ClusterBackend {
  readonly kind = 'kube' as const;
  readonly synchronous = false;

  protected readonly tracker: SegmentTracker;
  /** Desired replicas of each controlled workload, in action order. */
  protected readonly desired: Int32Array;
  protected simNowS = 0;
  /** Wall time (ms, monotonic) at which simulated time was `originS`. */
  protected originMs = 0;
  protected originS = 0;
  protected episodeActive = false;
  private closing: Promise<void> | undefined;
  private lateWarnedAt = -Infinity;
  /** Publishes the controlled pods' CPU usage for KWOK (kube.publishUsage, given a demand model). */
  protected readonly usage: UsagePublisher | undefined;
  /** Draws the controlled pods' start-up delays (replay mode, kube.startupLatency `drawn`). */
  protected readonly startupGate: StartupGate | undefined;
  /** Set when a controller in the cluster (the real HPA) owns spec.replicas instead of the agent. */
  protected desiredFollower: DesiredFollower | undefined;
  private ignoredActionLogged = false;

  protected constructor(
    protected readonly client: KubeClient,
    protected readonly options: KubeOptions,
    protected readonly scope: RunScope,
    protected readonly ctx: BackendContext,
    protected readonly observer: ClusterObserver,
    readonly runId: string,
  ) {
    const n = ctx.controlledAll?.length ?? 1;
    this.tracker = new SegmentTracker(n);
    this.desired = new Int32Array(n);
    if (startupGateWanted(options, ctx)) {
      this.startupGate = new StartupGate({ client, observer, latency: ctx.startupLatency!, speed: options.speed, log: ctx.log });
    }
    const load = ctx.load;
    if (options.publishUsage && load) {
      this.usage = new UsagePublisher({
        client,
        observer,
        load,
        simNow: () => this.simTimeAt(this.client.clock.nowMs()),
        podCpuAt: (t) => podCpuAt(ctx.controlled, t),
        intervalMs: options.usageIntervalMs,
        windowS: METRICS_WINDOW_S,
        log: ctx.log,
      });
    }
  }

  /** One line for logs and SimEnv.describe(): mode, server, namespace, run id. */
  describe(): string {
    return `kube ${this.scope.mode} at ${this.client.server} (context ${this.client.contextName}), namespace ${this.controlledNamespace}, run ${this.runId}, speed ${this.options.speed}`;
  }

  /** Where the controlled workload lives in the cluster. */
  protected abstract get controlledNamespace(): string;
  protected abstract get controlledName(): string;
  /** The cluster name of controlled workload `index` (one-workload modes: `controlledName`). */
  protected controlledNameAt(index: number): string {
    if (index !== 0) throw new EnvStateError(`expected controlled index 0 in kube ${this.scope.mode} mode, got ${index}`);
    return this.controlledName;
  }
  /** Bring the cluster to the episode's start; resolves once it is there. */
  protected abstract prepareEpisode(params: BackendResetParams): Promise<void>;
  /** Apply whatever the trace has due up to `timeS` (replay mode), sleeping until each is due. */
  protected abstract applyDueUntil(timeS: number): Promise<void>;
  /** Delete what this run created. */
  protected abstract teardown(): Promise<void>;

  protected get closed(): boolean {
    return this.closing !== undefined;
  }

  protected ensureOpen(what: string): void {
    if (this.closed) throw new EnvStateError(`expected an open kube backend for ${what}, got one that was closed`, { hint: 'create a new SimEnv' });
  }

  /** Simulated time at a wall-clock instant. */
  protected simTimeAt(ms: number): number {
    return this.originS + ((ms - this.originMs) / 1000) * this.options.speed;
  }

  /** Sleep until simulated time reaches `timeS` (no sleep when already past it). */
  protected async sleepUntil(timeS: number): Promise<void> {
    const dueMs = this.originMs + ((timeS - this.originS) / this.options.speed) * 1000;
    const now = this.client.clock.nowMs();
    const lateMs = now - dueMs;
    if (lateMs > 1000 && now - this.lateWarnedAt > 30_000) {
      this.lateWarnedAt = now;
      this.ctx.log(`kube: ${Math.round(lateMs)} ms behind the wall clock at t=${timeS.toFixed(1)}s (speed ${this.options.speed}); steps take longer than stepSeconds/speed`);
    }
    await this.client.clock.sleep(dueMs - now);
  }

  async reset(params: BackendResetParams): Promise<void> {
    this.ensureOpen('reset');
    this.episodeActive = false;
    await this.usage?.stop();
    this.startupGate?.beginReset();
    await this.prepareEpisode(params);
    const n = this.desired.length;
    for (let i = 0; i < n; i++) this.desired[i] = i === 0 ? params.initialReplicas : (params.initialReplicasOf?.[i] ?? params.initialReplicas);
    this.observer.drainReadyChanges();
    this.desiredFollower?.drain();
    this.originMs = this.client.clock.nowMs();
    this.originS = params.startTimeS;
    this.simNowS = params.startTimeS;
    this.tracker.reset(params.startTimeS, this.observer.controlled.ready, this.desired[0]!, this.observer.held, this.observer.controlled.pending);
    for (let i = 1; i < n; i++) {
      const c = this.observer.controlledAt(i);
      this.tracker.resetSlot(i, c.ready, this.desired[i]!, heldOf(c), c.pending);
    }
    this.episodeActive = true;
    this.startupGate?.beginEpisode(params.rng);
    this.usage?.start();
    await this.startExternalScaler();
  }

  /** Called once the episode's clock runs: hand spec.replicas to a controller in the cluster (replay mode with kube.hpa). */
  protected async startExternalScaler(): Promise<void> {}

  async setDesiredReplicas(replicas: number, index = 0): Promise<void> {
    this.ensureOpen('setDesiredReplicas');
    if (!(index >= 0 && index < this.desired.length)) {
      throw new EnvStateError(`expected a controlled index in [0, ${this.desired.length - 1}], got ${index}`);
    }
    if (this.desiredFollower && index === 0) {
      // The HPA controller owns the first controlled workload's spec.replicas; writing the agent's count would fight it.
      if (!this.ignoredActionLogged) {
        this.ignoredActionLogged = true;
        this.ctx.log(`kube: the HPA controller scales ${this.controlledName}; the agent's replica count (${replicas}) is not applied`);
      }
      return;
    }
    const namespace = this.controlledNamespace;
    const name = this.controlledNameAt(index);
    const resource = `${this.scope.controlled.resource}/scale`;
    await this.client.call({ verb: 'patch', resource, group: this.scope.controlled.group, namespace, name }, (a) => {
      const body = [{ op: 'replace', path: '/spec/replicas', value: replicas }];
      switch (this.scope.controlled.kind) {
        case 'StatefulSet':
          return a.apps.patchNamespacedStatefulSetScale({ name, namespace, body });
        case 'ReplicaSet':
          return a.apps.patchNamespacedReplicaSetScale({ name, namespace, body });
        default:
          return a.apps.patchNamespacedDeploymentScale({ name, namespace, body });
      }
    });
    this.desired[index] = replicas;
    // Effective "now" in the env's terms: the end of the last advance.
    this.tracker.recordDesired(this.simNowS, replicas, index);
  }

  async advanceTo(timeS: number, onSegment?: SegmentSink): Promise<void> {
    this.ensureOpen('advanceTo');
    if (!this.episodeActive) throw new EnvStateError('expected reset() before advanceTo() on the kube backend, got none');
    if (timeS < this.simNowS) throw new EnvStateError(`expected a time after ${this.simNowS}s, got ${timeS}s`);
    await this.applyDueUntil(timeS);
    await this.sleepUntil(timeS);
    const broken = this.observer.watchFailure(5);
    if (broken) throw broken;
    for (const c of this.observer.drainReadyChanges()) this.tracker.recordReady(this.simTimeAt(c.atMs), c.ready, c.held, c.index, c.pending);
    if (this.desiredFollower) {
      // The follower watches the first controlled workload (the HPA's target).
      for (const c of this.desiredFollower.drain()) {
        this.tracker.recordDesired(this.simTimeAt(c.atMs), c.replicas, 0);
        this.desired[0] = c.replicas;
      }
    }
    this.tracker.flush(timeS, onSegment);
    this.simNowS = timeS;
  }

  snapshot(out: ClusterSnapshot, index = 0): void {
    out.timeS = this.simNowS;
    out.desired = this.desired[index]!;
    this.observer.fillSnapshot(out, index);
    out.podCpu = podCpuAt(index === 0 ? this.ctx.controlled : this.ctx.controlledAll![index]!, this.simNowS);
  }

  /**
   * Each controlled workload's ready and held pods: inside a segment sink, as they held over
   * that segment; otherwise as of the end of the last advance (what the segments reached).
   */
  readControlled(ready: Int32Array, held: Int32Array): void {
    this.tracker.readState(ready, held);
  }

  close(): Promise<void> {
    if (!this.closing) {
      this.closing = (async () => {
        this.episodeActive = false;
        try {
          await this.usage?.stop();
          await this.teardown();
        } finally {
          this.observer.stop();
          this.desiredFollower?.stop();
          this.startupGate?.stop();
        }
      })();
    }
    return this.closing;
  }
}

/** Whether the run draws start-up delays on the cluster: replay mode, `drawn`, no fixed podReadyDelayS, and a distribution from the env. */
export function startupGateWanted(options: KubeOptions, ctx: Pick<BackendContext, 'startupLatency'>): boolean {
  return options.mode === 'replay' && options.startupLatency === 'drawn' && options.podReadyDelayS === 0 && ctx.startupLatency !== undefined;
}

/** CPU request of one pod of the controlled workload at `timeS`, cores. */
export function podCpuAt(w: Workload, timeS: number): number {
  return versionAt(w, Math.max(0, timeS)).template.cpu;
}
