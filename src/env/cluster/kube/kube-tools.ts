import type { TraceModel, Workload } from '../../trace/trace-model.js';
import type { PreflightReport, SetupReport, TeardownReport } from './kube-reports.js';
import type { KubeOptions } from './kube-options.js';

/**
 * Preflight, setup and teardown for programs, from the public index. Each loads the kube
 * modules (and @kubernetes/client-node) on first call, so `import 'simenv'` stays light for
 * memory-only users, as SimEnv.create does for the backend itself. Their input types name no
 * @kubernetes/client-node type (the internal inputs also take a connected client), so the
 * package's public declarations type-check without that package's (and `ws`'s) types.
 */

/** Input of kubePreflight (preflight.ts's PreflightInput without a connected client). */
export interface KubePreflightInput {
  options: KubeOptions;
  /** The decoded trace ... */
  model?: TraceModel;
  /** ... and/or its file (read and validated when `model` is missing). */
  tracePath?: string;
  /** The controlled workload, when known. */
  controlled?: Workload;
}

/** Input of kubeSetup (setup.ts's SetupInput without a connected client). */
export interface KubeSetupInput {
  options: KubeOptions;
  model?: TraceModel;
  controlled?: Workload;
  /** Namespace to copy `options.secrets` from when they are missing. */
  secretsFrom?: string;
  /** Also grant the cluster-scoped reads (nodes; SimKube: simulations). Default true. */
  clusterRole?: boolean;
}

/** Run every preflight check (see preflight.ts); never throws for a failed check. */
export async function kubePreflight(input: KubePreflightInput): Promise<PreflightReport> {
  const { runPreflight } = await import('./preflight.js');
  return runPreflight(input);
}

/** Create what a run needs, least privilege and idempotently (see setup.ts). */
export async function kubeSetup(input: KubeSetupInput): Promise<SetupReport> {
  const { runSetup } = await import('./setup.js');
  return runSetup(input);
}

/** Options of kubeTeardown: where, which run (default every run), and the usual kube options. */
export interface KubeTeardownInput {
  kubeconfig?: string;
  context?: string;
  namespace: string;
  /** One run's id, or every run's leftovers when omitted. */
  runId?: string;
  timeoutMs?: number;
  log?: (message: string) => void;
}

/** Delete what runs left in a namespace, by their run label (the Deployments, StatefulSets, Jobs... and their pods). */
export async function kubeTeardown(input: KubeTeardownInput): Promise<TeardownReport> {
  const [{ KubeClient }, { commonKinds, teardownRun }, { parseKubeOptions }, { ANY_RUN_SELECTOR, runSelector }] = await Promise.all([
    import('./kube-client.js'),
    import('./teardown.js'),
    import('./kube-options.js'),
    import('./labels.js'),
  ]);
  const options = parseKubeOptions({ kubeconfig: input.kubeconfig, context: input.context, namespace: input.namespace });
  const client = KubeClient.load({ kubeconfig: options.kubeconfig, context: options.context, requestTimeoutMs: options.timeouts.requestMs, retry: options.retry });
  return teardownRun({
    client,
    namespace: input.namespace,
    selector: input.runId ? runSelector(input.runId) : ANY_RUN_SELECTOR,
    kinds: commonKinds(),
    timeoutMs: input.timeoutMs ?? options.timeouts.teardownMs,
    log: input.log,
  });
}
