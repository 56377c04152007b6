import { readFile, rename, writeFile, unlink } from 'node:fs/promises';
import { TraceFormatError, TraceValidationError } from '../errors.js';
import { pathAtOffset } from './msgpack-locate.js';
import { MsgpackReader, MsgpackReadError } from './msgpack-reader.js';
import { MsgpackWriteError, MsgpackWriter } from './msgpack-writer.js';
import { TRACE_FORMAT_VERSION, type Trace } from './schema.js';
import { formatMismatch, formatOfPath, sniffFormat, type TraceFileFormat } from './trace-format.js';
import { checkJsonTrace, traceToJson } from './trace-json.js';
import { checkTrace, describeValue, PROBLEM_LIMIT, ProblemSink, toHash } from './trace-validate.js';

/**
 * The SimKube trace codec: msgpack bytes <-> typed Trace, losslessly, plus the thin file
 * helpers. Decoding checks the structure on the way (every error names its path); encoding
 * writes exactly the shape SimKube's rmp-serde parser reads back: snake_case top level, only
 * the tracked-object fields SimKube knows, unsigned integers for hashes, tuple keys as
 * msgpack arrays.
 */

// One reader and one writer for the process: their string cache and scratch buffer are what
// make repeated decodes fast. Both are synchronous, so sharing them is safe.
const reader = new MsgpackReader();
const writer = new MsgpackWriter();

/** The outcome of checking some data as a trace: every problem, not just the first. */
export interface TraceCheck {
  /** The encoding the data was read as (undefined when it could not be told). */
  format: TraceFileFormat | undefined;
  /** Problems found (at most PROBLEM_LIMIT; `omitted` counts the rest). */
  problems: TraceFormatError[];
  omitted: number;
  /** Remarks that do not make the trace invalid (e.g. approximate hashes from JSON). */
  warnings: string[];
  /** The trace, when there was no problem. */
  trace?: Trace;
}

/** A trace read from bytes or a file, with how it was encoded. */
export interface LoadedTrace {
  trace: Trace;
  format: TraceFileFormat;
  warnings: string[];
  /** Size of the input in bytes. */
  bytes: number;
}

function decodeMsgpackInto(bytes: Uint8Array, sink: ProblemSink, why: string): Trace | undefined {
  const mismatch = formatMismatch(bytes, 'msgpack', why);
  if (mismatch) {
    sink.report('', mismatch);
    return undefined;
  }
  let raw: unknown;
  try {
    raw = reader.decode(bytes);
  } catch (err) {
    if (!(err instanceof MsgpackReadError)) throw err;
    sink.report(pathAtOffset(bytes, err.offset), err.message);
    return undefined;
  }
  return checkTrace(raw, sink, { form: 'file', keyedMaps: reader.nonStringKeyMaps });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeJsonInto(bytes: Uint8Array, sink: ProblemSink, why: string): Trace | undefined {
  const mismatch = formatMismatch(bytes, 'json', why);
  if (mismatch) {
    sink.report('', mismatch);
    return undefined;
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    sink.report('', 'expected UTF-8 JSON text, got invalid UTF-8 bytes');
    return undefined;
  }
  return checkJsonTrace(text, sink);
}

/** Pick the decoder: the extension's promise if any (checked against content), else the content. */
function decodeAnyInto(bytes: Uint8Array, sink: ProblemSink, expect: TraceFileFormat | undefined): { trace?: Trace; format?: TraceFileFormat } {
  const sniffed = sniffFormat(bytes);
  const format = expect ?? (sniffed === 'json' ? 'json' : 'msgpack');
  const why = expect && sink.file ? ` (the file name ends in ${sink.file.slice(sink.file.lastIndexOf('.'))})` : '';
  const trace = format === 'json' ? decodeJsonInto(bytes, sink, why) : decodeMsgpackInto(bytes, sink, why);
  return { trace, format: sniffed === 'json' || sniffed === 'msgpack' ? sniffed : expect };
}

/** Decode msgpack bytes into a validated trace; throws TraceFormatError naming the path. */
export function decodeTrace(bytes: Uint8Array, file?: string): Trace {
  return decodeMsgpackInto(bytes, new ProblemSink('throw', file), '')!;
}

/**
 * Decode a trace in either encoding (msgpack or the JSON form), told by `expect` or else by
 * content; throws the first problem as a TraceFormatError.
 */
export function decodeTraceData(bytes: Uint8Array, options: { file?: string; expect?: TraceFileFormat } = {}): LoadedTrace {
  const sink = new ProblemSink('throw', options.file);
  const { trace, format } = decodeAnyInto(bytes, sink, options.expect);
  return { trace: trace!, format: format!, warnings: sink.warnings, bytes: bytes.length };
}

/** Check data as a trace and collect every problem (for `simenv trace validate`). */
export function checkTraceData(bytes: Uint8Array, options: { file?: string; expect?: TraceFileFormat } = {}): TraceCheck {
  const sink = new ProblemSink('collect', options.file);
  const { trace, format } = decodeAnyInto(bytes, sink, options.expect);
  return { format, problems: sink.problems, omitted: sink.dropped, warnings: sink.warnings, trace };
}

/**
 * Every problem of a trace given as msgpack bytes, JSON text, or an in-memory Trace value
 * (an empty list means valid).
 */
export function validateTrace(input: Uint8Array | string | unknown, file?: string): TraceFormatError[] {
  if (input instanceof Uint8Array) return checkTraceData(input, { file }).problems;
  const sink = new ProblemSink('collect', file);
  if (typeof input === 'string') checkJsonTrace(input, sink);
  else checkTrace(input, sink, { form: 'typed' });
  return sink.problems;
}

/** Throw a TraceValidationError listing every problem, if there is any. */
export function assertValidTrace(check: TraceCheck, file?: string): Trace {
  if (check.trace && check.problems.length === 0) return check.trace;
  const problems = [...check.problems];
  if (check.omitted > 0) problems.push(new TraceFormatError('', `... and ${check.omitted} more problems (only the first ${PROBLEM_LIMIT} are listed)`));
  throw new TraceValidationError(problems, file);
}

// --- encoding ------------------------------------------------------------------------------

function writeConfig(trace: Trace): void {
  const tracked = trace.config.trackedObjects;
  writer.mapHeader(1);
  writer.str('trackedObjects');
  const gvks = Object.keys(tracked);
  writer.mapHeader(gvks.length);
  for (const gvk of gvks) {
    writer.str(gvk);
    // Only the fields SimKube knows (the check refused any other), in the object's order.
    const entry = tracked[gvk]! as Record<string, unknown>;
    const keys = Object.keys(entry).filter((k) => entry[k] !== undefined);
    writer.mapHeader(keys.length);
    for (const k of keys) {
      writer.str(k);
      writer.value(entry[k], `config.trackedObjects[${JSON.stringify(gvk)}].${k}`);
    }
  }
}

function writeEvents(trace: Trace): void {
  const events = trace.events;
  writer.arrayHeader(events.length);
  for (let i = 0; i < events.length; i++) {
    const ev = events[i]!;
    writer.mapHeader(3);
    writer.str('ts');
    writer.number(ev.ts, `events[${i}].ts`);
    writer.str('applied_objs');
    writer.arrayHeader(ev.applied_objs.length);
    for (let j = 0; j < ev.applied_objs.length; j++) writer.object(ev.applied_objs[j]!, `events[${i}].applied_objs[${j}]`);
    writer.str('deleted_objs');
    writer.arrayHeader(ev.deleted_objs.length);
    for (let j = 0; j < ev.deleted_objs.length; j++) writer.object(ev.deleted_objs[j]!, `events[${i}].deleted_objs[${j}]`);
  }
}

function writeHash(v: unknown, path: string): void {
  const h = toHash(v);
  if (h === undefined) throw new TraceFormatError(path, `expected an unsigned 64-bit hash, got ${describeValue(v)}`);
  writer.bigint(h, path);
}

function writeIndex(trace: Trace): void {
  const gvks = Object.keys(trace.index);
  writer.mapHeader(gvks.length);
  for (const gvk of gvks) {
    writer.str(gvk);
    const byName = trace.index[gvk]!;
    const names = Object.keys(byName);
    writer.mapHeader(names.length);
    for (const name of names) {
      writer.str(name);
      writeHash(byName[name], `index[${JSON.stringify(gvk)}][${JSON.stringify(name)}]`);
    }
  }
}

function writeLifecycles(trace: Trace): void {
  const owners = trace.pod_lifecycles;
  const seen = new Set<string>();
  writer.mapHeader(owners.length);
  owners.forEach((o, i) => {
    const ownerKey = JSON.stringify(o.owner);
    if (seen.has(ownerKey)) {
      throw new TraceFormatError(`pod_lifecycles[${i}].owner`, `expected each owner once, got ${ownerKey} again: a msgpack map cannot hold a key twice`);
    }
    seen.add(ownerKey);
    // The tuple key: a 2-element msgpack array, as rmp-serde writes a Rust (String, String).
    writer.arrayHeader(2);
    writer.str(o.owner[0]);
    writer.str(o.owner[1]);
    writer.mapHeader(o.pods.length);
    const hashes = new Set<bigint>();
    o.pods.forEach((p, j) => {
      const path = `pod_lifecycles[${i}].pods[${j}].hash`;
      const h = toHash(p.hash);
      if (h !== undefined && hashes.has(h)) throw new TraceFormatError(path, `expected each pod-spec hash once per owner, got ${h} again`);
      if (h !== undefined) hashes.add(h);
      writeHash(p.hash, path);
      writer.arrayHeader(p.lifecycles.length);
      for (const lc of p.lifecycles) {
        if (lc.state === 'Empty') {
          // A unit variant: rmp-serde writes just its name.
          writer.str('Empty');
        } else if (lc.state === 'Running') {
          writer.mapHeader(1);
          writer.str('Running');
          writer.number(lc.start, path);
        } else {
          writer.mapHeader(1);
          writer.str('Finished');
          writer.arrayHeader(2);
          writer.number(lc.start, path);
          writer.number(lc.end, path);
        }
      }
    });
  });
}

/** Encode a trace as SimKube v2 msgpack; throws TraceFormatError if it is not a valid trace. */
export function encodeTrace(trace: Trace): Uint8Array {
  checkTrace(trace, new ProblemSink('throw'), { form: 'typed' });
  writer.reset();
  try {
    writer.mapHeader(5);
    writer.str('version');
    writer.uint(TRACE_FORMAT_VERSION);
    writer.str('config');
    writeConfig(trace);
    writer.str('events');
    writeEvents(trace);
    writer.str('index');
    writeIndex(trace);
    writer.str('pod_lifecycles');
    writeLifecycles(trace);
  } catch (err) {
    if (err instanceof MsgpackWriteError) throw new TraceFormatError(err.path, err.message);
    throw err;
  }
  return writer.finish();
}

// --- files ---------------------------------------------------------------------------------

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    const what = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new TraceFormatError('', `expected a readable trace file, got ${what} (${code})`, { file: path, cause: err });
  }
}

/** Read a trace file (msgpack, or the JSON form for *.json); throws TraceFormatError. */
export async function readTraceFile(path: string): Promise<Trace> {
  return (await loadTraceFile(path)).trace;
}

/** Read a trace file and say how it was encoded; the extension and the content must agree. */
export async function loadTraceFile(path: string): Promise<LoadedTrace> {
  const bytes = await readBytes(path);
  return decodeTraceData(bytes, { file: path, expect: formatOfPath(path) });
}

/** Check a trace file and collect every problem; a file that cannot be read throws. */
export async function validateTraceFile(path: string): Promise<TraceCheck> {
  const bytes = await readBytes(path);
  return checkTraceData(bytes, { file: path, expect: formatOfPath(path) });
}

/** Encode a trace in `format` (default: by extension, msgpack unless *.json). */
export function encodeTraceAs(trace: Trace, format: TraceFileFormat, options: { indent?: number } = {}): Uint8Array {
  if (format === 'msgpack') return encodeTrace(trace);
  checkTrace(trace, new ProblemSink('throw'), { form: 'typed' });
  return new TextEncoder().encode(`${traceToJson(trace, options)}\n`);
}

/** Write a trace atomically (temp file, then rename); returns the format and size written. */
export async function writeTraceFile(
  path: string,
  trace: Trace,
  options: { format?: TraceFileFormat; indent?: number } = {},
): Promise<{ format: TraceFileFormat; bytes: number }> {
  const format = options.format ?? formatOfPath(path) ?? 'msgpack';
  const bytes = encodeTraceAs(trace, format, options);
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    const what = code === 'ENOENT' ? 'a missing directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'a directory' : code;
    throw new TraceFormatError('', `expected a writable file path, got ${what} (${code})`, { file: path, cause: err });
  }
  return { format, bytes: bytes.length };
}
