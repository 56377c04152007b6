import { describe, expect, it } from 'vitest';
import { describePermission, runPermissions, serviceAccountPermissions, toPolicyRules, type PermissionInput } from '../../../../src/env/cluster/kube/permissions.js';
import { resourceInfo } from '../../../../src/env/cluster/kube/resources.js';

const base: PermissionInput = {
  mode: 'replay',
  namespace: 'dsb',
  kinds: [resourceInfo('Deployment', 'apps/v1')],
  controlled: resourceInfo('Deployment', 'apps/v1'),
  secrets: [],
  createNamespace: false,
};

const has = (perms: ReturnType<typeof runPermissions>, verb: string, resource: string, namespace?: string) =>
  perms.some((p) => p.verb === verb && p.resource === resource && p.namespace === namespace);

describe('runPermissions', () => {
  it('replay: write verbs on the trace kinds, patch on the scale subresource, read pods and nodes — nothing wider', () => {
    const p = runPermissions(base);
    expect(has(p, 'patch', 'deployments/scale', 'dsb')).toBe(true);
    expect(has(p, 'create', 'deployments', 'dsb')).toBe(true);
    expect(has(p, 'deletecollection', 'deployments', 'dsb')).toBe(true);
    expect(has(p, 'watch', 'pods', 'dsb')).toBe(true);
    expect(has(p, 'list', 'nodes', undefined)).toBe(true);
    expect(has(p, 'create', 'namespaces', undefined)).toBe(false);
    expect(p.some((x) => x.resource === '*' || x.verb === '*')).toBe(false);
    // cluster-scoped permissions are read-only
    expect(p.filter((x) => x.namespace === undefined).every((x) => ['list', 'watch', 'get'].includes(x.verb))).toBe(true);
    expect(p.find((x) => x.resource === 'namespaces')).toMatchObject({ verb: 'get', namespace: 'dsb', resourceNames: ['dsb'] });
  });

  it('asks for create namespaces, Secrets and the ServiceAccount only when the run needs them', () => {
    const p = runPermissions({ ...base, createNamespace: true, secrets: ['simkube'], serviceAccount: 'sk-ctrl-sa' });
    expect(has(p, 'create', 'namespaces', undefined)).toBe(true);
    expect(has(p, 'get', 'secrets', 'dsb')).toBe(true);
    expect(has(p, 'get', 'serviceaccounts', 'dsb')).toBe(true);
  });

  it('simkube: Simulations cluster-wide, pods and scaling in the virtual namespace', () => {
    const p = runPermissions({ ...base, mode: 'simkube', virtualNamespace: 'virtual-dsb' });
    expect(has(p, 'create', 'simulations', undefined)).toBe(true);
    expect(has(p, 'watch', 'pods', 'virtual-dsb')).toBe(true);
    expect(has(p, 'patch', 'deployments/scale', 'virtual-dsb')).toBe(true);
    expect(has(p, 'create', 'deployments', 'dsb')).toBe(false);
    const sa = serviceAccountPermissions({ ...base, mode: 'simkube', virtualNamespace: 'virtual-dsb', secrets: ['simkube'] });
    expect(has(sa, 'create', 'deployments', 'virtual-dsb')).toBe(true);
    expect(has(sa, 'get', 'secrets', 'dsb')).toBe(true);
  });

  it('permissions: patch pods for usage, HPA verbs and a deployment watch only when asked for', () => {
    const has = (p: PermissionInput, verb: string, resource: string) => runPermissions(p).some((x) => x.verb === verb && x.resource === resource && x.namespace === 'dsb');
    expect(has(base, 'patch', 'pods')).toBe(false);
    expect(has({ ...base, patchPods: true }, 'patch', 'pods')).toBe(true);
    expect(has(base, 'create', 'horizontalpodautoscalers')).toBe(false);
    expect(has({ ...base, hpa: true }, 'create', 'horizontalpodautoscalers')).toBe(true);
    expect(has({ ...base, hpa: true }, 'deletecollection', 'horizontalpodautoscalers')).toBe(true);
    expect(has({ ...base, hpa: true }, 'watch', 'deployments')).toBe(true);
  });
});

describe('toPolicyRules', () => {
  it('merges verbs per resource, sorted, in a stable order', () => {
    const rules = toPolicyRules(runPermissions(base).filter((p) => p.namespace === 'dsb'));
    const scale = rules.find((r) => r.resources[0] === 'deployments/scale')!;
    expect(scale).toEqual({ apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['patch'] });
    const deps = rules.find((r) => r.resources[0] === 'deployments')!;
    expect(deps.verbs).toEqual([...deps.verbs].sort());
    expect(new Set(rules.map((r) => `${r.apiGroups[0]}/${r.resources[0]}/${r.resourceNames ?? ''}`)).size).toBe(rules.length);
    expect(toPolicyRules(runPermissions(base).filter((p) => p.namespace === 'dsb').reverse())).toEqual(rules);
  });

  it('describes a permission the way the forbidden message names it', () => {
    expect(describePermission({ verb: 'patch', group: 'apps', resource: 'deployments/scale', namespace: 'x', why: '' })).toBe('patch deployments/scale.apps in namespace x');
    expect(describePermission({ verb: 'list', group: '', resource: 'nodes', why: '' })).toBe('list nodes (cluster-wide)');
  });
});
