import { describe, expect, it } from 'vitest';
import { SimEnvError, TraceFormatError, TraceValidationError } from '../../../src/env/errors.js';
import { Rng } from '../../../src/env/rng.js';
import { readTrace, writeTrace } from '../../../src/env/trace/trace-codec.js';
import { traceToJson } from '../../../src/env/trace/trace-json.js';
import type { Trace } from '../../../src/env/trace/schema.js';
import { DSB_SCALING, NGINX_SMALL_JSON, problemsOf, readBytes, richTrace } from './fixtures.js';

/**
 * Fuzz-style robustness: many deterministic mutations of real traces (bit flips, byte
 * stomps, truncations, insertions, deletions, duplicated ranges) fed to the decoders. Each
 * result must be a Trace (which then round-trips) or a typed SimEnvError with a one-line
 * message, never any other exception.
 */

const INTERESTING = [0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc4, 0xc7, 0xcb, 0xcf, 0xd3, 0xd9, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff];

function mutate(src: Uint8Array, rng: Rng): Uint8Array {
  const kind = rng.int(0, 5);
  const at = rng.int(0, src.length - 1);
  switch (kind) {
    case 0: {
      const out = src.slice();
      const flips = rng.int(1, 8);
      for (let i = 0; i < flips; i++) out[rng.int(0, out.length - 1)]! ^= 1 << rng.int(0, 7);
      return out;
    }
    case 1: {
      const out = src.slice();
      out[at] = INTERESTING[rng.int(0, INTERESTING.length - 1)]!;
      return out;
    }
    case 2:
      return src.slice(0, at);
    case 3: {
      const n = rng.int(1, 16);
      const ins = Uint8Array.from({ length: n }, () => rng.int(0, 255));
      const out = new Uint8Array(src.length + n);
      out.set(src.subarray(0, at));
      out.set(ins, at);
      out.set(src.subarray(at), at + n);
      return out;
    }
    case 4: {
      const end = Math.min(src.length, at + rng.int(1, 64));
      const out = new Uint8Array(src.length - (end - at));
      out.set(src.subarray(0, at));
      out.set(src.subarray(end), at);
      return out;
    }
    default: {
      const end = Math.min(src.length, at + rng.int(1, 64));
      const out = new Uint8Array(src.length + (end - at));
      out.set(src.subarray(0, end));
      out.set(src.subarray(at), end);
      return out;
    }
  }
}

interface Tally {
  traces: number;
  errors: number;
}

function feed(decode: (b: Uint8Array) => Trace, src: Uint8Array, n: number, seed: number): Tally {
  const rng = new Rng(seed);
  const tally: Tally = { traces: 0, errors: 0 };
  for (let i = 0; i < n; i++) {
    const input = mutate(src, rng);
    let trace: Trace | undefined;
    try {
      trace = decode(input);
    } catch (err) {
      if (!(err instanceof SimEnvError)) {
        throw new Error(`mutation ${i} (seed ${seed}) raised a non-SimEnvError: ${String(err)}`, { cause: err });
      }
      expect(err.message.length).toBeGreaterThan(0);
      // One line per problem: a single problem is thrown alone, several as a list.
      if (err instanceof TraceValidationError) {
        expect(err.problems.length).toBeGreaterThan(1);
        for (const p of err.problems) expect(p.detail).not.toContain('\n');
      } else {
        expect(err.message).not.toContain('\n');
      }
      tally.errors++;
      continue;
    }
    expect(trace.version).toBe(2);
    // Whatever the decoder accepts must encode and come back the same.
    expect(readTrace(writeTrace(trace))).toEqual(trace);
    tally.traces++;
  }
  return tally;
}

describe('fuzz: mutated traces give a Trace or a typed error, nothing else', () => {
  it('2000 mutations of the real SimKube trace (msgpack)', () => {
    const t = feed((b) => readTrace(b, { file: 'fuzz.sktrace' }), readBytes(DSB_SCALING), 2000, 1);
    // Both outcomes must occur, or the mutations are not exercising the decoder.
    expect(t.traces).toBeGreaterThan(100);
    expect(t.errors).toBeGreaterThan(100);
  });

  it('1500 mutations of a small trace with tuple keys, lifecycles and 64-bit hashes', () => {
    const t = feed((b) => readTrace(b), writeTrace(richTrace()), 1500, 2);
    expect(t.traces).toBeGreaterThan(50);
    expect(t.errors).toBeGreaterThan(300);
  });

  it('800 mutations of JSON traces (SimKube-shaped and the lossless form)', () => {
    const simkube = feed((b) => readTrace(b, { format: 'json' }), readBytes(NGINX_SMALL_JSON), 400, 3);
    const lossless = feed((b) => readTrace(b, { format: 'json' }), new TextEncoder().encode(traceToJson(richTrace())), 400, 4);
    expect(simkube.errors + lossless.errors).toBeGreaterThan(100);
    expect(simkube.traces + lossless.traces).toBeGreaterThan(20);
  });

  it('collecting validation never throws on the same inputs', () => {
    const rng = new Rng(5);
    const src = writeTrace(richTrace());
    for (let i = 0; i < 500; i++) {
      const problems = problemsOf(mutate(src, rng));
      for (const p of problems) expect(p).toBeInstanceOf(TraceFormatError);
    }
  });
});
