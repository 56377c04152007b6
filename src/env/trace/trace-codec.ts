import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { TraceFormatError } from '../errors.js';
import { pathAtOffset } from './msgpack-locate.js';
import { MsgpackReader, MsgpackReadError } from './msgpack-reader.js';
import { MsgpackWriteError, MsgpackWriter } from './msgpack-writer.js';
import { TRACE_FORMAT_VERSION, type Trace } from './schema.js';
import { formatMismatch, formatOfPath, sniffFormat, type TraceFileFormat } from './trace-format.js';
import { checkJsonTrace, traceJsonChunks, traceToJson } from './trace-json.js';
import { checkTrace, toHash } from './trace-validate.js';
import { describeValue, ProblemSink, tooDeepPath } from './trace-problems.js';
import { LIMITS, limitMessage } from '../limits.js';

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

/** How `readTrace` reads: where the data came from and what it must be. */
export interface ReadTraceOptions {
  /** The file name used in messages (default: the path, when `source` is one). */
  file?: string;
  /** The encoding the data must be in (default: the file extension's, else told by content). */
  format?: TraceFileFormat;
  /**
   * Receives remarks that do not make the trace invalid (events re-sorted, ignored fields,
   * approximate JSON hashes). The codec never prints: the caller decides what to show.
   */
  onWarning?: (message: string) => void;
  /** Told, once the trace is read, which encoding it was in and its size in bytes. */
  onRead?: (facts: { format: TraceFileFormat; bytes: number }) => void;
}

/** How `writeTrace` encodes. */
export interface WriteTraceOptions {
  /** Default: the path's extension (`.json` is JSON), else msgpack. */
  format?: TraceFileFormat;
  /** JSON indentation in spaces (0: one line). Default 2. */
  indent?: number;
}

/**
 * The one place where msgpack data that is not a version-2 trace map is reported: a top-level
 * value other than a map (a SimKube <= 1.1.1 trace is a msgpack array of four), compressed
 * data, or no msgpack at all. Detection of older trace formats hooks in here. (A map whose
 * `version` is missing or not 2 is reported by checkTrace's version check.)
 */
function reportNotV2Map(bytes: Uint8Array, sink: ProblemSink, why: string): boolean {
  const mismatch = formatMismatch(bytes, 'msgpack', why);
  if (mismatch === undefined) return false;
  sink.report('', mismatch);
  return true;
}

function decodeMsgpackInto(bytes: Uint8Array, sink: ProblemSink, why: string): Trace | undefined {
  if (reportNotV2Map(bytes, sink, why)) return undefined;
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
  if (bytes.length > LIMITS.jsonTraceBytes) {
    sink.report('', `${limitMessage('jsonTraceBytes', bytes.length)}: convert it with a tool that streams, or record the trace as .sktrace (msgpack)`);
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

/** Decode bytes in either encoding into a validated trace; every problem collected, then thrown. */
function readBytesAsTrace(bytes: Uint8Array, options: ReadTraceOptions, expect: TraceFileFormat | undefined): Trace {
  const sink: ProblemSink = new ProblemSink('collect', options.file);
  const { trace, format } = decodeAnyInto(bytes, sink, expect);
  if (!trace || !sink.ok) sink.throwCollected();
  if (options.onWarning) for (const w of sink.warnings) options.onWarning(w);
  options.onRead?.({ format: format ?? 'msgpack', bytes: bytes.length });
  return trace;
}

/**
 * Read a SimKube v2 trace from a file path or from bytes, in msgpack or the lossless JSON form
 * (told by `options.format`, the file extension, or else the content). Throws a
 * TraceFormatError naming the path of the problem, or a TraceValidationError listing every
 * problem by path (`events[1].applied_objs[23].metadata.name: expected ..., got ...`).
 */
export function readTrace(source: string | Uint8Array, options: ReadTraceOptions = {}): Trace {
  if (typeof source !== 'string') return readBytesAsTrace(source, options, options.format);
  const bytes = readFileBytes(source);
  return readBytesAsTrace(bytes, { ...options, file: options.file ?? source }, options.format ?? formatOfPath(source));
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
function encodeMsgpack(trace: Trace): Uint8Array {
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

function readFileBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    const what = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new TraceFormatError('', `expected a readable trace file, got ${what} (${code})`, { file: path, cause: err });
  }
}

/** Readers refuse deeper nesting: never write a file that cannot be read back. */
function checkWritable(trace: Trace): void {
  const deep = tooDeepPath(trace);
  if (deep !== undefined) throw new TraceFormatError(deep, limitMessage('traceDepth', 'deeper nesting here'));
}

function encodeAs(trace: Trace, format: TraceFileFormat, indent: number | undefined): Uint8Array {
  checkWritable(trace);
  if (format === 'msgpack') return encodeMsgpack(trace);
  checkTrace(trace, new ProblemSink('throw'), { form: 'typed' });
  return new TextEncoder().encode(`${traceToJson(trace, { indent })}\n`);
}

/** Encode a trace (msgpack unless `format: 'json'`); throws TraceFormatError if it is not valid. */
export function writeTrace(trace: Trace, options?: WriteTraceOptions): Uint8Array;
/** Write a trace to `path` atomically (temp file, then rename); returns the format and size written. */
export function writeTrace(trace: Trace, path: string, options?: WriteTraceOptions): { format: TraceFileFormat; bytes: number };
export function writeTrace(
  trace: Trace,
  pathOrOptions?: string | WriteTraceOptions,
  maybeOptions: WriteTraceOptions = {},
): Uint8Array | { format: TraceFileFormat; bytes: number } {
  if (typeof pathOrOptions !== 'string') {
    const options = pathOrOptions ?? {};
    return encodeAs(trace, options.format ?? 'msgpack', options.indent);
  }
  const path = pathOrOptions;
  const format = maybeOptions.format ?? formatOfPath(path) ?? 'msgpack';
  // JSON is streamed to the file an event at a time (no string over 512 MiB); msgpack is one buffer.
  let chunks: Iterable<string | Uint8Array>;
  if (format === 'json') {
    checkWritable(trace);
    checkTrace(trace, new ProblemSink('throw'), { form: 'typed' });
    chunks = withNewline(traceJsonChunks(trace, { indent: maybeOptions.indent }));
  } else chunks = [encodeAs(trace, format, maybeOptions.indent)];
  const tmp = `${path}.tmp-${process.pid}`;
  let bytes = 0;
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      let pending: string[] = [];
      let pendingLength = 0;
      const flush = (): void => {
        if (pendingLength === 0) return;
        bytes += writeAllSync(fd, Buffer.from(pending.join(''), 'utf8'));
        // Never write a JSON trace the JSON reader cannot read back.
        if (format === 'json' && bytes > LIMITS.jsonTraceBytes) {
          throw new TraceFormatError('', limitMessage('jsonTraceBytes', `more than ${bytes} so far`), {
            file: path,
            hint: 'write a .sktrace (msgpack) file instead, or try --compact',
          });
        }
        pending = [];
        pendingLength = 0;
      };
      for (const c of chunks) {
        if (typeof c === 'string') {
          pending.push(c);
          pendingLength += c.length;
          if (pendingLength >= 1 << 20) flush();
        } else {
          flush();
          bytes += writeAllSync(fd, c);
        }
      }
      flush();
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // the temp file was never created
    }
    if (err instanceof TraceFormatError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    const what = code === 'ENOENT' ? 'a missing directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'a directory' : code === 'ENOSPC' ? 'no space left on the device' : code === 'EFBIG' ? 'a file too large for the size limit' : code;
    throw new TraceFormatError('', `expected a writable file path, got ${what} (${code})`, { file: path, cause: err });
  }
  return { format, bytes };
}

/** `chunks`, then a final newline. */
function* withNewline(chunks: Iterable<string>): Generator<string> {
  yield* chunks;
  yield '\n';
}

/** Write all of `buf`; the byte count. */
function writeAllSync(fd: number, buf: Uint8Array): number {
  let off = 0;
  while (off < buf.length) {
    const n = writeSync(fd, buf, off, buf.length - off);
    if (n <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    off += n;
  }
  return buf.length;
}
