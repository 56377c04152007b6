// Smoke test of the loopback control plane (scripts/control-plane): KWOK virtual nodes in
// SimKube's shape, Deployments that become Ready on them, the scale subresource, and RBAC.
import {
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createTestNamespace,
  deleteTestNamespace,
  isApiError,
  loadTestKubeConfig,
  serviceAccountKubeConfig,
  virtualDeployment,
  waitFor,
} from './helpers.js';

const EXPECTED_NODES = Number(process.env.SIMENV_CLUSTER_NODES ?? '4');

describe('loopback control plane', () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let namespace: string | undefined;

  beforeAll(async () => {
    kc = loadTestKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    namespace = await createTestNamespace(kc, 'cp-smoke');
  });

  afterAll(async () => {
    if (namespace) await deleteTestNamespace(kc, namespace, { timeoutMs: 90_000 });
  });

  it('gets the kubeconfig path from the global setup (env and provide/inject)', () => {
    expect(process.env.SIMENV_TEST_KUBECONFIG).toBeTruthy();
    expect(inject('simenvKubeconfig')).toBe(process.env.SIMENV_TEST_KUBECONFIG);
  });

  it('serves the API on 127.0.0.1 only', () => {
    const server = new URL(kc.getCurrentCluster()!.server);
    expect(server.protocol).toBe('https:');
    expect(server.hostname).toBe('127.0.0.1');
  });

  it(`has ${EXPECTED_NODES} Ready KWOK virtual nodes in SimKube's shape`, async () => {
    const nodes = (await core.listNode({ labelSelector: 'type=virtual' })).items;
    const names = nodes.map((n) => n.metadata!.name).sort();
    expect(names).toEqual(Array.from({ length: EXPECTED_NODES }, (_, i) => `kwok-node-${i}`).sort());
    for (const node of nodes) {
      const name = node.metadata!.name;
      expect(node.metadata!.annotations?.['kwok.x-k8s.io/node'], name).toBe('fake');
      expect(node.metadata!.labels?.type, name).toBe('virtual');
      expect(node.metadata!.labels?.['kubernetes.io/hostname'], name).toBe(name);
      expect(node.spec?.taints, name).toContainEqual(
        expect.objectContaining({ key: 'kwok-provider', value: 'true', effect: 'NoSchedule' }),
      );
      expect(node.status?.capacity, name).toMatchObject({ cpu: '36', memory: '72Gi', pods: '110' });
      expect(node.status?.allocatable, name).toMatchObject({ cpu: '35', memory: '71Gi', pods: '110' });
      const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
      expect(ready?.status, `${name} Ready condition`).toBe('True');
    }
  });

  it('runs a Deployment on the virtual nodes and scales it through the scale subresource', async () => {
    const ns = namespace!;
    const name = 'smoke';
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: virtualDeployment({ name, namespace: ns, replicas: 3 }),
    });

    const readyReplicas = async (want: number) =>
      waitFor(
        async () => {
          const d = await apps.readNamespacedDeployment({ name, namespace: ns });
          return (d.status?.readyReplicas ?? 0) === want && (d.status?.replicas ?? 0) === want ? d : false;
        },
        { timeoutMs: 60_000, intervalMs: 250, what: `deployment ${ns}/${name} to have ${want} ready replicas` },
      );

    const t0 = Date.now();
    await readyReplicas(3);
    const firstReadyMs = Date.now() - t0;

    const pods = (await core.listNamespacedPod({ namespace: ns, labelSelector: `app=${name}` })).items;
    expect(pods).toHaveLength(3);
    for (const pod of pods) {
      expect(pod.spec?.nodeName, pod.metadata!.name).toMatch(/^kwok-node-\d+$/);
      expect(pod.status?.phase, pod.metadata!.name).toBe('Running');
      expect(pod.status?.podIP, pod.metadata!.name).toBeTruthy();
    }

    const scaled = await apps.patchNamespacedDeploymentScale(
      { name, namespace: ns, body: { spec: { replicas: 5 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(scaled.spec?.replicas).toBe(5);
    const scale = await apps.readNamespacedDeploymentScale({ name, namespace: ns });
    expect(scale.spec?.replicas).toBe(5);
    await readyReplicas(5);

    // Scaling down removes pods: KWOK's pod-delete stage finalises them (there is no kubelet).
    await apps.patchNamespacedDeploymentScale(
      { name, namespace: ns, body: { spec: { replicas: 1 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await readyReplicas(1);
    await waitFor(
      async () => (await core.listNamespacedPod({ namespace: ns, labelSelector: `app=${name}` })).items.length === 1,
      { timeoutMs: 60_000, what: 'scaled-down pods to be deleted' },
    );

    // "in a few seconds": generous bound for a loaded 2-core CI machine.
    expect(firstReadyMs).toBeLessThan(30_000);
  });

  it('enforces RBAC: a ServiceAccount may list pods only once a RoleBinding allows it', async () => {
    const ns = namespace!;
    const { kubeConfig, username } = await serviceAccountKubeConfig(kc, { namespace: ns, name: 'nobody' });
    expect(username).toBe(`system:serviceaccount:${ns}:nobody`);
    const saCore = kubeConfig.makeApiClient(CoreV1Api);

    // The token authenticates (a 401 would mean the TokenRequest/issuer setup is broken) ...
    let err: unknown;
    try {
      await saCore.listNamespacedPod({ namespace: ns });
    } catch (e) {
      err = e;
    }
    expect(isApiError(err), `expected an API error, got ${String(err)}`).toBe(true);
    // ... and is refused by the authorizer.
    expect((err as { code: number }).code).toBe(403);
    expect(String((err as { body: unknown }).body)).toContain(`system:serviceaccount:${ns}:nobody`);

    // With a namespaced Role and RoleBinding the same token may list pods in that namespace
    // (and still not in others).
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: ns,
      body: {
        metadata: { name: 'pod-reader' },
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'nobody-reads-pods' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'nobody', namespace: ns }],
      },
    });
    const pods = await waitFor(() => saCore.listNamespacedPod({ namespace: ns }), {
      timeoutMs: 15_000,
      what: 'the RoleBinding to take effect',
    });
    expect(Array.isArray(pods.items)).toBe(true);
    await expect(saCore.listNamespacedPod({ namespace: 'default' })).rejects.toMatchObject({ code: 403 });
  });
});
