// SimKube mode with SimKube's own driver (sk-driver 2.7.0, `npm run simkube:build`) run by
// simenv on this machine (`simkubeDriver: local`), simenv playing SimKube's controller: the
// CRDs from `skctl crd`, the Lease, the Simulation's status, a 127.0.0.1 webhook certificate
// and the MutatingWebhookConfiguration. The driver replays the DeathStarBench trace into
// `<prefix>-dsb` while the agent scales nginx-thrift there. The episode test fails (never
// skips) when the binaries are missing; the preflight tests need no binary.
import { AppsV1Api, CoordinationV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_LABEL } from '../../src/env/cluster/kube/labels.js';
import { driverWorkDir } from '../../src/env/cluster/kube/local-driver.js';
import { portInUse } from '../../src/env/cluster/kube/local-driver-preflight.js';
import { parseKubeOptions } from '../../src/env/cluster/kube/kube-options.js';
import { runPreflight } from '../../src/env/cluster/kube/preflight.js';
import { INSTALL_FIX, simkubeTool } from '../../src/env/cluster/kube/simkube-tools.js';
import { webhookConfigName } from '../../src/env/cluster/kube/sk-ctrl-objects.js';
import { SimEnv } from '../../src/env/sim-env.js';
import { main } from '../../src/runner/cli.js';
import { createTestNamespace, deleteTestNamespace, isApiError, loadTestKubeConfig, testKubeconfigPath, waitFor } from './helpers.js';
import { DSB_TRACE, loadDsb, memoryLog } from './kube-helpers.js';

const SIM = { group: 'simkube.io', version: 'v1', plural: 'simulations' };

/** A port nothing listens on (the driver's webhook binds it). */
async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if (!(await portInUse(port))) return port;
  }
  throw new Error('no free port found');
}

async function gone(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return false;
  } catch (err) {
    if (isApiError(err, 404)) return true;
    throw err;
  }
}

describe('SimKube mode with the local sk-driver: preflight', () => {
  let kc: KubeConfig;
  let ns: string;
  let busy: Server | undefined;

  beforeAll(async () => {
    kc = loadTestKubeConfig();
    ns = await createTestNamespace(kc, 'skd-pre');
  });

  afterAll(async () => {
    busy?.close();
    await deleteTestNamespace(kc, ns, { wait: false });
  });

  it('reports a missing sk-driver binary, a port in use and a stale Lease, each with its fix', async () => {
    busy = createServer();
    const port = await freePort();
    await new Promise<void>((r) => busy!.listen(port, '127.0.0.1', () => r()));
    await kc.makeApiClient(CoordinationV1Api).createNamespacedLease({
      namespace: ns,
      body: { metadata: { name: 'sk-lease', namespace: ns, labels: { [RUN_LABEL]: 'crashed-run' } }, spec: { holderIdentity: 'simenv-crashed-run-e1' } },
    });
    const { model, controlled } = await loadDsb();
    const options = parseKubeOptions({
      kubeconfig: testKubeconfigPath(),
      namespace: ns,
      mode: 'simkube',
      simkubeDriver: 'local',
      driverPort: port,
      driverBinary: '/nonexistent/sk-driver',
    });
    const report = await runPreflight({ options, model, controlled, tracePath: DSB_TRACE });
    const byCheck = Object.fromEntries(report.results.map((r) => [r.check, r]));
    expect(byCheck['sk-driver']).toMatchObject({ status: 'fail', message: "expected SimKube's driver at /nonexistent/sk-driver, got no such file" });
    expect(byCheck['driver-port']!.status).toBe('fail');
    expect(byCheck['driver-port']!.message).toContain(`expected port ${port} free for the driver's webhook, got it in use (EADDRINUSE)`);
    expect(byCheck['driver-port']!.fix).toContain('--driver-port');
    expect(byCheck.lease!.status).toBe('fail');
    expect(byCheck.lease!.message).toContain(`stale Lease sk-lease in ${ns}: held by Simulation simenv-crashed-run-e1, which no longer exists`);
    expect(byCheck.lease!.fix).toBe(`simenv teardown --ns ${ns} --run crashed-run`);
    expect(byCheck['driver-trace']!.status).toBe('ok');
    // No ServiceAccount: the local driver runs with the kubeconfig's own credentials.
    expect(byCheck.serviceaccount).toBeUndefined();
    expect(report.ok).toBe(false);

    // The fix works: teardown removes the stale Lease, and the check passes.
    const code = await main(['node', 'simenv', 'teardown', '--ns', ns, '--run', 'crashed-run', '--kubeconfig', testKubeconfigPath()]);
    expect(code).toBe(0);
    const again = await runPreflight({ options, model, controlled, tracePath: DSB_TRACE });
    expect(again.results.find((r) => r.check === 'lease')!.status).toBe('ok');
  });
});

describe('SimKube mode with the local sk-driver: a DeathStarBench episode', () => {
  let kc: KubeConfig;
  let ns: string;
  const prefix = `vd${randomBytes(3).toString('hex')}`;
  const virtualNs = `${prefix}-dsb`;

  beforeAll(async () => {
    kc = loadTestKubeConfig();
    ns = await createTestNamespace(kc, 'skd');
  });

  afterAll(async () => {
    await deleteTestNamespace(kc, ns, { wait: false });
  });

  it('the driver replays the trace, ready replicas follow the agent, the webhook mutates the pods, nothing is left', async () => {
    for (const tool of ['sk-driver', 'skctl'] as const) {
      if (!existsSync(simkubeTool(tool))) throw new Error(`SimKube's ${tool} is not at ${simkubeTool(tool)}; run ${INSTALL_FIX}`);
    }
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const coord = kc.makeApiClient(CoordinationV1Api);
    const runId = `skd-${randomBytes(3).toString('hex')}`;
    const port = await freePort();
    const { lines, log } = memoryLog();
    const env = await SimEnv.create({
      trace: DSB_TRACE,
      deployment: 'dsb/nginx-thrift',
      backend: 'kube',
      stepSeconds: 60,
      horizon: 5,
      maxReplicas: 10,
      kube: {
        kubeconfig: testKubeconfigPath(),
        namespace: ns,
        mode: 'simkube',
        simkubeDriver: 'local',
        driverPort: port,
        speed: 20,
        runId,
        virtualNsPrefix: prefix,
        timeouts: { settleMs: 90_000 },
      },
    }, { log });
    const simName = `simenv-${runId}-e1`;
    try {
      const reset = await env.resetAsync({ seed: 1 });
      expect(reset.info.observation.desired).toBe(1);
      // SimKube's driver made every traced deployment in the virtual namespace, not just ours.
      await waitFor(async () => (await apps.listNamespacedDeployment({ namespace: virtualNs })).items.length === 27, {
        timeoutMs: 30_000,
        what: `the driver to create the 27 DSB deployments in ${virtualNs}`,
      });
      const vns = await core.readNamespace({ name: virtualNs });
      expect(vns.metadata?.labels?.['simkube.io/virtual']).toBe('true');
      // simenv's sk-ctrl steps: the Lease held by the Simulation, Running, the webhook config.
      const lease = await coord.readNamespacedLease({ name: 'sk-lease', namespace: ns });
      expect(lease.spec?.holderIdentity).toBe(simName);
      const sim = (await custom.getClusterCustomObject({ ...SIM, name: simName })) as { status?: { state?: string } };
      expect(sim.status?.state).toBe('Running');

      const scaled = await env.stepAsync(4);
      expect(scaled.info.action.applied).toBe(4);
      const followed = await env.stepAsync(4);
      expect(followed.info.observation.desired).toBe(4);
      expect(followed.info.observation.ready).toBe(4);
      const down = await env.stepAsync(2);
      expect(down.info.observation.desired).toBe(2);
      const settled = await env.stepAsync(2);
      expect(settled.info.observation.ready).toBe(2);

      // The driver's webhook mutated the pods on creation: its label, node selector and toleration.
      const pods = (await core.listNamespacedPod({ namespace: virtualNs, labelSelector: 'service=nginx-thrift' })).items.filter((p) => !p.metadata?.deletionTimestamp);
      expect(pods.length).toBeGreaterThanOrEqual(2);
      for (const p of pods) {
        expect(p.metadata?.labels?.['simkube.io/simulation']).toBe(simName);
        expect(p.metadata?.annotations?.['static.simkube.io/pod-spec-stable-hash']).toMatch(/^\d+$/);
        expect(p.spec?.nodeSelector?.type).toBe('virtual');
        expect(p.spec?.tolerations?.some((t) => t.key === 'kwok-provider' && t.operator === 'Exists')).toBe(true);
        expect(p.spec?.nodeName).toMatch(/^kwok-node-/);
      }
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- backend log ---\n${lines.join('\n')}`, { cause: err });
    } finally {
      await env.close();
    }

    // Nothing left behind: Simulation, Lease, webhook configuration, virtual namespace, process, certificates.
    const left = (await custom.listClusterCustomObject({ ...SIM, labelSelector: `${RUN_LABEL}=${runId}` })) as { items: unknown[] };
    expect(left.items).toEqual([]);
    expect(await gone(() => coord.readNamespacedLease({ name: 'sk-lease', namespace: ns }))).toBe(true);
    const admission = kc.makeApiClient((await import('@kubernetes/client-node')).AdmissionregistrationV1Api);
    expect(await gone(() => admission.readMutatingWebhookConfiguration({ name: webhookConfigName(runId) }))).toBe(true);
    await waitFor(() => gone(() => core.readNamespace({ name: virtualNs })), { timeoutMs: 60_000, what: `${virtualNs} to be deleted` });
    expect(existsSync(driverWorkDir(runId))).toBe(false);
    expect(await portInUse(port)).toBeUndefined();
  });
});

describe('SimKube mode with the local sk-driver: the webhook plumbing simenv sets up', () => {
  it('the API server calls https://127.0.0.1:<port>/ trusting simenv\'s CA, only for pods in the virtual namespaces', async () => {
    // A minimal admission server stands where sk-driver's webhook listens: it proves that the
    // certificate, caBundle, URL, rules and match condition simenv writes are what the API
    // server accepts and uses (the real driver's webhook is exercised by the episode test).
    const { makeWebhookCerts } = await import('../../src/env/cluster/kube/webhook-certs.js');
    const { buildWebhookConfig } = await import('../../src/env/cluster/kube/sk-ctrl-objects.js');
    const { createServer: createHttps } = await import('node:https');
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const kc = loadTestKubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    const admission = kc.makeApiClient((await import('@kubernetes/client-node')).AdmissionregistrationV1Api);
    const dir = mkdtempSync(join(tmpdir(), 'simenv-webhook-'));
    const prefix = `vw${randomBytes(3).toString('hex')}`;
    const runId = `wh-${randomBytes(3).toString('hex')}`;
    const port = await freePort();
    const certs = await makeWebhookCerts(join(dir, 'pki'));
    const seen: string[] = [];
    const server = createHttps({ cert: readFileSync(certs.certPath), key: readFileSync(certs.keyPath) }, (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const review = JSON.parse(body) as { request: { uid: string; namespace: string; operation: string; subResource?: string } };
        seen.push(`${review.request.operation} ${review.request.namespace}${review.request.subResource ? `/${review.request.subResource}` : ''}`);
        const patch = Buffer.from(JSON.stringify([{ op: 'add', path: '/metadata/labels', value: { 'simkube.io/simulation': 'sim-x' } }])).toString('base64');
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: true, patchType: 'JSONPatch', patch } }));
      });
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    const virtualNs = `${prefix}-dsb`;
    const otherNs = await createTestNamespace(kc, 'wh-other');
    const config = buildWebhookConfig({ runId, sim: { name: 'sim-x', uid: '00000000-0000-0000-0000-000000000001' }, port, caPem: certs.caPem, virtualNsPrefix: prefix }) as any;
    delete config.metadata.ownerReferences; // no Simulation here: nothing to own it
    try {
      await admission.createMutatingWebhookConfiguration({ body: config });
      await core.createNamespace({ body: { metadata: { name: virtualNs } } });
      const pod = (ns: string) => ({
        metadata: { name: 'p', namespace: ns },
        spec: { containers: [{ name: 'c', image: 'x' }], nodeSelector: { type: 'virtual' }, tolerations: [{ key: 'kwok-provider', operator: 'Exists' as const, effect: 'NoSchedule' as const }] },
      });
      // The API server may take a moment to load a new webhook configuration.
      const created = await waitFor(
        async () => {
          await core.deleteNamespacedPod({ name: 'p', namespace: virtualNs, gracePeriodSeconds: 0 }).catch(() => undefined);
          const p = await core.createNamespacedPod({ namespace: virtualNs, body: pod(virtualNs) });
          return p.metadata?.labels?.['simkube.io/simulation'] === 'sim-x' ? p : undefined;
        },
        { timeoutMs: 30_000, what: 'the webhook to label a pod in the virtual namespace' },
      );
      expect(created.metadata?.labels?.['simkube.io/simulation']).toBe('sim-x');
      const other = await core.createNamespacedPod({ namespace: otherNs, body: pod(otherNs) });
      expect(other.metadata?.labels?.['simkube.io/simulation']).toBeUndefined();
      expect(seen.every((s) => s.includes(virtualNs))).toBe(true);
      expect(seen).toContain(`CREATE ${virtualNs}`);
      // With the webhook down, failurePolicy Fail blocks pods there: why teardown deletes it first.
      await new Promise<void>((r) => server.close(() => r()));
      const blocked = await core.createNamespacedPod({ namespace: virtualNs, body: { ...pod(virtualNs), metadata: { name: 'q', namespace: virtualNs } } }).catch((e: unknown) => e);
      expect(isApiError(blocked)).toBe(true);
      expect(String((blocked as Error).message)).toContain('sk-driver.simkube.io');
    } finally {
      server.close();
      await admission.deleteMutatingWebhookConfiguration({ name: config.metadata.name }).catch(() => undefined);
      await deleteTestNamespace(kc, virtualNs, { wait: false });
      await deleteTestNamespace(kc, otherNs, { wait: false });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
