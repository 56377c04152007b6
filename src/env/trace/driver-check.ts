import type { Trace } from './schema.js';

/**
 * What a trace needs beyond format validity to be replayed by SimKube's driver (sk-driver
 * 2.7): it calls `obj.namespace().unwrap()` on every object it applies or deletes and panics
 * on the first one without a namespace, so a trace meant for the driver must hold only
 * namespaced objects in `events` (a Node, Namespace or ClusterRole belongs in the cluster,
 * not in the trace). `simenv trace validate --for-driver` reports each with its path.
 */

/** Kinds Kubernetes serves cluster-scoped that traces are known to carry. */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'Node',
  'Namespace',
  'PersistentVolume',
  'StorageClass',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PriorityClass',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
]);

/** One object the driver cannot replay, with its path in the trace. */
export interface DriverProblem {
  path: string;
  message: string;
}

/** Every object in `events` the driver would fail on (an empty list: the driver can replay it). */
export function driverProblems(trace: Trace): DriverProblem[] {
  const out: DriverProblem[] = [];
  trace.events.forEach((ev, i) => {
    for (const list of ['applied_objs', 'deleted_objs'] as const) {
      ev[list].forEach((o, j) => {
        if (o.metadata.namespace) return;
        const what = `${o.apiVersion}.${o.kind} ${o.metadata.name}`;
        const why = CLUSTER_SCOPED_KINDS.has(o.kind) ? 'a cluster-scoped object' : 'an object without metadata.namespace';
        out.push({
          path: `events[${i}].${list}[${j}]`,
          message: `expected only namespaced objects in a trace for sk-driver, got ${why} (${what}): the driver panics on it (obj.namespace().unwrap()); create it in the cluster instead, and remove it from the trace`,
        });
      });
    }
  });
  return out;
}
