import type { V1PolicyRule, RbacV1Subject } from '@kubernetes/client-node';
import { ConfigError } from '../../errors.js';
import { httpStatusOf } from './api-errors.js';
import { KubeClient } from './kube-client.js';
import { DEFAULT_SERVICE_ACCOUNT, type KubeOptions } from './kube-options.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from './labels.js';
import { runPermissions, serviceAccountPermissions, toPolicyRules, type Permission, type PolicyRule } from './permissions.js';
import { permissionInput, resolveRunScope } from './run-scope.js';
import type { SetupItem, SetupReport } from './kube-reports.js';
import type { KubeSetupInput } from './kube-tools.js';

export { formatSetupReport, type SetupAction, type SetupItem, type SetupReport } from './kube-reports.js';

/**
 * `simenv setup`: what a run needs in the cluster before it starts, least privilege and
 * idempotent. The namespace; the ServiceAccount (the driver's identity); per namespace a Role
 * with exactly the verbs of permissions.ts and a RoleBinding to the ServiceAccount; for the
 * few cluster-scoped needs (reading nodes; SimKube's cluster-scoped Simulations) a
 * ClusterRole holding only those; and copies of named Secrets. Each object is read first and
 * written only when it differs, so a second run reports everything "unchanged".
 */

/** kubeSetup's input plus an already connected client. */
export interface SetupInput extends KubeSetupInput {
  client?: KubeClient;
}

const managed = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };

/** Name of the Role and RoleBinding for a ServiceAccount. */
export function roleName(serviceAccount: string): string {
  return `simenv-${serviceAccount}`.slice(0, 253);
}

/** Name of the ClusterRole and ClusterRoleBinding for a ServiceAccount of a namespace. */
export function clusterRoleName(namespace: string, serviceAccount: string): string {
  return `simenv-${namespace}-${serviceAccount}`.slice(0, 253);
}

function normalizeRules(rules: Array<V1PolicyRule | PolicyRule> | undefined): string {
  const norm = (rules ?? []).map((r) => ({
    apiGroups: [...(r.apiGroups ?? [])].sort(),
    resources: [...(r.resources ?? [])].sort(),
    verbs: [...r.verbs].sort(),
    resourceNames: r.resourceNames && r.resourceNames.length > 0 ? [...r.resourceNames].sort() : undefined,
  }));
  return JSON.stringify(norm.map((r) => JSON.stringify(r)).sort());
}

function sameSubjects(a: RbacV1Subject[] | undefined, b: RbacV1Subject[]): boolean {
  const key = (s: RbacV1Subject): string => `${s.kind}|${s.name}|${s.namespace ?? ''}`;
  return JSON.stringify((a ?? []).map(key).sort()) === JSON.stringify(b.map(key).sort());
}

/** Run setup; see the module comment. Cluster failures throw (a 403 names the verb and resource). */
export async function runSetup(input: SetupInput): Promise<SetupReport> {
  const { options } = input;
  const scope = resolveRunScope(options, input.model, input.controlled);
  const sa = scope.serviceAccount ?? options.serviceAccount ?? DEFAULT_SERVICE_ACCOUNT;
  const client =
    input.client ??
    KubeClient.load({ kubeconfig: options.kubeconfig, context: options.context, requestTimeoutMs: options.timeouts.requestMs, retry: options.retry });
  const items: SetupItem[] = [];
  const ns = scope.namespace;
  const pin = permissionInput({ ...scope, serviceAccount: sa });
  const perms: Permission[] = [...runPermissions(pin), ...serviceAccountPermissions(pin)];
  const byNamespace = new Map<string, Permission[]>();
  const clusterPerms: Permission[] = [];
  for (const p of perms) {
    if (p.namespace === undefined) clusterPerms.push(p);
    else byNamespace.set(p.namespace, [...(byNamespace.get(p.namespace) ?? []), p]);
  }
  const subject: RbacV1Subject = { kind: 'ServiceAccount', name: sa, namespace: ns };

  // Namespaces first (the driver's, then SimKube's virtual one, which gets the driver's Role).
  for (const n of [ns, ...[...byNamespace.keys()].filter((k) => k !== ns)]) items.push(await ensureNamespace(client, n));
  items.push(await ensureServiceAccount(client, ns, sa));
  for (const [n, list] of byNamespace) {
    items.push(await ensureRole(client, n, roleName(sa), toPolicyRules(list)));
    items.push(await ensureRoleBinding(client, n, roleName(sa), subject));
  }
  if (input.clusterRole !== false && clusterPerms.length > 0) {
    const name = clusterRoleName(ns, sa);
    items.push(await ensureClusterRole(client, name, toPolicyRules(clusterPerms)));
    items.push(await ensureClusterRoleBinding(client, name, subject));
  }
  for (const secret of scope.secrets) items.push(await ensureSecret(client, ns, secret, input.secretsFrom));
  return {
    server: client.server,
    serviceAccount: sa,
    items,
    changed: items.some((i) => i.action === 'created' || i.action === 'updated'),
    incomplete: items.some((i) => i.action === 'missing'),
  };
}

async function ensureNamespace(c: KubeClient, name: string): Promise<SetupItem> {
  const item = { kind: 'Namespace', name };
  try {
    await c.call({ verb: 'get', resource: 'namespaces', name }, (a) => a.core.readNamespace({ name }));
    return { ...item, action: 'unchanged' };
  } catch (err) {
    if (httpStatusOf(err) !== 404) throw err;
  }
  await c.call({ verb: 'create', resource: 'namespaces', name }, (a) => a.core.createNamespace({ body: { metadata: { name, labels: managed } } }));
  return { ...item, action: 'created' };
}

async function ensureServiceAccount(c: KubeClient, namespace: string, name: string): Promise<SetupItem> {
  const item = { kind: 'ServiceAccount', name, namespace };
  try {
    await c.call({ verb: 'get', resource: 'serviceaccounts', namespace, name }, (a) => a.core.readNamespacedServiceAccount({ name, namespace }));
    return { ...item, action: 'unchanged' };
  } catch (err) {
    if (httpStatusOf(err) !== 404) throw err;
  }
  await c.call({ verb: 'create', resource: 'serviceaccounts', namespace, name }, (a) =>
    a.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name, namespace, labels: managed } } }),
  );
  return { ...item, action: 'created' };
}

async function ensureRole(c: KubeClient, namespace: string, name: string, rules: PolicyRule[]): Promise<SetupItem> {
  const item = { kind: 'Role', name, namespace };
  const call = { resource: 'roles', group: 'rbac.authorization.k8s.io', namespace, name };
  const body = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace, labels: managed }, rules };
  let existing;
  try {
    existing = await c.call({ verb: 'get', ...call }, (a) => a.rbac.readNamespacedRole({ name, namespace }));
  } catch (err) {
    if (httpStatusOf(err) !== 404) throw err;
  }
  if (!existing) {
    await c.call({ verb: 'create', ...call }, (a) => a.rbac.createNamespacedRole({ namespace, body }));
    return { ...item, action: 'created', note: `${rules.length} rules` };
  }
  if (normalizeRules(existing.rules) === normalizeRules(rules)) return { ...item, action: 'unchanged' };
  await c.call({ verb: 'update', ...call }, (a) => a.rbac.replaceNamespacedRole({ name, namespace, body }));
  return { ...item, action: 'updated', note: 'rules replaced' };
}

async function ensureRoleBinding(c: KubeClient, namespace: string, name: string, subject: RbacV1Subject): Promise<SetupItem> {
  const item = { kind: 'RoleBinding', name, namespace };
  const call = { resource: 'rolebindings', group: 'rbac.authorization.k8s.io', namespace, name };
  const roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name };
  const body = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace, labels: managed }, roleRef, subjects: [subject] };
  let existing;
  try {
    existing = await c.call({ verb: 'get', ...call }, (a) => a.rbac.readNamespacedRoleBinding({ name, namespace }));
  } catch (err) {
    if (httpStatusOf(err) !== 404) throw err;
  }
  if (!existing) {
    await c.call({ verb: 'create', ...call }, (a) => a.rbac.createNamespacedRoleBinding({ namespace, body }));
    return { ...item, action: 'created' };
  }
  const sameRef = existing.roleRef.kind === 'Role' && existing.roleRef.name === name;
  if (sameRef && sameSubjects(existing.subjects, [subject])) return { ...item, action: 'unchanged' };
  if (!sameRef) {
    // roleRef is immutable: replace the binding.
    await c.call({ verb: 'delete', ...call }, (a) => a.rbac.deleteNamespacedRoleBinding({ name, namespace }));
    await c.call({ verb: 'create', ...call }, (a) => a.rbac.createNamespacedRoleBinding({ namespace, body }));
  } else {
    await c.call({ verb: 'update', ...call }, (a) => a.rbac.replaceNamespacedRoleBinding({ name, namespace, body }));
  }
  return { ...item, action: 'updated' };
}

async function ensureClusterRole(c: KubeClient, name: string, rules: PolicyRule[]): Promise<SetupItem> {
  const item = { kind: 'ClusterRole', name };
  const call = { resource: 'clusterroles', group: 'rbac.authorization.k8s.io', name };
  const body = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels: managed }, rules };
  let existing;
  try {
    existing = await c.call({ verb: 'get', ...call }, (a) => a.rbac.readClusterRole({ name }));
  } catch (err) {
    if (httpStatusOf(err) !== 404) throw err;
  }
  if (!existing) {
    await c.call({ verb: 'create', ...call }, (a) => a.rbac.createClusterRole({ body }));
    return { ...item, action: 'created', note: rules.map((r) => `${r.verbs.join(',')} ${r.resources.join(',')}`).join('; ') };
  }
  if (normalizeRules(existing.rules) === normalizeRules(rules)) return { ...item, action: 'unchanged' };
  await c.call({ verb: 'update', ...call }, (a) => a.rbac.replaceClusterRole({ name, body }));
  return { ...item, action: 'updated', note: 'rules replaced' };
}

async function ensureClusterRoleBinding(c: KubeClient, name: string, subject: RbacV1Subject): Promise<SetupItem> {
  const item = { kind: 'ClusterRoleBinding', name };
  const call = { resource: 'clusterrolebindings', group: 'rbac.authorization.k8s.io', name };
  const roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name };
  const body = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name, labels: managed }, roleRef, subjects: [subject] };
  let existing;
  try {
    existing = await c.call({ verb: 'get', ...call }, (a) => a.rbac.readClusterRoleBinding({ name }));
  } catch (err) {
    if (httpStatusOf(err) !== 404) throw err;
  }
  if (!existing) {
    await c.call({ verb: 'create', ...call }, (a) => a.rbac.createClusterRoleBinding({ body }));
    return { ...item, action: 'created' };
  }
  const sameRef = existing.roleRef.kind === 'ClusterRole' && existing.roleRef.name === name;
  if (sameRef && sameSubjects(existing.subjects, [subject])) return { ...item, action: 'unchanged' };
  if (!sameRef) {
    await c.call({ verb: 'delete', ...call }, (a) => a.rbac.deleteClusterRoleBinding({ name }));
    await c.call({ verb: 'create', ...call }, (a) => a.rbac.createClusterRoleBinding({ body }));
  } else {
    await c.call({ verb: 'update', ...call }, (a) => a.rbac.replaceClusterRoleBinding({ name, body }));
  }
  return { ...item, action: 'updated' };
}

async function ensureSecret(c: KubeClient, namespace: string, name: string, from: string | undefined): Promise<SetupItem> {
  const item = { kind: 'Secret', name, namespace };
  const read = async (ns: string) => {
    try {
      return await c.call({ verb: 'get', resource: 'secrets', namespace: ns, name }, (a) => a.core.readNamespacedSecret({ name, namespace: ns }));
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  };
  const existing = await read(namespace);
  if (!from) {
    return existing
      ? { ...item, action: 'unchanged' }
      : { ...item, action: 'missing', note: `not in ${namespace}; pass --secrets-from NAMESPACE to copy it, or create it (kubectl -n ${namespace} create secret generic ${name} ...)` };
  }
  if (from === namespace) throw new ConfigError('secretsFrom', `expected a source namespace other than ${namespace}, got the same`);
  const source = await read(from);
  if (!source) {
    return existing
      ? { ...item, action: 'unchanged', note: `not in ${from}; kept the one in ${namespace}` }
      : { ...item, action: 'missing', note: `not in ${namespace} nor in ${from}` };
  }
  const body = { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace, labels: managed }, type: source.type, data: source.data ?? {} };
  if (!existing) {
    await c.call({ verb: 'create', resource: 'secrets', namespace, name }, (a) => a.core.createNamespacedSecret({ namespace, body }));
    return { ...item, action: 'created', note: `copied from ${from}` };
  }
  if (existing.type === source.type && JSON.stringify(sortKeys(existing.data)) === JSON.stringify(sortKeys(source.data))) {
    return { ...item, action: 'unchanged' };
  }
  await c.call({ verb: 'update', resource: 'secrets', namespace, name }, (a) => a.core.replaceNamespacedSecret({ name, namespace, body }));
  return { ...item, action: 'updated', note: `copied from ${from}` };
}

function sortKeys(o: Record<string, string> | undefined): Array<[string, string]> {
  return Object.entries(o ?? {}).sort(([a], [b]) => a.localeCompare(b));
}
