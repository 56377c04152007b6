// SimKube mode against the real control plane. There is no SimKube controller here, so the
// test plays its part: it checks the Simulation simenv creates, moves its status to Running,
// and creates the simulated objects where SimKube's driver would (`<prefix>-dsb`), proving
// that simenv observes and scales them there and not in the driver's namespace (where the
// prototype looked and saw zero pods). A missing CRD is a preflight failure.
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DRIVER_IMAGE, parseKubeOptions } from '../../src/env/cluster/kube/kube-options.js';
import { RUN_LABEL } from '../../src/env/cluster/kube/labels.js';
import { runPreflight } from '../../src/env/cluster/kube/preflight.js';
import { clusterRoleName, runSetup } from '../../src/env/cluster/kube/setup.js';
import { PreflightError } from '../../src/env/errors.js';
import { SimEnv } from '../../src/env/sim-env.js';
import { createTestNamespace, deleteTestNamespace, isApiError, loadTestKubeConfig, testKubeconfigPath, virtualDeployment, waitFor } from './helpers.js';
import { deleteClusterRolePair, DSB_TRACE, installSimKubeCrds, loadDsb, removeSimKubeCrds } from './kube-helpers.js';

const SA = 'sk-ctrl-sa';
const SIM = { group: 'simkube.io', version: 'v1', plural: 'simulations' };

describe('kube backend, SimKube mode, on a real control plane', () => {
  let kc: KubeConfig;
  let admin: string;
  let driverNs: string;
  /** A prefix of our own, so the virtual namespace cannot collide with another run's. */
  const prefix = `vt${randomBytes(3).toString('hex')}`;
  const virtualNs = `${prefix}-dsb`;
  const namespaces: string[] = [];

  beforeAll(async () => {
    kc = loadTestKubeConfig();
    admin = testKubeconfigPath();
    driverNs = await createTestNamespace(kc, 'sk-driver');
    namespaces.push(driverNs, virtualNs);
  });

  afterAll(async () => {
    await deleteClusterRolePair(kc, clusterRoleName(driverNs, SA));
    for (const ns of namespaces) await deleteTestNamespace(kc, ns, { wait: false });
    await removeSimKubeCrds(kc);
  });

  it('without the simulations.simkube.io CRD, preflight fails on it and SimEnv.create refuses', async () => {
    await removeSimKubeCrds(kc);
    const { model, controlled } = await loadDsb();
    const options = parseKubeOptions({ kubeconfig: admin, namespace: driverNs, mode: 'simkube', virtualNsPrefix: prefix });
    const setup = await runSetup({ options, model, controlled });
    expect(setup.items.map((i) => `${i.kind} ${i.namespace ?? ''}`)).toContain(`Role ${virtualNs}`);
    const report = await runPreflight({ options, model, controlled, tracePath: DSB_TRACE });
    const crd = report.results.find((r) => r.check === 'crd')!;
    expect(crd.status).toBe('fail');
    expect(crd.message).toContain('the CustomResourceDefinition simulations.simkube.io (simkube.io/v1) is not installed');
    expect(crd.fix).toContain('install SimKube');
    // the driver reads a local file through a hostPath mount: never passed silently
    const tracePath = report.results.find((r) => r.check === 'trace-path')!;
    expect(tracePath.status).toBe('warn');
    expect(tracePath.fix).toContain('extraMounts');
    expect(report.results.filter((r) => r.status === 'fail').map((r) => r.check)).toEqual(['crd']);

    const err = await SimEnv.create({
      trace: DSB_TRACE,
      deployment: 'dsb/nginx-thrift',
      backend: 'kube',
      kube: { kubeconfig: admin, namespace: driverNs, mode: 'simkube', virtualNsPrefix: prefix },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PreflightError);
    expect((err as PreflightError).check).toBe('crd');
  });

  it('creates the Simulation with the right spec, follows its status, and observes and scales the virtual namespace', async () => {
    await installSimKubeCrds(kc);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    const runId = `sk-${randomBytes(3).toString('hex')}`;
    const env = await SimEnv.create({
      trace: DSB_TRACE,
      deployment: 'dsb/nginx-thrift',
      backend: 'kube',
      stepSeconds: 15,
      horizon: 4,
      maxReplicas: 10,
      kube: { kubeconfig: admin, namespace: driverNs, mode: 'simkube', speed: 10, runId, virtualNsPrefix: prefix, timeouts: { simulationStartMs: 60_000, settleMs: 60_000 } },
    });
    try {
      const resetting = env.resetAsync({ seed: 1 });
      resetting.catch(() => {}); // awaited below; avoid an unhandled rejection while we act

      // Acting as SimKube's controller: the Simulation appears with the spec we asked for...
      const sim = await waitFor(
        async () => {
          const list = (await custom.listClusterCustomObject({ ...SIM, labelSelector: `${RUN_LABEL}=${runId}` })) as { items: Array<Record<string, any>> };
          return list.items[0];
        },
        { timeoutMs: 30_000, what: 'the Simulation' },
      );
      expect(sim.metadata.name).toBe(`simenv-${runId}-e1`);
      expect(sim.spec.driver).toEqual({
        image: DEFAULT_DRIVER_IMAGE,
        namespace: driverNs,
        port: 8888,
        tracePath: `file://${DSB_TRACE}`,
        virtualNsPrefix: prefix,
      });
      expect(sim.spec).toMatchObject({ duration: '1134s', speed: 10, repetitions: 1 });

      // ...the driver recreates the traced objects in <prefix>-dsb and the Simulation runs.
      await core.createNamespace({ body: { metadata: { name: virtualNs } } }).catch((e: unknown) => {
        if (!isApiError(e, 409)) throw e;
      });
      const dep = virtualDeployment({ name: 'nginx-thrift', namespace: virtualNs, replicas: 1, labels: { service: 'nginx-thrift' }, cpu: '1' });
      dep.spec!.selector = { matchLabels: { service: 'nginx-thrift' } };
      await apps.createNamespacedDeployment({ namespace: virtualNs, body: dep });
      // A decoy with the same labels in the driver's namespace: it must not be counted.
      const decoy = virtualDeployment({ name: 'nginx-thrift', namespace: driverNs, replicas: 2, labels: { service: 'nginx-thrift' }, cpu: '1' });
      decoy.spec!.selector = { matchLabels: { service: 'nginx-thrift' } };
      await apps.createNamespacedDeployment({ namespace: driverNs, body: decoy });
      await custom.patchClusterCustomObjectStatus({
        ...SIM,
        name: sim.metadata.name,
        body: [{ op: 'add', path: '/status', value: { state: 'Running', observedGeneration: 1 } }],
      });

      const reset = await resetting;
      expect(reset.info.observation.desired).toBe(1);
      expect(reset.info.observation.ready).toBe(1);

      const stepped = await env.stepAsync(3);
      expect(stepped.info.action.applied).toBe(3);
      expect((await apps.readNamespacedDeployment({ name: 'nginx-thrift', namespace: virtualNs })).spec!.replicas).toBe(3);
      expect((await apps.readNamespacedDeployment({ name: 'nginx-thrift', namespace: driverNs })).spec!.replicas).toBe(2);
      const after = await env.stepAsync(3);
      expect(after.info.observation.ready).toBe(3);
      expect(after.info.observation.desired).toBe(3);
    } finally {
      await env.close();
    }
    const left = (await custom.listClusterCustomObject({ ...SIM, labelSelector: `${RUN_LABEL}=${runId}` })) as { items: unknown[] };
    expect(left.items).toEqual([]);
  });
});
