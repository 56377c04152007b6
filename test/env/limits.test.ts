import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, TraceFormatError } from '../../src/env/errors.js';
import { LIMITS } from '../../src/env/limits.js';
import { SimEnv } from '../../src/env/sim-env.js';
import { readTrace, writeTrace } from '../../src/env/trace/trace-codec.js';
import type { Trace } from '../../src/env/trace/schema.js';
import { traceToJson } from '../../src/env/trace/trace-json.js';
import { cliArgs, REPO, tempDir } from '../runner/helpers.js';
import { deployment, DSB_SCALING, problemsOf, traceWith } from './trace/fixtures.js';

/** The bundled DSB trace with one deployment's spec.replicas replaced by `value`. */
function dsbWithReplicas(value: unknown): Trace {
  const t = readTrace(DSB_SCALING);
  for (const ev of t.events) {
    for (const o of ev.applied_objs) {
      if (o.kind === 'Deployment' && o.metadata.name === 'user-service') (o as unknown as { spec: Record<string, unknown> }).spec.replicas = value;
    }
  }
  return t;
}

/** The bundled DSB trace as JSON text with user-service's spec.replicas set to the raw JSON `value`. */
function dsbJsonWithReplicas(value: string): string {
  const text = traceToJson(readTrace(DSB_SCALING));
  const doc = JSON.parse(text) as { events: Array<{ applied_objs: Array<{ kind: string; metadata: { name: string }; spec: { replicas: unknown } }> }> };
  for (const ev of doc.events) for (const o of ev.applied_objs) if (o.kind === 'Deployment' && o.metadata.name === 'user-service') o.spec.replicas = '@@';
  return JSON.stringify(doc).replaceAll('"@@"', value);
}

describe('limits: spec.replicas', () => {
  it('readTrace (trace validate) refuses 1e9 replicas, naming the limit and the value', () => {
    const problems = problemsOf(dsbJsonWithReplicas('1e9'));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]!.path).toMatch(/spec\.replicas$/);
    expect(problems[0]!.detail).toContain(`at most ${LIMITS.replicas.toLocaleString('en-US')} replicas`);
    expect(problems[0]!.detail).toContain('got 1000000000');
  });

  it.each([
    ['"3"', 'the string "3"'],
    ['2.5', 'got 2.5'],
    ['-1', 'got -1'],
    ['9007199254740994', 'replicas of one workload'],
  ])('readTrace refuses spec.replicas %s (never read as 1 or used as is)', (raw, what) => {
    const problems = problemsOf(dsbJsonWithReplicas(raw));
    expect(problems.map((p) => p.detail).join('\n')).toContain(what);
  });

  it('SimEnv.create refuses an in-memory trace with 1e9 replicas before allocating', async () => {
    await expect(SimEnv.create({ trace: dsbWithReplicas(1e9), deployment: 'dsb/nginx-thrift' })).rejects.toThrow(TraceFormatError);
    await expect(SimEnv.create({ trace: dsbWithReplicas(1e9), deployment: 'dsb/nginx-thrift' })).rejects.toThrow(/at most 100,000 replicas.*got 1000000000/);
  });

  it('create refuses maxReplicas, pods, nodes and horizon over their limits', async () => {
    const base = { trace: DSB_SCALING, deployment: 'dsb/nginx-thrift' };
    await expect(SimEnv.create({ ...base, maxReplicas: 1e9 })).rejects.toThrow(/maxReplicas: expected at most 100,000 replicas/);
    await expect(SimEnv.create({ ...base, maxReplicas: 100_000, nodes: { source: 'virtual', pools: [{ count: 4 }] } })).resolves.toBeDefined();
    await expect(SimEnv.create({ ...base, nodes: { source: 'virtual', pools: [{ count: 1e8 }] } })).rejects.toThrow(/nodes.pools: expected at most 5,000 nodes.*got 100000000/);
    await expect(SimEnv.create({ ...base, stepSeconds: 1, horizon: 1e9 })).rejects.toThrow(ConfigError);
    // Many workloads each near the per-workload limit: the pod bound catches the sum.
    const events = [{ ts: 0, applied_objs: [1, 2].map((i) => deployment(`big-${i}`, 90_000)), deleted_objs: [] }];
    await expect(SimEnv.create({ trace: traceWith(events), deployment: 'big-1' })).rejects.toThrow(/at most 150,000 pods at once/);
  });
});

describe('limits: nesting depth, one rule for every reader and the writer', () => {
  const deep = (levels: number): unknown => {
    let v: unknown = 1;
    for (let i = 0; i < levels; i++) v = [v];
    return v;
  };
  it('the JSON reader refuses what the msgpack reader refuses, and the writer will not write it', () => {
    const t = traceWith([{ ts: 0, applied_objs: [deployment('a', 1, { metadata: { name: 'a', namespace: 'ns', labels: {} }, deep: deep(600) })], deleted_objs: [] }]);
    expect(() => writeTrace(t, { format: 'json' })).toThrow(/at most 512 nesting levels/);
    expect(() => writeTrace(t, { format: 'msgpack' })).toThrow(/at most 512 nesting levels/);
    const text = JSON.stringify({ version: 2, config: { trackedObjects: {} }, events: [{ ts: 0, applied_objs: [{ deep: deep(600) }], deleted_objs: [] }], index: {}, pod_lifecycles: {} });
    expect(problemsOf(text)[0]!.detail).toMatch(/at most 512 nesting levels/);
  });
});

describe('limits: the CLI', () => {
  it('trace validate and run refuse spec.replicas 1e9 in one line, exit 1, and allocate nothing (256 MB heap)', () => {
    const dir = tempDir('simenv-limits-');
    const file = join(dir, 'big.json');
    writeFileSync(file, dsbJsonWithReplicas('1e9'));
    const run = (args: string[]): { code: number; out: string } => {
      try {
        const out = execFileSync(process.execPath, ['--max-old-space-size=256', ...cliArgs(args)], { cwd: REPO, encoding: 'utf8', stdio: 'pipe', timeout: 60_000 });
        return { code: 0, out };
      } catch (err) {
        const e = err as { status: number; stdout: string; stderr: string };
        return { code: e.status, out: e.stdout + e.stderr };
      }
    };
    const v = run(['trace', 'validate', file]);
    expect(v.code).toBe(1);
    expect(v.out).toMatch(/spec\.replicas: expected at most 100,000 replicas of one workload .*got 1000000000/);
    const r = run(['run', '--trace', file, '--deploy', 'dsb/nginx-thrift', '--target', '3', '--step', '15', '--out', dir]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/got 1000000000/);
    expect(r.out).not.toMatch(/RangeError|allocation failed|at .*\.ts:\d+/);
  }, 90_000);
});

describe('JSON trace output is streamed (issue 14, defect 12)', () => {
  it('the file writeTrace streams an event at a time is byte for byte the one-string encoding', async () => {
    const { readFileSync } = await import('node:fs');
    const { richTrace } = await import('./trace/fixtures.js');
    const dir = tempDir('simenv-json-');
    for (const trace of [readTrace(DSB_SCALING), richTrace(), { ...richTrace(), events: [] }]) {
      for (const indent of [0, 2]) {
        const file = join(dir, `t${indent}.json`);
        const written = writeTrace(trace, file, { indent });
        const whole = writeTrace(trace, { format: 'json', indent });
        expect(new Uint8Array(readFileSync(file))).toEqual(whole);
        expect(written.bytes).toBe(whole.length);
      }
    }
  });
});
