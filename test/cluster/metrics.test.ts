// Resource metrics on the loopback control plane: KWOK emulates each pod's CPU from its
// kwok.x-k8s.io/usage-cpu annotation and serves kubelet-style /metrics/resource per node,
// metrics-server scrapes it and serves the aggregated metrics.k8s.io API, and `kubectl top`
// reads that — the pipeline the real HPA controller uses.
import { AppsV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USAGE_CPU_ANNOTATION } from '../../src/env/cluster/kube/pod-usage.js';
import { kubectl, milliCores } from './metrics-helpers.js';
import { createTestNamespace, deleteTestNamespace, loadTestKubeConfig, testKubeconfigPath, virtualDeployment, waitFor } from './helpers.js';

describe('resource metrics: KWOK usage emulation, metrics-server, kubectl top', () => {
  let kc: KubeConfig;
  let ns: string;

  beforeAll(async () => {
    kc = loadTestKubeConfig();
    ns = await createTestNamespace(kc, 'metrics');
  });
  afterAll(async () => {
    if (ns) await deleteTestNamespace(kc, ns, { wait: false });
  });

  it('kubectl top pods shows the CPU the usage annotation sets, and follows a change', async () => {
    const dep = virtualDeployment({ name: 'busy', namespace: ns, replicas: 2, cpu: '500m' });
    dep.spec!.template.metadata!.annotations = { [USAGE_CPU_ANNOTATION]: '300m' };
    await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({ namespace: ns, body: dep });
    const custom = kc.makeApiClient(CustomObjectsApi);
    const podCpu = async (): Promise<number[]> => {
      const list = (await custom.listNamespacedCustomObject({ group: 'metrics.k8s.io', version: 'v1beta1', namespace: ns, plural: 'pods' })) as {
        items: Array<{ containers: Array<{ usage: { cpu: string } }> }>;
      };
      return list.items.map((p) => p.containers.reduce((s, c) => s + milliCores(c.usage.cpu), 0));
    };
    const t0 = Date.now();
    // metrics-server needs two scrapes (15 s resolution) of KWOK's cumulative counter for a rate.
    const first = await waitFor(async () => {
      const v = await podCpu();
      return v.length === 2 && v.every((m) => Math.abs(m - 300) <= 15) ? v : null;
    }, { timeoutMs: 90_000, intervalMs: 2000, what: 'metrics.k8s.io to report ~300m for both pods' });
    console.log(`[metrics] first pod metrics after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${first.map((m) => m.toFixed(1)).join(', ')} m`);

    const top = kubectl(testKubeconfigPath(), ['top', 'pods', '-n', ns, '--no-headers']);
    const rows = top.trim().split('\n').map((l) => l.trim().split(/\s+/));
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(r[0]).toMatch(/^busy-/);
      expect(Math.abs(Number(r[1]!.replace(/m$/, '')) - 300)).toBeLessThanOrEqual(15);
    }

    // A new value reaches the metrics API within two scrapes: what the kube backend relies on.
    const apps = kc.makeApiClient(AppsV1Api);
    await apps.patchNamespacedDeployment({
      name: 'busy',
      namespace: ns,
      body: [{ op: 'replace', path: `/spec/template/metadata/annotations/${USAGE_CPU_ANNOTATION.replace('/', '~1')}`, value: '120m' }],
    });
    const t1 = Date.now();
    await waitFor(async () => {
      const v = await podCpu();
      return v.length === 2 && v.every((m) => Math.abs(m - 120) <= 10) ? v : null;
    }, { timeoutMs: 90_000, intervalMs: 2000, what: 'the metrics to follow the new usage (120m)' });
    console.log(`[metrics] new usage visible after ${((Date.now() - t1) / 1000).toFixed(1)} s (new pods of the rollout included)`);
  });
});
