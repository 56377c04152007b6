import type { NodePoolOptions } from '../../options.js';
import type { KubeObject } from '../../trace/schema.js';
import type { TraceModel, Workload, WorkloadKind } from '../../trace/trace-model.js';
import { nodeFactsFromObject, type NodeFacts } from './node-table.js';

/**
 * The trace compiled for replay: its workloads mapped to controller slots (every incarnation
 * of the controlled deployment shares one slot) and its changes as a time-ordered list of
 * actions in typed arrays, walked by a cursor during an episode. Built once per backend.
 */

export const ACT_APPLY = 1;
export const ACT_DELETE = 2;
export const ACT_NODE_APPLY = 3;
export const ACT_NODE_DELETE = 4;

export const KIND_DEPLOYMENT = 0;
export const KIND_STATEFULSET = 1;
export const KIND_JOB = 2;
export const KIND_POD = 3;
export const KIND_CRONJOB = 4;

/** Controller kind of a workload kind (ReplicaSets are managed like Deployments). */
export function controllerKind(kind: WorkloadKind): number {
  switch (kind) {
    case 'StatefulSet':
      return KIND_STATEFULSET;
    case 'Job':
      return KIND_JOB;
    case 'Pod':
      return KIND_POD;
    case 'CronJob':
      return KIND_CRONJOB;
    default:
      return KIND_DEPLOYMENT;
  }
}

export interface SlotInfo {
  key: string;
  kind: number;
  /** Run times of successive pods (from pod_lifecycles): finite for Finished, Infinity for Running. */
  lifetimes: number[];
}

export interface TraceScript {
  slots: SlotInfo[];
  /** The slot of every controlled deployment, in the order given. */
  controlledSlots: Int32Array;
  times: Float64Array;
  type: Uint8Array;
  /** Slot (workload actions) or node number (node actions). */
  target: Int32Array;
  /** Replicas (apply) or node-facts index (node apply). */
  value: Int32Array;
  /** Pod template id (apply); filled by the backend through `templateOf`. */
  tpl: Int32Array;
  /** Facts of every node version the trace applies. */
  nodeVersions: NodeFacts[];
  /** Every node the trace ever has (first version), for the node table. */
  traceNodes: NodeFacts[];
}

interface RawAction {
  t: number;
  order: number;
  type: number;
  target: number;
  value: number;
  tpl: number;
}

const WORKLOAD_KIND_SET = new Set<string>(['Deployment', 'StatefulSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod']);

function templateOfObject(obj: KubeObject): unknown {
  const o = obj as Record<string, unknown>;
  const spec = o.spec as Record<string, unknown> | undefined;
  if (obj.kind === 'Pod') return spec;
  if (obj.kind === 'CronJob') return ((spec?.jobTemplate as Record<string, unknown> | undefined)?.spec as Record<string, unknown> | undefined)?.template;
  return spec?.template;
}

/**
 * The full pod template of every workload version, as a string, so that any template change
 * (an image, an env var), not only a change of requests or placement, starts a rollout. The
 * applies of one key are matched to the model's incarnations and versions in order, which is
 * how buildTraceModel assigned them.
 */
function templateRevisions(model: TraceModel): Map<Workload, string[]> {
  const incarnations = new Map<string, Workload[]>();
  for (const w of model.workloads) {
    const k = `${w.kind}:${w.key}`;
    let list = incarnations.get(k);
    if (!list) incarnations.set(k, (list = []));
    list.push(w);
  }
  const cursor = new Map<string, { inc: number; version: number }>();
  const out = new Map<Workload, string[]>();
  for (const ev of model.events) {
    for (const obj of ev.applied_objs) {
      if (!WORKLOAD_KIND_SET.has(obj.kind)) continue;
      const k = `${obj.kind}:${obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name}`;
      const list = incarnations.get(k);
      if (!list) continue;
      const c = cursor.get(k) ?? { inc: 0, version: 0 };
      while (c.inc < list.length && c.version >= list[c.inc]!.versions.length) {
        c.inc++;
        c.version = 0;
      }
      const w = list[c.inc];
      if (!w) continue;
      let revs = out.get(w);
      if (!revs) out.set(w, (revs = []));
      revs[c.version] = JSON.stringify(templateOfObject(obj) ?? null);
      c.version++;
      cursor.set(k, c);
    }
  }
  return out;
}

/** Compile `model` for replay (`controlled`: the deployments the agent controls); `templateOf` registers a template and returns its id. */
export function compileTrace(
  model: TraceModel,
  controlled: readonly Workload[],
  templateOf: (w: Workload, versionIndex: number, revision: string) => number,
  nodeFallback: NodePoolOptions,
): TraceScript {
  const slots: SlotInfo[] = [];
  const slotOf = new Map<Workload, number>();
  const controlledSlots = new Int32Array(controlled.length).fill(-1);
  const controlledIndex = (w: Workload): number => controlled.findIndex((c) => w.kind === c.kind && w.key === c.key);
  const lifecycles = new Map<string, number[]>();
  for (const o of model.trace.pod_lifecycles) {
    const runs: Array<[number, number]> = [];
    for (const pod of o.pods) {
      for (const lc of pod.lifecycles) {
        if (lc.state === 'Finished') runs.push([lc.start, lc.end - lc.start]);
        else if (lc.state === 'Running') runs.push([lc.start, Infinity]);
      }
    }
    runs.sort((a, b) => a[0] - b[0]);
    lifecycles.set(`${o.owner[0]}|${o.owner[1]}`, runs.map((r) => Math.max(0, r[1])));
  }
  for (const w of model.workloads) {
    const ci = controlledIndex(w);
    if (ci >= 0 && controlledSlots[ci]! >= 0) {
      slotOf.set(w, controlledSlots[ci]!);
      continue;
    }
    const s = slots.length;
    slots.push({ key: w.key, kind: controllerKind(w.kind), lifetimes: lifecycles.get(`${w.gvk}|${w.key}`) ?? [] });
    slotOf.set(w, s);
    if (ci >= 0) controlledSlots[ci] = s;
  }
  controlledSlots.forEach((slot, i) => {
    if (slot < 0) throw new RangeError(`compileTrace: controlled workload ${controlled[i]!.key} is not in the model`);
  });

  const revisions = templateRevisions(model);
  const raw: RawAction[] = [];
  let order = 0;
  model.workloads.forEach((w) => {
    const s = slotOf.get(w)!;
    const revs = revisions.get(w);
    w.versions.forEach((v, vi) => {
      raw.push({ t: v.timeS, order: order++, type: ACT_APPLY, target: s, value: v.replicas, tpl: templateOf(w, vi, revs?.[vi] ?? '') });
    });
    if (w.deletedAtS !== null) raw.push({ t: w.deletedAtS, order: order++, type: ACT_DELETE, target: s, value: 0, tpl: -1 });
  });

  // Nodes: scanned from the events, since the model keeps only the last version of each.
  const nodeVersions: NodeFacts[] = [];
  const firstByName = new Map<string, NodeFacts>();
  const nodeRaw: Array<{ t: number; order: number; type: number; name: string; value: number }> = [];
  model.events.forEach((ev) => {
    const t = ev.ts - model.startTs;
    for (const obj of ev.applied_objs) {
      if (obj.kind !== 'Node') continue;
      const f = nodeFactsFromObject(obj, nodeFallback);
      if (!firstByName.has(f.name)) firstByName.set(f.name, f);
      nodeVersions.push(f);
      nodeRaw.push({ t, order: order++, type: ACT_NODE_APPLY, name: f.name, value: nodeVersions.length - 1 });
    }
    for (const obj of ev.deleted_objs) {
      if (obj.kind !== 'Node') continue;
      nodeRaw.push({ t, order: order++, type: ACT_NODE_DELETE, name: obj.metadata.name, value: -1 });
    }
  });
  const traceNodes = [...firstByName.values()];
  const nodeNames = traceNodes.map((f) => f.name).sort();
  const nodeIndex = new Map(nodeNames.map((n, i) => [n, i]));
  for (const r of nodeRaw) {
    const target = nodeIndex.get(r.name);
    if (target === undefined) continue; // deleting a node the trace never applied
    raw.push({ t: r.t, order: r.order, type: r.type, target, value: r.value, tpl: -1 });
  }
  // Nodes change before workloads at one instant, so pods created then see the new nodes.
  const rank = (a: RawAction): number => (a.type === ACT_NODE_APPLY || a.type === ACT_NODE_DELETE ? 0 : 1);
  raw.sort((a, b) => a.t - b.t || rank(a) - rank(b) || a.order - b.order);

  const n = raw.length;
  const script: TraceScript = {
    slots,
    controlledSlots,
    times: new Float64Array(n),
    type: new Uint8Array(n),
    target: new Int32Array(n),
    value: new Int32Array(n),
    tpl: new Int32Array(n),
    nodeVersions,
    traceNodes,
  };
  raw.forEach((a, i) => {
    script.times[i] = a.t;
    script.type[i] = a.type;
    script.target[i] = a.target;
    script.value[i] = a.value;
    script.tpl[i] = a.tpl;
  });
  return script;
}
