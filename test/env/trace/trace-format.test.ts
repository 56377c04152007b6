import { describe, expect, it } from 'vitest';
import { formatMismatch, formatOfPath, sniffFormat } from '../../../src/env/trace/trace-format.js';

const b = (...x: number[]) => new Uint8Array(x);
const text = (s: string) => new TextEncoder().encode(s);

describe('trace file format detection', () => {
  it('tells msgpack, JSON (with BOM or whitespace), compressed and other data apart', () => {
    expect(sniffFormat(b(0x85, 0xa7))).toBe('msgpack');
    expect(sniffFormat(b(0xde, 0, 5))).toBe('msgpack');
    expect(sniffFormat(text('{"version":2}'))).toBe('json');
    expect(sniffFormat(text('\n  {"version":2}'))).toBe('json');
    expect(sniffFormat(b(0xef, 0xbb, 0xbf, 0x7b))).toBe('json');
    expect(sniffFormat(b(0x1f, 0x8b, 8))).toBe('gzip');
    expect(sniffFormat(b(0x28, 0xb5, 0x2f, 0xfd))).toBe('zstd');
    expect(sniffFormat(b())).toBe('empty');
    expect(sniffFormat(b(0x93, 1, 2, 3))).toBe('other');
    expect(sniffFormat(text('hello'))).toBe('other');
  });

  it('maps extensions to formats', () => {
    expect(formatOfPath('a/b.sktrace')).toBe('msgpack');
    expect(formatOfPath('b.MSGPACK')).toBe('msgpack');
    expect(formatOfPath('b.json')).toBe('json');
    expect(formatOfPath('b.trace')).toBeUndefined();
  });

  it('explains a mismatch and how to fix it', () => {
    expect(formatMismatch(text('{}'), 'msgpack', '')).toMatch(/expected msgpack, got JSON text: name the file \*\.json, or convert it/);
    expect(formatMismatch(b(0x80), 'json', '')).toMatch(/expected JSON text, got msgpack binary data/);
    expect(formatMismatch(b(0x93), 'msgpack', '')).toMatch(/expected a msgpack map at byte 0 .* got byte 0x93 \(an array\)/);
    expect(formatMismatch(b(0x00, 0xff), 'json', '')).toMatch(/neither JSON nor msgpack/);
    expect(formatMismatch(b(0x80), 'msgpack', '')).toBeUndefined();
  });
});
