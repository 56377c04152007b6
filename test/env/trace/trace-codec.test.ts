import { Decoder } from '@msgpack/msgpack';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TraceFormatError, TraceValidationError } from '../../../src/env/errors.js';
import { MsgpackWriter } from '../../../src/env/trace/msgpack-writer.js';
import { TraceSchema, type Trace } from '../../../src/env/trace/schema.js';
import { readTrace, writeTrace } from '../../../src/env/trace/trace-codec.js';
import { synthesizeTrace } from '../../../src/env/trace/trace-synth.js';
import { DSB_LARGE_JSON, DSB_SCALING, NGINX_SMALL_JSON, problemsOf, readBytes, richTrace, traceWith } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'simenv-codec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('decodeTrace on the real SimKube trace', () => {
  const trace = readTrace(readBytes(DSB_SCALING));

  it('reads version, config, 19 events, 27 indexed deployments and empty lifecycles', () => {
    expect(trace.version).toBe(2);
    expect(trace.config).toEqual({ trackedObjects: { 'apps/v1.Deployment': { podSpecTemplatePaths: ['/spec/template'] } } });
    expect(trace.events).toHaveLength(19);
    expect(trace.events[1]!.applied_objs).toHaveLength(27);
    expect(Object.keys(trace.index['apps/v1.Deployment']!)).toHaveLength(27);
    expect(trace.pod_lifecycles).toEqual([]);
  });

  it('keeps every index hash as an exact bigint', () => {
    const hashes = Object.values(trace.index['apps/v1.Deployment']!);
    expect(hashes.every((h) => typeof h === 'bigint')).toBe(true);
    expect(trace.index['apps/v1.Deployment']!['dsb/social-graph-mongodb']).toBe(15569719415698843698n);
  });

  it('re-encodes to the very same bytes SimKube wrote', () => {
    const original = readBytes(DSB_SCALING);
    expect(Buffer.from(writeTrace(trace)).equals(Buffer.from(original))).toBe(true);
  });

  it('produces what TraceSchema (zod) accepts, unchanged', () => {
    expect(TraceSchema.parse(trace)).toEqual(trace);
  });
});

describe('lossless round trip: decode -> encode -> decode', () => {
  const cases: Array<[string, () => Trace]> = [
    ['dsb-scaling.sktrace', () => readTrace(readBytes(DSB_SCALING))],
    ['dsb-large.json', () => readTrace(readBytes(DSB_LARGE_JSON))],
    ['nginx-small.json', () => readTrace(readBytes(NGINX_SMALL_JSON))],
    ['rich fixture (tuple keys, hashes up to 2^64-1, manifest bigint)', richTrace],
    ['synthetic with pod_lifecycles', () => synthesizeTrace({ deployments: 30, events: 200, seed: 7, podLifecycles: true })],
  ];
  it.each(cases)('%s', (_name, make) => {
    const trace = make();
    const once = readTrace(writeTrace(trace));
    expect(once).toEqual(trace);
    expect(Buffer.from(writeTrace(once)).equals(Buffer.from(writeTrace(trace)))).toBe(true);
  });

  it('keeps hashes above 2^53 exact (a JS number would not)', () => {
    const t = readTrace(writeTrace(richTrace()));
    expect(t.index['apps/v1.Deployment']!['ns/web']).toBe(2n ** 64n - 1n);
    expect(t.index['apps/v1.Deployment']!['ns/api']).toBe(2n ** 53n + 1n);
    expect(t.index['batch/v1.Job']!['ns/etl']).toBe(7n);
    expect(t.pod_lifecycles[0]!.pods.map((p) => p.hash)).toEqual([12_345_678_901_234_567_890n, 2n ** 53n]);
    const job = t.events[0]!.applied_objs[1] as unknown as { spec: { activeDeadlineSeconds: unknown } };
    expect(job.spec.activeDeadlineSeconds).toBe(9_007_199_254_740_993n);
  });

  it('keeps lifecycles as the typed union, in order', () => {
    const t = readTrace(writeTrace(richTrace()));
    expect(t.pod_lifecycles[0]!.owner).toEqual(['apps/v1.Deployment', 'ns/web']);
    expect(t.pod_lifecycles[0]!.pods[0]!.lifecycles).toEqual([
      { state: 'Running', start: 1_700_000_001 },
      { state: 'Finished', start: 1_700_000_002, end: 1_700_000_050 },
      { state: 'Empty' },
    ]);
  });
});

describe('encodeTrace writes the shape SimKube parses', () => {
  const raw = new Decoder({
    useBigInt64: true,
    // Show tuple keys as JSON text so the raw shape can be inspected.
    mapKeyConverter: (k: unknown) => (typeof k === 'string' ? k : JSON.stringify(k, (_x, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))),
  }).decode(writeTrace(richTrace())) as Record<string, unknown>;

  it('has exactly the five snake_case top-level keys, in SimKube order', () => {
    expect(Object.keys(raw)).toEqual(['version', 'config', 'events', 'index', 'pod_lifecycles']);
    expect(raw.version).toBe(2);
  });

  it('writes only the tracked-object fields that were set (no nil for undefined)', () => {
    expect(raw.config).toEqual({
      trackedObjects: {
        'apps/v1.Deployment': { podSpecTemplatePaths: ['/spec/template'], trackLifecycle: true },
        'batch/v1.Job': { podSpecTemplatePaths: null, skipOwned: false },
      },
    });
  });

  it('writes tuple keys as 2-element arrays, pod-spec hashes as integer keys, lifecycles externally tagged', () => {
    const pl = raw.pod_lifecycles as Record<string, Record<string, unknown>>;
    expect(Object.keys(pl)).toEqual(['["apps/v1.Deployment","ns/web"]', '["batch/v1.Job","ns/etl"]']);
    expect(pl['["apps/v1.Deployment","ns/web"]']).toEqual({
      '"12345678901234567890n"': [{ Running: 1_700_000_001 }, { Finished: [1_700_000_002, 1_700_000_050] }, 'Empty'],
      '"9007199254740992n"': [],
    });
  });

  it('writes every hash as an unsigned integer (0xcf for full width)', () => {
    const bytes = writeTrace(traceWith([], { index: { 'v1.Pod': { 'ns/p': 2n ** 64n - 1n } } }));
    const hex = Buffer.from(bytes).toString('hex');
    expect(hex).toContain('a46e732f70cfffffffffffffffff'); // "ns/p" then uint64 2^64-1
  });

  it('refuses to write a config field SimKube does not know', () => {
    const t = richTrace();
    (t.config.trackedObjects['apps/v1.Deployment'] as Record<string, unknown>).extra = 1;
    expect(() => writeTrace(t)).toThrow(/expected only podSpecTemplatePaths, trackLifecycle and skipOwned, got "extra"/);
  });

  it('refuses a version other than 2, unknown top-level fields, duplicate owners and bad hashes', () => {
    expect(() => writeTrace({ ...richTrace(), version: 3 as 2 })).toThrow(/version 2, got 3/);
    expect(() => writeTrace({ ...richTrace(), extra: 1 } as Trace)).toThrow(/unknown field "extra"/);
    const dup = richTrace();
    dup.pod_lifecycles.push({ owner: ['batch/v1.Job', 'ns/etl'], pods: [] });
    expect(() => writeTrace(dup)).toThrow(/each owner once/);
    expect(() => writeTrace(traceWith([], { index: { g: { n: -1n } } }))).toThrow(/index\.g\.n: expected an unsigned 64-bit hash, got the integer -1/);
  });

  it('does not modify the trace it encodes', () => {
    const t = richTrace();
    writeTrace(t);
    expect(t).toEqual(richTrace());
  });
});

describe('validation collects every problem with its path', () => {
  it('lists several problems of one trace at once', () => {
    const w = new MsgpackWriter();
    const bytes = w.encode({
      version: 2,
      config: { trackedObjects: { 'apps/v1.Deployment': { bogus: 1 } } },
      events: [
        { ts: 10, applied_objs: [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a' } }], deleted_objs: [] },
        { ts: 5, applied_objs: [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: 'oops' }], deleted_objs: [] },
        { ts: 'late', applied_objs: [], deleted_objs: 3 },
      ],
      index: { 'apps/v1.Deployment': { 'ns/a': 'zz' } },
      pod_lifecycles: new Map([[['apps/v1.Deployment', 'ns/a'], new Map([[1, [{ Paused: 1 }, 'Empty']]])]]),
    });
    const problems = problemsOf(bytes);
    expect(problems.every((p) => p instanceof TraceFormatError)).toBe(true);
    expect(problems.map((p) => p.path)).toEqual([
      'config.trackedObjects["apps/v1.Deployment"]',
      'events[1].applied_objs[0].metadata',
      'events[2].ts',
      'events[2].deleted_objs',
      'index["apps/v1.Deployment"]["ns/a"]',
      'pod_lifecycles[["apps/v1.Deployment","ns/a"]][1][0]',
    ]);
    expect(problems[5]!.message).toMatch(/unknown variant "Paused"/);
  });

  it('validates an in-memory Trace value and JSON text too', () => {
    expect(problemsOf(richTrace())).toEqual([]);
    const bad = richTrace();
    (bad.events[0]!.applied_objs[0]!.metadata as { name: unknown }).name = '';
    expect(problemsOf(bad).map((p) => p.path)).toEqual(['events[0].applied_objs[0].metadata.name']);
    expect(problemsOf('{"version": 2}').map((p) => p.path)).toEqual(['config', 'events', 'index', 'pod_lifecycles']);
  });

  it('caps the listed problems and says how many more there are', () => {
    const events = Array.from({ length: 150 }, () => ({ ts: 'soon', applied_objs: [], deleted_objs: [] }));
    const bytes = new MsgpackWriter().encode({ version: 2, config: { trackedObjects: {} }, events, index: {}, pod_lifecycles: {} });
    const err = (() => {
      try {
        readTrace(bytes, { file: 'x.sktrace' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(TraceValidationError);
    expect((err as TraceValidationError).problems).toHaveLength(100);
    expect((err as Error).message).toMatch(/^x\.sktrace: 150 problems\n {2}- events\[0\]\.ts: expected a Unix time/);
    expect((err as Error).message).toMatch(/and 50 more problems/);
  });

  it('reports a map with non-string keys inside a manifest', () => {
    const bytes = new MsgpackWriter().encode({
      version: 2,
      config: { trackedObjects: {} },
      events: [{ ts: 1, applied_objs: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: new Map([[1, 2]]) }], deleted_objs: [] }],
      index: {},
      pod_lifecycles: {},
    });
    expect(problemsOf(bytes).map((p) => p.message)).toEqual([
      'events[0].applied_objs[0].spec: expected string keys in a Kubernetes object, got a map with non-string keys (1 entry)',
    ]);
  });
});

describe('trace files', () => {
  it('reads msgpack and JSON by extension, and says which', async () => {
    const formats: string[] = [];
    readTrace(DSB_SCALING, { onRead: (f) => formats.push(f.format) });
    const warnings: string[] = [];
    const json = readTrace(DSB_LARGE_JSON, { onRead: (f) => formats.push(f.format), onWarning: (w) => warnings.push(w) });
    expect(formats).toEqual(['msgpack', 'json']);
    expect(json.events).toHaveLength(89);
    expect(warnings.join()).toMatch(/27 index hashes .* approximate/);
    expect(readTrace(NGINX_SMALL_JSON).events[0]!.deleted_objs).toHaveLength(1);
  });

  it('tells content by sniffing when the extension says nothing', async () => {
    const path = join(dir, 'trace.bin');
    writeFileSync(path, readBytes(NGINX_SMALL_JSON));
    let format = '';
    readTrace(path, { onRead: (f) => (format = f.format) });
    expect(format).toBe('json');
  });

  it('writes atomically in the format of the extension and reads back the same trace', async () => {
    const t = richTrace();
    for (const name of ['out.sktrace', 'out.json']) {
      const path = join(dir, name);
      const written = writeTrace(t, path);
      expect(written.format).toBe(name.endsWith('.json') ? 'json' : 'msgpack');
      expect(readTrace(path)).toEqual(t);
    }
  });

  it('turns a missing file into a one-line TraceFormatError', async () => {
    expect(() => readTrace(join(dir, 'nope.sktrace'))).toThrow(/nope\.sktrace: expected a readable trace file, got no such file \(ENOENT\)/);
    expect(() => writeTrace(richTrace(), join(dir, 'missing-dir', 'x.sktrace'))).toThrow(
      /x\.sktrace: expected a writable file path, got a missing directory \(ENOENT\)/,
    );
  });
});
