import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeError, TraceFormatError, TraceVersionError } from '../../../src/env/errors.js';
import { MsgpackWriter } from '../../../src/env/trace/msgpack-writer.js';
import { readTrace, writeTrace } from '../../../src/env/trace/trace-codec.js';
import { traceFromJson } from '../../../src/env/trace/trace-json.js';
import { DSB_SCALING, NGINX_SMALL_JSON, readBytes } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'simenv-bad-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const writer = new MsgpackWriter();
const base = () => ({ version: 2, config: { trackedObjects: {} }, events: [] as unknown[], index: {}, pod_lifecycles: {} as unknown });
const obj = (name: string) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'ns' } });

function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  // Make sure the data does not happen to start like a msgpack map.
  out[0] = 0xd3;
  return out;
}

/** Each bad input from the issue: the file name, its bytes, and what its message must say. */
const BAD: Array<[string, string, () => Uint8Array, RegExp]> = [
  ['an empty file', 'empty.sktrace', () => new Uint8Array(0), /got an empty file \(0 bytes\)/],
  ['truncated msgpack', 'truncated.sktrace', () => readBytes(DSB_SCALING).subarray(0, 30_000), /at events\[1\]\.applied_objs\[\d+\][^:]*: truncated msgpack: .* the data is cut short/],
  ['random bytes', 'random.sktrace', () => randomBytes(4096, 99), /expected a msgpack map at byte 0 .* got byte 0xd3 .* not a SimKube trace/],
  ['JSON where msgpack is expected', 'json.sktrace', () => readBytes(NGINX_SMALL_JSON), /expected msgpack \(the file name ends in \.sktrace\), got JSON text/],
  ['msgpack where JSON is expected', 'msgpack.json', () => readBytes(DSB_SCALING), /expected JSON text \(the file name ends in \.json\), got msgpack binary data/],
  [
    'a trace without version',
    'noversion.sktrace',
    () => {
      const { version: _v, ...rest } = base();
      return writer.encode(rest);
    },
    /at version: expected a version field .* got none: traces without one predate SimKube 2\.0 .* re-export/,
  ],
  ['a version-1 trace', 'v1.sktrace', () => writer.encode({ ...base(), version: 1 }), /at version: expected trace format version 2, got 1: simenv needs SimKube v2\+ traces .* re-export the trace with SimKube >= 2\.0/],
  ['a version above 2', 'v3.sktrace', () => writer.encode({ ...base(), version: 3 }), /at version: expected trace format version 2, got 3: the trace was written by a newer SimKube/],
  [
    'a missing required field',
    'noindex.sktrace',
    () => {
      const { index: _i, ...rest } = base();
      return writer.encode(rest);
    },
    /at index: expected the required field index, got none/,
  ],
  [
    'a manifest whose kind is not a string',
    'kind.sktrace',
    () => writer.encode({ ...base(), events: [{ ts: 100, applied_objs: [obj('a'), { ...obj('b'), kind: 7 }], deleted_objs: [] }] }),
    /at events\[0\]\.applied_objs\[1\]\.kind: expected a non-empty string such as "Deployment", got the integer 7/,
  ],
  [
    'an unknown lifecycle variant',
    'variant.sktrace',
    () => writer.encode({ ...base(), pod_lifecycles: new Map([[['apps/v1.Deployment', 'ns/a'], new Map([[2n ** 60n, [{ Paused: 5 }]]])]]) }),
    /at pod_lifecycles\[\["apps\/v1\.Deployment","ns\/a"\]\]\[1152921504606846976\]\[0\]: expected a lifecycle "Empty", \{"Running": start\} or \{"Finished": \[start, end\]\}, got the unknown variant "Paused"/,
  ],
];

describe('bad input: each a clear one-line TraceFormatError', () => {
  it.each(BAD)('%s', async (_what, name, make, expected) => {
    const path = join(dir, name);
    writeFileSync(path, make());
    const err = await Promise.resolve(path).then(readTrace).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TraceFormatError);
    const text = describeError(err);
    expect(text).toMatch(expected);
    expect(text.startsWith(path)).toBe(true);
    expect(text).not.toContain('\n');
  });

  it('gives each bad input its own message', async () => {
    const messages = new Set<string>();
    for (const [, name] of BAD) {
      const err = await Promise.resolve(join(dir, name)).then(readTrace).catch((e: unknown) => e);
      messages.add(describeError(err).replace(join(dir, name), 'FILE'));
    }
    expect(messages.size).toBe(BAD.length);
  });

  it('uses TraceVersionError for every version problem', () => {
    for (const version of [undefined, 1, 3, '2']) {
      const bytes = writer.encode({ ...base(), version });
      expect(() => readTrace(bytes)).toThrow(TraceVersionError);
    }
    expect(() => readTrace(writer.encode({ ...base(), version: '2' }))).toThrow(/expected version to be the integer 2, got a string \("2"\)/);
  });

  it('says what a non-trace msgpack map is', () => {
    expect(() => readTrace(writer.encode({ hello: 'world' }))).toThrow(/expected a SimKube trace .* got a map with keys "hello"/);
  });

  it('reports gzip-compressed input and bad JSON text clearly', () => {
    expect(() => readTrace(new Uint8Array([0x1f, 0x8b, 8, 0]))).toThrow(/gzip-compressed data: decompress it first/);
    expect(() => traceFromJson('{"version": 2,')).toThrow(/expected JSON text, got invalid JSON/);
    expect(() => traceFromJson('{"version": 1}')).toThrow(/version 2, got 1/);
  });
});

describe('what SimKube\'s Trace::import reads, simenv reads (issue 16), with a warning', () => {
  const read = (bytes: Uint8Array) => {
    const warnings: string[] = [];
    const trace = readTrace(bytes, { onWarning: (w) => warnings.push(w) });
    return { trace, warnings };
  };

  it('sorts events out of time order, stably', () => {
    const events = [
      { ts: 100, applied_objs: [obj('a')], deleted_objs: [] },
      { ts: 40, applied_objs: [obj('b')], deleted_objs: [] },
      { ts: 100, applied_objs: [obj('c')], deleted_objs: [] },
      { ts: 40, applied_objs: [obj('d')], deleted_objs: [] },
    ];
    const { trace, warnings } = read(writer.encode({ ...base(), events }));
    expect(trace.events.map((e) => [e.ts, e.applied_objs[0]!.metadata.name])).toEqual([
      [40, 'b'],
      [40, 'd'],
      [100, 'a'],
      [100, 'c'],
    ]);
    expect(warnings).toEqual([expect.stringMatching(/events were not in time order \(first: events\[1\] \(ts 40\) came after events\[0\] \(ts 100\)\); simenv sorted them/)]);
    // Writing keeps SimKube's own order rule: an unsorted in-memory trace is refused.
    const unsorted = { ...trace, events: [...trace.events].reverse() };
    expect(() => writeTrace(unsorted)).toThrow(/events\[2\]\.ts: expected events in time order/);
  });

  it('accepts a manifest without kind, and drops it with a warning', () => {
    const { apiVersion, metadata } = obj('nokind');
    const events = [{ ts: 1, applied_objs: [obj('a'), { apiVersion, metadata }, obj('b')], deleted_objs: [{ metadata }] }];
    const { trace, warnings } = read(writer.encode({ ...base(), events }));
    expect(trace.events[0]!.applied_objs.map((o) => o.metadata.name)).toEqual(['a', 'b']);
    expect(trace.events[0]!.deleted_objs).toEqual([]);
    expect(warnings).toEqual([expect.stringMatching(/^dropped 2 manifests without a kind/)]);
  });

  it('ignores unknown top-level fields', () => {
    const { trace, warnings } = read(writer.encode({ ...base(), events: [{ ts: 1, applied_objs: [obj('a')], deleted_objs: [] }], extra: { x: 1 }, notes: 'hi' }));
    expect(Object.keys(trace)).toEqual(['version', 'config', 'events', 'index', 'pod_lifecycles']);
    expect(warnings).toEqual([expect.stringMatching(/ignored unknown top-level fields "extra", "notes"/)]);
    expect(() => writeTrace({ ...trace, extra: 1 } as typeof trace)).toThrow(/unknown field "extra"/);
  });

  it('prints nothing itself: a valid, ordered trace gives no warning', () => {
    const { warnings } = read(writer.encode({ ...base(), events: [{ ts: 1, applied_objs: [obj('a')], deleted_objs: [] }] }));
    expect(warnings).toEqual([]);
  });
});
