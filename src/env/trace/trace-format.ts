import { extname } from 'node:path';
import { legacyTraceProblem } from './legacy-trace.js';
import { describeMsgpackByte } from './msgpack-reader.js';

/**
 * Which of the two trace encodings a file holds, told from its content (and, for the file
 * helpers, checked against its extension). A SimKube trace is one msgpack map, so its first
 * byte is a map header; JSON text starts with `{` after optional whitespace or a BOM. Those
 * first bytes are small positive integers in msgpack, which a trace never starts with, so
 * the two cannot be confused.
 */

/** The two encodings simenv reads and writes. */
export type TraceFileFormat = 'msgpack' | 'json';

/** What the first bytes of some data look like. */
export type SniffedFormat = TraceFileFormat | 'empty' | 'gzip' | 'zstd' | 'other';

/** Guess the encoding of `bytes` from its first bytes. */
export function sniffFormat(bytes: Uint8Array): SniffedFormat {
  if (bytes.length === 0) return 'empty';
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  const b = bytes[i];
  if (b === 0x7b || b === 0x5b) return 'json';
  const first = bytes[0]!;
  if (first === 0x1f && bytes[1] === 0x8b) return 'gzip';
  if (first === 0x28 && bytes[1] === 0xb5 && bytes[2] === 0x2f && bytes[3] === 0xfd) return 'zstd';
  if ((first >= 0x80 && first <= 0x8f) || first === 0xde || first === 0xdf) return 'msgpack';
  return 'other';
}

/** The encoding a file name promises: `.json` is JSON, `.sktrace`/`.msgpack`/`.mp` msgpack. */
export function formatOfPath(path: string): TraceFileFormat | undefined {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.sktrace' || ext === '.msgpack' || ext === '.mp' || ext === '.mpk') return 'msgpack';
  return undefined;
}

/** Why `bytes` cannot be read as `expected` (undefined when it can be tried). */
export function formatMismatch(bytes: Uint8Array, expected: TraceFileFormat, why: string): string | undefined {
  const got = sniffFormat(bytes);
  if (got === expected) return undefined;
  switch (got) {
    case 'empty':
      return 'expected a SimKube trace, got an empty file (0 bytes)';
    case 'gzip':
      return `expected ${expected === 'json' ? 'JSON text' : 'msgpack'}${why}, got gzip-compressed data: decompress it first (gunzip)`;
    case 'zstd':
      return `expected ${expected === 'json' ? 'JSON text' : 'msgpack'}${why}, got zstd-compressed data: decompress it first (zstd -d)`;
    case 'json':
      return `expected msgpack${why}, got JSON text: name the file *.json, or convert it with \`simenv trace convert FILE OUT.sktrace\``;
    case 'msgpack':
      return `expected JSON text${why}, got msgpack binary data: name the file *.sktrace, or convert it with \`simenv trace convert FILE OUT.json\``;
    default:
      return expected === 'json'
        ? `expected JSON text${why}, got binary data that is neither JSON nor msgpack (first byte 0x${bytes[0]!.toString(16).padStart(2, '0')})`
        : legacyTraceProblem(bytes) ?? `expected a msgpack map at byte 0 (SimKube traces start with one), got byte 0x${bytes[0]!.toString(16).padStart(2, '0')} (${describeMsgpackByte(bytes[0]!)}): the data is not a SimKube trace`;
  }
}
