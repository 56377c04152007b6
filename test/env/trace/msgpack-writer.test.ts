import { Decoder } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { MsgpackReader } from '../../../src/env/trace/msgpack-reader.js';
import { MsgpackWriteError, MsgpackWriter } from '../../../src/env/trace/msgpack-writer.js';

const writer = new MsgpackWriter(16);
const reader = new MsgpackReader();
const hex = (v: unknown) => Buffer.from(writer.encode(v)).toString('hex');

describe('MsgpackWriter integers: the shortest form, unsigned when non-negative (as rmp-serde)', () => {
  it.each([
    [0, '00'],
    [127, '7f'],
    [128, 'cc80'],
    [255, 'ccff'],
    [256, 'cd0100'],
    [65535, 'cdffff'],
    [65536, 'ce00010000'],
    [4294967295, 'ceffffffff'],
    [4294967296, 'cf0000000100000000'],
    [-1, 'ff'],
    [-32, 'e0'],
    [-33, 'd0df'],
    [-128, 'd080'],
    [-129, 'd1ff7f'],
    [-32768, 'd18000'],
    [-32769, 'd2ffff7fff'],
    [-2147483648, 'd280000000'],
    [-2147483649, 'd3ffffffff7fffffff'],
  ])('%d -> %s', (v, expected) => {
    expect(hex(v)).toBe(expected);
  });

  it('writes bigints in the shortest form and u64 hashes unsigned', () => {
    expect(hex(5n)).toBe('05');
    expect(hex(2n ** 64n - 1n)).toBe('cfffffffffffffffff');
    expect(hex(2n ** 53n + 1n)).toBe('cf0020000000000001');
    expect(hex(-(2n ** 63n))).toBe('d38000000000000000');
    expect(() => writer.encode(2n ** 64n)).toThrow(MsgpackWriteError);
    expect(() => writer.encode(-(2n ** 63n) - 1n)).toThrow(/fits 64 bits/);
  });

  it('writes non-integers and -0 as float64, refuses NaN and Infinity', () => {
    expect(hex(0.5)).toBe('cb3fe0000000000000');
    expect(hex(-0)).toBe('cb8000000000000000');
    expect(() => writer.encode(Number.NaN)).toThrow(/finite number/);
    expect(() => writer.encode(Infinity)).toThrow(/finite number/);
  });
});

describe('MsgpackWriter strings and containers', () => {
  it.each([0, 1, 31, 32, 255, 256, 65535, 65536])('a %d-byte ASCII string uses the right header and round-trips', (n) => {
    const s = 'a'.repeat(n);
    const out = writer.encode(s);
    const header = n < 32 ? 1 : n < 256 ? 2 : n < 65536 ? 3 : 5;
    expect(out.length).toBe(n + header);
    expect(reader.decode(out)).toBe(s);
  });

  it('writes non-ASCII strings as UTF-8 with the header of their byte length', () => {
    for (const s of ['é', '日本語', '✓'.repeat(11), '😀'.repeat(100), 'a'.repeat(20) + 'é'.repeat(10)]) {
      const out = writer.encode(s);
      const len = new TextEncoder().encode(s).length;
      expect(out.length).toBe(len + (len < 32 ? 1 : len < 256 ? 2 : 3));
      expect(new Decoder().decode(out)).toBe(s);
    }
  });

  it('writes objects (skipping undefined), arrays, Maps with tuple keys, booleans and nil', () => {
    const value = {
      a: 1,
      skip: undefined,
      list: [true, false, null, undefined],
      nested: { x: 'y' },
      keyed: new Map<unknown, unknown>([[['apps/v1.Job', 'ns/x'], new Map([[2n ** 63n, ['Empty']]])]]),
    };
    const decoded = reader.decode(writer.encode(value));
    expect(decoded).toEqual({
      a: 1,
      list: [true, false, null, null],
      nested: { x: 'y' },
      keyed: new Map([[['apps/v1.Job', 'ns/x'], new Map([[2n ** 63n, ['Empty']]])]]),
    });
  });

  it('uses map16/array16 headers past 15 entries', () => {
    const obj = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i]));
    expect(hex(obj).slice(0, 6)).toBe('de0010');
    expect(hex(Array.from({ length: 16 }, () => 0)).slice(0, 6)).toBe('dc0010');
  });

  it('refuses binary data and functions', () => {
    expect(() => writer.encode({ a: new Uint8Array(2) })).toThrow(/binary data/);
    expect(() => writer.encode({ f: () => 1 })).toThrow(/got a function/);
  });

  it('grows its buffer for large documents and keeps earlier bytes intact', () => {
    const big = Array.from({ length: 20000 }, (_, i) => ({ i, s: `item-${i}` }));
    expect(reader.decode(writer.encode(big))).toEqual(big);
  });
});
