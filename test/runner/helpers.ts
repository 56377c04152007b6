import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SimEnv } from '../../src/env/sim-env.js';
import type { SimEnvOptionsInput } from '../../src/env/options.js';
import { RUN_RECORD_FORMAT, type RunConfigRecord } from '../../src/runner/records.js';
import { main } from '../../src/runner/cli.js';

/** Shared fixtures of the runner's tests. */

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const DSB_TRACE = join(REPO, 'examples/traces/dsb-scaling.sktrace');
export const BIN = join(REPO, 'src/runner/bin.ts');

/** A fresh temporary directory. */
export function tempDir(prefix = 'simenv-runner-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A memory env on the bundled DeathStarBench trace controlling nginx-thrift. */
export function dsbEnv(extra: Partial<SimEnvOptionsInput> = {}): Promise<SimEnv> {
  return SimEnv.create({ trace: DSB_TRACE, deployment: 'dsb/nginx-thrift', ...extra });
}

/** A minimal valid config record for writer tests. */
export function configRecord(run: string, overrides: Partial<RunConfigRecord> = {}): RunConfigRecord {
  return {
    format: RUN_RECORD_FORMAT,
    run,
    createdAt: new Date(0).toISOString(),
    simenvVersion: 'test',
    nodeVersion: process.version,
    command: [],
    seed: 0,
    episodes: 1,
    episodeSeeds: [0],
    mode: 'multi-step',
    durationSeconds: null,
    stepSeconds: 15,
    agent: { name: 'static', params: {} },
    trace: { path: DSB_TRACE, sha256: null, bytes: null },
    backend: 'memory',
    deployment: 'dsb/nginx-thrift',
    describe: 'test',
    env: {},
    ...overrides,
  };
}

/** Lines of a JSONL file, each parsed. */
export function readJsonl(path: string): unknown[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);
}

/** The tsx loader, so a child node runs the TypeScript CLI without a build. */
export const TSX_LOADER = pathToFileURL(join(REPO, 'node_modules/tsx/dist/loader.mjs')).href;

/** Arguments of `node` that run `simenv ...args` from source. */
export function cliArgs(args: string[]): string[] {
  return ['--import', TSX_LOADER, BIN, ...args];
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI to completion (async, so several can run side by side). */
export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, cliArgs(args), { cwd: opts.cwd ?? REPO, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

/** Start the CLI and hand back the child (for signal tests). */
export function spawnCli(args: string[], opts: { cwd?: string } = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, cliArgs(args), { cwd: opts.cwd ?? REPO, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Poll until `predicate` holds (bounded). */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The CLI in this process (fast: no tsx start-up), with stdout and stderr captured. */
export async function cliInProcess(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string | Uint8Array) => ((out += String(c)), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => ((err += String(c)), true)) as typeof process.stderr.write;
  try {
    const code = await main(['node', 'simenv', ...args]);
    return { code, out, err };
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
  }
}
