import { loadAllYaml, type KubernetesObject } from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterError, TimeoutError } from '../../errors.js';
import { driverProblems } from '../../trace/driver-check.js';
import type { Trace } from '../../trace/schema.js';
import { writeTrace } from '../../trace/trace-codec.js';
import type { Workload } from '../../trace/trace-model.js';
import { httpStatusOf } from './api-errors.js';
import { collectionPath, type KubeClient } from './kube-client.js';
import type { KubeOptions } from './kube-options.js';
import { runSelector } from './labels.js';
import type { RunScope } from './run-scope.js';
import { buildLease, buildWebhookConfig, SK_LEASE_NAME, type SimulationOwner } from './sk-ctrl-objects.js';
import { requireSimkubeTool, skctlCrdYaml } from './simkube-tools.js';
import { SIMULATION_GROUP, SIMULATION_PLURAL, SIMULATION_VERSION } from './simulation.js';
import { makeWebhookCerts } from './webhook-certs.js';

/**
 * SimKube's own driver (`sk-driver`, installed by scripts/simkube/install.sh) run as a child
 * process of simenv, with simenv doing the few things SimKube's controller would: the CRDs
 * (from `skctl crd`), the Lease `sk-lease` held by the Simulation, `status.state`, a CA and
 * a 127.0.0.1 certificate for the driver's webhook, the MutatingWebhookConfiguration, and
 * the cleanup. Everything it creates carries the run label and is owned by the Simulation,
 * and `cleanup()` works from names and labels alone, so it also cleans up after a crash.
 */

/** The label SimKube's driver puts on the virtual namespaces it creates. */
export const VIRTUAL_LABEL = 'simkube.io/virtual';
/** Seconds SimKube's driver waits after it starts before it replays (its webhook comes up). */
const DRIVER_STARTUP_S = 5;

/** Directory of a run's certificates, trace, kubeconfig, pid file and driver log. */
export function driverWorkDir(runId: string): string {
  return join(tmpdir(), `simenv-sk-driver-${runId}`);
}

/**
 * The trace the driver replays: the run's trace with `spec.replicas` removed from every
 * applied version of the controlled workload. The driver applies objects with server-side
 * apply; had it kept the field, its next apply would conflict with the agent's scaling (a
 * 409 that stops the driver) or undo it. Throws when the trace holds objects the driver
 * cannot replay (cluster-scoped ones; see driver-check.ts).
 */
export function traceForDriver(trace: Trace, controlled: Workload): Trace {
  const problems = driverProblems(trace);
  if (problems.length > 0) {
    throw new ClusterError(`${problems[0]!.path}: ${problems[0]!.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, {
      hint: 'list them with `simenv trace validate --for-driver TRACE`',
    });
  }
  const [ns, name] = controlled.key.includes('/') ? controlled.key.split('/') : ['', controlled.key];
  const events = trace.events.map((ev) => ({
    ...ev,
    applied_objs: ev.applied_objs.map((o) => {
      if (o.kind !== controlled.kind || o.metadata.name !== name || (o.metadata.namespace ?? '') !== ns) return o;
      const spec = { ...((o as { spec?: Record<string, unknown> }).spec ?? {}) };
      delete spec.replicas;
      return { ...o, spec };
    }),
  }));
  return { ...trace, events };
}

export interface LocalDriverParams {
  client: KubeClient;
  options: KubeOptions;
  scope: RunScope;
  runId: string;
  trace: Trace;
  controlled: Workload;
  log: (message: string) => void;
}

/** One run's local sk-driver: start it per episode, watch it, clean up after it. */
export class LocalDriver {
  readonly workDir: string;
  private child: ChildProcess | undefined;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly driverBinary: string;

  constructor(private readonly p: LocalDriverParams) {
    this.workDir = driverWorkDir(p.runId);
    this.driverBinary = requireSimkubeTool('sk-driver', p.options.driverBinary);
  }

  private get client(): KubeClient {
    return this.p.client;
  }

  /** SimKube's CRDs, created from `skctl crd` when the cluster lacks them (as SimKube's chart would). */
  async ensureCrds(): Promise<void> {
    const docs = loadAllYaml(await skctlCrdYaml(requireSimkubeTool('skctl', this.p.options.skctlBinary))).filter(Boolean) as KubernetesObject[];
    for (const crd of docs) {
      const name = crd.metadata!.name!;
      try {
        await this.client.call({ verb: 'get', resource: 'customresourcedefinitions', group: 'apiextensions.k8s.io', name }, (a) => a.objects.read({ apiVersion: crd.apiVersion!, kind: crd.kind!, metadata: { name } }));
        continue;
      } catch (err) {
        if (httpStatusOf(err) !== 404) throw err;
      }
      await this.client.call({ verb: 'create', resource: 'customresourcedefinitions', group: 'apiextensions.k8s.io', name }, (a) => a.objects.create(crd));
      this.p.log(`kube: installed SimKube's CRD ${name} (from skctl crd)`);
    }
    const start = this.client.clock.nowMs();
    for (;;) {
      const groups = await this.client.call({ verb: 'get', resource: 'apis (discovery)' }, (a) => a.apis.getAPIVersions());
      if (groups.groups.some((g) => g.name === SIMULATION_GROUP)) return;
      if (this.client.clock.nowMs() - start > this.p.options.timeouts.settleMs) {
        throw new TimeoutError('the API server to serve simkube.io/v1 after installing the CRDs', this.p.options.timeouts.settleMs);
      }
      await this.client.clock.sleep(250);
    }
  }

  /** Everything for one episode's Simulation, then the driver process. */
  async start(simName: string): Promise<void> {
    const { options, scope, runId } = this.p;
    await mkdir(this.workDir, { recursive: true, mode: 0o700 });
    const tracePath = join(this.workDir, 'trace.sktrace');
    await writeFile(tracePath, writeTrace(traceForDriver(this.p.trace, this.p.controlled)));
    const certs = await makeWebhookCerts(join(this.workDir, 'pki'));
    const kubeconfig = join(this.workDir, 'kubeconfig');
    await writeFile(kubeconfig, this.client.kc.exportConfig(), { mode: 0o600 });

    const sim = (await this.client.call({ verb: 'get', resource: SIMULATION_PLURAL, group: SIMULATION_GROUP, name: simName }, (a) =>
      a.custom.getClusterCustomObject({ group: SIMULATION_GROUP, version: SIMULATION_VERSION, plural: SIMULATION_PLURAL, name: simName }),
    )) as { metadata: { uid: string; generation?: number } };
    const owner: SimulationOwner = { name: simName, uid: sim.metadata.uid };
    const lease = buildLease(scope.namespace, owner, runId, new Date());
    await this.client.call({ verb: 'create', resource: 'leases', group: 'coordination.k8s.io', namespace: scope.namespace, name: SK_LEASE_NAME }, (a) => a.objects.create(lease as KubernetesObject));
    const webhook = buildWebhookConfig({ runId, sim: owner, port: options.driverPort, caPem: certs.caPem, virtualNsPrefix: options.virtualNsPrefix });
    await this.client.call({ verb: 'create', resource: 'mutatingwebhookconfigurations', group: 'admissionregistration.k8s.io' }, (a) => a.objects.create(webhook as KubernetesObject));
    await this.client.call({ verb: 'patch', resource: `${SIMULATION_PLURAL}/status`, group: SIMULATION_GROUP, name: simName }, (a) =>
      a.custom.patchClusterCustomObjectStatus({
        group: SIMULATION_GROUP,
        version: SIMULATION_VERSION,
        plural: SIMULATION_PLURAL,
        name: simName,
        // SimKube 2.7's CRD requires observedGeneration in status (sk-ctrl sets it to the spec's generation).
        body: [{ op: 'add', path: '/status', value: { observedGeneration: sim.metadata.generation ?? 1, state: 'Running', startTime: new Date().toISOString() } }],
      }),
    );

    const logPath = join(this.workDir, 'driver.log');
    const out = openSync(logPath, 'a');
    const args = ['--sim-name', simName, '--controller-ns', scope.namespace, '--cert-path', certs.certPath, '--key-path', certs.keyPath, '--trace-path', tracePath, '--admission-webhook-port', String(options.driverPort)];
    const child = spawn(this.driverBinary, args, {
      stdio: ['ignore', out, out],
      env: { ...process.env, DRIVER_NAME: simName, KUBECONFIG: kubeconfig, NO_COLOR: '1' },
    });
    closeSync(out);
    this.child = child;
    this.exit = undefined;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve();
      });
      child.once('error', (err) => {
        this.exit = { code: -1, signal: null };
        this.p.log(`kube: could not start sk-driver: ${err.message}`);
        resolve();
      });
    });
    if (child.pid) await writeFile(join(this.workDir, 'driver.pid'), String(child.pid));
    this.p.log(`kube: started sk-driver (pid ${child.pid}) for Simulation ${simName}: webhook https://127.0.0.1:${options.driverPort}/, log ${logPath}; it replays after ${DRIVER_STARTUP_S} s`);
  }

  /** True once the driver process has ended. */
  get finished(): boolean {
    return this.exit !== undefined;
  }

  /** The driver's failure (non-zero exit) as an error with its log's tail, else undefined. */
  failure(): ClusterError | undefined {
    if (!this.exit || this.exit.code === 0) return undefined;
    const how = this.exit.signal ? `signal ${this.exit.signal}` : `exit code ${this.exit.code}`;
    return new ClusterError(`expected SimKube's driver to replay the trace, got it ended with ${how}:\n${this.logTail(12)}`, {
      hint: `full log: ${join(this.workDir, 'driver.log')}`,
    });
  }

  /** The last lines of the driver's log. */
  logTail(lines = 20): string {
    try {
      return readFileSync(join(this.workDir, 'driver.log'), 'utf8').trimEnd().split('\n').slice(-lines).map((l) => `  | ${l}`).join('\n');
    } catch {
      return '  | (no driver log)';
    }
  }

  /** Wait (bounded) for the driver to exit by itself; true when it did. */
  async waitForExit(timeoutMs: number): Promise<boolean> {
    if (!this.child || this.finished) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const done = await Promise.race([this.exited.then(() => true), timedOut]);
    clearTimeout(timer);
    return done;
  }

  /**
   * Stop the driver (TERM, KILL after 10 s) and delete what this run made: the webhook
   * configuration first (failurePolicy Fail would block pods in the virtual namespaces),
   * the Lease, the driver's SimulationRoots and virtual namespaces (the Simulation itself is
   * the backend's), and the work dir. Idempotent; also finds a process a crashed run left.
   */
  async cleanup(): Promise<void> {
    await this.stopProcess();
    const selector = runSelector(this.p.runId);
    const ns = this.p.scope.namespace;
    await this.deleteCollection('mutatingwebhookconfigurations', 'admissionregistration.k8s.io', 'v1', undefined, selector);
    await this.deleteCollection('leases', 'coordination.k8s.io', 'v1', ns, selector);
    await this.deleteVirtualNamespace();
    await rm(this.workDir, { recursive: true, force: true });
  }

  private async stopProcess(): Promise<void> {
    const pid = this.child?.pid ?? (await this.stalePid());
    if (pid === undefined || this.finished) return;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    if (this.child) {
      if (!(await this.waitForExit(10_000))) {
        process.kill(pid, 'SIGKILL');
        await this.waitForExit(5_000);
      }
    } else {
      const start = Date.now();
      while (Date.now() - start < 10_000 && isDriverProcess(pid, this.driverBinary)) await new Promise((r) => setTimeout(r, 200));
      if (isDriverProcess(pid, this.driverBinary)) process.kill(pid, 'SIGKILL');
    }
    this.p.log(`kube: stopped sk-driver (pid ${pid})`);
  }

  /** The pid a crashed run recorded, when that process is still this sk-driver. */
  private async stalePid(): Promise<number | undefined> {
    try {
      const pid = Number((await readFile(join(this.workDir, 'driver.pid'), 'utf8')).trim());
      return Number.isInteger(pid) && isDriverProcess(pid, this.driverBinary) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  private async deleteCollection(resource: string, group: string, version: string, namespace: string | undefined, labelSelector: string): Promise<void> {
    const path = collectionPath(group, version, resource, namespace);
    try {
      await this.client.call({ verb: 'deletecollection', resource, group, namespace }, () => this.client.rest('DELETE', path, { labelSelector }));
    } catch (err) {
      if (httpStatusOf(err) !== 404) throw err;
    }
  }

  /** The virtual namespace, when the driver made it (its label): it goes with the run. */
  private async deleteVirtualNamespace(): Promise<void> {
    const name = this.p.scope.virtualNamespace!;
    const read = async () => {
      try {
        return await this.client.call({ verb: 'get', resource: 'namespaces', name }, (a) => a.core.readNamespace({ name }));
      } catch (err) {
        if (httpStatusOf(err) === 404) return undefined;
        throw err;
      }
    };
    const ns = await read();
    if (!ns || ns.metadata?.labels?.[VIRTUAL_LABEL] !== 'true') return;
    if (!ns.metadata.deletionTimestamp) {
      await this.client.call({ verb: 'delete', resource: 'namespaces', name }, (a) => a.core.deleteNamespace({ name }));
    }
    const start = this.client.clock.nowMs();
    while (await read()) {
      if (this.client.clock.nowMs() - start > this.p.options.timeouts.teardownMs) {
        throw new TimeoutError(`the virtual namespace ${name} to be deleted`, this.p.options.timeouts.teardownMs, {
          hint: 'the namespace controller (kube-controller-manager) must run; kubectl get ns ' + name + ' -o yaml shows what holds it',
        });
      }
      await this.client.clock.sleep(500);
    }
  }
}

/** True when `pid` is a live process running `binary` (guards against pid reuse). */
function isDriverProcess(pid: number, binary: string): boolean {
  try {
    const exe = readlinkSync(`/proc/${pid}/exe`);
    return exe === binary || exe === `${binary} (deleted)`;
  } catch {
    return false;
  }
}

/** Whether a Simulation exists (for telling a stale Lease from a live one). */
export async function simulationExists(client: KubeClient, name: string): Promise<boolean> {
  try {
    await client.call({ verb: 'get', resource: SIMULATION_PLURAL, group: SIMULATION_GROUP, name }, (a) =>
      a.custom.getClusterCustomObject({ group: SIMULATION_GROUP, version: SIMULATION_VERSION, plural: SIMULATION_PLURAL, name }),
    );
    return true;
  } catch (err) {
    if (httpStatusOf(err) === 404) return false;
    throw err;
  }
}

/**
 * `simenv teardown` after a crashed local-driver run: the driver processes and work dirs the
 * runs left on this machine (one run, or every run), their webhook configurations and their
 * Leases. Returns what it removed, by kind.
 */
export async function cleanupLocalDriverRuns(client: KubeClient, namespace: string, selector: string, runId?: string): Promise<Record<string, number>> {
  const { readdir } = await import('node:fs/promises');
  const out: Record<string, number> = {};
  const dirs = runId ? [driverWorkDir(runId)] : (await readdir(tmpdir()).catch(() => [] as string[])).filter((d) => d.startsWith('simenv-sk-driver-')).map((d) => join(tmpdir(), d));
  for (const dir of dirs) {
    try {
      const pid = Number((await readFile(join(dir, 'driver.pid'), 'utf8')).trim());
      const exe = Number.isInteger(pid) ? readlinkSync(`/proc/${pid}/exe`) : '';
      if (/\/sk-driver( \(deleted\))?$/.test(exe)) {
        process.kill(pid, 'SIGKILL');
        out['sk-driver processes'] = (out['sk-driver processes'] ?? 0) + 1;
      }
    } catch {
      // no pid file, or the process is gone
    }
    await rm(dir, { recursive: true, force: true });
  }
  for (const [resource, group, ns] of [
    ['mutatingwebhookconfigurations', 'admissionregistration.k8s.io', undefined],
    ['leases', 'coordination.k8s.io', namespace],
  ] as const) {
    const path = collectionPath(group, 'v1', resource, ns);
    try {
      const list = await client.rest<{ items?: unknown[] }>('GET', path, { labelSelector: selector });
      const n = list.items?.length ?? 0;
      if (n > 0) {
        await client.rest('DELETE', path, { labelSelector: selector });
        out[resource] = n;
      }
    } catch (err) {
      if (httpStatusOf(err) !== 404) throw err;
    }
  }
  return out;
}
