import { Decoder, Encoder } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { MsgpackReader, MsgpackReadError } from '../../../src/env/trace/msgpack-reader.js';
import { MsgpackWriter } from '../../../src/env/trace/msgpack-writer.js';
import { DSB_SCALING, readBytes } from './fixtures.js';

const reader = new MsgpackReader();
const bytes = (...b: number[]) => new Uint8Array(b);

function readError(data: Uint8Array): MsgpackReadError {
  try {
    reader.decode(data);
  } catch (err) {
    if (err instanceof MsgpackReadError) return err;
    throw err;
  }
  throw new Error('expected a MsgpackReadError');
}

describe('MsgpackReader scalars', () => {
  it('reads every integer width, keeping numbers within 2^53 and bigints beyond', () => {
    expect(reader.decode(bytes(0x7f))).toBe(127);
    expect(reader.decode(bytes(0xe0))).toBe(-32);
    expect(reader.decode(bytes(0xcc, 0xff))).toBe(255);
    expect(reader.decode(bytes(0xcd, 0x01, 0x00))).toBe(256);
    expect(reader.decode(bytes(0xce, 0xff, 0xff, 0xff, 0xff))).toBe(4294967295);
    expect(reader.decode(bytes(0xd0, 0x80))).toBe(-128);
    expect(reader.decode(bytes(0xd1, 0x80, 0x00))).toBe(-32768);
    expect(reader.decode(bytes(0xd2, 0x80, 0, 0, 0))).toBe(-2147483648);
    // 2^53 - 1 in uint64 form stays a number; 2^53 + 1 and 2^64 - 1 come back as bigint.
    expect(reader.decode(bytes(0xcf, 0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))).toBe(2 ** 53 - 1);
    expect(reader.decode(bytes(0xcf, 0, 0x20, 0, 0, 0, 0, 0, 1))).toBe(2n ** 53n + 1n);
    expect(reader.decode(bytes(0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))).toBe(2n ** 64n - 1n);
    expect(reader.decode(bytes(0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0))).toBe(-(2n ** 63n));
    expect(reader.decode(bytes(0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe))).toBe(-2);
  });

  it('reads nil, booleans, floats and strings', () => {
    expect(reader.decode(bytes(0xc0))).toBeNull();
    expect(reader.decode(bytes(0xc2))).toBe(false);
    expect(reader.decode(bytes(0xc3))).toBe(true);
    expect(reader.decode(bytes(0xcb, 0x3f, 0xd0, 0, 0, 0, 0, 0, 0))).toBe(0.25);
    expect(reader.decode(bytes(0xca, 0x3f, 0x80, 0, 0))).toBe(1);
    expect(reader.decode(bytes(0xa3, 0x61, 0x62, 0x63))).toBe('abc');
    expect(reader.decode(bytes(0xa0))).toBe('');
    const long = 'x'.repeat(300) + 'é';
    expect(reader.decode(new Encoder().encode(long))).toBe(long);
  });
});

describe('MsgpackReader containers', () => {
  it('decodes string-keyed maps to plain objects and keeps __proto__ as an own key', () => {
    const v = reader.decode(new Encoder().encode({ a: 1, b: [1, 'x', null], c: { d: true } }));
    expect(v).toEqual({ a: 1, b: [1, 'x', null], c: { d: true } });
    // {"__proto__": 1} built by hand: a plain assignment would set the prototype instead.
    const proto = reader.decode(bytes(0x81, 0xa9, ...new TextEncoder().encode('__proto__'), 0x01)) as Record<string, unknown>;
    expect(Object.keys(proto)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
  });

  it('decodes maps with tuple or integer keys to Map, keeping the keys', () => {
    const w = new MsgpackWriter();
    const data = w.encode(
      new Map<unknown, unknown>([
        [['apps/v1.Deployment', 'ns/a'], new Map([[2n ** 63n + 5n, ['Empty']]])],
        [['apps/v1.Deployment', 'ns/b'], new Map([[7, []]])],
      ]),
    );
    const v = reader.decode(data) as Map<unknown, unknown>;
    expect(v).toBeInstanceOf(Map);
    expect([...v.keys()]).toEqual([
      ['apps/v1.Deployment', 'ns/a'],
      ['apps/v1.Deployment', 'ns/b'],
    ]);
    expect([...(v.get([...v.keys()][0]) as Map<unknown, unknown>).keys()]).toEqual([2n ** 63n + 5n]);
    expect(reader.nonStringKeyMaps).toBe(3);
  });

  it('switches a map to Map mode when a non-string key follows string keys', () => {
    const w = new MsgpackWriter();
    const v = reader.decode(w.encode(new Map<unknown, unknown>([['a', 1], [2, 'b']]))) as Map<unknown, unknown>;
    expect([...v.entries()]).toEqual([
      ['a', 1],
      [2, 'b'],
    ]);
  });

  it('builds repeated key sequences through compiled shapes without mixing up values', () => {
    const r = new MsgpackReader();
    const w = new MsgpackWriter();
    const odd = ['a"b', 'line\u2028sep', 'é', '0', '', 'constructor', 'toString'];
    const items = Array.from({ length: 50 }, (_, i) => ({
      [odd[i % odd.length]!]: i,
      name: `n${i}`,
      nested: { name: `inner${i}`, list: [{ name: i }] },
      ...(i % 2 === 0 ? { extra: true } : {}),
    }));
    // Decode twice: the second pass runs entirely on compiled shapes.
    expect(r.decode(w.encode(items))).toEqual(items);
    expect(r.decode(w.encode(items))).toEqual(items);
  });

  it('keeps the last value of a repeated key, and __proto__ as data, on every path', () => {
    const r = new MsgpackReader();
    const key = (s: string) => [0xa0 | s.length, ...new TextEncoder().encode(s)];
    const dup = bytes(0x82, ...key('a'), 0x01, ...key('a'), 0x02);
    const proto = bytes(0x82, ...key('x'), 0x01, ...key('__proto__'), 0x02);
    for (let i = 0; i < 3; i++) {
      expect(r.decode(dup)).toEqual({ a: 2 });
      const p = r.decode(proto) as Record<string, unknown>;
      expect(Object.keys(p)).toEqual(['x', '__proto__']);
      expect(Object.getPrototypeOf(p)).toBe(Object.prototype);
    }
  });

  it('keeps decoding correctly once the shape trie is full (many distinct keys)', () => {
    const r = new MsgpackReader();
    const w = new MsgpackWriter();
    const many = Array.from({ length: 70_000 }, (_, i) => ({ [`key-${i}`]: i, tail: i % 7 }));
    expect(r.decode(w.encode(many))).toEqual(many);
    expect(r.decode(w.encode(many.slice(0, 100)))).toEqual(many.slice(0, 100));
  });

  it('handles wide maps (built key by key) and deep wide nesting (stack growth)', () => {
    const r = new MsgpackReader();
    const w = new MsgpackWriter();
    const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
    expect(r.decode(w.encode(wide))).toEqual(wide);
    let deep: Record<string, unknown> = { leaf: true };
    for (let d = 0; d < 200; d++) deep = { ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, d])), child: deep };
    expect(r.decode(w.encode(deep))).toEqual(deep);
  });

  it('returns the same strings through the cache, and distinct ones for distinct bytes', () => {
    const values = Array.from({ length: 5000 }, (_, i) => `key-${i % 700}-${'é'.repeat(i % 3)}`);
    const decoded = reader.decode(new Encoder().encode(values));
    expect(decoded).toEqual(values);
  });

  it('agrees with @msgpack/msgpack on the real SimKube trace', () => {
    const data = readBytes(DSB_SCALING);
    const ours = reader.decode(data);
    // The library returns every 64-bit-wide integer as bigint; ours only those beyond 2^53.
    const normalise = (v: unknown): unknown => {
      if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      if (Array.isArray(v)) return v.map(normalise);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x)]));
      return v;
    };
    const theirs = normalise(new Decoder({ useBigInt64: true }).decode(data));
    expect(ours).toEqual(theirs);
    // The index hashes are beyond 2^53 in this file: they must have stayed exact.
    const index = (ours as { index: Record<string, Record<string, unknown>> }).index['apps/v1.Deployment']!;
    expect(index['dsb/nginx-thrift']).toBe(1803874470746433046n);
  });
});

describe('MsgpackReader errors', () => {
  it('reports truncation with the byte offset', () => {
    const err = readError(bytes(0xa5, 0x61, 0x62));
    expect(err.message).toMatch(/truncated msgpack: expected 3 more bytes/);
    expect(err.offset).toBe(1);
    expect(readError(bytes(0xcd, 0x01)).message).toMatch(/truncated/);
    expect(readError(new Uint8Array(0)).message).toMatch(/got 0 bytes/);
  });

  it('refuses an array count larger than the bytes left, before allocating', () => {
    const err = readError(bytes(0xdd, 0xff, 0xff, 0xff, 0xff));
    expect(err.message).toMatch(/truncated/);
  });

  it('refuses bin, ext, the never-used byte, non-finite floats and invalid UTF-8', () => {
    expect(readError(bytes(0xc4, 0x01, 0x00)).message).toMatch(/got bin 8 at byte 0/);
    expect(readError(bytes(0xd4, 0x01, 0x00)).message).toMatch(/got fixext 1/);
    expect(readError(bytes(0xc1)).message).toMatch(/never-used byte 0xc1/);
    expect(readError(bytes(0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0)).message).toMatch(/expected a finite number, got NaN/);
    expect(readError(bytes(0xa2, 0xc3, 0x28)).message).toMatch(/invalid UTF-8/);
  });

  it('refuses trailing bytes and absurd nesting', () => {
    expect(readError(bytes(0x01, 0x02)).message).toMatch(/got 1 more bytes/);
    const deep = new Uint8Array(2000).fill(0x91);
    expect(readError(deep).message).toMatch(/nesting at most 512 deep/);
  });

  it('refuses a map as a map key', () => {
    // {{}: 1} -- a map key that is itself a map.
    expect(readError(bytes(0x81, 0x80, 0x01)).message).toMatch(/map keys to be strings, integers or arrays/);
  });
});
