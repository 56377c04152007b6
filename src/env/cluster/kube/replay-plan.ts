import { ConfigError } from '../../errors.js';
import { gvkOf, namespacedName, type KubeObject } from '../../trace/schema.js';
import type { TraceModel, Workload } from '../../trace/trace-model.js';
import { resourceInfo, type ResourceInfo } from './resources.js';

/**
 * What replay mode does with a trace, computed once and without IO: which recorded objects
 * it recreates, the state they are in at an episode's start, and the timed create/patch/
 * delete operations that follow. The controlled deployments' replica changes are left out:
 * the agent owns their replicas.
 */

/** One recorded object the run recreates. */
export interface ReplayTarget {
  /** `<gvk>|<trace namespace>/<name>`: unique within the trace. */
  key: string;
  apiVersion: string;
  kind: string;
  name: string;
  traceNamespace: string;
  info: ResourceInfo;
  controlled: boolean;
  /** Index among the controlled workloads (the agent's action component); -1 when not controlled. */
  controlledIndex: number;
}

/** A timed operation of the replay. */
export interface ReplayOp {
  /** Simulated seconds since the trace's first event. */
  timeS: number;
  type: 'apply' | 'delete';
  target: ReplayTarget;
  /** The recorded manifest (apply: the new version; delete: the last one). */
  manifest: KubeObject;
}

export interface ReplayPlan {
  targets: ReplayTarget[];
  /** Every operation in trace order (events in time order, objects in recorded order). */
  ops: ReplayOp[];
  /** Recorded objects left out, with why (for the log). */
  skipped: string[];
  /** The first controlled workload (`controlledAll[0]`). */
  controlled: ReplayTarget;
  /** Every controlled workload, in action order. */
  controlledAll: ReplayTarget[];
}

export interface PlanOptions {
  /** `all`, or the names (`name` or `ns/name`) of the workloads to replay besides the controlled one. */
  workloads: 'all' | string[];
}

function keyOf(obj: KubeObject): string {
  return `${gvkOf(obj)}|${namespacedName(obj)}`;
}

function manifestWithoutReplicas(obj: KubeObject): string {
  const spec = (obj as { spec?: Record<string, unknown> }).spec;
  if (!spec || !('replicas' in spec)) return JSON.stringify(obj);
  const { replicas: _r, ...rest } = spec;
  return JSON.stringify({ ...obj, spec: rest });
}

/** Build the replay plan of `model` for the `controlled` workload (or several, in action order). */
export function buildReplayPlan(model: TraceModel, controlled: Workload | readonly Workload[], opts: PlanOptions): ReplayPlan {
  const controlledList: readonly Workload[] = Array.isArray(controlled) ? controlled : [controlled as Workload];
  const wanted = opts.workloads === 'all' ? null : new Set(opts.workloads);
  const isWanted = (obj: KubeObject, info: ResourceInfo): boolean => {
    if (wanted === null) return true;
    if (!info.podTemplatePath) return false;
    return wanted.has(obj.metadata.name) || wanted.has(namespacedName(obj));
  };
  const controlledKeys = new Map(controlledList.map((w, i) => [`${w.gvk}|${w.key}`, i]));
  const targets = new Map<string, ReplayTarget>();
  const skipped = new Set<string>();
  const ops: ReplayOp[] = [];
  const lastControlledShape = new Map<string, string>();

  const targetOf = (obj: KubeObject): ReplayTarget | undefined => {
    const key = keyOf(obj);
    const known = targets.get(key);
    if (known) return known;
    const info = resourceInfo(obj.kind, obj.apiVersion);
    const controlledIndex = controlledKeys.get(key) ?? -1;
    const isControlled = controlledIndex >= 0;
    if (!isControlled) {
      if (!info.namespaced) {
        skipped.add(`${obj.kind} ${obj.metadata.name}: cluster-scoped (the test cluster provides its own nodes and namespaces)`);
        return undefined;
      }
      if (!isWanted(obj, info)) {
        skipped.add(`${obj.kind} ${namespacedName(obj)}: not in kube.workloads`);
        return undefined;
      }
    }
    const t: ReplayTarget = {
      key,
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name,
      traceNamespace: obj.metadata.namespace ?? '',
      info,
      controlled: isControlled,
      controlledIndex,
    };
    targets.set(key, t);
    return t;
  };

  model.events.forEach((ev) => {
    const timeS = ev.ts - model.startTs;
    for (const obj of ev.applied_objs) {
      const target = targetOf(obj);
      if (!target) continue;
      if (target.controlled) {
        // Only template (non-replica) changes of the controlled deployment are replayed.
        const shape = manifestWithoutReplicas(obj);
        if (shape === lastControlledShape.get(target.key)) continue;
        lastControlledShape.set(target.key, shape);
      }
      ops.push({ timeS, type: 'apply', target, manifest: obj });
    }
    for (const obj of ev.deleted_objs) {
      const target = targets.get(keyOf(obj));
      if (!target) continue;
      if (target.controlled) {
        skipped.add(`the trace's deletion of the controlled ${obj.kind} ${namespacedName(obj)} at ${timeS}s (the agent keeps it)`);
        continue;
      }
      ops.push({ timeS, type: 'delete', target, manifest: obj });
    }
  });

  const controlledAll = controlledList.map((w) => {
    const t = targets.get(`${w.gvk}|${w.key}`);
    if (!t) throw new ConfigError('deployment', `expected the controlled deployment ${w.key} among the trace's applied objects, got none`);
    return t;
  });
  // All trace namespaces map into one cluster namespace: two objects of one kind and name
  // from different trace namespaces would overwrite each other.
  const seen = new Map<string, string>();
  for (const t of targets.values()) {
    const k = `${t.kind}/${t.name}`;
    const prev = seen.get(k);
    if (prev !== undefined && prev !== t.traceNamespace) {
      throw new ConfigError(
        'kube.workloads',
        `expected object names unique across the trace's namespaces (they all map into one namespace), got ${t.kind} "${t.name}" in both "${prev}" and "${t.traceNamespace}"`,
        { hint: 'replay one of them only: list the workloads to replay in kube.workloads' },
      );
    }
    seen.set(k, t.traceNamespace);
  }
  return { targets: [...targets.values()], ops, skipped: [...skipped], controlled: controlledAll[0]!, controlledAll };
}

/**
 * The recorded state at `timeS`: for each target alive then, its latest manifest (ops at
 * exactly `timeS` included), in first-appearance order.
 */
export function stateAt(plan: ReplayPlan, timeS: number): Array<{ target: ReplayTarget; manifest: KubeObject }> {
  const live = new Map<string, { target: ReplayTarget; manifest: KubeObject }>();
  for (const op of plan.ops) {
    if (op.timeS > timeS) break;
    if (op.type === 'apply') live.set(op.target.key, { target: op.target, manifest: op.manifest });
    else live.delete(op.target.key);
  }
  const order = new Map(plan.targets.map((t, i) => [t.key, i]));
  return [...live.values()].sort((a, b) => order.get(a.target.key)! - order.get(b.target.key)!);
}

/** Index of the first op strictly after `timeS` (where replay resumes after a reset at `timeS`). */
export function firstOpAfter(plan: ReplayPlan, timeS: number): number {
  let lo = 0;
  let hi = plan.ops.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (plan.ops[mid]!.timeS <= timeS) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
