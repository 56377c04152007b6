// Preflight and setup against the real control plane: each failure the prototype met in
// practice is caused for real here and must come back as its own check with its own message
// and fix. Nothing is mocked: namespaces, ServiceAccounts, Roles and tokens are real objects.
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { encode } from '@msgpack/msgpack';
import { CoreV1Api, type KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createKubeBackend } from '../../src/env/cluster/kube/kube-backend.js';
import { parseKubeOptions } from '../../src/env/cluster/kube/kube-options.js';
import { runPreflight, type PreflightReport } from '../../src/env/cluster/kube/preflight.js';
import { clusterRoleName, roleName, runSetup } from '../../src/env/cluster/kube/setup.js';
import { ClusterError, PreflightError } from '../../src/env/errors.js';
import { Rng } from '../../src/env/rng.js';
import { SimEnv } from '../../src/env/sim-env.js';
import { main } from '../../src/runner/cli.js';
import { serviceAccountKubeConfig, testKubeconfigPath, useTestNamespaces } from './helpers.js';
import { deleteClusterRolePair, DSB_TRACE, kubeconfigWithServer, labelledObjects, loadDsb, memoryLog, scratchDir, total, writeKubeconfig } from './kube-helpers.js';

const SA = 'sk-ctrl-sa';

function check(report: PreflightReport, name: string) {
  const r = report.results.find((x) => x.check === name);
  if (!r) throw new Error(`no ${name} check in the report: ${JSON.stringify(report.results)}`);
  return r;
}

/** Run the CLI in-process and capture what it prints. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  const before = process.exitCode;
  try {
    const code = await main(['node', 'simenv', ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = before;
  }
}

describe('kube preflight and setup on a real control plane', () => {
  const testNamespaces = useTestNamespaces();
  let kc: KubeConfig;
  let admin: string;
  const clusterRoles: string[] = [];
  let dir: string;

  beforeAll(() => {
    kc = testNamespaces.kc();
    admin = testKubeconfigPath();
    dir = scratchDir('preflight');
  });

  afterAll(async () => {
    for (const n of clusterRoles) await deleteClusterRolePair(kc, n);
  });

  async function freshNamespace(prefix: string): Promise<string> {
    return testNamespaces.create(prefix);
  }

  it('a missing ServiceAccount fails SimEnv.create before anything is created, naming it and the fix', async () => {
    const ns = await freshNamespace('pf-sa');
    const err = await SimEnv.create({
      trace: DSB_TRACE,
      deployment: 'dsb/nginx-thrift',
      backend: 'kube',
      kube: { kubeconfig: admin, namespace: ns, serviceAccount: SA },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PreflightError);
    const pe = err as PreflightError;
    expect(pe.check).toBe('serviceaccount');
    expect(pe.message).toContain(`serviceaccount "${SA}" not found in namespace ${ns}`);
    expect(pe.fix).toContain(`simenv setup --ns ${ns} --service-account ${SA}`);
    expect(total(await labelledObjects(kc, ns))).toBe(0);

    // the fix works: after setup the same create passes preflight
    clusterRoles.push(clusterRoleName(ns, SA));
    await runSetup({ options: parseKubeOptions({ kubeconfig: admin, namespace: ns, serviceAccount: SA }), ...(await loadDsb()) });
    const env = await SimEnv.create({
      trace: DSB_TRACE,
      deployment: 'dsb/nginx-thrift',
      backend: 'kube',
      kube: { kubeconfig: admin, namespace: ns, serviceAccount: SA },
    });
    expect(env.backendKind).toBe('kube');
    expect(env.isAsync).toBe(true);
    await env.close();
  });

  it('a missing Secret fails with its own message; setup --secrets-from copies it and the check passes', async () => {
    const ns = await freshNamespace('pf-secret');
    const source = await freshNamespace('pf-secret-src');
    const options = parseKubeOptions({ kubeconfig: admin, namespace: ns, secrets: ['simkube'] });
    const before = await runPreflight({ options, tracePath: DSB_TRACE });
    expect(before.ok).toBe(false);
    const secret = check(before, 'secret');
    expect(secret.status).toBe('fail');
    expect(secret.message).toBe(`secret "simkube" not found in namespace ${ns}: the driver container would start and exit`);
    expect(secret.fix).toContain('--secrets-from');

    await kc.makeApiClient(CoreV1Api).createNamespacedSecret({
      namespace: source,
      body: { metadata: { name: 'simkube' }, stringData: { AWS_ACCESS_KEY_ID: 'test' } },
    });
    clusterRoles.push(clusterRoleName(ns, SA));
    const setup = await runSetup({ options, secretsFrom: source });
    expect(setup.items.find((i) => i.kind === 'Secret')).toMatchObject({ action: 'created', note: `copied from ${source}` });
    const copied = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ name: 'simkube', namespace: ns });
    expect(Buffer.from(copied.data!.AWS_ACCESS_KEY_ID!, 'base64').toString()).toBe('test');
    const after = await runPreflight({ options, tracePath: DSB_TRACE });
    expect(check(after, 'secret').status).toBe('ok');
    expect(after.ok).toBe(true);
  });

  it('an unparseable trace and a version-1 trace are each reported by the trace check', async () => {
    const garbage = join(dir, 'garbage.sktrace');
    writeFileSync(garbage, Buffer.from('not a trace \x00\xff'));
    const v1 = join(dir, 'v1.sktrace');
    writeFileSync(v1, encode({ version: 1, config: { trackedObjects: {} }, events: [], index: {}, pod_lifecycles: {} }));
    const options = parseKubeOptions({ kubeconfig: admin, namespace: 'default' });

    const bad = check(await runPreflight({ options, tracePath: garbage }), 'trace');
    expect(bad.status).toBe('fail');
    expect(bad.message).toContain(`${garbage}: not a trace SimKube can parse`);

    const old = check(await runPreflight({ options, tracePath: v1 }), 'trace');
    expect(old.status).toBe('fail');
    expect(old.message).toContain('expected trace format version 2, got 1');
    expect(old.message).toContain('could not parse trace file');

    // the CLI prints the report and exits 1
    const run = await cli(['preflight', '--trace', v1, '--kubeconfig', admin, '--ns', 'default']);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/FAIL trace\s+.*expected trace format version 2, got 1/);
    expect(run.out).toContain('preflight failed');
  });

  it('an unreachable API server fails fast with its address; a silent one times out at connectMs', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const closed = writeKubeconfig(kubeconfigWithServer(kc, `https://127.0.0.1:${port}`), dir, 'closed');

    const t0 = performance.now();
    const err = await SimEnv.create({ trace: DSB_TRACE, deployment: 'dsb/nginx-thrift', backend: 'kube', kube: { kubeconfig: closed, namespace: 'default' } }).catch(
      (e: unknown) => e,
    );
    const elapsed = performance.now() - t0;
    expect(err).toBeInstanceOf(PreflightError);
    expect((err as PreflightError).check).toBe('api');
    expect((err as PreflightError).message).toContain(`cannot reach the API server at https://127.0.0.1:${port}`);
    expect((err as PreflightError).message).toContain('ECONNREFUSED');
    expect(elapsed).toBeLessThan(5_000);

    // A server that accepts connections and never answers: bounded by timeouts.connectMs.
    const silent: Server = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const sport = (silent.address() as { port: number }).port;
      const hung = writeKubeconfig(kubeconfigWithServer(kc, `https://127.0.0.1:${sport}`), dir, 'silent');
      const t1 = performance.now();
      const report = await runPreflight({ options: parseKubeOptions({ kubeconfig: hung, namespace: 'default', timeouts: { connectMs: 1000 } }) });
      const waited = performance.now() - t1;
      const api = check(report, 'api');
      expect(api.status).toBe('fail');
      expect(api.message).toContain(`https://127.0.0.1:${sport}`);
      expect(api.message).toContain('within 1000 ms');
      expect(waited).toBeGreaterThanOrEqual(900);
      expect(waited).toBeLessThan(4_000);
      expect(check(report, 'cluster').status).toBe('skip');
    } finally {
      silent.close();
    }
  });

  it('a kubeconfig context that does not exist is a preflight failure listing the contexts', async () => {
    const err = await SimEnv.create({
      trace: DSB_TRACE,
      deployment: 'dsb/nginx-thrift',
      backend: 'kube',
      kube: { kubeconfig: admin, context: 'no-such-context' },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PreflightError);
    expect((err as PreflightError).check).toBe('kubeconfig');
    expect((err as PreflightError).message).toContain('got "no-such-context"');
    expect((err as PreflightError).message).toContain(kc.getCurrentContext());
  });

  it('setup is least privilege and idempotent: a second run changes nothing, and the ServiceAccount passes preflight', async () => {
    const ns = await freshNamespace('pf-setup');
    const { model, controlled } = await loadDsb();
    const options = parseKubeOptions({ kubeconfig: admin, namespace: ns, serviceAccount: SA });
    clusterRoles.push(clusterRoleName(ns, SA));
    const first = await runSetup({ options, model, controlled });
    expect(first.changed).toBe(true);
    expect(first.items.map((i) => `${i.kind}:${i.action}`)).toEqual([
      'Namespace:unchanged',
      'ServiceAccount:created',
      'Role:created',
      'RoleBinding:created',
      'ClusterRole:created',
      'ClusterRoleBinding:created',
    ]);
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    const role = await rbac.readNamespacedRole({ name: roleName(SA), namespace: ns });
    const rv = role.metadata!.resourceVersion;
    const second = await runSetup({ options, model, controlled });
    expect(second.changed).toBe(false);
    expect(second.items.every((i) => i.action === 'unchanged')).toBe(true);
    expect((await rbac.readNamespacedRole({ name: roleName(SA), namespace: ns })).metadata!.resourceVersion).toBe(rv);
    expect((await rbac.listNamespacedRole({ namespace: ns })).items).toHaveLength(1);
    expect((await rbac.listNamespacedRoleBinding({ namespace: ns })).items).toHaveLength(1);

    // never cluster-admin, never a wildcard; cluster-wide only read-only nodes
    const cr = await rbac.readClusterRole({ name: clusterRoleName(ns, SA) });
    expect(cr.rules).toEqual([{ apiGroups: [''], resources: ['nodes'], verbs: ['list', 'watch'] }]);
    for (const r of role.rules ?? []) {
      expect(r.verbs).not.toContain('*');
      expect(r.resources).not.toContain('*');
    }
    const binding = await rbac.readNamespacedRoleBinding({ name: roleName(SA), namespace: ns });
    expect(binding.roleRef).toMatchObject({ kind: 'Role', name: roleName(SA) });

    // the ServiceAccount's own token holds exactly what a run needs
    const { kubeConfig } = await serviceAccountKubeConfig(kc, { namespace: ns, name: SA });
    const saPath = writeKubeconfig(kubeConfig, dir, `sa-${ns}`);
    const asSa = await runPreflight({ options: parseKubeOptions({ kubeconfig: saPath, namespace: ns, serviceAccount: SA }), model, controlled });
    expect(asSa.results.filter((r) => r.status !== 'ok')).toEqual([]);

    // and the CLI says so
    const again = await cli(['setup', '--trace', DSB_TRACE, '--kubeconfig', admin, '--ns', ns, '--service-account', SA]);
    expect(again.code).toBe(0);
    expect(again.out).toContain('setup unchanged');
  });

  it('a Role without patch on deployments/scale: preflight and the scaling call both say forbidden, naming verb and resource', async () => {
    const ns = await freshNamespace('pf-forbid');
    const { model, controlled } = await loadDsb();
    clusterRoles.push(clusterRoleName(ns, SA));
    await runSetup({ options: parseKubeOptions({ kubeconfig: admin, namespace: ns, serviceAccount: SA }), model, controlled });
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    const role = await rbac.readNamespacedRole({ name: roleName(SA), namespace: ns });
    role.rules = (role.rules ?? []).filter((r) => !(r.resources ?? []).includes('deployments/scale'));
    await rbac.replaceNamespacedRole({ name: roleName(SA), namespace: ns, body: role });
    const { kubeConfig } = await serviceAccountKubeConfig(kc, { namespace: ns, name: SA });
    const saPath = writeKubeconfig(kubeConfig, dir, `sa-${ns}`);

    const report = await runPreflight({ options: parseKubeOptions({ kubeconfig: saPath, namespace: ns }), model, controlled });
    const r = check(report, 'rbac');
    expect(r.status).toBe('fail');
    expect(r.message).toContain(`forbidden: cannot patch deployments/scale.apps in namespace ${ns}: grant "patch" on "deployments/scale" (API group "apps")`);
    expect(r.fix).toContain('simenv setup');

    // Past preflight, the real PATCH on the scale subresource is refused with the same words.
    const { lines, log } = memoryLog();
    const backend = await createKubeBackend({ model, controlled, tracePath: DSB_TRACE, log }, { kubeconfig: saPath, namespace: ns, preflight: false, workloads: [], speed: 10 });
    try {
      await backend.reset({ startTimeS: 0, initialReplicas: 1, rng: new Rng(0) });
      const err = await Promise.resolve(backend.setDesiredReplicas(3)).catch((e: unknown) => e);
      expect(err, lines.join('\n')).toBeInstanceOf(ClusterError);
      const msg = (err as ClusterError).message;
      expect(msg).toMatch(new RegExp(`^forbidden: cannot patch deployments/scale "nginx-thrift" in namespace ${ns} at https://127\\.0\\.0\\.1:\\d+: grant "patch" on "deployments/scale"`));
      expect((err as ClusterError).status).toBe(403);
    } finally {
      await backend.close();
    }
    expect(total(await labelledObjects(kc, ns))).toBe(0);
  });
});
