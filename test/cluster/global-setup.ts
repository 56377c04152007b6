// Vitest globalSetup for the real-cluster suites (vitest.cluster.config.ts).
//
// Starts the loopback control plane with scripts/control-plane/up.sh (building its binaries on
// first use, which takes a long time, or reusing a running cluster, which takes a second) and
// hands its admin kubeconfig path to the tests twice: as process.env.SIMENV_TEST_KUBECONFIG
// (inherited by the forked test workers, which are spawned after this runs) and through
// vitest's provide/inject as `simenvKubeconfig`. helpers.ts reads either.
//
// Environment:
//   SIMENV_TEST_KUBECONFIG=<path>   use that cluster as is; do not run up.sh.
//   SIMENV_CLUSTER_DIR=<dir>        state dir of the cluster (default <repo>/.cluster).
//   SIMENV_CLUSTER_TEARDOWN=1       stop the cluster (down.sh) after the run. By default it is
//                                   left running: CI calls `npm run cluster:down` itself.
//   SIMENV_CLUSTER_UP_TIMEOUT_MIN   bound on up.sh, build included (default 90 minutes).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    simenvKubeconfig: string;
  }
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const scriptsDir = join(repoRoot, 'scripts', 'control-plane');

function runScript(script: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [join(scriptsDir, script), ...args], {
      cwd: repoRoot,
      stdio: 'inherit',
      env: process.env,
    });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`${script} did not finish within ${Math.round(timeoutMs / 60_000)} minutes`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not run ${script}: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise();
      else
        reject(
          new Error(
            `${script} failed (${signal ? `signal ${signal}` : `exit code ${code}`}); ` +
              `see its output above and the logs in ${clusterDir()}/logs`,
          ),
        );
    });
  });
}

function clusterDir(): string {
  return process.env.SIMENV_CLUSTER_DIR ? resolve(process.env.SIMENV_CLUSTER_DIR) : join(repoRoot, '.cluster');
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  let kubeconfig = process.env.SIMENV_TEST_KUBECONFIG;
  let startedHere = false;
  if (kubeconfig) {
    if (!existsSync(kubeconfig)) {
      throw new Error(`SIMENV_TEST_KUBECONFIG=${kubeconfig} does not exist`);
    }
    console.log(`[cluster tests] using the cluster in SIMENV_TEST_KUBECONFIG=${kubeconfig} (up.sh not run)`);
  } else {
    const minutes = Number(process.env.SIMENV_CLUSTER_UP_TIMEOUT_MIN ?? '90');
    console.log('[cluster tests] starting the loopback control plane (scripts/control-plane/up.sh)');
    await runScript('up.sh', [], Math.max(60, minutes) * 60_000);
    kubeconfig = join(clusterDir(), 'kubeconfig');
    if (!existsSync(kubeconfig)) {
      throw new Error(`up.sh succeeded but wrote no kubeconfig at ${kubeconfig}`);
    }
    startedHere = true;
  }
  process.env.SIMENV_TEST_KUBECONFIG = kubeconfig;
  project.provide('simenvKubeconfig', kubeconfig);

  if (startedHere && process.env.SIMENV_CLUSTER_TEARDOWN === '1') {
    return async () => {
      console.log('[cluster tests] SIMENV_CLUSTER_TEARDOWN=1: stopping the control plane');
      await runScript('down.sh', [], 5 * 60_000);
    };
  }
  return undefined;
}
