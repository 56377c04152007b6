import { PatchStrategy, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import { TimeoutError } from '../../errors.js';
import type { KubeObject } from '../../trace/schema.js';
import type { BackendContext, BackendResetParams } from '../backend.js';
import { httpStatusOf } from './api-errors.js';
import { ClusterObserver } from './cluster-observer.js';
import { DesiredFollower } from './desired-follower.js';
import { HPA_API_VERSION, hpaManifestFor } from './hpa-manifest-apply.js';
import { mapLimit } from './concurrency.js';
import type { KubeClient } from './kube-client.js';
import type { KubeOptions } from './kube-options.js';
import { ANY_RUN_SELECTOR, FIELD_MANAGER, MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_LABEL, WORKLOAD_LABEL, runSelector, workloadLabelValue } from './labels.js';
import { clusterManifest, readyDelayFor } from './manifests.js';
import { podPhase } from '../../k8s/pod-phase.js';
import { RealtimeBackend } from './realtime-backend.js';
import { firstOpAfter, stateAt, type ReplayOp, type ReplayPlan, type ReplayTarget } from './replay-plan.js';
import type { RunScope } from './run-scope.js';
import { kindRef, listByLabel, teardownRun, type KindRef } from './teardown.js';

/**
 * Replay mode: the SDK is the trace driver. At reset it server-side-applies the trace's
 * objects as they were at the episode's start (create-or-replace by name, so a second reset
 * or a restart after a crash converges instead of duplicating), deletes labelled objects
 * the state does not have, and waits until the pods are up; while time advances it applies
 * each recorded create/patch/delete at its time (sped up by `speed`). Everything carries the
 * run label; close deletes by that label.
 */

const APPLY_CONCURRENCY = 8;

/** The replay-mode backend; see the module comment. */
export class ReplayBackend extends RealtimeBackend {
  private nextOp = 0;
  private observerStarted = false;
  private readonly kindRefs: KindRef[];
  /** Expected pods per workload label value, for the settle wait. */
  private expected = new Map<string, number>();

  constructor(
    client: KubeClient,
    options: KubeOptions,
    scope: RunScope,
    ctx: BackendContext,
    private readonly plan: ReplayPlan,
    runId: string,
  ) {
    const controlledLabels = new Map(plan.controlledAll.map((t, i) => [workloadLabelValue(t.kind, t.name), i]));
    const observer = new ClusterObserver({
      client,
      namespace: scope.namespace,
      podLabelSelector: runSelector(runId),
      controlledIndexOf: (pod: V1Pod) => controlledLabels.get(pod.metadata?.labels?.[WORKLOAD_LABEL] ?? '') ?? -1,
      controlledCount: plan.controlledAll.length,
      nodeSelector: options.nodeSelector,
      syncTimeoutMs: options.timeouts.syncMs,
      log: ctx.log,
    });
    super(client, options, scope, ctx, observer, runId);
    const refs = new Map<string, KindRef>();
    for (const t of plan.targets) refs.set(`${t.info.group}/${t.info.resource}`, kindRef(t.kind, t.apiVersion));
    if (options.hpa) {
      // Labelled like the trace's objects: the next reset's leftover sweep and teardown delete it.
      const hpaRef = kindRef('HorizontalPodAutoscaler', HPA_API_VERSION);
      refs.set(`${hpaRef.group}/${hpaRef.resource}`, hpaRef);
      this.desiredFollower = new DesiredFollower({
        client,
        namespace: scope.namespace,
        labelSelector: runSelector(runId),
        name: plan.controlled.name,
        syncTimeoutMs: options.timeouts.syncMs,
        log: ctx.log,
      });
    }
    this.kindRefs = [...refs.values()];
    for (const s of plan.skipped) ctx.log(`kube: not replayed: ${s}`);
  }

  protected get controlledNamespace(): string {
    return this.scope.namespace;
  }

  protected get controlledName(): string {
    return this.plan.controlled.name;
  }

  protected override controlledNameAt(index: number): string {
    return this.plan.controlledAll[index]!.name;
  }

  /** The cluster manifest of a recorded object; a controlled one gets `replicas`, else its current desired count. */
  private manifestFor(target: ReplayTarget, recorded: KubeObject, replicas?: number): KubeObject {
    return clusterManifest(recorded, {
      namespace: this.scope.namespace,
      runId: this.runId,
      nodeSelector: this.options.nodeSelector,
      kwokToleration: this.options.kwokToleration,
      readyDelay: readyDelayFor(this.options.podReadyDelayS, this.options.speed),
      replicas: target.controlled ? (replicas ?? this.desired[target.controlledIndex]!) : undefined,
      // The start-up gate watches the first controlled workload's pods only (observer.controlledPods()).
      drawnStartup: target.controlled && target.controlledIndex === 0 && this.startupGate !== undefined,
    });
  }

  private async apply(target: ReplayTarget, manifest: KubeObject): Promise<void> {
    const { group, resource } = target.info;
    await this.client.call({ verb: 'patch', resource, group, namespace: this.scope.namespace, name: target.name }, (a) =>
      a.objects.patch(manifest as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply),
    );
  }

  private async remove(ref: KindRef, name: string): Promise<void> {
    const spec = { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name, namespace: this.scope.namespace } };
    await this.client.call({ verb: 'delete', resource: ref.resource, group: ref.group, namespace: this.scope.namespace, name }, async (a) => {
      try {
        await a.objects.delete(spec, undefined, undefined, undefined, undefined, 'Background');
      } catch (err) {
        if (httpStatusOf(err) !== 404) throw err;
      }
    });
  }

  private async ensureNamespace(): Promise<void> {
    const name = this.scope.namespace;
    try {
      await this.client.call({ verb: 'get', resource: 'namespaces', name }, (a) => a.core.readNamespace({ name }));
      return;
    } catch (err) {
      if (httpStatusOf(err) !== 404 || !this.options.createNamespace) throw err;
    }
    await this.client.call({ verb: 'create', resource: 'namespaces', name }, async (a) => {
      try {
        await a.core.createNamespace({ body: { metadata: { name, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } } } });
      } catch (err) {
        if (httpStatusOf(err) !== 409) throw err;
      }
    });
    this.ctx.log(`kube: created namespace ${name}`);
  }

  protected async prepareEpisode({ startTimeS, initialReplicas, initialReplicasOf }: BackendResetParams): Promise<void> {
    if (!this.observerStarted) {
      await this.ensureNamespace();
      await this.observer.start();
      await this.desiredFollower?.start();
      // Before the settle wait: the episode's initial pods wait for their (zero) delay too.
      this.startupGate?.start();
      this.observerStarted = true;
      this.ctx.log(`kube: replay run ${this.runId} in namespace ${this.scope.namespace} at ${this.client.server} (speed ${this.options.speed})`);
    }
    const state = stateAt(this.plan, startTimeS);
    // A controlled workload the trace creates later exists from the start: the agent owns it.
    for (const c of this.plan.controlledAll) {
      if (state.some((s) => s.target === c)) continue;
      const first = this.plan.ops.find((o) => o.target === c && o.type === 'apply')!;
      state.push({ target: first.target, manifest: first.manifest });
    }
    const initialOf = (t: ReplayTarget): number => (t.controlledIndex <= 0 ? initialReplicas : (initialReplicasOf?.[t.controlledIndex] ?? initialReplicas));
    const wanted = new Set(state.map((s) => `${s.target.info.group}/${s.target.info.resource}/${s.target.name}`));
    // Labelled leftovers (an earlier episode further into the trace, or a crashed run).
    for (const ref of this.kindRefs) {
      const items = await listByLabel(this.client, ref, this.scope.namespace, ANY_RUN_SELECTOR);
      const stale = items.map((i) => i.metadata?.name ?? '').filter((n) => n && !wanted.has(`${ref.group}/${ref.resource}/${n}`));
      if (stale.length > 0) {
        this.ctx.log(`kube: deleting ${stale.length} labelled ${ref.resource} not in the trace at ${startTimeS}s`);
        await mapLimit(stale, APPLY_CONCURRENCY, (n) => this.remove(ref, n));
      }
    }
    this.expected = new Map();
    await mapLimit(state, APPLY_CONCURRENCY, async ({ target, manifest }) => {
      const m = this.manifestFor(target, manifest, target.controlled ? initialOf(target) : undefined);
      const count = expectedPods(target, m);
      if (count !== undefined) this.expected.set(workloadLabelValue(target.kind, target.name), count);
      await this.apply(target, m);
    });
    this.nextOp = firstOpAfter(this.plan, startTimeS);
    await this.settle();
  }

  /** Wait until every replayed workload has its pods ready and nothing else (bounded by timeouts.settleMs). */
  private async settle(): Promise<void> {
    const controlled = new Set(this.plan.controlledAll.map((t) => workloadLabelValue(t.kind, t.name)));
    const unsettled = (): string[] => {
      const ready = new Map<string, number>();
      const other = new Map<string, number>();
      for (const p of this.observer.pods.objects.values()) {
        const w = p.metadata?.labels?.[WORKLOAD_LABEL];
        if (!w || p.metadata?.labels?.[RUN_LABEL] !== this.runId) continue;
        const ph = podPhase(p);
        if (ph === 'finished') continue;
        const m = ph === 'ready' ? ready : other;
        m.set(w, (m.get(w) ?? 0) + 1);
      }
      const out: string[] = [];
      for (const [w, n] of this.expected) {
        const r = ready.get(w) ?? 0;
        const o = other.get(w) ?? 0;
        if (r !== n || o !== 0) out.push(`${w}: ${r}/${n} ready${o ? `, ${o} pending/starting/terminating` : ''}`);
      }
      return out;
    };
    const start = this.client.clock.nowMs();
    try {
      await this.observer.waitUntil(() => unsettled().length === 0, this.options.timeouts.settleMs, () => new TimeoutError('', 0));
      this.ctx.log(`kube: episode start settled in ${Math.round(this.client.clock.nowMs() - start)} ms`);
    } catch {
      const left = unsettled();
      const controlledLeft = left.filter((l) => controlled.has(l.slice(0, l.indexOf(':'))));
      if (controlledLeft.length > 0) {
        throw new TimeoutError(`the controlled ${this.plan.controlled.kind} to be ready at the episode start (${controlledLeft[0]}; ${this.observer.schedulableNodeCount()} schedulable nodes)`, this.options.timeouts.settleMs, {
          hint: 'check that the KWOK nodes are up with enough CPU (kubectl get nodes -l type=virtual) and that the pods schedule (kubectl describe pod)',
        });
      }
      this.ctx.log(`kube: starting although ${left.length} workloads are not ready after ${this.options.timeouts.settleMs} ms: ${left.slice(0, 5).join('; ')}`);
    }
  }

  /** kube.hpa: create the run's HPA now that the episode's clock runs; its first reconcile follows at once. */
  protected override async startExternalScaler(): Promise<void> {
    const manifest = this.options.hpa;
    if (!manifest) return;
    const hpa = hpaManifestFor(manifest, {
      namespace: this.scope.namespace,
      runId: this.runId,
      apiVersion: 'apps/v1',
      kind: this.plan.controlled.kind,
      name: this.plan.controlled.name,
    });
    const name = (hpa.metadata as { name: string }).name;
    await this.client.call({ verb: 'patch', resource: 'horizontalpodautoscalers', group: 'autoscaling', namespace: this.scope.namespace, name }, (a) =>
      a.objects.patch(hpa as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply),
    );
    this.ctx.log(`kube: applied HorizontalPodAutoscaler ${name} to ${this.plan.controlled.kind} ${this.plan.controlled.name}; kube-controller-manager scales it from now on`);
  }

  protected async applyDueUntil(timeS: number): Promise<void> {
    const ops = this.plan.ops;
    while (this.nextOp < ops.length && ops[this.nextOp]!.timeS <= timeS) {
      const at = ops[this.nextOp]!.timeS;
      const batch: ReplayOp[] = [];
      while (this.nextOp < ops.length && ops[this.nextOp]!.timeS === at) batch.push(ops[this.nextOp++]!);
      await this.sleepUntil(at);
      // Ops on one object keep their order; different objects go in parallel.
      const byTarget = new Map<string, ReplayOp[]>();
      for (const op of batch) byTarget.set(op.target.key, [...(byTarget.get(op.target.key) ?? []), op]);
      await mapLimit([...byTarget.values()], APPLY_CONCURRENCY, async (list) => {
        for (const op of list) {
          if (op.type === 'apply') await this.apply(op.target, this.manifestFor(op.target, op.manifest));
          else await this.remove(kindRef(op.target.kind, op.target.apiVersion), op.target.name);
        }
      });
    }
  }

  protected async teardown(): Promise<void> {
    if (!this.observerStarted) return;
    await teardownRun({
      client: this.client,
      namespace: this.scope.namespace,
      selector: runSelector(this.runId),
      kinds: this.kindRefs,
      timeoutMs: this.options.timeouts.teardownMs,
      log: this.ctx.log,
    });
  }
}

/** Pods a workload manifest should have running (undefined: not waited for, e.g. Jobs). */
function expectedPods(target: ReplayTarget, manifest: KubeObject): number | undefined {
  if (target.kind === 'Pod') return 1;
  if (!target.info.scalable) return undefined;
  const r = (manifest as { spec?: { replicas?: unknown } }).spec?.replicas;
  return typeof r === 'number' ? r : 1;
}
