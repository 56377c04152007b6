import type { PodLifecycle, Trace } from './schema.js';
import { LIMITS, limitMessage } from '../limits.js';
import { checkTrace } from './trace-validate.js';
import { describeValue, isPlainMap, ProblemSink } from './trace-problems.js';

/**
 * The lossless JSON form of a trace (documented in docs/traces.md). It is the msgpack file
 * written as JSON, with three rules for what JSON cannot hold:
 *  1. u64 hashes (`index` values, pod-spec hashes) are decimal strings: "15569719415698843698";
 *  2. maps whose keys are not strings (`pod_lifecycles` and its per-owner maps) are arrays of
 *     [key, value] pairs, so the tuple key stays a 2-element array and the hash key a string;
 *  3. integers beyond +-2^53 inside manifests are decimal strings, and their JSON Pointers are
 *     listed in a top-level "$bigints" array (absent when there are none).
 * Lifecycles keep SimKube's externally tagged shape ("Empty", {"Running": t}, {"Finished":
 * [t0, t1]}). The reader also accepts SimKube-shaped JSON traces, whose hashes are JSON
 * numbers; their digits are recovered from the text, since JSON.parse would round them.
 */

/** The top-level key listing JSON Pointers of manifest integers written as strings. */
export const BIGINTS_KEY = '$bigints';

export interface TraceJsonOptions {
  /** Spaces of indentation; 0 for one compact line. Default 2. */
  indent?: number;
}

function lifecycleToFile(lc: PodLifecycle): unknown {
  if (lc.state === 'Empty') return 'Empty';
  if (lc.state === 'Running') return { Running: lc.start };
  return { Finished: [lc.start, lc.end] };
}

function escapePointer(s: string | number): string {
  return String(s).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** A copy of `v` with bigints as strings, their pointers pushed to `pointers`. */
function withoutBigints(v: unknown, pointer: string, pointers: string[]): unknown {
  if (typeof v === 'bigint') {
    pointers.push(pointer);
    return v.toString();
  }
  if (Array.isArray(v)) return v.map((x, i) => withoutBigints(x, `${pointer}/${i}`, pointers));
  if (isPlainMap(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      if (k === '__proto__') {
        Object.defineProperty(out, k, { value: withoutBigints(v[k], `${pointer}/${escapePointer(k)}`, pointers), enumerable: true, writable: true, configurable: true });
      } else {
        out[k] = withoutBigints(v[k], `${pointer}/${escapePointer(k)}`, pointers);
      }
    }
    return out;
  }
  return v;
}

/** Serialise a trace to the lossless JSON form (one string: see traceJsonChunks for large traces). */
export function traceToJson(trace: Trace, options: TraceJsonOptions = {}): string {
  let out = '';
  for (const chunk of traceJsonChunks(trace, options)) out += chunk;
  return out;
}

/**
 * The lossless JSON form in pieces, an event at a time: the same text as `JSON.stringify` of
 * the whole document with the same indentation, without ever holding it in one string (a
 * JavaScript string stops at 512 MiB: an indented trace of ~160k events). `writeTrace` writes
 * the pieces to the file as they come.
 */
export function* traceJsonChunks(trace: Trace, options: TraceJsonOptions = {}): Generator<string> {
  const indent = options.indent ?? 2;
  const pad = ' '.repeat(indent);
  const nl = indent > 0 ? '\n' : '';
  const colon = indent > 0 ? ': ' : ':';
  /** `v` as JSON.stringify would write it `depth` levels down in the indented document. */
  const at = (v: unknown, depth: number): string => {
    const text = JSON.stringify(v, null, indent || undefined);
    return indent > 0 && depth > 0 ? text.replace(/\n/g, `\n${pad.repeat(depth)}`) : text;
  };
  const index: Record<string, Record<string, string>> = {};
  for (const gvk of Object.keys(trace.index)) {
    const byName: Record<string, string> = {};
    const src = trace.index[gvk]!;
    for (const name of Object.keys(src)) byName[name] = String(src[name]);
    index[gvk] = byName;
  }
  const podLifecycles = trace.pod_lifecycles.map((o) => [
    [o.owner[0], o.owner[1]],
    o.pods.map((p) => [String(p.hash), p.lifecycles.map(lifecycleToFile)]),
  ]);
  yield `{${nl}${pad}"version"${colon}${at(trace.version, 1)},${nl}${pad}"config"${colon}${at(trace.config, 1)},${nl}${pad}"events"${colon}`;
  const pointers: string[] = [];
  const events = trace.events;
  if (events.length === 0) yield '[]';
  else {
    yield `[${nl}`;
    for (let i = 0; i < events.length; i++) {
      let text: string;
      try {
        // Fast path: no bigint in the event's manifests (JSON.stringify throws a TypeError on one).
        text = at(events[i], 2);
      } catch (err) {
        if (!(err instanceof TypeError) || !/bigint/i.test(err.message)) throw err;
        text = at(withoutBigints(events[i], `/events/${i}`, pointers), 2);
      }
      yield `${pad}${pad}${text}${i + 1 < events.length ? ',' : ''}${nl}`;
    }
    yield `${pad}]`;
  }
  yield `,${nl}${pad}"index"${colon}${at(index, 1)},${nl}${pad}"pod_lifecycles"${colon}${at(podLifecycles, 1)}`;
  if (pointers.length > 0) yield `,${nl}${pad}${JSON.stringify(BIGINTS_KEY)}${colon}${at(pointers, 1)}`;
  yield `${nl}}`;
}

// --- reading -------------------------------------------------------------------------------

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Index of the first non-whitespace character at or after `i`. */
function skipWs(text: string, i: number): number {
  while (i < text.length && WS.has(text.charCodeAt(i))) i++;
  return i;
}

/** Index just past the JSON string starting at `i` (a quote). */
function skipString(text: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = text.indexOf('"', j);
    if (q < 0) return text.length;
    let backslashes = 0;
    for (let k = q - 1; k > i && text.charCodeAt(k) === 0x5c; k--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** Index just past the JSON value starting at `i`. */
function skipValue(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 0x22) return skipString(text, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    let j = i;
    while (j < text.length) {
      const d = text.charCodeAt(j);
      if (d === 0x22) {
        j = skipString(text, j);
        continue;
      }
      if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    return j;
  }
  let j = i;
  while (j < text.length && !',}] \t\n\r'.includes(text[j]!)) j++;
  return j;
}

/** The members of the JSON object at `i` as [key, valueStart, valueEnd] (text assumed valid). */
function members(text: string, i: number): Array<[string, number, number]> {
  const out: Array<[string, number, number]> = [];
  i = skipWs(text, i);
  if (text[i] !== '{') return out;
  i = skipWs(text, i + 1);
  while (i < text.length && text[i] !== '}') {
    const keyEnd = skipString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWs(text, keyEnd);
    i = skipWs(text, i + 1); // past ':'
    const end = skipValue(text, i);
    out.push([key, i, end]);
    i = skipWs(text, end);
    if (text[i] === ',') i = skipWs(text, i + 1);
  }
  return out;
}

/**
 * The exact digits of `index` hashes written as JSON numbers, by GVK then name (JSON.parse
 * rounds integers above 2^53; the text still has them).
 */
function exactIndexDigits(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  const index = members(text, 0).filter(([k]) => k === 'index').pop();
  if (!index) return out;
  for (const [gvk, start] of members(text, index[1])) {
    const byName = new Map<string, string>();
    for (const [name, s, e] of members(text, start)) byName.set(name, text.slice(s, e));
    out.set(gvk, byName);
  }
  return out;
}

function digitsToHash(v: unknown): unknown {
  return typeof v === 'string' && /^\d{1,20}$/.test(v) ? BigInt(v) : v;
}

function resolvePointer(root: unknown, pointer: string): { parent: Record<string, unknown> | unknown[]; key: string | number } | undefined {
  if (!pointer.startsWith('/')) return undefined;
  const parts = pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let cur: unknown = root;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i]!;
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isPlainMap(cur)) cur = cur[p];
    else return undefined;
  }
  const last = parts[parts.length - 1]!;
  if (Array.isArray(cur) && /^\d+$/.test(last)) return { parent: cur, key: Number(last) };
  if (isPlainMap(cur)) return { parent: cur, key: last };
  return undefined;
}

/** Turn the JSON form (or SimKube-shaped JSON) into the decoded file form, in place. */
function jsonToFileForm(raw: Record<string, unknown>, text: string, sink: ProblemSink): void {
  const pointers = raw[BIGINTS_KEY];
  if (pointers !== undefined) {
    delete raw[BIGINTS_KEY];
    if (!Array.isArray(pointers)) {
      sink.report(BIGINTS_KEY, `expected an array of JSON Pointers, got ${describeValue(pointers)}`);
    } else {
      pointers.forEach((p, i) => {
        const at = typeof p === 'string' ? resolvePointer(raw, p) : undefined;
        const cur = at ? (at.parent as Record<string, unknown>)[at.key as string] : undefined;
        if (!at || typeof cur !== 'string' || !/^-?\d+$/.test(cur)) {
          sink.report(`${BIGINTS_KEY}[${i}]`, `expected a JSON Pointer to an integer written as a string, got ${describeValue(p)}`);
          return;
        }
        (at.parent as Record<string, unknown>)[at.key as string] = BigInt(cur);
      });
    }
  }

  const index = raw.index;
  if (isPlainMap(index)) {
    let exact: Map<string, Map<string, string>> | undefined;
    let recovered = 0;
    for (const gvk of Object.keys(index)) {
      const byName = index[gvk];
      if (!isPlainMap(byName)) continue;
      for (const name of Object.keys(byName)) {
        const v = byName[name];
        if (typeof v === 'string') byName[name] = digitsToHash(v);
        else if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v) && v > 0) {
          exact ??= exactIndexDigits(text);
          const digits = exact.get(gvk)?.get(name);
          if (digits !== undefined && /^\d{1,20}$/.test(digits)) {
            byName[name] = BigInt(digits);
            recovered++;
          }
        }
      }
    }
    if (recovered > 0) {
      sink.warnings.push(
        `${recovered} index hash${recovered === 1 ? ' was' : 'es were'} written as JSON numbers above 2^53: simenv read the digits exactly as written, but JSON tools often round such numbers, so treat them as approximate`,
      );
    }
  }

  const pl = raw.pod_lifecycles;
  if (Array.isArray(pl)) {
    const outer = new Map<unknown, unknown>();
    pl.forEach((entry, i) => {
      if (!Array.isArray(entry) || entry.length !== 2) {
        sink.report(`pod_lifecycles[${i}]`, `expected a [owner key, pods] pair, got ${describeValue(entry)}`);
        return;
      }
      const [owner, pods] = entry as [unknown, unknown];
      if (!Array.isArray(pods)) {
        outer.set(owner, pods);
        return;
      }
      const inner = new Map<unknown, unknown>();
      pods.forEach((pod, j) => {
        if (!Array.isArray(pod) || pod.length !== 2) {
          sink.report(`pod_lifecycles[${i}][1][${j}]`, `expected a [pod-spec hash, lifecycles] pair, got ${describeValue(pod)}`);
          return;
        }
        inner.set(digitsToHash(pod[0]), pod[1]);
      });
      outer.set(owner, inner);
    });
    raw.pod_lifecycles = outer;
  }
}

/** The offset where JSON text nests deeper than LIMITS.traceDepth, or undefined (one linear scan). */
function jsonTooDeepAt(text: string): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip a string: a backslash escapes the next character.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > LIMITS.traceDepth) return i;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return undefined;
}

/** Parse JSON text (lossless form or SimKube-shaped) into a trace; problems go to `sink`. */
export function checkJsonTrace(text: string, sink: ProblemSink): Trace | undefined {
  const deepAt = jsonTooDeepAt(text);
  if (deepAt !== undefined) {
    // The msgpack reader refuses the same depth: a trace is valid or not whatever its encoding.
    sink.report('', `${limitMessage('traceDepth', `deeper nesting at character ${deepAt}`)}`);
    return undefined;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    // V8 quotes the offending text, newlines included: keep the message on one line.
    sink.report('', `expected JSON text, got invalid JSON (${(err as Error).message.replace(/\s+/g, ' ')})`);
    return undefined;
  }
  if (isPlainMap(raw)) jsonToFileForm(raw, text, sink);
  // Hashes that JSON.parse could keep exactly arrive as numbers: fine for the checker.
  return checkTrace(raw, sink, { form: 'file' });
}

/**
 * Parse the lossless JSON form (or a SimKube-shaped JSON trace) into a validated trace; throws
 * as `readTrace` does (every problem, by path). Remarks go to `options.onWarning`.
 */
export function traceFromJson(text: string, options: { file?: string; onWarning?: (message: string) => void } = {}): Trace {
  const sink: ProblemSink = new ProblemSink('collect', options.file);
  const trace = checkJsonTrace(text, sink);
  if (!trace || !sink.ok) sink.throwCollected();
  if (options.onWarning) for (const w of sink.warnings) options.onWarning(w);
  return trace;
}
