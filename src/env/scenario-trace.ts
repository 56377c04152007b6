import type { Toleration } from './k8s/tolerations.js';
import { TRACE_FORMAT_VERSION, type KubeObject, type OwnerLifecycles, type Trace, type TraceEvent, type TrackedObjectConfig } from './trace/schema.js';

/**
 * Small hand-written cluster scenarios as SimKube v2 traces: deployments with replica
 * timelines, nodes that appear and vanish, Jobs and bare Pods with recorded lifecycles. For
 * tests, benchmarks and quick experiments where a recorded trace would be too big or too
 * specific. Deterministic: the same scenario gives the same trace.
 */

/** A toleration of a scenario's pods (the k8s rules' Toleration). */
export type ScenarioToleration = Toleration;

export interface ScenarioPodSpec {
  /** CPU request per pod (quantity), default `1`. */
  cpu?: string;
  /** Memory request per pod (quantity), default `1Gi`. */
  memory?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: ScenarioToleration[];
  terminationGracePeriodSeconds?: number;
  /** Container image, default `example/app:1`. */
  image?: string;
}

export interface ScenarioDeployment extends ScenarioPodSpec {
  name: string;
  namespace?: string;
  kind?: 'Deployment' | 'StatefulSet';
  /** [seconds since start, replicas] change points; the first is the creation. */
  replicas: Array<[number, number]>;
  /** Deleted at this time (seconds since start). */
  deletedAtS?: number;
  /** Pod template changes: [seconds since start, fields that change] (replicas unchanged). */
  updates?: Array<[number, ScenarioPodSpec]>;
}

export interface ScenarioJob extends ScenarioPodSpec {
  name: string;
  namespace?: string;
  kind?: 'Job' | 'Pod';
  createdAtS: number;
  parallelism?: number;
  /** Recorded run time of each pod, seconds (null: still running at the end of the trace). */
  podRunSeconds: Array<number | null>;
}

export interface ScenarioNode {
  name: string;
  cpu?: string;
  memory?: string;
  pods?: number;
  labels?: Record<string, string>;
  taints?: Array<{ key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }>;
  addedAtS?: number;
  removedAtS?: number;
}

export interface Scenario {
  /** Unix seconds of the first event. */
  startTs?: number;
  /** The trace's last event time (seconds since start); default: the last change. */
  durationS?: number;
  deployments: ScenarioDeployment[];
  jobs?: ScenarioJob[];
  nodes?: ScenarioNode[];
}

function podSpec(s: ScenarioPodSpec, name: string): Record<string, unknown> {
  return {
    containers: [{ name, image: s.image ?? 'example/app:1', resources: { requests: { cpu: s.cpu ?? '1', memory: s.memory ?? '1Gi' } } }],
    ...(s.nodeSelector ? { nodeSelector: s.nodeSelector } : {}),
    ...(s.tolerations ? { tolerations: s.tolerations } : {}),
    ...(s.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: s.terminationGracePeriodSeconds } : {}),
  };
}

function deploymentObject(d: ScenarioDeployment, replicas: number): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: d.kind ?? 'Deployment',
    metadata: { name: d.name, namespace: d.namespace ?? 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: d.name } },
      template: { metadata: { labels: { app: d.name } }, spec: podSpec(d, d.name) },
    },
  };
}

function jobObject(j: ScenarioJob): KubeObject {
  if ((j.kind ?? 'Job') === 'Pod') {
    return { apiVersion: 'v1', kind: 'Pod', metadata: { name: j.name, namespace: j.namespace ?? 'default' }, spec: podSpec(j, j.name) };
  }
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: j.name, namespace: j.namespace ?? 'default' },
    spec: {
      parallelism: j.parallelism ?? 1,
      completions: j.podRunSeconds.length,
      template: { metadata: { labels: { job: j.name } }, spec: { ...podSpec(j, j.name), restartPolicy: 'Never' } },
    },
  };
}

function nodeObject(n: ScenarioNode): KubeObject {
  const alloc = { cpu: n.cpu ?? '8', memory: n.memory ?? '32Gi', pods: String(n.pods ?? 110) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name, ...(n.labels ?? {}) } },
    spec: n.taints ? { taints: n.taints } : {},
    status: { allocatable: alloc, capacity: alloc },
  };
}

/** How a scenario becomes a trace. */
export interface ScenarioTraceOptions {
  /**
   * A trace for SimKube's driver: leave the scenario's nodes out of `events` (sk-driver
   * panics on objects without a namespace); create them in the cluster instead, e.g. from
   * `scenarioNodeObjects`. Default false: the memory backend reads nodes from the trace.
   */
  forDriver?: boolean;
}

/** The scenario's nodes as v1.Node manifests (to create in a cluster when the trace is for the driver). */
export function scenarioNodeObjects(s: Scenario): KubeObject[] {
  return (s.nodes ?? []).map(nodeObject);
}

/**
 * `config.trackedObjects` for the kinds a trace holds: every kind with a pod template, with
 * SimKube's own path for it (SimKube 2.7 rejects a tracked kind without one, e.g. v1.Node,
 * and a path other than its default for the kinds it knows; a bare Pod's is "").
 */
function trackedObjectsOf(events: TraceEvent[], lifecycleOwners: ReadonlySet<string>): Record<string, TrackedObjectConfig> {
  const out: Record<string, TrackedObjectConfig> = { 'apps/v1.Deployment': { podSpecTemplatePaths: ['/spec/template'] } };
  for (const ev of events) {
    for (const o of ev.applied_objs) {
      const gvk = `${o.apiVersion}.${o.kind}`;
      if (out[gvk] || o.kind === 'Node') continue;
      const paths = o.kind === 'Pod' ? [''] : ['/spec/template'];
      out[gvk] = { podSpecTemplatePaths: paths, ...(lifecycleOwners.has(gvk) ? { trackLifecycle: true } : {}) };
    }
  }
  return out;
}

/** Build a v2 trace from a scenario. */
export function buildScenarioTrace(s: Scenario, options: ScenarioTraceOptions = {}): Trace {
  const startTs = s.startTs ?? 1_700_000_000;
  const byTime = new Map<number, TraceEvent>();
  const at = (t: number): TraceEvent => {
    const ts = startTs + Math.round(t);
    let ev = byTime.get(ts);
    if (!ev) byTime.set(ts, (ev = { ts, applied_objs: [], deleted_objs: [] }));
    return ev;
  };
  for (const n of options.forDriver ? [] : (s.nodes ?? [])) {
    at(n.addedAtS ?? 0).applied_objs.push(nodeObject(n));
    if (n.removedAtS !== undefined) at(n.removedAtS).deleted_objs.push(nodeObject(n));
  }
  for (const d of s.deployments) {
    const changes: Array<[number, number | null, ScenarioPodSpec]> = [
      ...d.replicas.map(([t, r]): [number, number | null, ScenarioPodSpec] => [t, r, {}]),
      ...(d.updates ?? []).map(([t, u]): [number, number | null, ScenarioPodSpec] => [t, null, u]),
    ].sort((a, b) => a[0] - b[0]);
    let replicas = 0;
    let spec: ScenarioDeployment = d;
    for (const [t, r, u] of changes) {
      if (r !== null) replicas = r;
      spec = { ...spec, ...u };
      at(t).applied_objs.push(deploymentObject(spec, replicas));
    }
    if (d.deletedAtS !== undefined) at(d.deletedAtS).deleted_objs.push(deploymentObject(d, 0));
  }
  const lifecycles: OwnerLifecycles[] = [];
  for (const j of s.jobs ?? []) {
    const obj = jobObject(j);
    at(j.createdAtS).applied_objs.push(obj);
    const t0 = startTs + j.createdAtS;
    lifecycles.push({
      owner: [`${obj.apiVersion}.${obj.kind}`, `${j.namespace ?? 'default'}/${j.name}`],
      pods: [
        {
          hash: 1n,
          lifecycles: j.podRunSeconds.map((run, i) =>
            run === null ? { state: 'Running' as const, start: t0 + i } : { state: 'Finished' as const, start: t0 + i, end: t0 + i + run },
          ),
        },
      ],
    });
  }
  at(0);
  if (s.durationS !== undefined) at(s.durationS);
  const events = [...byTime.values()].sort((a, b) => a.ts - b.ts);
  const index: Record<string, Record<string, bigint>> = {};
  let h = 1n;
  for (const ev of events) {
    for (const o of ev.applied_objs) {
      const gvk = `${o.apiVersion}.${o.kind}`;
      (index[gvk] ??= {})[o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name] = h++;
    }
  }
  return {
    version: TRACE_FORMAT_VERSION,
    config: { trackedObjects: trackedObjectsOf(events, new Set(lifecycles.map((l) => l.owner[0]))) },
    events,
    index,
    pod_lifecycles: lifecycles,
  };
}

/**
 * A synthetic cluster of `deployments` static deployments plus one controlled deployment
 * (`default/app-0`) whose recorded replicas follow a daily-like wave, over `durationS`
 * seconds: only one deployment changes, so replay work should not grow with cluster size.
 */
export function syntheticClusterTrace(deployments: number, durationS = 86_400, changeEveryS = 300): Trace {
  const wave: Array<[number, number]> = [];
  for (let t = 0; t <= durationS; t += changeEveryS) {
    wave.push([t, 2 + Math.round(6 * (1 + Math.sin((2 * Math.PI * t) / durationS)))]);
  }
  const list: ScenarioDeployment[] = [{ name: 'app-0', replicas: wave, cpu: '500m', memory: '512Mi' }];
  for (let i = 1; i < deployments; i++) list.push({ name: `app-${i}`, replicas: [[0, 1 + (i % 3)]], cpu: '250m', memory: '256Mi' });
  return buildScenarioTrace({ deployments: list, durationS });
}
