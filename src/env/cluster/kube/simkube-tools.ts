import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError } from '../../errors.js';

/**
 * Where SimKube's own tools live on this machine: `scripts/simkube/install.sh` builds skctl
 * and sk-driver with `cargo install --locked` into `${SIMENV_CACHE_DIR:-~/.cache/simenv}/simkube/<version>/bin`.
 */

/** The SimKube release simenv is tested against (tools, CRDs, default driver image). */
export const SIMKUBE_VERSION = '2.7.0';

/** The install script's bin dir for a version. */
export function simkubeBinDir(version = SIMKUBE_VERSION): string {
  const cache = process.env.SIMENV_CACHE_DIR || join(homedir(), '.cache', 'simenv');
  return join(cache, 'simkube', version, 'bin');
}

/** Path of a SimKube tool (`skctl`, `sk-driver`): `override` when given, else the cached build. */
export function simkubeTool(name: 'skctl' | 'sk-driver', override?: string): string {
  return override ?? join(simkubeBinDir(), name);
}

/** The fix printed whenever a SimKube tool is missing. */
export const INSTALL_FIX = 'npm run simkube:build (cargo install --locked skctl sk-driver 2.7.0 into ~/.cache/simenv/simkube; ~20 min the first time)';

/** The path of a tool that must exist; ConfigError with the install command otherwise. */
export function requireSimkubeTool(name: 'skctl' | 'sk-driver', override?: string): string {
  const path = simkubeTool(name, override);
  if (!existsSync(path)) {
    throw new ConfigError(name === 'sk-driver' ? 'kube.driverBinary' : 'skctl', `expected SimKube's ${name} at ${path}, got no such file`, { hint: INSTALL_FIX });
  }
  return path;
}

const run = promisify(execFile);

/** SimKube's CRDs as `skctl crd` prints them (YAML, several documents). */
export async function skctlCrdYaml(skctl = requireSimkubeTool('skctl')): Promise<string> {
  const { stdout } = await run(skctl, ['crd'], { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}
