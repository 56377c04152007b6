// Helpers for the kube-backend cluster suites (kube-*.test.ts), on top of helpers.ts.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  loadAllYaml,
  RbacAuthorizationV1Api,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { RUN_LABEL } from '../../src/env/cluster/kube/labels.js';
import { readTrace } from '../../src/env/trace/trace-codec.js';
import { buildTraceModel, findWorkload, type TraceModel, type Workload } from '../../src/env/trace/trace-model.js';
import { isApiError, waitFor } from './helpers.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The bundled DeathStarBench trace (27 Deployments in `dsb`). */
export const DSB_TRACE = join(repoRoot, 'examples/traces/dsb-scaling.sktrace');
/** SimKube's CRDs (MIT, SimKube contributors), copied with attribution. */
export const SIMKUBE_CRD = join(repoRoot, 'test/cluster/fixtures/simkube.io_simulations.yml');

/** The DSB trace decoded, and its nginx-thrift deployment. */
export async function loadDsb(): Promise<{ model: TraceModel; controlled: Workload; path: string }> {
  const model = buildTraceModel(readTrace(DSB_TRACE));
  const controlled = findWorkload(model, 'dsb/nginx-thrift');
  if (!controlled) throw new Error('dsb-scaling.sktrace has no dsb/nginx-thrift');
  return { model, controlled, path: DSB_TRACE };
}

/** A scratch directory for kubeconfigs, traces and run directories. */
export function scratchDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `simenv-${prefix}-`));
}

/** Write a KubeConfig to a file (the kube backend takes a path) and return the path. */
export function writeKubeconfig(kc: KubeConfig, dir: string, name = 'kubeconfig'): string {
  const path = join(dir, name);
  writeFileSync(path, kc.exportConfig(), { mode: 0o600 });
  return path;
}

/** A copy of `kc` whose cluster points at another server address (same credentials). */
export function kubeconfigWithServer(kc: KubeConfig, server: string): KubeConfig {
  const cluster = kc.getCurrentCluster()!;
  const user = kc.getCurrentUser()!;
  const out = new KubeConfig();
  out.loadFromOptions({
    clusters: [{ ...cluster, name: 'elsewhere', server }],
    users: [{ ...user }],
    contexts: [{ name: 'elsewhere', cluster: 'elsewhere', user: user.name }],
    currentContext: 'elsewhere',
  });
  return out;
}

/** Objects carrying the run label (any run, or one run) in a namespace, by resource. */
export async function labelledObjects(kc: KubeConfig, namespace: string, runId?: string): Promise<Record<string, string[]>> {
  const labelSelector = runId ? `${RUN_LABEL}=${runId}` : RUN_LABEL;
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const names = (items: Array<{ metadata?: { name?: string } }>) => items.map((i) => i.metadata?.name ?? '?').sort();
  return {
    deployments: names((await apps.listNamespacedDeployment({ namespace, labelSelector })).items),
    replicasets: names((await apps.listNamespacedReplicaSet({ namespace, labelSelector })).items),
    pods: names((await core.listNamespacedPod({ namespace, labelSelector })).items),
  };
}

/** Total count of labelled objects. */
export function total(objs: Record<string, string[]>): number {
  return Object.values(objs).reduce((n, l) => n + l.length, 0);
}

function crdDocs(): V1CustomResourceDefinition[] {
  return loadAllYaml(readFileSync(SIMKUBE_CRD, 'utf8')).filter(Boolean) as V1CustomResourceDefinition[];
}

/** Install SimKube's CRDs and wait until the API serves simkube.io/v1 simulations. */
export async function installSimKubeCrds(kc: KubeConfig): Promise<void> {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  for (const crd of crdDocs()) {
    try {
      await ext.createCustomResourceDefinition({ body: crd });
    } catch (err) {
      if (!isApiError(err, 409)) throw err;
    }
  }
  await waitFor(
    async () => {
      const c = await ext.readCustomResourceDefinition({ name: 'simulations.simkube.io' });
      return c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True');
    },
    { timeoutMs: 30_000, what: 'the simulations.simkube.io CRD to be established' },
  );
}

/** Remove SimKube's CRDs (if installed) and wait until discovery no longer lists them. */
export async function removeSimKubeCrds(kc: KubeConfig): Promise<void> {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  for (const crd of crdDocs()) {
    try {
      await ext.deleteCustomResourceDefinition({ name: crd.metadata!.name! });
    } catch (err) {
      if (!isApiError(err, 404)) throw err;
    }
  }
  await waitFor(
    async () => {
      try {
        await ext.readCustomResourceDefinition({ name: 'simulations.simkube.io' });
        return false;
      } catch (err) {
        return isApiError(err, 404);
      }
    },
    { timeoutMs: 60_000, intervalMs: 500, what: 'the simulations.simkube.io CRD to be deleted' },
  );
}

/** Delete a ClusterRole and ClusterRoleBinding pair (what setup creates per ServiceAccount), if present. */
export async function deleteClusterRolePair(kc: KubeConfig, name: string): Promise<void> {
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  for (const del of [() => rbac.deleteClusterRoleBinding({ name }), () => rbac.deleteClusterRole({ name })]) {
    try {
      await del();
    } catch (err) {
      if (!isApiError(err, 404)) throw err;
    }
  }
}

/** A log sink that keeps the backend's lines (printed when a test fails, via the returned array). */
export function memoryLog(): { lines: string[]; log: (m: string) => void } {
  const lines: string[] = [];
  return { lines, log: (m) => lines.push(m) };
}
