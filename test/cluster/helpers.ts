// Helpers for the real-cluster suites (test/cluster/*.test.ts), which run against the loopback
// control plane started by test/cluster/global-setup.ts (scripts/control-plane/up.sh).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiException, CoreV1Api, KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, inject } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Label put on every namespace the cluster tests create, for bulk cleanup. */
export const TEST_NAMESPACE_LABEL = 'simenv.dev/cluster-test';

/** Path of the admin kubeconfig of the cluster under test. */
export function testKubeconfigPath(): string {
  let path = process.env.SIMENV_TEST_KUBECONFIG;
  if (!path) {
    try {
      path = inject('simenvKubeconfig');
    } catch {
      path = undefined; // not inside a vitest worker
    }
  }
  if (!path) {
    const dir = process.env.SIMENV_CLUSTER_DIR ? resolve(process.env.SIMENV_CLUSTER_DIR) : join(repoRoot, '.cluster');
    path = join(dir, 'kubeconfig');
  }
  if (!existsSync(path)) {
    throw new Error(
      `no kubeconfig at ${path}: start the test cluster with 'npm run cluster:up' ` +
        `or run the suites with 'npm run test:cluster' (its global setup starts it)`,
    );
  }
  return path;
}

/** A KubeConfig (admin: system:masters) for the cluster under test. */
export function loadTestKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(testKubeconfigPath());
  return kc;
}

/**
 * A fresh, valid namespace name: `<prefix>-<base36 time>-<random>`, lower case, at most 63
 * characters. It does not create the namespace (see createTestNamespace).
 */
export function uniqueNamespace(prefix: string): string {
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'test';
  const suffix = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  return `${clean}-${suffix}`.slice(0, 63).replace(/-+$/, '');
}

/** Creates a namespace labelled as a test namespace and returns its name. */
export async function createTestNamespace(kc: KubeConfig, prefix: string): Promise<string> {
  const name = uniqueNamespace(prefix);
  await kc.makeApiClient(CoreV1Api).createNamespace({
    body: { metadata: { name, labels: { [TEST_NAMESPACE_LABEL]: 'true' } } },
  });
  return name;
}

/**
 * A suite's test namespaces (call inside its describe): the test kubeconfig is loaded before
 * all tests, `create` makes a test namespace, and each one made is deleted (not waited for)
 * after all tests.
 */
export function useTestNamespaces(): { kc: () => KubeConfig; create: (prefix: string) => Promise<string> } {
  let kc: KubeConfig | undefined;
  const namespaces: string[] = [];
  beforeAll(() => {
    kc = loadTestKubeConfig();
  });
  afterAll(async () => {
    for (const ns of namespaces) await deleteTestNamespace(kc!, ns, { wait: false });
  });
  return {
    kc: () => kc!,
    create: async (prefix) => {
      const ns = await createTestNamespace(kc!, prefix);
      namespaces.push(ns);
      return ns;
    },
  };
}

/**
 * Deletes a namespace and, unless `wait` is false, waits (bounded) until it is gone. A missing
 * namespace is not an error.
 */
export async function deleteTestNamespace(
  kc: KubeConfig,
  name: string,
  { wait = true, timeoutMs = 60_000 }: { wait?: boolean; timeoutMs?: number } = {},
): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  try {
    await core.deleteNamespace({ name });
  } catch (err) {
    if (isApiError(err, 404)) return;
    throw err;
  }
  if (!wait) return;
  await waitFor(
    async () => {
      try {
        await core.readNamespace({ name });
        return false;
      } catch (err) {
        if (isApiError(err, 404)) return true;
        throw err;
      }
    },
    { timeoutMs, intervalMs: 500, what: `namespace ${name} to be deleted` },
  );
}

/** True when `err` is an API error from @kubernetes/client-node with that HTTP status. */
export function isApiError(err: unknown, code?: number): err is ApiException<unknown> {
  if (!(err instanceof ApiException)) return false;
  return code === undefined || err.code === code;
}

export interface WaitForOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** Poll interval (default 250 ms). */
  intervalMs?: number;
  /** What is awaited, for the timeout message. */
  what?: string;
}

/**
 * Polls `fn` until it returns a truthy value, and returns that value. Errors thrown by `fn`
 * count as "not yet" and are reported in the timeout message. Never waits unboundedly: throws
 * after `timeoutMs`.
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  { timeoutMs = 30_000, intervalMs = 250, what = 'condition' }: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  let lastError: unknown;
  for (;;) {
    try {
      last = await fn();
      lastError = undefined;
      if (last) return last as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
  const detail =
    lastError !== undefined
      ? `last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`
      : `last value: ${safeJson(last)}`;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${detail})`);
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v)?.slice(0, 300) ?? String(v);
  } catch {
    return String(v);
  }
}

export interface ServiceAccountKubeConfigOptions {
  namespace: string;
  /** ServiceAccount name; created if missing. */
  name: string;
  /** Token lifetime (default 3600 s; the API's minimum is 600 s). */
  expirationSeconds?: number;
  /** Token audiences (default: the API server's own). */
  audiences?: string[];
}

/**
 * Mints a bound token for a ServiceAccount (created if missing) through the TokenRequest API
 * and returns a KubeConfig that authenticates as that ServiceAccount against the same cluster
 * as `adminKc`. For least-privilege (RBAC) checks: the identity has exactly the permissions
 * its RoleBindings grant, `system:serviceaccount:<namespace>:<name>`.
 */
export async function serviceAccountKubeConfig(
  adminKc: KubeConfig,
  { namespace, name, expirationSeconds = 3600, audiences }: ServiceAccountKubeConfigOptions,
): Promise<{ kubeConfig: KubeConfig; token: string; username: string }> {
  const core = adminKc.makeApiClient(CoreV1Api);
  try {
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  } catch (err) {
    if (!isApiError(err, 409)) throw err;
  }
  const tr = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { expirationSeconds, audiences: audiences ?? [] } }, // [] = the API server's audiences
  });
  const token = tr.status?.token;
  if (!token) throw new Error(`TokenRequest for ${namespace}/${name} returned no token`);

  const cluster = adminKc.getCurrentCluster();
  if (!cluster) throw new Error('the admin kubeconfig has no current cluster');
  const kubeConfig = new KubeConfig();
  const userName = `${namespace}-${name}`;
  kubeConfig.loadFromOptions({
    clusters: [{ ...cluster, name: 'cluster' }],
    users: [{ name: userName, token }],
    contexts: [{ name: 'sa', cluster: 'cluster', user: userName, namespace }],
    currentContext: 'sa',
  });
  return { kubeConfig, token, username: `system:serviceaccount:${namespace}:${name}` };
}

/**
 * A Deployment whose pods land on the KWOK virtual nodes only (SimKube's shape): tolerates
 * `kwok-provider=true:NoSchedule` and selects `type: virtual`.
 */
export function virtualDeployment({
  name,
  namespace,
  replicas,
  labels = {},
  cpu = '100m',
  memory = '128Mi',
}: {
  name: string;
  namespace: string;
  replicas: number;
  labels?: Record<string, string>;
  cpu?: string;
  memory?: string;
}): V1Deployment {
  const podLabels = { app: name, ...labels };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: podLabels },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: podLabels },
        spec: {
          nodeSelector: { type: 'virtual' },
          tolerations: [{ key: 'kwok-provider', operator: 'Exists', effect: 'NoSchedule' }],
          automountServiceAccountToken: false,
          containers: [
            {
              name: 'app',
              image: 'registry.invalid/simenv/fake:1',
              resources: { requests: { cpu, memory }, limits: { cpu, memory } },
            },
          ],
        },
      },
    },
  };
}
