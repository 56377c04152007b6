import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readTrace, writeTrace } from '../../../src/env/trace/trace-codec.js';
import { BIGINTS_KEY, traceFromJson, traceToJson } from '../../../src/env/trace/trace-json.js';
import { synthesizeTrace } from '../../../src/env/trace/trace-synth.js';
import { DSB_LARGE_JSON, DSB_SCALING, NGINX_SMALL_JSON, readBytes, richTrace, traceWith } from './fixtures.js';

describe('lossless JSON form', () => {
  it('round-trips the real trace, the rich fixture and a synthetic trace exactly', () => {
    for (const t of [readTrace(readBytes(DSB_SCALING)), richTrace(), synthesizeTrace({ deployments: 10, events: 50, seed: 3, podLifecycles: true })]) {
      expect(traceFromJson(traceToJson(t))).toEqual(t);
      expect(traceFromJson(traceToJson(t, { indent: 0 }))).toEqual(t);
    }
  });

  it('writes hashes as decimal strings and tuple-keyed maps as [key, value] pairs', () => {
    const doc = JSON.parse(traceToJson(richTrace())) as Record<string, unknown>;
    expect(doc.index).toEqual({
      'apps/v1.Deployment': { 'ns/web': '18446744073709551615', 'ns/api': '9007199254740993' },
      'batch/v1.Job': { 'ns/etl': '7' },
    });
    expect(doc.pod_lifecycles).toEqual([
      [
        ['apps/v1.Deployment', 'ns/web'],
        [
          ['12345678901234567890', [{ Running: 1_700_000_001 }, { Finished: [1_700_000_002, 1_700_000_050] }, 'Empty']],
          ['9007199254740992', []],
        ],
      ],
      [['batch/v1.Job', 'ns/etl'], [['42', [{ Finished: [1, 2] }]]]],
    ]);
  });

  it('writes manifest integers beyond 2^53 as strings listed by JSON Pointer in $bigints', () => {
    const doc = JSON.parse(traceToJson(richTrace())) as Record<string, unknown>;
    expect(doc[BIGINTS_KEY]).toEqual(['/events/0/applied_objs/1/spec/activeDeadlineSeconds']);
    const job = (doc.events as Array<{ applied_objs: Array<{ spec: Record<string, unknown> }> }>)[0]!.applied_objs[1]!;
    expect(job.spec.activeDeadlineSeconds).toBe('9007199254740993');
    // A manifest string that merely looks like a number stays a string.
    const t = traceWith([{ ts: 1, applied_objs: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { n: '123' } }], deleted_objs: [] }]);
    expect(JSON.parse(traceToJson(t))[BIGINTS_KEY]).toBeUndefined();
    expect(traceFromJson(traceToJson(t))).toEqual(t);
  });

  it('escapes JSON Pointer segments (~ and /) in $bigints', () => {
    const t = traceWith([{ ts: 1, applied_objs: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', annotations: { 'a/b~c': 2n ** 60n } } }], deleted_objs: [] }]);
    const text = traceToJson(t);
    expect(JSON.parse(text)[BIGINTS_KEY]).toEqual(['/events/0/applied_objs/0/metadata/annotations/a~1b~0c']);
    expect(traceFromJson(text)).toEqual(t);
  });

  it('matches msgpack exactly: JSON -> msgpack -> JSON gives the same text', () => {
    const text = traceToJson(richTrace());
    expect(traceToJson(readTrace(writeTrace(traceFromJson(text))))).toBe(text);
  });

  it('refuses a broken $bigints list', () => {
    const doc = JSON.parse(traceToJson(richTrace())) as Record<string, unknown>;
    doc[BIGINTS_KEY] = ['/events/0/applied_objs/0/metadata/name'];
    expect(() => traceFromJson(JSON.stringify(doc))).toThrow(/\$bigints\[0\]: expected a JSON Pointer to an integer written as a string/);
  });
});

describe('SimKube-shaped JSON traces', () => {
  it('reads dsb-large.json with the index digits exactly as written (JSON.parse would round them)', () => {
    const text = readFileSync(DSB_LARGE_JSON, 'utf8');
    const t = traceFromJson(text);
    expect(t.events).toHaveLength(89);
    expect(t.events.reduce((n, e) => n + e.applied_objs.length, 0)).toBe(250);
    expect(t.index['apps/v1.Deployment']!['dsb/jaeger']).toBe(17146943970771433564n);
    expect(BigInt(JSON.parse(text).index['apps/v1.Deployment']['dsb/jaeger'])).not.toBe(17146943970771433564n);
  });

  it('reads nginx-small.json: one Deployment applied, another deleted, in one event', () => {
    const t = traceFromJson(readFileSync(NGINX_SMALL_JSON, 'utf8'));
    expect(t.events).toHaveLength(1);
    expect(t.events[0]!.applied_objs[0]!.metadata.name).toBe('nginx-deployment');
    expect(t.events[0]!.deleted_objs[0]!.metadata.name).toBe('nginx-deployment-2');
    expect(t.index['apps/v1.Deployment']!['default/nginx-deployment']).toBe(2842228259284014139n);
  });

  it('recovers exact digits even when index keys need JSON escapes', () => {
    const text = '{"version":2,"config":{"trackedObjects":{}},"events":[],"index":{"a\\"b":{"ns/\\u0078":18446744073709551615}},"pod_lifecycles":{}}';
    expect(traceFromJson(text).index).toEqual({ 'a"b': { 'ns/x': 18446744073709551615n } });
  });
});
