import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request, createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { traceForDriver } from '../../../../src/env/cluster/kube/local-driver.js';
import { portInUse } from '../../../../src/env/cluster/kube/local-driver-preflight.js';
import { buildLease, buildWebhookConfig, SK_LEASE_NAME, webhookConfigName } from '../../../../src/env/cluster/kube/sk-ctrl-objects.js';
import { makeWebhookCerts } from '../../../../src/env/cluster/kube/webhook-certs.js';
import { buildScenarioTrace } from '../../../../src/env/scenario-trace.js';
import { buildTraceModel, findWorkload } from '../../../../src/env/trace/trace-model.js';

const dir = mkdtempSync(join(tmpdir(), 'simenv-local-driver-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('local sk-driver: what simenv makes in sk-ctrl\'s place', () => {
  it('a webhook certificate for 127.0.0.1 that a client trusting only the CA accepts', async () => {
    const certs = await makeWebhookCerts(join(dir, 'pki'));
    const server = createServer({ cert: readFileSync(certs.certPath), key: readFileSync(certs.keyPath) }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/', method: 'GET', ca: certs.caPem }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.end();
      });
      expect(body).toBe('ok');
      expect(await portInUse(port)).toBe('EADDRINUSE');
    } finally {
      server.close();
    }
  });

  it('the Lease and the webhook configuration, owned by the Simulation and labelled with the run', () => {
    const sim = { name: 'simenv-r1-e1', uid: 'u-1' };
    const lease = buildLease('ctrl', sim, 'r1', new Date('2026-01-02T03:04:05.678Z')) as any;
    expect(lease.metadata).toMatchObject({ name: SK_LEASE_NAME, namespace: 'ctrl', labels: { 'simenv.io/run': 'r1' } });
    expect(lease.metadata.ownerReferences).toEqual([{ apiVersion: 'simkube.io/v1', kind: 'Simulation', name: 'simenv-r1-e1', uid: 'u-1' }]);
    expect(lease.spec).toEqual({ holderIdentity: 'simenv-r1-e1', acquireTime: '2026-01-02T03:04:05.678000Z', renewTime: '2026-01-02T03:04:05.678000Z' });
    const wh = buildWebhookConfig({ runId: 'r1', sim, port: 18888, caPem: 'PEM', virtualNsPrefix: 'virtual' }) as any;
    expect(wh.metadata.name).toBe(webhookConfigName('r1'));
    const hook = wh.webhooks[0];
    expect(hook.clientConfig).toEqual({ url: 'https://127.0.0.1:18888/', caBundle: Buffer.from('PEM').toString('base64') });
    expect(hook.rules).toEqual([{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods', 'pods/status'], scope: 'Namespaced' }]);
    expect(hook.matchConditions[0].expression).toBe("object.metadata.namespace.startsWith('virtual-')");
    expect(hook.failurePolicy).toBe('Fail');
  });

  it('the driver\'s trace: the controlled workload without spec.replicas, everything else untouched; cluster-scoped objects refused', () => {
    const scenario = {
      deployments: [
        { name: 'web', namespace: 'shop', replicas: [[0, 2], [60, 5]] as Array<[number, number]> },
        { name: 'db', namespace: 'shop', replicas: [[0, 3]] as Array<[number, number]> },
      ],
      nodes: [{ name: 'n1' }],
      durationS: 120,
    };
    const trace = buildScenarioTrace(scenario, { forDriver: true });
    const web = findWorkload(buildTraceModel(trace), 'shop/web')!;
    const out = traceForDriver(trace, web);
    const applied = out.events.flatMap((e) => e.applied_objs) as unknown as Array<{ metadata: { name: string }; spec: { replicas?: number } }>;
    expect(applied.filter((o) => o.metadata.name === 'web').map((o) => o.spec.replicas)).toEqual([undefined, undefined]);
    expect(applied.find((o) => o.metadata.name === 'db')!.spec.replicas).toBe(3);
    expect((trace.events[0]!.applied_objs.find((o) => o.metadata.name === 'web') as any).spec.replicas).toBe(2);
    expect(() => traceForDriver(buildScenarioTrace(scenario), web)).toThrow('expected only namespaced objects in a trace for sk-driver, got a cluster-scoped object (v1.Node n1)');
  });
});
