import { TraceFormatError } from '../errors.js';
import { replicaCountProblem } from '../limits.js';
import { podRequests, type PodSpecResourcesLike } from '../k8s/pod-resources.js';
import type { Toleration } from '../k8s/tolerations.js';
import { gvkOf, namespacedName, type KubeObject, type Trace, type TraceEvent } from './schema.js';

/**
 * A queryable view of a trace: events in time order, the objects by GVK and name, and for
 * each workload its timeline of replicas and pod requests. Built once (in `create()`), read
 * many times; nothing here is recomputed per step.
 */

export type { Toleration };

/** What the scheduler and the cost model need from a pod template. */
export interface PodTemplateFacts {
  /** The pod's effective CPU request (k8s/pod-resources), cores: `cpuMilli / 1000`. */
  cpu: number;
  /** The same request in millicores (an integer: the scheduler's unit). */
  cpuMilli: number;
  /** The pod's effective memory request, bytes. */
  memory: number;
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
  terminationGracePeriodS: number;
}

/** One applied version of a workload. */
export interface WorkloadVersion {
  /** Simulated seconds since the trace's first event. */
  timeS: number;
  replicas: number;
  template: PodTemplateFacts;
}

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

export interface Workload {
  gvk: string;
  kind: WorkloadKind;
  namespace: string;
  name: string;
  /** `namespace/name`. */
  key: string;
  /** Applied versions in time order (at least one). */
  versions: WorkloadVersion[];
  /** When it was deleted, or null if it lives to the end of the trace. */
  deletedAtS: number | null;
}

export interface TraceModel {
  trace: Trace;
  /** Unix seconds of the first and last event. */
  startTs: number;
  endTs: number;
  durationS: number;
  events: readonly TraceEvent[];
  /** Last applied version of every object, by GVK then `namespace/name`. */
  objects: Map<string, Map<string, KubeObject>>;
  /** Every workload, in order of first appearance. */
  workloads: Workload[];
  /** Nodes the trace recorded (empty when it recorded none). */
  nodes: KubeObject[];
}

const DEFAULT_GRACE_S = 30;

function at(obj: unknown, path: readonly string[]): unknown {
  let cur = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/** The default pod template path of a workload kind (as SimKube's podSpecTemplatePaths, in segments). */
function templatePath(kind: WorkloadKind): string[] {
  switch (kind) {
    case 'Pod':
      return [];
    case 'CronJob':
      return ['spec', 'jobTemplate', 'spec', 'template'];
    default:
      return ['spec', 'template'];
  }
}

/** JSON Pointer (`/spec/template`) to segments. */
function pointerSegments(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Display a path of segments after a prefix, e.g. `events[1].applied_objs[0].spec.template`. */
function joinPath(prefix: string, segments: readonly string[]): string {
  return segments.reduce((acc, s) => (acc ? `${acc}.${s}` : s), prefix);
}

/**
 * Extract the scheduling and cost facts of a workload's pod template. `path` is where `obj`
 * sits in the trace (for error messages); `templatePointer` overrides the kind's default
 * template location (SimKube's `podSpecTemplatePaths`, e.g. `/spec/template`).
 */
export function podTemplateFacts(obj: KubeObject, kind: WorkloadKind, path = '', templatePointer?: string): PodTemplateFacts {
  const tplSegments = templatePointer !== undefined ? pointerSegments(templatePointer) : templatePath(kind);
  const specSegments = [...tplSegments, 'spec'];
  const spec = at(obj, specSegments) as Record<string, unknown> | undefined;
  const specPath = joinPath(path, specSegments);
  const grace = spec?.terminationGracePeriodSeconds;
  const requests = podRequests(spec as PodSpecResourcesLike | undefined, specPath);
  return {
    cpu: requests.cpuMilli / 1000,
    cpuMilli: requests.cpuMilli,
    memory: requests.memoryBytes,
    nodeSelector: (spec?.nodeSelector as Record<string, string> | undefined) ?? {},
    tolerations: (spec?.tolerations as Toleration[] | undefined) ?? [],
    terminationGracePeriodS: typeof grace === 'number' ? grace : DEFAULT_GRACE_S,
  };
}

/** The first of the trace config's podSpecTemplatePaths for `gvk` that exists in `obj`. */
function configuredTemplate(trace: Trace, gvk: string, obj: KubeObject): string | undefined {
  const paths = trace.config.trackedObjects[gvk]?.podSpecTemplatePaths;
  if (!paths) return undefined;
  return paths.find((p) => {
    const t = at(obj, pointerSegments(p));
    return t !== null && typeof t === 'object';
  });
}

function replicasOf(obj: KubeObject, kind: WorkloadKind, path: string): number {
  if (kind === 'Pod') return 1;
  if (kind === 'CronJob') return 0;
  const field = kind === 'Job' ? 'parallelism' : 'replicas';
  const r = at(obj, ['spec', field]);
  // Kubernetes defaults spec.replicas (and a Job's parallelism) to 1 when unset.
  if (r === undefined || r === null) return 1;
  // An in-memory trace skips the reader's check: the per-pod simulation must not see 1e9 or "3".
  const problem = replicaCountProblem(r);
  if (problem !== undefined) throw new TraceFormatError(`${path}.spec.${field}`, problem);
  return r as number;
}

/** Build the model of a validated trace. Throws TraceFormatError on events out of time order. */
export function buildTraceModel(trace: Trace): TraceModel {
  const events = trace.events;
  for (let i = 1; i < events.length; i++) {
    if (events[i]!.ts < events[i - 1]!.ts) {
      throw new TraceFormatError(
        `events[${i}].ts`,
        `expected events in time order, got ts ${events[i]!.ts} after ${events[i - 1]!.ts}`,
        { hint: 'sort the events by ts (SimKube writes them in order; the file was edited or corrupted)' },
      );
    }
  }
  const startTs = events.length > 0 ? events[0]!.ts : 0;
  const endTs = events.length > 0 ? events[events.length - 1]!.ts : 0;
  const objects = new Map<string, Map<string, KubeObject>>();
  const workloads: Workload[] = [];
  const byKey = new Map<string, Workload>();
  const nodes = new Map<string, KubeObject>();

  events.forEach((ev, ei) => {
    const timeS = ev.ts - startTs;
    ev.applied_objs.forEach((obj, oi) => {
      const gvk = gvkOf(obj);
      const name = namespacedName(obj);
      let m = objects.get(gvk);
      if (!m) objects.set(gvk, (m = new Map()));
      m.set(name, obj);
      if (obj.kind === 'Node') nodes.set(name, obj);
      const kind = obj.kind as WorkloadKind;
      if (!(WORKLOAD_KINDS as readonly string[]).includes(kind)) return;
      const key = `${kind}:${name}`;
      const version: WorkloadVersion = {
        timeS,
        replicas: replicasOf(obj, kind, `events[${ei}].applied_objs[${oi}]`),
        template: podTemplateFacts(obj, kind, `events[${ei}].applied_objs[${oi}]`, configuredTemplate(trace, gvk, obj)),
      };
      let w = byKey.get(key);
      if (!w || w.deletedAtS !== null) {
        w = {
          gvk,
          kind,
          namespace: obj.metadata.namespace ?? '',
          name: obj.metadata.name,
          key: name,
          versions: [],
          deletedAtS: null,
        };
        byKey.set(key, w);
        workloads.push(w);
      }
      w.versions.push(version);
    });
    for (const obj of ev.deleted_objs) {
      const name = namespacedName(obj);
      objects.get(gvkOf(obj))?.delete(name);
      if (obj.kind === 'Node') nodes.delete(name);
      const w = byKey.get(`${obj.kind}:${name}`);
      if (w && w.deletedAtS === null) w.deletedAtS = timeS;
    }
  });

  return {
    trace,
    startTs,
    endTs,
    durationS: endTs - startTs,
    events,
    objects,
    workloads,
    nodes: [...nodes.values()],
  };
}

/** The workloads of one kind (default Deployment), by `namespace/name`. */
export function workloadsOfKind(model: TraceModel, kind: WorkloadKind = 'Deployment'): Workload[] {
  return model.workloads.filter((w) => w.kind === kind);
}

/** Find a workload by `namespace/name` (or bare name when unambiguous). */
export function findWorkload(model: TraceModel, name: string, kind: WorkloadKind = 'Deployment'): Workload | undefined {
  const candidates = workloadsOfKind(model, kind);
  const exact = candidates.filter((w) => w.key === name);
  if (exact.length > 0) return exact[exact.length - 1];
  const bare = candidates.filter((w) => w.name === name);
  const namespaces = new Set(bare.map((w) => w.namespace));
  return namespaces.size === 1 ? bare[bare.length - 1] : undefined;
}

/** The version of a workload in force at `timeS` (the first version before it exists). */
export function versionAt(w: Workload, timeS: number): WorkloadVersion {
  const v = w.versions;
  let lo = 0;
  let hi = v.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (v[mid]!.timeS <= timeS) lo = mid;
    else hi = mid - 1;
  }
  return v[lo]!;
}

/** Recorded replicas at `timeS`: 0 before creation and after deletion. */
export function replicasAt(w: Workload, timeS: number): number {
  if (timeS < w.versions[0]!.timeS) return 0;
  if (w.deletedAtS !== null && timeS >= w.deletedAtS) return 0;
  return versionAt(w, timeS).replicas;
}

/** Append a change point, letting a later change at the same second replace an earlier one. */
function pushChange<T>(out: Array<[number, T]>, timeS: number, value: T, same: (a: T, b: T) => boolean): void {
  const last = out[out.length - 1];
  if (last && last[0] === timeS) {
    out.pop();
    const before = out[out.length - 1];
    if (!before || !same(before[1], value)) out.push([timeS, value]);
    return;
  }
  if (!last || !same(last[1], value)) out.push([timeS, value]);
}

/**
 * The replica timeline as [timeS, replicas] change points: only where replicas change, one
 * point per second (the last applied version of that second wins), and [deletedAtS, 0] at
 * the end for a deleted workload.
 */
export function replicaTimeline(w: Workload): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const v of w.versions) pushChange(out, v.timeS, v.replicas, (a, b) => a === b);
  if (w.deletedAtS !== null) pushChange(out, w.deletedAtS, 0, (a, b) => a === b);
  return out;
}

/** Pod requests over time as [timeS, {cpu cores, memory bytes}] change points (per pod). */
export function requestTimeline(w: Workload): Array<[number, { cpu: number; memory: number }]> {
  const out: Array<[number, { cpu: number; memory: number }]> = [];
  for (const v of w.versions) {
    pushChange(out, v.timeS, { cpu: v.template.cpu, memory: v.template.memory }, (a, b) => a.cpu === b.cpu && a.memory === b.memory);
  }
  return out;
}
