import { ConfigError } from '../../errors.js';
import type { TraceModel, Workload } from '../../trace/trace-model.js';
import { DEFAULT_SERVICE_ACCOUNT, type KubeOptions } from './kube-options.js';
import type { PermissionInput } from './permissions.js';
import { resourceInfo, type ResourceInfo } from './resources.js';

/**
 * Where a run lives and what it touches, resolved once from the options and the trace, and
 * shared by preflight, setup and the backend so the three always agree on the namespace, the
 * kinds and the identity they check, grant and use.
 */
export interface RunScope {
  mode: 'replay' | 'simkube';
  /** Replay: where the trace's objects are created. SimKube: the driver's namespace. */
  namespace: string;
  /** The controlled workload's namespace in the trace. */
  traceNamespace: string;
  /** SimKube: where the driver puts the simulated objects (`<prefix>-<trace namespace>`). */
  virtualNamespace?: string;
  /** Namespaced kinds the run (or the driver) creates. */
  kinds: ResourceInfo[];
  controlled: ResourceInfo;
  serviceAccount?: string;
  secrets: string[];
  createNamespace: boolean;
  /** The run annotates the controlled pods: CPU usage (kube.publishUsage), start-up delays (kube.startupLatency `drawn`). */
  patchPods: boolean;
  /** The run applies an HPA to the controlled workload (kube.hpa). */
  hpa: boolean;
}

function traceNamespaces(model: TraceModel): string[] {
  const out = new Set<string>();
  for (const ev of model.events) for (const o of ev.applied_objs) if (o.metadata.namespace) out.add(o.metadata.namespace);
  return [...out].sort();
}

function traceKinds(model: TraceModel): ResourceInfo[] {
  const out = new Map<string, ResourceInfo>();
  for (const ev of model.events) {
    for (const o of ev.applied_objs) {
      const info = resourceInfo(o.kind, o.apiVersion);
      if (info.namespaced) out.set(`${info.group}/${info.resource}`, info);
    }
  }
  return [...out.values()];
}

/**
 * Resolve the scope. Without a trace (setup before any run), the run is assumed to replay
 * Deployments only. ConfigError('kube.namespace') when the namespace cannot be inferred.
 */
export function resolveRunScope(options: KubeOptions, model?: TraceModel, controlled?: Workload): RunScope {
  const deployment = resourceInfo('Deployment', 'apps/v1');
  const controlledInfo = controlled ? resourceInfo(controlled.kind, controlled.gvk.split('.').slice(0, -1).join('.')) : deployment;
  let traceNamespace = controlled?.namespace ?? '';
  if (!traceNamespace && model) {
    const all = traceNamespaces(model);
    if (all.length === 1) traceNamespace = all[0]!;
  }
  const namespace = options.namespace ?? traceNamespace;
  if (!namespace) {
    throw new ConfigError('kube.namespace', 'expected a namespace for the run, got none (the trace does not name a single one)', {
      hint: 'pass --ns NAMESPACE',
    });
  }
  const kinds = model ? traceKinds(model) : [deployment];
  if (!kinds.some((k) => k.kind === controlledInfo.kind)) kinds.push(controlledInfo);
  // A local driver runs with the kubeconfig's own credentials: there is no driver Job and no ServiceAccount.
  const serviceAccount = options.serviceAccount ?? (options.mode === 'simkube' && options.simkubeDriver !== 'local' ? DEFAULT_SERVICE_ACCOUNT : undefined);
  return {
    mode: options.mode,
    namespace,
    traceNamespace: traceNamespace || namespace,
    virtualNamespace: options.mode === 'simkube' ? `${options.virtualNsPrefix}-${traceNamespace || namespace}` : undefined,
    kinds,
    controlled: controlledInfo,
    serviceAccount,
    secrets: options.secrets,
    createNamespace: options.createNamespace,
    patchPods: options.publishUsage || (options.mode === 'replay' && options.startupLatency === 'drawn' && options.podReadyDelayS === 0),
    hpa: options.hpa !== undefined,
  };
}

/** The scope as the permission calculator takes it. */
export function permissionInput(scope: RunScope): PermissionInput {
  return {
    mode: scope.mode,
    namespace: scope.namespace,
    virtualNamespace: scope.virtualNamespace,
    kinds: scope.kinds,
    controlled: scope.controlled,
    secrets: scope.secrets,
    serviceAccount: scope.serviceAccount,
    createNamespace: scope.createNamespace,
    patchPods: scope.patchPods,
    hpa: scope.hpa,
  };
}
