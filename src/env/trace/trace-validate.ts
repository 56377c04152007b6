import { TraceVersionError } from '../errors.js';
import { describeValue, formatPath, isPlainMap, ProblemSink } from './trace-problems.js';
import { LIMITS, limitMessage, replicaCountProblem } from '../limits.js';
import {
  OwnerLifecyclesSchema,
  TRACE_FORMAT_VERSION,
  TraceConfigSchema,
  type OwnerLifecycles,
  type PodLifecycle,
  type Trace,
} from './schema.js';

/**
 * The structural check of a trace: the one hand-written fast path of trace validation. The
 * zod schemas in schema.ts are the source of the types and check the small parts here
 * directly (config, typed lifecycles); whatever this checker accepts, `TraceSchema` accepts
 * unchanged (test/env/trace/trace-codec.test.ts holds the two together). It walks the skeleton
 * (version, events, object identity, index, lifecycles) without touching the rest of each
 * manifest, converts in place where the file form and the typed form differ (hashes to bigint,
 * `pod_lifecycles` map to list), and throws the first problem or collects them all.
 *
 * Why by hand (issue 9 asked to keep a fast path only where a benchmark shows it matters): on
 * the 50 MB trace of `npm run bench -- trace-codec`, this check took 394 ms and
 * `TraceSchema.safeParse` of the same trace 1157 ms (medians of 5, same process, load ~5 on 2
 * cores): zod would make `readTrace` ~1.5x slower (the bench prints both every run).
 * It is also stricter than TraceSchema where losslessness demands it (unknown fields in an
 * event, which could not be written back, are problems) and as lenient as SimKube where
 * SimKube is (see checkEvents and checkTrace).
 *
 * How problems are reported (the sink, paths, value descriptions) is trace-problems.ts.
 */

const TOP_LEVEL_KEYS = ['version', 'config', 'events', 'index', 'pod_lifecycles'] as const;
const U64_LIMIT = 1n << 64n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** Re-export advice shared by the version messages. */
const REEXPORT = 're-export the trace with SimKube >= 2.0 (skctl export)';

function isNonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0;
}

/** Convert a u64 hash (number or bigint) to bigint, or undefined when it is not one. */
export function toHash(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v >= 0n && v < U64_LIMIT ? v : undefined;
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : undefined;
  return undefined;
}

/** An i64 timestamp that fits a JS number, or undefined. */
function toTimestamp(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : undefined;
  if (typeof v === 'bigint' && v >= -MAX_SAFE && v <= MAX_SAFE) return Number(v);
  return undefined;
}

function versionProblem(raw: Record<string, unknown>, sink: ProblemSink): boolean {
  const v = raw.version;
  const file = sink.file;
  if (v === TRACE_FORMAT_VERSION) return false;
  if (v === undefined) {
    const keys = Object.keys(raw);
    const looksLikeTrace = keys.some((k) => k === 'events' || k === 'config' || k === 'index');
    const msg = looksLikeTrace
      ? `expected a version field (SimKube trace format ${TRACE_FORMAT_VERSION}), got none: traces without one predate SimKube 2.0 and simenv needs SimKube v2+ traces; ${REEXPORT}`
      : `expected a SimKube trace (a map with version, config, events, index, pod_lifecycles), got ${describeValue(raw)}`;
    sink.add(new TraceVersionError(undefined, msg, { file }));
    return true;
  }
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n === 'number' && Number.isInteger(n)) {
    const msg =
      n === 1
        ? `expected trace format version ${TRACE_FORMAT_VERSION}, got 1: simenv needs SimKube v2+ traces (version-1 traces are only readable by SimKube <= 1.1.1); ${REEXPORT}`
        : n > TRACE_FORMAT_VERSION
          ? `expected trace format version ${TRACE_FORMAT_VERSION}, got ${n}: the trace was written by a newer SimKube than simenv reads; export it in format version ${TRACE_FORMAT_VERSION} or upgrade simenv`
          : `expected trace format version ${TRACE_FORMAT_VERSION}, got ${n}: SimKube never wrote that version, so the file is corrupted or not a SimKube trace`;
    sink.add(new TraceVersionError(v, msg, { file }));
    return true;
  }
  sink.add(new TraceVersionError(v, `expected version to be the integer ${TRACE_FORMAT_VERSION}, got ${describeValue(v)}`, { file }));
  return true;
}

/** Paths of Maps (non-string keys) inside `v`: zod would take a Map for an empty object. */
function keyedMapPaths(v: unknown, path: Array<string | number>, out: string[]): void {
  if (v instanceof Map) out.push(formatPath(path));
  else if (Array.isArray(v)) v.forEach((x, i) => keyedMapPaths(x, [...path, i], out));
  else if (isPlainMap(v)) for (const k of Object.keys(v)) keyedMapPaths(v[k], [...path, k], out);
}

function checkConfig(config: unknown, sink: ProblemSink): void {
  const maps: string[] = [];
  keyedMapPaths(config, ['config'], maps);
  if (maps.length > 0) {
    for (const p of maps) sink.report(p, 'expected a map with string keys, got a map with non-string keys');
    return;
  }
  const parsed = TraceConfigSchema.safeParse(config);
  if (parsed.success) return;
  for (const issue of parsed.error.issues) {
    const path = formatPath(['config', ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))]);
    if (issue.code === 'unrecognized_keys') {
      sink.report(
        path,
        `expected only podSpecTemplatePaths, trackLifecycle and skipOwned, got ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}: SimKube rejects unknown fields here and then cannot parse the whole file`,
      );
    } else {
      sink.report(path, issue.message.replace(/^Invalid input: /, ''));
    }
  }
}

/**
 * Check one manifest's identity fields (the rest passes through untouched). Returns true for
 * a manifest without `kind` when `lenient` (the caller drops it), having reported nothing.
 */
function checkObject(o: unknown, sink: ProblemSink, ev: number, list: string, j: number, lenient: boolean): boolean {
  if (!isPlainMap(o)) {
    sink.report(`events[${ev}].${list}[${j}]`, `expected a Kubernetes object (a map with apiVersion, kind, metadata), got ${describeValue(o)}`);
    return false;
  }
  if (lenient && o.kind === undefined) return true;
  if (!isNonEmptyString(o.apiVersion)) {
    sink.report(`events[${ev}].${list}[${j}].apiVersion`, `expected a non-empty string such as "apps/v1", got ${describeValue(o.apiVersion)}`);
  }
  if (!isNonEmptyString(o.kind)) {
    sink.report(`events[${ev}].${list}[${j}].kind`, `expected a non-empty string such as "Deployment", got ${describeValue(o.kind)}`);
  }
  const meta = o.metadata;
  if (!isPlainMap(meta)) {
    sink.report(`events[${ev}].${list}[${j}].metadata`, `expected a map with name (and namespace), got ${describeValue(meta)}`);
    return false;
  }
  if (!isNonEmptyString(meta.name)) {
    sink.report(`events[${ev}].${list}[${j}].metadata.name`, `expected a non-empty string, got ${describeValue(meta.name)}`);
  }
  if (meta.namespace !== undefined && typeof meta.namespace !== 'string') {
    sink.report(`events[${ev}].${list}[${j}].metadata.namespace`, `expected a string, got ${describeValue(meta.namespace)}`);
  }
  if (list === 'applied_objs') checkReplicaField(o, sink, `events[${ev}].${list}[${j}]`);
  return false;
}

/** The replica-count field of each workload kind (Kubernetes defaults it to 1 when unset). */
const REPLICA_FIELD: Record<string, 'replicas' | 'parallelism'> = {
  Deployment: 'replicas',
  StatefulSet: 'replicas',
  ReplicaSet: 'replicas',
  Job: 'parallelism',
};

/** A workload's replica count must be an integer within LIMITS.replicas (the simulation allocates per pod). */
function checkReplicaField(o: Record<string, unknown>, sink: ProblemSink, path: string): void {
  const field = typeof o.kind === 'string' ? REPLICA_FIELD[o.kind] : undefined;
  if (field === undefined || !isPlainMap(o.spec)) return;
  const value = o.spec[field];
  if (value === undefined || value === null) return;
  const problem = replicaCountProblem(value);
  if (problem !== undefined) sink.report(`${path}.spec.${field}`, problem);
}

/**
 * Check a list of manifests; returns a copy without the kindless ones when there are any
 * (lenient), else undefined (the common case allocates nothing).
 */
function checkObjects(objs: unknown[], sink: ProblemSink, ev: number, list: string, lenient: boolean, counter: { kindless: number }): unknown[] | undefined {
  let kept: unknown[] | undefined;
  for (let j = 0; j < objs.length; j++) {
    const o = objs[j];
    if (checkObject(o, sink, ev, list, j, lenient)) {
      kept ??= objs.slice(0, j);
      counter.kindless++;
    } else if (kept !== undefined) {
      kept.push(o);
    }
  }
  return kept;
}

/**
 * Check the events. With `convert` (reading a file) it is as lenient as SimKube's
 * `Trace::import`: events out of time order are sorted (stably) with a warning, and a
 * manifest without `kind` is dropped with a warning (SimKube reads it; nothing can tell
 * what it is). An in-memory Trace being written must already be sorted and complete.
 */
function checkEvents(events: unknown, sink: ProblemSink, convert: boolean): void {
  if (!Array.isArray(events)) {
    sink.report('events', `expected an array of events, got ${describeValue(events)}`);
    return;
  }
  if (events.length > LIMITS.traceEvents) {
    sink.report('events', limitMessage('traceEvents', events.length));
    return;
  }
  let prevTs = -Infinity;
  let prevIndex = -1;
  let firstDisorder: string | undefined;
  const counter = { kindless: 0 };
  for (let i = 0; i < events.length; i++) {
    const ev = events[i] as unknown;
    if (!isPlainMap(ev)) {
      sink.report(`events[${i}]`, `expected an event (a map with ts, applied_objs, deleted_objs), got ${describeValue(ev)}`);
      continue;
    }
    for (const k in ev) {
      if (k !== 'ts' && k !== 'applied_objs' && k !== 'deleted_objs') {
        sink.report(`events[${i}]`, `expected only ts, applied_objs and deleted_objs, got the unknown field ${JSON.stringify(k)}`);
      }
    }
    const ts = toTimestamp(ev.ts);
    if (ts === undefined) {
      sink.report(`events[${i}].ts`, `expected a Unix time in seconds (an integer), got ${describeValue(ev.ts)}`);
    } else {
      if (typeof ev.ts === 'bigint') {
        if (convert) ev.ts = ts;
        else sink.report(`events[${i}].ts`, `expected a number, got ${describeValue(ev.ts)}`);
      }
      if (ts < prevTs) {
        if (convert) {
          firstDisorder ??= `events[${i}] (ts ${ts}) came after events[${prevIndex}] (ts ${prevTs})`;
        } else {
          sink.report(
            `events[${i}].ts`,
            `expected events in time order (ts >= ${prevTs} of events[${prevIndex}]), got ${ts}: sort the events by ts (SimKube writes them sorted)`,
          );
        }
      }
      prevTs = ts;
      prevIndex = i;
    }
    const applied = ev.applied_objs;
    if (Array.isArray(applied)) {
      const kept = checkObjects(applied, sink, i, 'applied_objs', convert, counter);
      if (kept !== undefined) ev.applied_objs = kept;
    } else {
      sink.report(`events[${i}].applied_objs`, `expected an array of Kubernetes objects, got ${describeValue(applied)}`);
    }
    const deleted = ev.deleted_objs;
    if (Array.isArray(deleted)) {
      const kept = checkObjects(deleted, sink, i, 'deleted_objs', convert, counter);
      if (kept !== undefined) ev.deleted_objs = kept;
    } else {
      sink.report(`events[${i}].deleted_objs`, `expected an array of Kubernetes objects, got ${describeValue(deleted)}`);
    }
  }
  const kindless = counter.kindless;
  if (kindless > 0) {
    sink.warnings.push(
      `dropped ${kindless} manifest${kindless === 1 ? '' : 's'} without a kind: SimKube reads them but nothing can tell what they are, so simenv ignores them (a trace written back will not hold them)`,
    );
  }
  if (firstDisorder !== undefined && sink.ok) {
    (events as Array<{ ts: number }>).sort((a, b) => a.ts - b.ts);
    sink.warnings.push(`events were not in time order (first: ${firstDisorder}); simenv sorted them by ts, as SimKube's import does`);
  }
}

/** Check the index; with `convert`, turn number hashes into bigints in place. */
function checkIndex(index: unknown, sink: ProblemSink, convert: boolean): void {
  if (!isPlainMap(index)) {
    sink.report('index', `expected a map from GVK to {namespace/name: hash}, got ${describeValue(index)}`);
    return;
  }
  for (const gvk in index) {
    const byName = index[gvk];
    if (!isPlainMap(byName)) {
      sink.report(formatPath(['index', gvk]), `expected a map from namespace/name to a u64 hash, got ${describeValue(byName)}`);
      continue;
    }
    for (const name in byName) {
      const v = byName[name];
      if (typeof v === 'bigint' && v >= 0n && v < U64_LIMIT) continue;
      const h = toHash(v);
      if (h === undefined) sink.report(formatPath(['index', gvk, name]), `expected an unsigned 64-bit hash, got ${describeValue(v)}`);
      else if (convert) byName[name] = h;
    }
  }
}

const LIFECYCLE_EXPECTED = 'expected a lifecycle "Empty", {"Running": start} or {"Finished": [start, end]}';

/** SimKube's externally tagged lifecycle to the typed union, or undefined (reported). */
function lifecycleFromFile(raw: unknown, sink: ProblemSink, path: string): PodLifecycle | undefined {
  if (raw === 'Empty') return { state: 'Empty' };
  if (!isPlainMap(raw)) {
    sink.report(path, `${LIFECYCLE_EXPECTED}, got ${describeValue(raw)}`);
    return undefined;
  }
  const keys = Object.keys(raw);
  if (keys.length !== 1) {
    sink.report(path, `${LIFECYCLE_EXPECTED}, got ${describeValue(raw)}`);
    return undefined;
  }
  const tag = keys[0]!;
  const val = raw[tag];
  if (tag === 'Running') {
    const start = toTimestamp(val);
    if (start !== undefined) return { state: 'Running', start };
    sink.report(`${path}.Running`, `expected a start time in Unix seconds, got ${describeValue(val)}`);
    return undefined;
  }
  if (tag === 'Finished') {
    if (Array.isArray(val) && val.length === 2) {
      const start = toTimestamp(val[0]);
      const end = toTimestamp(val[1]);
      if (start !== undefined && end !== undefined) return { state: 'Finished', start, end };
    }
    sink.report(`${path}.Finished`, `expected [start, end] in Unix seconds, got ${describeValue(val)}`);
    return undefined;
  }
  sink.report(path, `${LIFECYCLE_EXPECTED}, got the unknown variant ${JSON.stringify(tag)}`);
  return undefined;
}

function entriesOf(m: unknown): Array<[unknown, unknown]> | undefined {
  if (m instanceof Map) return [...m.entries()];
  // An empty msgpack map decodes as {} (no key told the reader it was tuple-keyed).
  if (isPlainMap(m) && Object.keys(m).length === 0) return [];
  return undefined;
}

function keyLabel(k: unknown): string {
  return typeof k === 'bigint' || typeof k === 'number' ? `[${k}]` : `[${JSON.stringify(k)}]`;
}

/** `pod_lifecycles` as the file holds it (tuple-keyed map of integer-keyed maps) to the typed list. */
function lifecyclesFromFile(raw: unknown, sink: ProblemSink, counter: { maps: number }): OwnerLifecycles[] {
  const out: OwnerLifecycles[] = [];
  const outer = entriesOf(raw);
  if (outer === undefined) {
    sink.report(
      'pod_lifecycles',
      `expected a map keyed by [owner GVK, owner namespace/name] tuples, got ${describeValue(raw)}`,
    );
    return out;
  }
  if (raw instanceof Map) counter.maps++;
  for (const [key, byHash] of outer) {
    const keyPath = `pod_lifecycles${keyLabel(key)}`;
    const ownerOk = Array.isArray(key) && key.length === 2 && typeof key[0] === 'string' && typeof key[1] === 'string';
    if (!ownerOk) {
      sink.report(keyPath, `expected a key [owner GVK, owner namespace/name] (an array of 2 strings), got ${describeValue(key)}`);
    }
    const inner = entriesOf(byHash);
    if (inner === undefined) {
      sink.report(keyPath, `expected a map from u64 pod-spec hash (an integer key) to lifecycles, got ${describeValue(byHash)}`);
      continue;
    }
    if (byHash instanceof Map) counter.maps++;
    const pods: OwnerLifecycles['pods'] = [];
    for (const [h, list] of inner) {
      const hash = toHash(h);
      const podPath = `${keyPath}${keyLabel(h)}`;
      if (hash === undefined) {
        sink.report(podPath, `expected an unsigned 64-bit pod-spec hash as the key, got ${describeValue(h)}`);
        continue;
      }
      if (!Array.isArray(list)) {
        sink.report(podPath, `expected an array of lifecycles, got ${describeValue(list)}`);
        continue;
      }
      const lifecycles: PodLifecycle[] = [];
      for (let i = 0; i < list.length; i++) {
        const lc = lifecycleFromFile(list[i], sink, `${podPath}[${i}]`);
        if (lc) lifecycles.push(lc);
      }
      pods.push({ hash, lifecycles });
    }
    if (ownerOk) out.push({ owner: [key[0] as string, key[1] as string], pods });
  }
  return out;
}

/** `pod_lifecycles` already in the typed form (an in-memory Trace); checked, never modified. */
function checkTypedLifecycles(raw: unknown, sink: ProblemSink): void {
  if (!Array.isArray(raw)) {
    sink.report('pod_lifecycles', `expected an array of {owner, pods}, got ${describeValue(raw)}`);
    return;
  }
  raw.forEach((entry, i) => {
    const parsed = OwnerLifecyclesSchema.safeParse(entry);
    if (parsed.success) return;
    for (const issue of parsed.error.issues) {
      const path = formatPath(['pod_lifecycles', i, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))]);
      sink.report(path, issue.message.replace(/^Invalid input: /, ''));
    }
  });
}

/** Find manifests that hold maps with non-string keys (SimKube reads manifests as JSON values). */
function reportKeyedMapsInEvents(events: unknown[], sink: ProblemSink): void {
  const walk = (v: unknown, path: Array<string | number>): void => {
    if (v instanceof Map) {
      sink.report(formatPath(path), `expected string keys in a Kubernetes object, got ${describeValue(v)}`);
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, [...path, i]));
    } else if (isPlainMap(v)) {
      for (const k in v) walk(v[k], [...path, k]);
    }
  };
  events.forEach((ev, i) => {
    if (!isPlainMap(ev)) return;
    for (const list of ['applied_objs', 'deleted_objs'] as const) {
      const objs = ev[list];
      if (Array.isArray(objs)) objs.forEach((o, j) => walk(o, ['events', i, list, j]));
    }
  });
}

export interface CheckOptions {
  /**
   * `file`: the decoded file form (pod_lifecycles as a tuple-keyed map, hashes as numbers or
   * bigints), converted in place. `typed`: an in-memory Trace, checked as is.
   */
  form: 'file' | 'typed';
  /** How many `Map`s the reader produced; extra ones (outside pod_lifecycles) are reported. */
  keyedMaps?: number;
}

/**
 * Check a decoded value as a SimKube v2 trace. Returns the Trace when no problem was found
 * (problems go to `sink`: thrown at once in `throw` mode).
 */
export function checkTrace(raw: unknown, sink: ProblemSink, options: CheckOptions): Trace | undefined {
  if (!isPlainMap(raw)) {
    sink.report('', `expected a SimKube trace (a map with version, config, events, index, pod_lifecycles), got ${describeValue(raw)}`);
    return undefined;
  }
  // A wrong version makes the rest meaningless (older formats have another shape): stop here.
  if (versionProblem(raw, sink)) return undefined;
  const unknown = Object.keys(raw).filter((k) => !(TOP_LEVEL_KEYS as readonly string[]).includes(k));
  if (options.form === 'file' && unknown.length > 0) {
    // SimKube's import ignores fields it does not know; so does simenv (they are not kept).
    for (const k of unknown) delete raw[k];
    sink.warnings.push(`ignored unknown top-level field${unknown.length === 1 ? '' : 's'} ${unknown.map((k) => JSON.stringify(k)).join(', ')} (SimKube ignores ${unknown.length === 1 ? 'it' : 'them'} too; a trace written back will not hold ${unknown.length === 1 ? 'it' : 'them'})`);
  } else {
    for (const k of unknown) {
      sink.report(formatPath([k]), `expected only the top-level fields ${TOP_LEVEL_KEYS.join(', ')}, got the unknown field ${JSON.stringify(k)}`);
    }
  }
  for (const k of TOP_LEVEL_KEYS) {
    if (raw[k] === undefined) sink.report(k, `expected the required field ${k}, got none (the field is missing)`);
  }
  if (raw.config !== undefined) checkConfig(raw.config, sink);
  const convert = options.form === 'file';
  if (raw.events !== undefined) checkEvents(raw.events, sink, convert);
  if (raw.index !== undefined) checkIndex(raw.index, sink, convert);
  const counter = { maps: 0 };
  if (raw.pod_lifecycles !== undefined) {
    if (options.form === 'file') raw.pod_lifecycles = lifecyclesFromFile(raw.pod_lifecycles, sink, counter);
    else checkTypedLifecycles(raw.pod_lifecycles, sink);
  }
  if ((options.keyedMaps ?? 0) > counter.maps && Array.isArray(raw.events)) reportKeyedMapsInEvents(raw.events, sink);
  return sink.ok ? (raw as unknown as Trace) : undefined;
}
