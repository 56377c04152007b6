import type { Command } from 'commander';
import { z } from 'zod';
import { ConfigError, SimEnvError, UnknownWorkloadError, UsageError } from '../../env/errors.js';
import { parseKubeOptions, type KubeOptions, type KubeOptionsInput } from '../../env/cluster/kube/kube-options.js';
import { ANY_RUN_SELECTOR, runSelector } from '../../env/cluster/kube/labels.js';
import { resolveRunScope } from '../../env/cluster/kube/run-scope.js';
import { SIMULATION_GROUP, SIMULATION_PLURAL, SIMULATION_VERSION } from '../../env/cluster/kube/simulation.js';
import { readTrace } from '../../env/trace/trace-codec.js';
import { buildTraceModel, findWorkload, workloadsOfKind, type TraceModel, type Workload } from '../../env/trace/trace-model.js';
import { parseFlags } from './flags.js';

/**
 * `simenv preflight`, `simenv setup` and `simenv teardown`: the kube backend's cluster
 * chores from the command line. Preflight prints every check with its fix and exits 1 when
 * one fails; setup creates what preflight checks for (least privilege, idempotent); teardown
 * deletes what runs left behind, by their run label.
 *
 * The modules that load @kubernetes/client-node are imported inside the actions, so other
 * commands (a memory-backend `simenv run`) start without loading the Kubernetes client.
 */

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const ClusterFlags = {
  kubeconfig: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
  ns: z.string().min(1).optional(),
};

/** What preflight checks and setup creates: the trace, the controlled deployment and the run's identity. */
const RunFlags = {
  trace: z.string().min(1).optional(),
  deploy: z.string().min(1).optional(),
  mode: z.enum(['replay', 'simkube'], { error: (i) => `expected replay or simkube, got "${String(i.input)}"` }).default('replay'),
  simkubeDriver: z.enum(['cluster', 'local'], { error: (i) => `expected cluster or local, got "${String(i.input)}"` }).default('cluster'),
  serviceAccount: z.string().min(1).optional(),
  secret: z.array(z.string().min(1)).default([]),
};

const PreflightFlagsSchema = z.strictObject({
  ...ClusterFlags,
  ...RunFlags,
  tracePath: z.string().min(1).optional(),
  createNamespace: z.boolean().default(false),
  json: z.boolean().default(false),
});

const SetupFlagsSchema = z.strictObject({
  ...ClusterFlags,
  ...RunFlags,
  secretsFrom: z.string().min(1).optional(),
  clusterRole: z.boolean().default(true),
  json: z.boolean().default(false),
});

const TeardownFlagsSchema = z.strictObject({
  ...ClusterFlags,
  run: z.string().min(1).optional(),
  trace: z.string().min(1).optional(),
  json: z.boolean().default(false),
});

/** The parsed flags that are kube options (each command has some of them). */
interface KubeFlags {
  kubeconfig?: string;
  context?: string;
  ns?: string;
  mode?: 'replay' | 'simkube';
  simkubeDriver?: 'cluster' | 'local';
  serviceAccount?: string;
  secret?: string[];
  tracePath?: string;
  createNamespace?: boolean;
  run?: string;
}

/** Kube options from CLI flags (ConfigError from the kube schema becomes a usage error naming the flag). */
/** The CLI flag behind each kube option whose name differs from it. */
const OPTION_FLAGS: Record<string, string> = { namespace: 'ns', secrets: 'secret', runId: 'run' };

function kubeOptions(f: KubeFlags): KubeOptions {
  const input: KubeOptionsInput = {
    kubeconfig: f.kubeconfig,
    context: f.context,
    namespace: f.ns,
    mode: f.mode,
    simkubeDriver: f.simkubeDriver,
    serviceAccount: f.serviceAccount,
    secrets: f.secret,
    tracePath: f.tracePath,
    createNamespace: f.createNamespace,
    runId: f.run,
  };
  try {
    return parseKubeOptions(input);
  } catch (err) {
    if (err instanceof ConfigError) {
      // Name the flag the user typed, not the option it maps to (namespace -> --ns, ...).
      const option = err.field.replace(/^kube\./, '').replace(/\.\d+$/, '');
      const flag = (OPTION_FLAGS[option] ?? option).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      throw new UsageError(`--${flag}: ${err.message.replace(/^[^:]+: /, '')}`);
    }
    throw err;
  }
}

async function loadTrace(path: string | undefined, deploy: string | undefined): Promise<{ model?: TraceModel; controlled?: Workload }> {
  if (!path) {
    if (deploy) throw new UsageError('--deploy: needs --trace (the deployment is looked up in the trace)');
    return {};
  }
  const model = buildTraceModel(readTrace(path));
  if (!deploy) return { model };
  const controlled = findWorkload(model, deploy);
  if (!controlled) throw new UnknownWorkloadError(deploy, workloadsOfKind(model).map((w) => w.key));
  return { model, controlled };
}

/** Register `simenv preflight`, `simenv setup` and `simenv teardown`. */
export function registerKubeCommands(program: Command): void {
  program
    .command('preflight')
    .description('check a cluster before a kube-backend run: API, context, namespace, ServiceAccount and RBAC, Secrets, trace, nodes, SimKube CRD; each failure with its fix')
    .option('--trace <file>', 'the trace to run (checked: readable, version 2, parseable)')
    .option('--deploy <name>', 'the deployment to control (NAME or NS/NAME in the trace)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context (default: its current context)')
    .option('--ns <namespace>', 'namespace of the run (replay) or of the driver (simkube); default: the trace\'s')
    .option('--mode <mode>', 'replay or simkube', 'replay')
    .option('--simkube-driver <where>', 'simkube: cluster (SimKube\'s controller runs the driver) or local (simenv runs sk-driver here)', 'cluster')
    .option('--service-account <name>', 'ServiceAccount that must exist with the run\'s RBAC (simkube default: sk-ctrl-sa)')
    .option('--secret <name>', 'a Secret the run needs in the namespace (repeatable)', collect)
    .option('--trace-path <url>', 'simkube: where the driver reads the trace (file://, s3://, ...); default file://<trace>')
    .option('--create-namespace', 'the run may create a missing namespace')
    .option('--json', 'print the report as JSON')
    .action(async (raw: Record<string, unknown>) => {
      const f = parseFlags(PreflightFlagsSchema, raw);
      const options = kubeOptions(f);
      let controlled: Workload | undefined;
      if (f.trace && f.deploy) {
        // Only the lookup: the trace itself is checked (and its errors reported) by preflight.
        try {
          controlled = (await loadTrace(f.trace, f.deploy)).controlled;
        } catch (err) {
          if (err instanceof UnknownWorkloadError) throw err;
        }
      } else if (f.deploy) {
        throw new UsageError('--deploy: needs --trace (the deployment is looked up in the trace)');
      }
      const { formatPreflightReport, runPreflight } = await import('../../env/cluster/kube/preflight.js');
      const report = await runPreflight({ options, tracePath: f.trace, controlled });
      process.stdout.write(f.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatPreflightReport(report)}\n`);
      if (!report.ok) process.exitCode = 1;
    });

  program
    .command('setup')
    .description('create what a kube-backend run needs, least privilege and idempotently: namespace, ServiceAccount, a Role and RoleBinding with only the run\'s verbs (never cluster-admin), a read-only ClusterRole for nodes, copies of Secrets')
    .option('--ns <namespace>', 'namespace of the run (replay) or of the driver (simkube); default: the trace\'s')
    .option('--trace <file>', 'the trace to run (its kinds decide the Role\'s resources; default: Deployments)')
    .option('--deploy <name>', 'the deployment to control')
    .option('--kubeconfig <file>', 'kubeconfig file (admin credentials)')
    .option('--context <name>', 'kubeconfig context')
    .option('--mode <mode>', 'replay or simkube', 'replay')
    .option('--service-account <name>', 'the run\'s ServiceAccount (default: sk-ctrl-sa)')
    .option('--secret <name>', 'a Secret the run needs in the namespace (repeatable)', collect)
    .option('--secrets-from <namespace>', 'copy the --secret Secrets from this namespace when missing or different')
    .option('--no-cluster-role', 'skip the ClusterRole (read nodes; simkube: Simulations)')
    .option('--json', 'print the report as JSON')
    .action(async (raw: Record<string, unknown>) => {
      const f = parseFlags(SetupFlagsSchema, raw);
      const options = kubeOptions(f);
      const { model, controlled } = await loadTrace(f.trace, f.deploy);
      if (!model && !f.ns) throw new UsageError('--ns: expected the namespace to set up (or --trace to take it from)');
      const { formatSetupReport, runSetup } = await import('../../env/cluster/kube/setup.js');
      const report = await runSetup({ options, model, controlled, secretsFrom: f.secretsFrom, clusterRole: f.clusterRole });
      process.stdout.write(f.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatSetupReport(report)}\n`);
      if (report.incomplete) process.exitCode = 1;
    });

  program
    .command('teardown')
    .description('delete what kube-backend runs left in a namespace (after a crash), by their run label')
    .option('--ns <namespace>', 'the runs\' namespace')
    .option('--run <id>', 'only this run (default: every run)')
    .option('--trace <file>', 'the trace the runs replayed (its kinds; default: the common workload kinds)')
    .option('--kubeconfig <file>', 'kubeconfig file')
    .option('--context <name>', 'kubeconfig context')
    .option('--json', 'print the report as JSON')
    .action(async (raw: Record<string, unknown>) => {
      const f = parseFlags(TeardownFlagsSchema, raw);
      const options = kubeOptions(f);
      const { model } = await loadTrace(f.trace, undefined);
      const scope = resolveRunScope(options, model);
      const { KubeClient, collectionPath } = await import('../../env/cluster/kube/kube-client.js');
      const { commonKinds, formatCounts, kindRef, teardownRun } = await import('../../env/cluster/kube/teardown.js');
      const { httpStatusOf } = await import('../../env/cluster/kube/api-errors.js');
      const client = KubeClient.load({ kubeconfig: options.kubeconfig, context: options.context, requestTimeoutMs: options.timeouts.requestMs, retry: options.retry });
      const kinds = model
        ? scope.kinds.map((k) => kindRef(k.kind, k.group ? `${k.group}/v1` : 'v1'))
        : commonKinds();
      const selector = f.run ? runSelector(f.run) : ANY_RUN_SELECTOR;
      const report = await teardownRun({ client, namespace: scope.namespace, selector, kinds, timeoutMs: options.timeouts.teardownMs });
      // SimKube mode's Simulations are cluster-scoped; a cluster without the CRD has none.
      let simulations = 0;
      try {
        const path = collectionPath(SIMULATION_GROUP, SIMULATION_VERSION, SIMULATION_PLURAL);
        const list = await client.rest<{ items?: unknown[] }>('GET', path, { labelSelector: selector });
        simulations = list.items?.length ?? 0;
        if (simulations > 0) await client.rest('DELETE', path, { labelSelector: selector });
      } catch (err) {
        if (httpStatusOf(err) !== 404 && !(err instanceof SimEnvError)) throw err;
      }
      // What a local-driver run (simkubeDriver: local) leaves: its sk-driver, webhook configuration, Lease, certificates.
      const { cleanupLocalDriverRuns } = await import('../../env/cluster/kube/local-driver.js');
      const local = await cleanupLocalDriverRuns(client, scope.namespace, selector, f.run);
      const deleted = { ...report.deleted, ...(simulations ? { simulations } : {}), ...local };
      if (f.json) {
        process.stdout.write(`${JSON.stringify({ namespace: scope.namespace, selector, deleted, elapsedMs: report.elapsedMs }, null, 2)}\n`);
      } else {
        const what = formatCounts(deleted);
        process.stdout.write(`teardown of ${selector} in namespace ${scope.namespace}: ${what || 'nothing was left'}\n`);
      }
    });
}
