/**
 * What simenv needs to know about a kind to create, scale, list and authorise it without a
 * discovery round trip: its API group, plural resource name, scope, and where its pod
 * template lives. Kinds outside the table fall back to the Kubernetes naming convention
 * (lower-case plural) and are treated as namespaced without a pod template.
 */
export interface ResourceInfo {
  kind: string;
  /** API group ('' for the core group). */
  group: string;
  /** Plural resource name, as RBAC rules and URLs spell it. */
  resource: string;
  namespaced: boolean;
  /** Path of the pod template (`[]` for a Pod itself), or null when the kind has none. */
  podTemplatePath: string[] | null;
  /** Whether the kind has a `scale` subresource the agent could drive. */
  scalable: boolean;
}

const TEMPLATE = ['spec', 'template'];

const KNOWN: ResourceInfo[] = [
  { kind: 'Deployment', group: 'apps', resource: 'deployments', namespaced: true, podTemplatePath: TEMPLATE, scalable: true },
  { kind: 'StatefulSet', group: 'apps', resource: 'statefulsets', namespaced: true, podTemplatePath: TEMPLATE, scalable: true },
  { kind: 'ReplicaSet', group: 'apps', resource: 'replicasets', namespaced: true, podTemplatePath: TEMPLATE, scalable: true },
  { kind: 'DaemonSet', group: 'apps', resource: 'daemonsets', namespaced: true, podTemplatePath: TEMPLATE, scalable: false },
  { kind: 'Job', group: 'batch', resource: 'jobs', namespaced: true, podTemplatePath: TEMPLATE, scalable: false },
  {
    kind: 'CronJob',
    group: 'batch',
    resource: 'cronjobs',
    namespaced: true,
    podTemplatePath: ['spec', 'jobTemplate', 'spec', 'template'],
    scalable: false,
  },
  { kind: 'Pod', group: '', resource: 'pods', namespaced: true, podTemplatePath: [], scalable: false },
  { kind: 'Service', group: '', resource: 'services', namespaced: true, podTemplatePath: null, scalable: false },
  { kind: 'ConfigMap', group: '', resource: 'configmaps', namespaced: true, podTemplatePath: null, scalable: false },
  { kind: 'Secret', group: '', resource: 'secrets', namespaced: true, podTemplatePath: null, scalable: false },
  { kind: 'ServiceAccount', group: '', resource: 'serviceaccounts', namespaced: true, podTemplatePath: null, scalable: false },
  { kind: 'PersistentVolumeClaim', group: '', resource: 'persistentvolumeclaims', namespaced: true, podTemplatePath: null, scalable: false },
  { kind: 'Namespace', group: '', resource: 'namespaces', namespaced: false, podTemplatePath: null, scalable: false },
  { kind: 'Node', group: '', resource: 'nodes', namespaced: false, podTemplatePath: null, scalable: false },
  { kind: 'PersistentVolume', group: '', resource: 'persistentvolumes', namespaced: false, podTemplatePath: null, scalable: false },
  {
    kind: 'HorizontalPodAutoscaler',
    group: 'autoscaling',
    resource: 'horizontalpodautoscalers',
    namespaced: true,
    podTemplatePath: null,
    scalable: false,
  },
  { kind: 'PodDisruptionBudget', group: 'policy', resource: 'poddisruptionbudgets', namespaced: true, podTemplatePath: null, scalable: false },
];

const BY_KIND = new Map(KNOWN.map((r) => [r.kind, r]));

/** The API group of an `apiVersion` (`apps/v1` -> `apps`, `v1` -> ''). */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/** Facts about a kind; `apiVersion` supplies the group of kinds outside the table. */
export function resourceInfo(kind: string, apiVersion = 'v1'): ResourceInfo {
  const known = BY_KIND.get(kind);
  if (known) return known;
  const lower = kind.toLowerCase();
  const plural = lower.endsWith('s') ? `${lower}es` : lower.endsWith('y') ? `${lower.slice(0, -1)}ies` : `${lower}s`;
  return { kind, group: groupOf(apiVersion), resource: plural, namespaced: true, podTemplatePath: null, scalable: false };
}
