import { readFile } from 'node:fs/promises';
import { Decoder } from '@msgpack/msgpack';
import { TraceFormatError } from '../errors.js';
import { TraceSchema, type Trace } from './schema.js';

// PROVISIONAL minimal codec (lead's bootstrap so other modules can load traces).
// The trace-codec owner replaces the internals: fast decode, encode, lossless JSON, errors.

const TUPLE_KEY = '\u0000tuple:';
const INT_KEY = '\u0000int:';

const decoder = new Decoder({
  useBigInt64: true,
  mapKeyConverter: (key: unknown) => {
    if (typeof key === 'string') return key;
    if (typeof key === 'number' || typeof key === 'bigint') return INT_KEY + key.toString();
    if (Array.isArray(key)) return TUPLE_KEY + JSON.stringify(key);
    throw new TraceFormatError('', `expected map keys to be strings, integers or tuples, got ${typeof key}`);
  },
});

function lifecycleFromRaw(raw: unknown): unknown {
  if (raw === 'Empty') return { state: 'Empty' };
  if (raw && typeof raw === 'object') {
    const [tag, val] = Object.entries(raw as Record<string, unknown>)[0] ?? [];
    if (tag === 'Running') return { state: 'Running', start: Number(val) };
    if (tag === 'Finished' && Array.isArray(val)) return { state: 'Finished', start: Number(val[0]), end: Number(val[1]) };
  }
  return raw;
}

/** Decode msgpack bytes into a validated trace. */
export function decodeTrace(bytes: Uint8Array, file?: string): Trace {
  const raw = decoder.decode(bytes) as Record<string, unknown>;
  const pl = (raw.pod_lifecycles ?? {}) as Record<string, Record<string, unknown[]>>;
  raw.pod_lifecycles = Object.entries(pl).map(([k, byHash]) => ({
    owner: k.startsWith(TUPLE_KEY) ? JSON.parse(k.slice(TUPLE_KEY.length)) : k,
    pods: Object.entries(byHash).map(([h, lcs]) => ({
      hash: BigInt(h.startsWith(INT_KEY) ? h.slice(INT_KEY.length) : h),
      lifecycles: lcs.map(lifecycleFromRaw),
    })),
  }));
  const parsed = TraceSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TraceFormatError(issue.path.join('.'), issue.message, { file });
  }
  return parsed.data;
}

/** Read and decode a trace file. */
export async function readTraceFile(path: string): Promise<Trace> {
  return decodeTrace(await readFile(path), path);
}
