import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { driverProblems } from '../../trace/driver-check.js';
import type { TraceModel } from '../../trace/trace-model.js';
import { httpStatusOf } from './api-errors.js';
import type { KubeClient } from './kube-client.js';
import type { KubeOptions } from './kube-options.js';
import type { CheckResult } from './kube-reports.js';
import { RUN_LABEL } from './labels.js';
import { simulationExists } from './local-driver.js';
import type { RunScope } from './run-scope.js';
import { SK_LEASE_NAME } from './sk-ctrl-objects.js';
import { INSTALL_FIX, simkubeTool } from './simkube-tools.js';
import { SIMULATION_GROUP } from './simulation.js';

/**
 * Preflight of SimKube mode with the local driver (`simkubeDriver: local`): what makes
 * SimKube's driver fail on this machine, each with its fix. The binaries, SimKube's CRDs (or
 * skctl to print them), openssl for the webhook certificate, the webhook port, a Lease
 * `sk-lease` left by another Simulation (the driver refuses to run while another holds it),
 * and a trace the driver can replay.
 */

/** Whether something already listens on 127.0.0.1:port (the driver binds it for its webhook). */
export function portInUse(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** Run the local-driver checks, pushing one result per check. */
export async function checkLocalDriver(c: KubeClient, options: KubeOptions, scope: RunScope, model: TraceModel | undefined, push: (r: CheckResult) => void): Promise<void> {
  const driver = simkubeTool('sk-driver', options.driverBinary);
  push(
    existsSync(driver)
      ? { check: 'sk-driver', status: 'ok', message: `SimKube's driver is at ${driver}` }
      : { check: 'sk-driver', status: 'fail', message: `expected SimKube's driver at ${driver}, got no such file`, fix: options.driverBinary ? 'pass the path of an sk-driver binary' : INSTALL_FIX },
  );

  try {
    const groups = await c.call({ verb: 'get', resource: 'apis (discovery)' }, (a) => a.apis.getAPIVersions());
    const skctl = simkubeTool('skctl', options.skctlBinary);
    if (groups.groups.some((g) => g.name === SIMULATION_GROUP)) push({ check: 'crd', status: 'ok', message: 'SimKube\'s CRDs (simkube.io/v1) are installed' });
    else if (existsSync(skctl)) push({ check: 'crd', status: 'ok', message: `SimKube's CRDs are not installed; the run installs them from \`${skctl} crd\`` });
    else push({ check: 'crd', status: 'fail', message: `SimKube's CRDs are not installed and skctl is not at ${skctl} to print them`, fix: INSTALL_FIX });
  } catch (err) {
    push({ check: 'crd', status: 'fail', message: (err as Error).message });
  }

  push(hasOpenssl() ? { check: 'openssl', status: 'ok', message: 'openssl makes the webhook certificate' } : { check: 'openssl', status: 'fail', message: 'expected openssl on PATH (for the driver\'s webhook certificate), got none', fix: 'apt-get install openssl' });

  const busy = await portInUse(options.driverPort);
  push(
    busy
      ? {
          check: 'driver-port',
          status: 'fail',
          message: `expected port ${options.driverPort} free for the driver's webhook, got it in use (${busy})`,
          fix: `stop what listens there (ss -ltnp 'sport = :${options.driverPort}'; a driver a crashed run left: simenv teardown --ns ${scope.namespace}), or pick another port with kube.driverPort (--driver-port)`,
        }
      : { check: 'driver-port', status: 'ok', message: `port ${options.driverPort} is free for the driver's webhook` },
  );

  try {
    const lease = await c.call({ verb: 'get', resource: 'leases', group: 'coordination.k8s.io', namespace: scope.namespace, name: SK_LEASE_NAME }, (a) =>
      a.objects.read({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: SK_LEASE_NAME, namespace: scope.namespace } }),
    ) as { metadata?: { labels?: Record<string, string> }; spec?: { holderIdentity?: string } };
    const holder = lease.spec?.holderIdentity;
    const run = lease.metadata?.labels?.[RUN_LABEL];
    const teardown = run ? `simenv teardown --ns ${scope.namespace} --run ${run}` : `kubectl -n ${scope.namespace} delete lease ${SK_LEASE_NAME}`;
    if (!holder) {
      push({ check: 'lease', status: 'ok', message: `Lease ${SK_LEASE_NAME} in ${scope.namespace} is free` });
    } else if (await simulationExists(c, holder)) {
      push({ check: 'lease', status: 'fail', message: `Lease ${SK_LEASE_NAME} in ${scope.namespace} is held by Simulation ${holder}, which still exists: another simulation is running there`, fix: `wait for it to finish, or delete it (kubectl delete simulation ${holder}${run ? `; or ${teardown}` : ''})` });
    } else {
      push({ check: 'lease', status: 'fail', message: `stale Lease ${SK_LEASE_NAME} in ${scope.namespace}: held by Simulation ${holder}, which no longer exists (a crashed run?); SimKube's driver refuses to run while another holds it`, fix: teardown });
    }
  } catch (err) {
    if (httpStatusOf(err) === 404) push({ check: 'lease', status: 'ok', message: `no Lease ${SK_LEASE_NAME} in ${scope.namespace}` });
    else push({ check: 'lease', status: 'fail', message: (err as Error).message });
  }

  if (model) {
    const problems = driverProblems(model.trace);
    push(
      problems.length === 0
        ? { check: 'driver-trace', status: 'ok', message: 'the trace holds only namespaced objects: the driver can replay it' }
        : { check: 'driver-trace', status: 'fail', message: `${problems.length} object(s) the driver cannot replay; first: ${problems[0]!.path}: ${problems[0]!.message}`, fix: 'remove them from the trace (simenv trace validate --for-driver TRACE lists them)' },
    );
  }
}
