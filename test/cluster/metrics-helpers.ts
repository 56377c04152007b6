import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Helpers of the resource-metrics suites (metrics.test.ts, kube-hpa.test.ts). */

/** millicores of a metrics-API quantity (`123456789n`, `250m`, `1`). */
export function milliCores(q: string): number {
  if (q.endsWith('n')) return Number(q.slice(0, -1)) / 1e6;
  if (q.endsWith('u')) return Number(q.slice(0, -1)) / 1e3;
  if (q.endsWith('m')) return Number(q.slice(0, -1));
  return Number(q) * 1000;
}

/** kubectl from the control plane's binary cache (the build up.sh uses). */
export function kubectlPath(): string {
  const root = join(process.env.SIMENV_CACHE_DIR ?? join(homedir(), '.cache', 'simenv'), 'control-plane');
  const dir = readdirSync(root).find((d) => /^v.*-kwok-v/.test(d));
  if (!dir) throw new Error(`no control-plane build under ${root} (run npm run cluster:build)`);
  return join(root, dir, 'bin', 'kubectl');
}

/** Run kubectl against the test cluster; its stdout. */
export function kubectl(kubeconfig: string, args: string[]): string {
  return execFileSync(kubectlPath(), ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', timeout: 20_000 });
}
