import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { PreflightError, SimEnvError, TraceFormatError, TraceVersionError } from '../../errors.js';
import type { CheckResult, CheckStatus, PreflightReport } from './kube-reports.js';
import { readTrace } from '../../trace/trace-codec.js';
import { buildTraceModel } from '../../trace/trace-model.js';
import { httpStatusOf, toClusterError } from './api-errors.js';
import { mapLimit } from './concurrency.js';
import { KubeClient, loadKubeConfig } from './kube-client.js';
import type { KubeOptions } from './kube-options.js';
import { describePermission, runPermissions, serviceAccountPermissions, type Permission } from './permissions.js';
import { nodeSchedulable } from './pod-state.js';
import { permissionInput, resolveRunScope, type RunScope } from './run-scope.js';
import type { Clock } from './wall-clock.js';
import type { KubePreflightInput } from './kube-tools.js';

export { formatPreflightReport, preflightError, type CheckResult, type CheckStatus, type PreflightReport } from './kube-reports.js';

/**
 * Preflight: every way a run has failed in practice (no API server, wrong context, missing
 * namespace, ServiceAccount, RBAC or Secret, a trace SimKube cannot read, no CRD, a trace
 * file the driver's node cannot see), checked before anything is created, each reported
 * with the fix. `simenv preflight` prints the whole report; the kube backend runs it in
 * SimEnv.create and throws the first failure as a PreflightError.
 */

/** kubePreflight's input plus what only the env passes. */
export interface PreflightInput extends KubePreflightInput {
  /** An already connected client (the backend's), else one is built from the options. */
  client?: KubeClient;
  clock?: Clock;
}

const RBAC_FIX = 'run `simenv setup` as a cluster admin (it creates a namespaced Role and RoleBinding with exactly these verbs), or ask the admin to grant them';

/** Run every check; never throws for a failed check (only for bugs). */
export async function runPreflight(input: PreflightInput): Promise<PreflightReport> {
  const results: CheckResult[] = [];
  const report: PreflightReport = { results, ok: true };
  const push = (r: CheckResult): void => {
    results.push(r);
    if (r.status === 'fail') report.ok = false;
  };
  const { options } = input;

  // --- trace (local, independent of the cluster)
  let model = input.model;
  if (model) {
    push({ check: 'trace', status: 'ok', message: `trace decoded: version 2, ${model.events.length} events over ${model.durationS}s` });
  } else if (input.tracePath) {
    try {
      model = buildTraceModel(readTrace(input.tracePath));
      push({ check: 'trace', status: 'ok', message: `${input.tracePath}: version 2, ${model.events.length} events over ${model.durationS}s` });
    } catch (err) {
      push(traceFailure(input.tracePath, err));
    }
  } else {
    push({ check: 'trace', status: 'skip', message: 'no trace given (pass --trace to check it)' });
  }

  // --- scope
  let scope: RunScope;
  try {
    scope = resolveRunScope(options, model, input.controlled);
  } catch (err) {
    push({ check: 'namespace', status: 'fail', message: (err as Error).message, fix: (err as SimEnvError).hint ?? 'pass --ns NAMESPACE' });
    return report;
  }
  report.namespace = scope.namespace;

  // --- kubeconfig and context
  let client = input.client;
  if (!client) {
    try {
      const kc = loadKubeConfig(options.kubeconfig, options.context);
      client = new KubeClient(kc, { requestTimeoutMs: options.timeouts.requestMs, retry: options.retry, clock: input.clock });
    } catch (err) {
      push(failureOf('kubeconfig', err));
      return skipRest(report, 'the kubeconfig is unusable');
    }
  }
  report.server = client.server;
  report.context = client.contextName;
  push({ check: 'kubeconfig', status: 'ok', message: `context "${client.contextName}", API server ${client.server}` });
  // (the identity is added to the api check's line once the server has answered)

  // --- API reachable (no retries, short timeout: an unreachable server fails fast)
  try {
    const probe = client.withTimeout(options.timeouts.connectMs);
    const v = await probe.version.getCode();
    push({ check: 'api', status: 'ok', message: `API server ${client.server} answers (Kubernetes ${v.gitVersion})` });
    report.user = await whoAmI(client);
    if (report.user) results[results.length - 1]!.message += `; authenticated as ${report.user}`;
  } catch (err) {
    const e = toClusterError(err, { verb: 'get', resource: 'version' }, client.server);
    push({
      check: 'api',
      status: 'fail',
      message: httpStatusOf(err) === 401 ? e.message : `cannot reach the API server at ${client.server} (context "${client.contextName}"): ${reasonOf(err)}`,
      fix: e.hint ?? 'check the kubeconfig',
    });
    return skipRest(report, `the API server at ${client.server} is unreachable`);
  }

  const c = client;
  await checkNamespace(c, scope, push);
  await checkRbac(c, scope, push);
  if (scope.serviceAccount) await checkServiceAccount(c, scope, report.user, push);
  for (const name of scope.secrets) await checkSecret(c, scope.namespace, name, push);
  await checkNodes(c, options, push);
  if (scope.mode === 'simkube' && options.simkubeDriver === 'local') {
    await (await import('./local-driver-preflight.js')).checkLocalDriver(c, options, scope, model, push);
  } else if (scope.mode === 'simkube') {
    await checkCrd(c, push);
    push(checkTracePath(options, input.tracePath, model !== undefined));
  }
  return report;
}

function reasonOf(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const msg = err instanceof Error ? err.message.split('\n')[0]! : String(err);
  return typeof code === 'string' && !msg.includes(code) ? `${code}: ${msg}` : msg;
}

function failureOf(check: string, err: unknown): CheckResult {
  if (err instanceof PreflightError) return { check, status: 'fail', message: err.message.replace(/^preflight [^:]+: /, ''), fix: err.fix };
  if (err instanceof SimEnvError) return { check, status: 'fail', message: err.message, fix: err.hint };
  return { check, status: 'fail', message: String((err as Error).message ?? err) };
}

function skipRest(report: PreflightReport, why: string): PreflightReport {
  report.results.push({ check: 'cluster', status: 'skip', message: `remaining cluster checks skipped: ${why}` });
  return report;
}

function traceFailure(path: string, err: unknown): CheckResult {
  if (err instanceof TraceVersionError) {
    return {
      check: 'trace',
      status: 'fail',
      message: `${path}: expected trace format version 2, got ${String(err.version)}; SimKube refuses it ("could not parse trace file")`,
      fix: 'record the trace again with a current SimKube tracer, or convert it: simenv trace convert',
    };
  }
  if (err instanceof TraceFormatError) {
    return {
      check: 'trace',
      status: 'fail',
      message: `${path}: not a trace SimKube can parse: ${err.message}`,
      fix: err.hint ?? 'check the file with `simenv trace validate`; SimKube rejects the whole file on one bad field',
    };
  }
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
    return { check: 'trace', status: 'fail', message: `expected a readable trace file at ${path}, got ${code}`, fix: 'pass --trace with the path of a .sktrace file' };
  }
  return { check: 'trace', status: 'fail', message: `${path}: not a trace SimKube can parse: ${(err as Error).message ?? String(err)}`, fix: 'check the file with `simenv trace validate`' };
}

async function checkNamespace(c: KubeClient, scope: RunScope, push: (r: CheckResult) => void): Promise<void> {
  const ns = scope.namespace;
  try {
    await c.call({ verb: 'get', resource: 'namespaces', name: ns }, (a) => a.core.readNamespace({ name: ns }));
    push({ check: 'namespace', status: 'ok', message: `namespace ${ns} exists` });
  } catch (err) {
    const status = httpStatusOf(err);
    if (status === 404) {
      if (scope.createNamespace && (await canI(c, { verb: 'create', group: '', resource: 'namespaces', why: '' }))) {
        push({ check: 'namespace', status: 'ok', message: `namespace ${ns} does not exist; it will be created (kube.createNamespace)` });
      } else {
        push({
          check: 'namespace',
          status: 'fail',
          message: `namespace "${ns}" not found at ${c.server}`,
          fix: `simenv setup --ns ${ns} (creates it with the ServiceAccount and RBAC), or kubectl create namespace ${ns}`,
        });
      }
    } else if (status === 403) {
      push({
        check: 'namespace',
        status: 'warn',
        message: `cannot check that namespace ${ns} exists (forbidden to get namespaces)`,
        fix: `grant "get" on namespace ${ns}; simenv setup's Role includes it`,
      });
    } else {
      push(failureOf('namespace', toClusterError(err, { verb: 'get', resource: 'namespaces', name: ns }, c.server)));
    }
  }
}

/** SelfSubjectAccessReview: may the current credentials do `p`? */
async function canI(c: KubeClient, p: Permission): Promise<boolean> {
  const namespace = p.resource === 'namespaces' && p.resourceNames ? p.resourceNames[0] : p.namespace;
  const [resource, subresource] = p.resource.split('/');
  const review = await c.call({ verb: 'create', resource: 'selfsubjectaccessreviews', group: 'authorization.k8s.io' }, (a) =>
    a.authz.createSelfSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { verb: p.verb, group: p.group, resource, subresource, namespace, name: p.resourceNames?.[0] } },
      },
    }),
  );
  return review.status?.allowed === true;
}

async function checkRbac(c: KubeClient, scope: RunScope, push: (r: CheckResult) => void): Promise<void> {
  const perms = runPermissions(permissionInput(scope));
  let allowed: boolean[];
  try {
    allowed = await mapLimit(perms, 8, (p) => canI(c, p));
  } catch (err) {
    push(failureOf('rbac', err));
    return;
  }
  const denied = perms.filter((_, i) => !allowed[i]);
  if (denied.length === 0) {
    push({ check: 'rbac', status: 'ok', message: `the credentials of context "${c.contextName}" hold all ${perms.length} permissions the run needs` });
    return;
  }
  const lines = denied.map((p) => `forbidden: cannot ${describePermission(p)}: grant "${p.verb}" on "${p.resource}"${p.group ? ` (API group "${p.group}")` : ''} (needed to ${p.why})`);
  push({
    check: 'rbac',
    status: 'fail',
    message: `the credentials of context "${c.contextName}" lack ${denied.length} permission${denied.length === 1 ? '' : 's'}:\n    ${lines.join('\n    ')}`,
    fix: RBAC_FIX,
  });
}

/** The authenticated user name, or undefined when the server does not say (pre-1.28, forbidden). */
async function whoAmI(c: KubeClient): Promise<string | undefined> {
  try {
    const r = await c.apis.authn.createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    return r.status?.userInfo?.username;
  } catch {
    return undefined;
  }
}

async function checkServiceAccount(c: KubeClient, scope: RunScope, user: string | undefined, push: (r: CheckResult) => void): Promise<void> {
  const sa = scope.serviceAccount!;
  const ns = scope.namespace;
  try {
    await c.call({ verb: 'get', resource: 'serviceaccounts', namespace: ns, name: sa }, (a) => a.core.readNamespacedServiceAccount({ name: sa, namespace: ns }));
    push({ check: 'serviceaccount', status: 'ok', message: `serviceaccount "${sa}" exists in namespace ${ns}` });
  } catch (err) {
    const status = httpStatusOf(err);
    if (status === 404) {
      push({
        check: 'serviceaccount',
        status: 'fail',
        message: `serviceaccount "${sa}" not found in namespace ${ns}: the driver Job could not create its pod`,
        fix: `simenv setup --ns ${ns} --service-account ${sa}${scope.mode === 'simkube' ? ' --mode simkube' : ''}`,
      });
      return;
    }
    if (status === 403) {
      push({ check: 'serviceaccount', status: 'warn', message: `cannot check serviceaccount "${sa}" in namespace ${ns} (forbidden)`, fix: RBAC_FIX });
      return;
    }
    push(failureOf('serviceaccount', toClusterError(err, { verb: 'get', resource: 'serviceaccounts', namespace: ns, name: sa }, c.server)));
    return;
  }
  const saUser = `system:serviceaccount:${ns}:${sa}`;
  if (user === saUser && scope.mode === 'replay') {
    push({ check: 'serviceaccount-rbac', status: 'ok', message: `running as serviceaccount "${sa}" itself: the rbac check above covered its permissions` });
    return;
  }
  // Its RBAC: LocalSubjectAccessReview asks the authorizer about another identity.
  const perms = serviceAccountPermissions(permissionInput(scope));
  let allowed: boolean[];
  try {
    allowed = await mapLimit(perms, 8, async (p) => {
      const namespace = p.namespace!;
      const [resource, subresource] = p.resource.split('/');
      const call = { verb: 'create', resource: 'localsubjectaccessreviews', group: 'authorization.k8s.io', namespace };
      const r = await c.call(call, (a) => a.authz.createNamespacedLocalSubjectAccessReview({
        namespace,
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'LocalSubjectAccessReview',
          metadata: { namespace },
          spec: {
            user: saUser,
            groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
            resourceAttributes: { verb: p.verb, group: p.group, resource, subresource, namespace, name: p.resourceNames?.[0] },
          },
        },
      }));
      return r.status?.allowed === true;
    });
  } catch (err) {
    if (httpStatusOf(err) === 403) {
      push({
        check: 'serviceaccount-rbac',
        status: 'warn',
        message: `cannot verify the RBAC of serviceaccount "${sa}" (forbidden to create localsubjectaccessreviews in ${ns})`,
        fix: `run \`simenv preflight\` as an admin once, or \`simenv setup --ns ${ns} --service-account ${sa}\` to (re)create its Role`,
      });
      return;
    }
    push(failureOf('serviceaccount-rbac', toClusterError(err, { verb: 'create', resource: 'localsubjectaccessreviews', namespace: ns }, c.server)));
    return;
  }
  const denied = perms.filter((_, i) => !allowed[i]);
  if (denied.length === 0) {
    push({ check: 'serviceaccount-rbac', status: 'ok', message: `serviceaccount "${sa}" holds the ${perms.length} permissions its Role should grant` });
  } else {
    push({
      check: 'serviceaccount-rbac',
      status: 'fail',
      message: `serviceaccount "${sa}" in ${ns} lacks: ${denied.map(describePermission).join('; ')}`,
      fix: `simenv setup --ns ${ns} --service-account ${sa}${scope.mode === 'simkube' ? ' --mode simkube' : ''} (a Role and RoleBinding with exactly these verbs, never cluster-admin)`,
    });
  }
}

async function checkSecret(c: KubeClient, ns: string, name: string, push: (r: CheckResult) => void): Promise<void> {
  try {
    await c.call({ verb: 'get', resource: 'secrets', namespace: ns, name }, (a) => a.core.readNamespacedSecret({ name, namespace: ns }));
    push({ check: 'secret', status: 'ok', message: `secret "${name}" exists in namespace ${ns}` });
  } catch (err) {
    const status = httpStatusOf(err);
    if (status === 404) {
      push({
        check: 'secret',
        status: 'fail',
        message: `secret "${name}" not found in namespace ${ns}: the driver container would start and exit`,
        fix: `simenv setup --ns ${ns} --secret ${name} --secrets-from NAMESPACE (copies it), or kubectl -n ${ns} create secret generic ${name} ...`,
      });
    } else if (status === 403) {
      push({ check: 'secret', status: 'warn', message: `cannot check secret "${name}" in namespace ${ns} (forbidden)`, fix: RBAC_FIX });
    } else {
      push(failureOf('secret', toClusterError(err, { verb: 'get', resource: 'secrets', namespace: ns, name }, c.server)));
    }
  }
}

async function checkNodes(c: KubeClient, options: KubeOptions, push: (r: CheckResult) => void): Promise<void> {
  const selector = Object.entries(options.nodeSelector).map(([k, v]) => `${k}=${v}`).join(',');
  try {
    const list = await c.call({ verb: 'list', resource: 'nodes' }, (a) => a.core.listNode({ labelSelector: selector || undefined }));
    const usable = list.items.filter((n) => nodeSchedulable(n, options.nodeSelector));
    if (usable.length > 0) {
      push({ check: 'nodes', status: 'ok', message: `${usable.length} schedulable node${usable.length === 1 ? '' : 's'}${selector ? ` with ${selector}` : ''}` });
    } else {
      push({
        check: 'nodes',
        status: 'fail',
        message: `no schedulable nodes${selector ? ` with labels ${selector}` : ''} at ${c.server}: every replayed pod would stay Pending`,
        fix: 'start KWOK virtual nodes in SimKube\'s shape (npm run cluster:up starts 4), or set kube.nodeSelector to labels your nodes have',
      });
    }
  } catch (err) {
    if (httpStatusOf(err) === 403) return; // reported by the rbac check
    push(failureOf('nodes', err));
  }
}

async function checkCrd(c: KubeClient, push: (r: CheckResult) => void): Promise<void> {
  try {
    const groups = await c.call({ verb: 'get', resource: 'apis (discovery)' }, (a) => a.apis.getAPIVersions());
    const group = groups.groups.find((g) => g.name === 'simkube.io');
    if (group && group.versions.some((v) => v.version === 'v1')) {
      push({ check: 'crd', status: 'ok', message: 'CRD simulations.simkube.io (simkube.io/v1) is installed' });
    } else {
      push({
        check: 'crd',
        status: 'fail',
        message: `the CustomResourceDefinition simulations.simkube.io (simkube.io/v1) is not installed at ${c.server}`,
        fix: 'install SimKube in the cluster (its CRDs: kubectl apply -f simkube.io_simulations.yml), or use --mode replay',
      });
    }
  } catch (err) {
    push(failureOf('crd', err));
  }
}

/** The driver's trace URL: the option, or `file://` + the absolute trace path. */
export function driverTracePath(options: KubeOptions, tracePath: string | undefined): string | undefined {
  if (options.tracePath) return options.tracePath;
  return tracePath ? `file://${resolve(tracePath)}` : undefined;
}

function checkTracePath(options: KubeOptions, tracePath: string | undefined, haveModel: boolean): CheckResult {
  const url = driverTracePath(options, tracePath);
  if (!url) {
    return {
      check: 'trace-path',
      status: 'fail',
      message: haveModel ? 'SimKube mode needs the trace as a file the driver can read, got a decoded trace object' : 'SimKube mode needs a trace file, got none',
      fix: 'pass the trace as a file path, or kube.tracePath (file://, s3://, gs://, azure://)',
    };
  }
  if (!url.startsWith('file://')) {
    return {
      check: 'trace-path',
      status: 'warn',
      message: `the driver reads ${url}; simenv cannot check object storage from here`,
      fix: options.secrets.length > 0 ? `make sure the Secrets ${options.secrets.join(', ')} hold credentials for it` : 'pass the Secret with the storage credentials: --secret NAME',
    };
  }
  const path = url.slice('file://'.length);
  if (!isAbsolute(path)) {
    return { check: 'trace-path', status: 'fail', message: `expected an absolute file:// path for the driver, got ${url}`, fix: 'use file:///absolute/path/trace.sktrace' };
  }
  const here = existsSync(path) ? 'it exists on this machine, but ' : 'it does not exist on this machine, and ';
  return {
    check: 'trace-path',
    status: 'warn',
    message: `the driver mounts ${path} from its node (hostPath, type File): ${here}simenv cannot see the node's filesystem; if it is missing there the driver pod fails with "hostPath type check failed: ${path} is not a file"`,
    fix: `on kind, mount the trace's directory into the nodes (kind Cluster config, under each node):\n  extraMounts:\n  - hostPath: ${resolve(path, '..')}\n    containerPath: ${resolve(path, '..')}\nthen recreate the cluster (kind create cluster --config FILE); elsewhere copy the file to that path on every node, or use an s3:// trace path`,
  };
}
