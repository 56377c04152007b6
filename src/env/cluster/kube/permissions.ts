import type { ResourceInfo } from './resources.js';

/**
 * The least privilege a run needs, as data: preflight asks the API server about each entry
 * (SelfSubjectAccessReview, the `kubectl auth can-i` of the API), and setup turns the same
 * list into a namespaced Role (plus a read-only ClusterRole for nodes, and in SimKube mode
 * one for Simulation objects, which are cluster-scoped). Never cluster-admin.
 */

/** One verb on one resource, in one namespace or cluster-wide. */
export interface Permission {
  verb: string;
  /** API group ('' for core). */
  group: string;
  /** Plural resource, with `/subresource` when there is one (`deployments/scale`). */
  resource: string;
  /** Namespace, or undefined for a cluster-scoped permission. */
  namespace?: string;
  /** Restrict to these object names (RBAC resourceNames). */
  resourceNames?: string[];
  /** Why the run needs it (shown when it is missing). */
  why: string;
}

export interface PermissionInput {
  mode: 'replay' | 'simkube';
  /** Replay: where objects are created; SimKube: the driver's namespace. */
  namespace: string;
  /** SimKube: where the driver recreates the trace's objects (`virtual-<trace ns>`). */
  virtualNamespace?: string;
  /** Kinds the run creates (replay) or the driver recreates (SimKube), namespaced ones. */
  kinds: ResourceInfo[];
  /** The controlled workload's kind (scaled through its scale subresource). */
  controlled: ResourceInfo;
  /** Secrets preflight must read. */
  secrets: string[];
  /** A ServiceAccount preflight must read. */
  serviceAccount?: string;
  createNamespace: boolean;
  /** The run annotates the controlled pods: CPU usage (KWOK's resource-usage emulation), drawn start-up delays. */
  patchPods?: boolean;
  /** Replay: the run applies an HPA to the controlled workload and follows its spec.replicas. */
  hpa?: boolean;
}

// Server-side apply is a PATCH that creates missing objects (so it needs create too); list
// finds leftovers, delete and deletecollection remove them. No get, no update: replay uses neither.
const WRITE_VERBS = ['list', 'create', 'patch', 'delete', 'deletecollection'];

function add(out: Permission[], verbs: string[], group: string, resource: string, namespace: string | undefined, why: string, resourceNames?: string[]): void {
  for (const verb of verbs) out.push({ verb, group, resource, namespace, why, ...(resourceNames ? { resourceNames } : {}) });
}

/** Everything the simenv process itself needs for a run (checked with SelfSubjectAccessReview). */
export function runPermissions(p: PermissionInput): Permission[] {
  const out: Permission[] = [];
  const ns = p.namespace;
  // The API server files `GET /api/v1/namespaces/X` under namespace X, so a Role in X can grant it.
  add(out, ['get'], '', 'namespaces', ns, `check that namespace ${ns} exists`, [ns]);
  if (p.createNamespace) add(out, ['create'], '', 'namespaces', undefined, `create namespace ${ns} (kube.createNamespace)`);
  if (p.serviceAccount) add(out, ['get'], '', 'serviceaccounts', ns, `check that ServiceAccount ${p.serviceAccount} exists`);
  if (p.secrets.length > 0) add(out, ['get'], '', 'secrets', ns, `check that the Secrets ${p.secrets.join(', ')} exist`);
  add(out, ['list', 'watch'], '', 'nodes', undefined, 'observe cluster CPU on the virtual nodes');
  if (p.mode === 'replay') {
    const seen = new Set<string>();
    for (const k of p.kinds) {
      const id = `${k.group}/${k.resource}`;
      if (seen.has(id) || !k.namespaced) continue;
      seen.add(id);
      add(out, WRITE_VERBS, k.group, k.resource, ns, `replay the trace's ${k.kind} objects and delete them at teardown`);
    }
    add(out, ['patch'], p.controlled.group, `${p.controlled.resource}/scale`, ns, `scale the controlled ${p.controlled.kind} (the agent's action)`);
    add(out, ['list', 'watch', 'deletecollection'], '', 'pods', ns, 'observe the replayed pods and remove them at teardown');
    if (p.patchPods) add(out, ['patch'], '', 'pods', ns, "annotate the controlled pods with their CPU usage (kwok.x-k8s.io/usage-cpu) and start-up delay (simenv.io/ready-at)");
    if (p.hpa) {
      add(out, WRITE_VERBS, 'autoscaling', 'horizontalpodautoscalers', ns, 'apply the HPA manifest to the controlled workload and delete it at teardown');
      add(out, ['watch'], p.controlled.group, p.controlled.resource, ns, `follow the replicas the HPA controller sets on the controlled ${p.controlled.kind}`);
    }
    if (p.kinds.some((k) => k.kind === 'Deployment')) add(out, ['list'], 'apps', 'replicasets', ns, 'check at teardown that no ReplicaSet of the run is left');
  } else {
    const vns = p.virtualNamespace ?? ns;
    add(out, ['get', 'list', 'watch', 'create', 'delete', 'deletecollection'], 'simkube.io', 'simulations', undefined, 'create the Simulation and follow its status');
    add(out, ['list', 'watch'], '', 'pods', vns, `observe the simulated pods in ${vns}`);
    if (p.patchPods) add(out, ['patch'], '', 'pods', vns, "annotate the controlled pods with their CPU usage (kwok.x-k8s.io/usage-cpu)");
    add(out, ['patch'], p.controlled.group, `${p.controlled.resource}/scale`, vns, `scale the controlled ${p.controlled.kind} in ${vns} (the agent's action)`);
  }
  return out;
}

/**
 * What the driver's ServiceAccount needs (checked with LocalSubjectAccessReview): replay mode
 * runs as any identity holding the namespaced part of runPermissions; SimKube's driver
 * recreates the trace's objects in the virtual namespace.
 */
export function serviceAccountPermissions(p: PermissionInput): Permission[] {
  if (p.mode === 'replay') return runPermissions(p).filter((x) => x.namespace !== undefined);
  const vns = p.virtualNamespace ?? p.namespace;
  const out: Permission[] = [];
  const seen = new Set<string>();
  for (const k of p.kinds) {
    const id = `${k.group}/${k.resource}`;
    if (seen.has(id) || !k.namespaced) continue;
    seen.add(id);
    add(out, ['get', 'list', 'watch', 'create', 'patch', 'delete'], k.group, k.resource, vns, `the driver recreates the trace's ${k.kind} objects in ${vns}`);
  }
  if (p.secrets.length > 0) add(out, ['get'], '', 'secrets', p.namespace, `the driver reads the Secrets ${p.secrets.join(', ')}`);
  return out;
}

/** An RBAC PolicyRule. */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/**
 * Merge permissions into RBAC rules (one rule per group, resource and resourceNames, verbs
 * sorted), in a stable order so that applying them twice is a no-op.
 */
export function toPolicyRules(perms: Permission[]): PolicyRule[] {
  const byKey = new Map<string, PolicyRule>();
  for (const p of perms) {
    const names = p.resourceNames ? [...p.resourceNames].sort() : undefined;
    const key = `${p.group}|${p.resource}|${names?.join(',') ?? ''}`;
    let rule = byKey.get(key);
    if (!rule) {
      rule = { apiGroups: [p.group], resources: [p.resource], verbs: [], ...(names ? { resourceNames: names } : {}) };
      byKey.set(key, rule);
    }
    if (!rule.verbs.includes(p.verb)) rule.verbs.push(p.verb);
  }
  const rules = [...byKey.values()];
  for (const r of rules) r.verbs.sort();
  return rules.sort((a, b) => `${a.apiGroups[0]}|${a.resources[0]}`.localeCompare(`${b.apiGroups[0]}|${b.resources[0]}`));
}

/** `patch deployments/scale in namespace X` / `list nodes (cluster-wide)`. */
export function describePermission(p: Permission): string {
  const res = p.group ? `${p.resource}.${p.group}` : p.resource;
  if (p.resource === 'namespaces' && p.resourceNames) return `${p.verb} namespace ${p.resourceNames.join(',')}`;
  const scope = p.namespace !== undefined ? `in namespace ${p.namespace}` : '(cluster-wide)';
  return `${p.verb} ${res}${p.resourceNames ? ` "${p.resourceNames.join(',')}"` : ''} ${scope}`;
}
