import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestedWasmThreads, WASM_THREADS_ENV } from '../../src/agents/wasm-threads.js';
import { ConfigError } from '../../src/env/errors.js';

const run = promisify(execFile);
const backendModule = resolve('src/agents/tf-backend.ts');
let dir: string;
let script: string;

// Each start runs in a child process: the wasm backend's thread count is fixed once per process.
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simenv-wasm-threads-test-'));
  script = join(dir, 'probe.mts');
  await writeFile(
    script,
    `import { initTfBackend } from ${JSON.stringify(backendModule)};
const lines: string[] = [];
const { tf } = await initTfBackend({ prefer: 'wasm', log: (m) => lines.push(m) });
const a = tf.randomNormal([384, 64], 0, 1, 'float32', 1);
const b = tf.randomNormal([64, 64], 0, 1, 'float32', 2);
const bias = tf.randomNormal([64], 0, 1, 'float32', 3);
const y = tf.fused.matMul({ a: a as never, b: b as never, bias: bias as never, activation: 'relu' });
console.log(JSON.stringify({ line: lines[0], values: Array.from(y.dataSync()) }));
`,
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function probe(threads: string | undefined): Promise<{ line: string; values: number[] }> {
  const env = { ...process.env };
  delete env[WASM_THREADS_ENV];
  if (threads !== undefined) env[WASM_THREADS_ENV] = threads;
  // The timeout also catches a child that never exits (pool workers still ref()ed).
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script], { env, timeout: 25_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { line: string; values: number[] };
}

describe('wasm thread choice', () => {
  it('defaults to one thread and says why', () => {
    expect(requestedWasmThreads({})).toEqual({ threads: 1, reason: expect.stringMatching(/^default; SIMENV_WASM_THREADS=N/) });
    expect(requestedWasmThreads({ [WASM_THREADS_ENV]: '2' })).toEqual({ threads: 2, reason: 'SIMENV_WASM_THREADS=2' });
  });

  it('rejects a malformed thread count with a one-line ConfigError', () => {
    for (const bad of ['0', '2.5', 'two', '9']) {
      expect(() => requestedWasmThreads({ [WASM_THREADS_ENV]: bad })).toThrow(ConfigError);
      expect(() => requestedWasmThreads({ [WASM_THREADS_ENV]: bad })).toThrow(/expected SIMENV_WASM_THREADS to be an integer from 1 to 8/);
    }
  });

  it('starts the threaded SIMD build in Node when asked, with results identical to one thread', async () => {
    const before = (await readdir(tmpdir())).filter((f) => f.startsWith('simenv-wasm-threads-') && !f.includes('test')).length;
    const [one, two] = [await probe(undefined), await probe('2')];
    expect(one.line).toMatch(/^tfjs backend: wasm \(SIMD, 1 thread: default; SIMENV_WASM_THREADS=N/);
    expect(two.line).toBe('tfjs backend: wasm (SIMD, 2 threads: SIMENV_WASM_THREADS=2)');
    expect(two.values).toEqual(one.values);
    // the temp worker script is removed once the backend is ready
    const after = (await readdir(tmpdir())).filter((f) => f.startsWith('simenv-wasm-threads-') && !f.includes('test')).length;
    expect(after).toBe(before);
  });
});
