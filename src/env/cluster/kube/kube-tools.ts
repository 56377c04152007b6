import type { PreflightInput } from './preflight.js';
import type { PreflightReport, SetupReport } from './kube-reports.js';
import type { SetupInput } from './setup.js';
import type { TeardownOptions, TeardownReport } from './teardown.js';

/**
 * Preflight, setup and teardown for programs, from the public index. Each loads the kube
 * modules (and @kubernetes/client-node) on first call, so `import 'simenv'` stays light for
 * memory-only users, as SimEnv.create does for the backend itself.
 */

/** Run every preflight check (see preflight.ts); never throws for a failed check. */
export async function kubePreflight(input: PreflightInput): Promise<PreflightReport> {
  const { runPreflight } = await import('./preflight.js');
  return runPreflight(input);
}

/** Create what a run needs, least privilege and idempotently (see setup.ts). */
export async function kubeSetup(input: SetupInput): Promise<SetupReport> {
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
  log?: TeardownOptions['log'];
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
