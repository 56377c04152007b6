// Runs SimKube's skctl (installed by scripts/simkube/install.sh) for the interop suites.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { INSTALL_FIX, simkubeTool } from '../../src/env/cluster/kube/simkube-tools.js';

const run = promisify(execFile);

/** The skctl binary; throws (so the suite fails, not skips) when it is missing. */
export function requireSkctl(): string {
  const path = process.env.SIMENV_SKCTL ?? simkubeTool('skctl');
  if (!existsSync(path)) throw new Error(`SimKube's skctl is not at ${path}: the interop suite needs it; run ${INSTALL_FIX}`);
  return path;
}

export interface SkctlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run skctl; never throws for a non-zero exit (the result says). */
export async function skctl(args: string[], timeoutMs = 60_000): Promise<SkctlResult> {
  try {
    const { stdout, stderr } = await run(requireSkctl(), args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
  }
}

/** The rule lines of `skctl validate`'s summary that found something (`name (CODE) ..... N`). */
export function validationFindings(stdout: string): string[] {
  return stdout.split('\n').filter((l) => /\(\w+\)\s\.+\s\d+$/.test(l.trim()));
}
