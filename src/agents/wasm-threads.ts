import { createRequire } from 'node:module';
import os from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../env/errors.js';

/**
 * Opt-in start of tfjs-backend-wasm 4.22's multi-threaded SIMD build in Node.
 *
 * tfjs reports no thread support in Node (tfjs issue 3830) and, when forced, starts the
 * Emscripten pthread workers from a `blob:` URL (Node's Worker rejects it: ERR_WORKER_PATH) and
 * hands them the glue code as a Blob that is the bundled factory's source, which references
 * helpers outside itself and cannot run alone. This shim, active only while the backend starts:
 * - writes the package's worker script to a temp file and makes the worker `blob:` URL that path;
 * - in the worker, resolves the glue Blob to the package's standalone glue
 *   (`wasm-out/tfjs-backend-wasm-threaded-simd.js`, same Emscripten build as the .wasm);
 * - reports `threads * 2` logical CPUs, because tfjs caps its pool at logical cores / 2.
 * Everything is restored (and the temp file removed) once the backend is ready.
 *
 * Measured on the 2-core machine (docs/agents.md): slower than 1 thread, so it is off by default.
 */

/** The environment variable that opts into the threaded wasm build. */
export const WASM_THREADS_ENV = 'SIMENV_WASM_THREADS';
/** tfjs pre-creates 8 pthread workers; more threads than that are not useful here. */
const MAX_WASM_THREADS = 8;

/** How many wasm threads to start and why. */
export interface WasmThreadsRequest {
  threads: number;
  reason: string;
}

/** Reads SIMENV_WASM_THREADS: unset means 1 thread (the default, deterministic and faster on 2 cores). */
export function requestedWasmThreads(env: NodeJS.ProcessEnv = process.env): WasmThreadsRequest {
  const raw = env[WASM_THREADS_ENV]?.trim();
  if (raw === undefined || raw === '') {
    return { threads: 1, reason: `default; ${WASM_THREADS_ENV}=N tries the threaded build, slower on 2 cores` };
  }
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WASM_THREADS) {
    throw new ConfigError(WASM_THREADS_ENV, `expected ${WASM_THREADS_ENV} to be an integer from 1 to ${MAX_WASM_THREADS}, got '${raw}'`, {
      hint: `unset ${WASM_THREADS_ENV} for the single-threaded default`,
    });
  }
  return { threads: n, reason: `${WASM_THREADS_ENV}=${n}` };
}

interface WasmThreadsApi {
  setThreadsCount(n: number): void;
}
interface FlagEnv {
  set(name: string, value: boolean): void;
}

/**
 * Runs `start` (which must set and await the wasm backend) with the threaded build enabled for
 * `threads` threads; restores every patched global afterwards, whether `start` succeeds or not.
 */
export async function withThreadedWasm<T>(threads: number, wasm: WasmThreadsApi, flags: FlagEnv, start: () => Promise<T>): Promise<T> {
  const require = createRequire(import.meta.url);
  const pkgDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '..');
  const gluePath = join(pkgDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  const { wasmWorkerContents } = require(join(pkgDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  const tmp = mkdtempSync(join(os.tmpdir(), 'simenv-wasm-threads-'));
  const workerPath = join(tmp, 'pthread-worker.cjs');
  // tfjs escapes newlines the same way before it makes its Blob (the source holds "\n" in strings).
  const workerSource = wasmWorkerContents.replace(/\n/g, '\\n');
  writeFileSync(
    workerPath,
    `${workerSource}\n// simenv: the glue arrives as a Blob; load the package's standalone glue file instead.\n` +
      `URL.createObjectURL = () => ${JSON.stringify(gluePath)};\nURL.revokeObjectURL = () => {};\n`,
  );
  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  URL.createObjectURL = (obj: Blob) => (obj instanceof Blob && obj.type === 'application/javascript' ? workerPath : createObjectURL(obj));
  os.cpus = () => {
    const real = cpus();
    return Array.from({ length: threads * 2 }, (_, i) => real[i % real.length]!);
  };
  try {
    flags.set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasm.setThreadsCount(threads);
    return await start();
  } finally {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
    // The pool's workers have read the file by the time the backend is ready.
    rmSync(tmp, { recursive: true, force: true });
  }
}

interface PthreadHost {
  wasm?: { PThread?: { runningWorkers: Array<{ unref(): void }> } };
}

/**
 * Lets the process exit while XNNPACK's pool threads wait for work: Emscripten ref()s a worker
 * when it runs a pthread, and the pool's threads never end, so without this Node never exits.
 */
export function unrefPthreadWorkers(backend: unknown): number {
  const workers = (backend as PthreadHost).wasm?.PThread?.runningWorkers ?? [];
  for (const w of workers) w.unref();
  return workers.length;
}
