import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type * as TfModule from '@tensorflow/tfjs';
import { ConfigError } from '../env/errors.js';
import { TF_BACKENDS, type LogFn, type TfBackendName, type TfBackendPreference } from './tf-backend-names.js';
import { requestedWasmThreads, unrefPthreadWorkers, withThreadedWasm, type WasmThreadsRequest } from './wasm-threads.js';

/**
 * Chooses the TensorFlow.js backend for the learned agents, once per process:
 * `@tensorflow/tfjs-node` (native TensorFlow) when it is installed and loads, else
 * `@tensorflow/tfjs` with the WebAssembly backend, else tfjs' pure-JS CPU backend.
 *
 * tfjs-node is an optional dependency: its install downloads a native library from outside
 * the npm registry, which fails offline, so nothing here may require it to exist.
 */

export type Tf = typeof TfModule;
export { TF_BACKENDS, type LogFn, type TfBackendName, type TfBackendPreference } from './tf-backend-names.js';

/** The chosen backend and why the others were not. */
export interface TfBackendChoice {
  tf: Tf;
  backend: TfBackendName;
  /** One line per backend tried: `tensorflow: unavailable (Cannot find package ...)`. */
  attempts: string[];
  /** How the backend runs, e.g. `SIMD, 1 thread` for wasm (empty when there is nothing to say). */
  mode: string;
}

let tfjsModule: Tf | undefined;
let nodeModule: Tf | undefined | null;
let wasmRegistered = false;
let wasmModule: typeof import('@tensorflow/tfjs-backend-wasm') | undefined;
/** The thread request the wasm backend started with (it cannot change once started). */
let wasmThreads: WasmThreadsRequest | undefined;
let wasmStarted = false;
let current: TfBackendChoice | undefined;
let autoChoice: TfBackendChoice | undefined;

async function loadTfjs(): Promise<Tf> {
  if (!tfjsModule) {
    tfjsModule = (await import('@tensorflow/tfjs')) as Tf;
    // PROD mode silences tfjs' console banner ("looks like you are running TensorFlow.js in
    // Node.js") and skips debug-only checks; simenv reports the backend itself.
    tfjsModule.env().set('PROD', true);
  }
  return tfjsModule;
}

async function tryNode(): Promise<Tf> {
  if (nodeModule === null) throw new Error('failed to load earlier');
  if (!nodeModule) {
    // A variable specifier keeps TypeScript and bundlers from resolving the optional package.
    const specifier = '@tensorflow/tfjs-node';
    try {
      nodeModule = (await import(specifier)) as Tf;
    } catch (err) {
      nodeModule = null;
      throw err;
    }
  }
  const tf = nodeModule;
  if (!(await tf.setBackend('tensorflow'))) throw new Error('setBackend(tensorflow) returned false');
  await tf.ready();
  tfjsModule ??= tf;
  return tf;
}

async function tryWasm(): Promise<Tf> {
  const tf = await loadTfjs();
  if (!wasmRegistered) {
    // Read first: a malformed SIMENV_WASM_THREADS is a ConfigError, not a reason to fall back.
    wasmThreads = requestedWasmThreads();
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasmModule = wasm;
    // In Node the .wasm binaries are read from the package's dist/ directory by file path.
    const require = createRequire(import.meta.url);
    wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
    wasmRegistered = true;
  }
  const start = async (): Promise<void> => {
    if (!(await tf.setBackend('wasm'))) throw new Error('setBackend(wasm) returned false');
    await tf.ready();
  };
  // Only the first start builds the backend (and its threads); later calls switch back to it.
  if (!wasmStarted && wasmThreads && wasmThreads.threads > 1) {
    await withThreadedWasm(wasmThreads.threads, wasmModule!, tf.env(), start);
    unrefPthreadWorkers(tf.backend());
  } else {
    await start();
  }
  wasmStarted = true;
  return tf;
}

async function tryCpu(): Promise<Tf> {
  const tf = await loadTfjs();
  if (!(await tf.setBackend('cpu'))) throw new Error('setBackend(cpu) returned false');
  await tf.ready();
  return tf;
}

const loaders: Record<TfBackendName, () => Promise<Tf>> = { tensorflow: tryNode, wasm: tryWasm, cpu: tryCpu };

/**
 * How the chosen backend runs, and why. The wasm backend picks its SIMD build when the runtime
 * validates SIMD (Node 16+ does). Its multi-threaded build runs in Node only through the shim in
 * wasm-threads.ts (tfjs 4.22 itself reports no thread support there, tfjs issue 3830), and only
 * when SIMENV_WASM_THREADS asks: on the 2-core machine 2 threads made a 256x64 by 64x64 matMul
 * no faster on a quiet machine and 3-5x slower on a busy one, and PPO training 10-25% slower when
 * quiet (docs/agents.md): each small product wakes a worker that then spins, and tfjs' wasm matMul
 * with a transpose flag (the gradients) is a single-threaded loop.
 */
async function backendMode(tf: Tf, name: TfBackendName): Promise<string> {
  if (name !== 'wasm' || !wasmModule) return '';
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = wasmModule.getThreadsCount();
  const why = wasmThreads ? `: ${wasmThreads.reason}` : '';
  return `${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}${why}`;
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.slice(0, 160);
}

/**
 * Select a backend (`auto`: tensorflow, then wasm, then cpu) and log the choice. `auto`
 * always means the best backend that loads here (the result is cached); an explicit
 * preference switches tfjs to that backend or fails with ConfigError.
 */
export async function initTfBackend(options: { prefer?: TfBackendPreference; log?: LogFn } = {}): Promise<TfBackendChoice> {
  const prefer = options.prefer ?? 'auto';
  if (prefer === 'auto' && autoChoice) {
    await loaders[autoChoice.backend]();
    current = autoChoice;
    options.log?.(describeChoice(autoChoice));
    return autoChoice;
  }
  const order: TfBackendName[] = prefer === 'auto' ? [...TF_BACKENDS] : [prefer === 'node' ? 'tensorflow' : prefer];
  const attempts: string[] = [];
  for (const name of order) {
    try {
      const tf = await loaders[name]();
      attempts.push(`${name}: ok`);
      current = { tf, backend: name, attempts, mode: await backendMode(tf, name) };
      if (prefer === 'auto') autoChoice = current;
      options.log?.(describeChoice(current));
      return current;
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      attempts.push(`${name}: unavailable (${firstLine(err)})`);
    }
  }
  throw new ConfigError('tfBackend', `expected a loadable TensorFlow.js backend (${prefer}), got: ${attempts.join('; ')}`, {
    hint: prefer === 'node' ? 'install @tensorflow/tfjs-node (needs network access to its binary host) or use --tf-backend auto' : 'reinstall dependencies with npm ci',
  });
}

function describeChoice(c: TfBackendChoice): string {
  return `tfjs backend: ${c.backend}${c.mode ? ` (${c.mode})` : ''}${c.attempts.length > 1 ? ` (${c.attempts.slice(0, -1).join('; ')})` : ''}`;
}

/** The backend chosen so far, if any. */
export function currentTfBackend(): TfBackendChoice | undefined {
  return current;
}

/** Which backends load in this process (for benchmarks): tries each, then restores the current one. */
export async function availableTfBackends(): Promise<TfBackendName[]> {
  const before = current?.backend;
  const ok: TfBackendName[] = [];
  for (const name of TF_BACKENDS) {
    try {
      await loaders[name]();
      ok.push(name);
    } catch {
      // not available here
    }
  }
  if (before) await loaders[before]();
  return ok;
}
