import { TraceFormatError } from '../errors.js';
import { MsgpackReader, MsgpackReadError } from './msgpack-reader.js';
import {
  TRACE_FORMAT_VERSION,
  type KubeObject,
  type OwnerLifecycles,
  type PodLifecycle,
  type Trace,
  type TraceEvent,
  type TrackedObjectConfig,
} from './schema.js';

/**
 * Traces older than format version 2 (SimKube <= 1.1.1, `sk-store/src/trace_store.rs` at tag
 * v1.1.1): `rmp_serde::to_vec_named(&(config, events, index, lifecycle_data))`, a top-level
 * msgpack ARRAY of four: the tracer config (`trackedObjects: {gvk: {podSpecTemplatePath,
 * trackLifecycle}}`), the events (as in v2), an index keyed by `namespace/name` alone and pod
 * lifecycles keyed by `namespace/name` alone. Version 2 keys both by GVK too; `upgradeLegacyTrace`
 * recovers each GVK from the objects in the events that carry that name, and reports what it
 * cannot recover instead of guessing.
 */

/** What simenv says of a pre-version-2 file, wherever it meets one. */
export const LEGACY_TRACE_MESSAGE =
  'expected a SimKube trace of format version 2 (a msgpack map), got a pre-version-2 SimKube trace (SimKube <= 1.1.1, a msgpack array of 4): ' +
  'neither simenv nor SimKube 2.x reads it; convert it with `simenv trace upgrade OLD NEW`';

/** True when `bytes` start like a SimKube <= 1.1.1 trace: an array of 4 whose first item (the config) is a map. */
export function isLegacyTrace(bytes: Uint8Array): boolean {
  if (bytes.length < 2 || bytes[0] !== 0x94) return false;
  const b = bytes[1]!;
  return (b >= 0x80 && b <= 0x8f) || b === 0xde || b === 0xdf;
}

/** The one-line error for a legacy file (the hook the v2 format check calls), else undefined. */
export function legacyTraceProblem(bytes: Uint8Array): string | undefined {
  return isLegacyTrace(bytes) ? LEGACY_TRACE_MESSAGE : undefined;
}

/** The outcome of an upgrade: the v2 trace and what the upgrade had to say about it. */
export interface LegacyUpgrade {
  trace: Trace;
  /** What was changed on the way (renamed config fields, shared index hashes, ...). */
  notes: string[];
  /** Entries whose GVK could not be recovered; they are left out of `trace`. */
  unrecovered: string[];
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map);

function fail(path: string, message: string, file?: string): never {
  throw new TraceFormatError(path, message, { file, hint: 'the file is not a SimKube 1.x trace either; re-export it from SimKube' });
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  if (v === null) return 'nil';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v instanceof Map) return 'a map with non-string keys';
  return typeof v === 'object' ? 'a map' : `${typeof v} ${JSON.stringify(typeof v === 'bigint' ? v.toString() : v)}`;
}

function toInt(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  return undefined;
}

function toHash(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v >= 0n && v < 1n << 64n ? v : undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  return undefined;
}

function upgradeConfig(raw: unknown, notes: string[], file?: string): Trace['config'] {
  if (!isMap(raw) || !isMap(raw.trackedObjects)) fail('[0]', `expected the tracer config {trackedObjects: {...}}, got ${describe(raw)}`, file);
  const trackedObjects: Record<string, TrackedObjectConfig> = {};
  let renamed = 0;
  for (const [gvk, entry] of Object.entries(raw.trackedObjects)) {
    if (!isMap(entry)) fail(`[0].trackedObjects[${JSON.stringify(gvk)}]`, `expected a map, got ${describe(entry)}`, file);
    const out: TrackedObjectConfig = {};
    const single = entry.podSpecTemplatePath;
    const many = entry.podSpecTemplatePaths;
    if (Array.isArray(many) && many.every((p) => typeof p === 'string')) out.podSpecTemplatePaths = many as string[];
    else if (typeof single === 'string') {
      out.podSpecTemplatePaths = [single];
      renamed++;
    } else out.podSpecTemplatePaths = null;
    if (entry.trackLifecycle === true) out.trackLifecycle = true;
    if (entry.skipOwned === true) out.skipOwned = true;
    trackedObjects[gvk] = out;
  }
  if (renamed > 0) notes.push(`config: podSpecTemplatePath (1.x) became podSpecTemplatePaths [path] for ${renamed} tracked kind${renamed === 1 ? '' : 's'}`);
  return { trackedObjects };
}

function upgradeEvents(raw: unknown, file?: string): TraceEvent[] {
  if (!Array.isArray(raw)) fail('[1]', `expected the events (an array), got ${describe(raw)}`, file);
  return raw.map((ev, i): TraceEvent => {
    if (!isMap(ev)) fail(`[1][${i}]`, `expected an event {ts, applied_objs, deleted_objs}, got ${describe(ev)}`, file);
    const ts = toInt(ev.ts);
    if (ts === undefined) fail(`[1][${i}].ts`, `expected Unix seconds, got ${describe(ev.ts)}`, file);
    const objs = (list: unknown, name: string): KubeObject[] => {
      if (!Array.isArray(list)) fail(`[1][${i}].${name}`, `expected an array of objects, got ${describe(list)}`, file);
      return list.map((o, j) => {
        const path = `[1][${i}].${name}[${j}]`;
        if (!isMap(o)) fail(path, `expected a Kubernetes object, got ${describe(o)}`, file);
        // The GVK of everything else is recovered from these two fields: never invented.
        if (typeof o.apiVersion !== 'string' || o.apiVersion === '') fail(`${path}.apiVersion`, `expected the object's apiVersion (its GVK cannot be recovered without it), got ${describe(o.apiVersion)}`, file);
        if (typeof o.kind !== 'string' || o.kind === '') fail(`${path}.kind`, `expected the object's kind (its GVK cannot be recovered without it), got ${describe(o.kind)}`, file);
        const meta = o.metadata;
        if (!isMap(meta) || typeof meta.name !== 'string') fail(`${path}.metadata.name`, `expected the object's name, got ${describe(isMap(meta) ? meta.name : meta)}`, file);
        return o as KubeObject;
      });
    };
    return { ts, applied_objs: objs(ev.applied_objs, 'applied_objs'), deleted_objs: objs(ev.deleted_objs, 'deleted_objs') };
  });
}

/** `namespace/name` -> the GVKs of the objects with that name in the events, in first-seen order. */
function gvksByName(events: TraceEvent[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const ev of events) {
    for (const o of [...ev.applied_objs, ...ev.deleted_objs]) {
      const key = o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
      const gvk = `${o.apiVersion}.${o.kind}`;
      const list = out.get(key);
      if (!list) out.set(key, [gvk]);
      else if (!list.includes(gvk)) list.push(gvk);
    }
  }
  return out;
}

function upgradeIndex(raw: unknown, byName: Map<string, string[]>, notes: string[], unrecovered: string[], file?: string): Trace['index'] {
  if (!isMap(raw)) fail('[2]', `expected the index (a map from namespace/name to hash), got ${describe(raw)}`, file);
  const index: Trace['index'] = {};
  for (const [name, h] of Object.entries(raw)) {
    const hash = toHash(h);
    if (hash === undefined) fail(`[2][${JSON.stringify(name)}]`, `expected an unsigned 64-bit hash, got ${describe(h)}`, file);
    const gvks = byName.get(name);
    if (!gvks) {
      unrecovered.push(`index entry ${name}: no object of that name in the events, so its GVK is unknown`);
      continue;
    }
    // 1.x kept one entry per name; each kind that has an object of that name gets it.
    for (const gvk of gvks) (index[gvk] ??= {})[name] = hash;
    if (gvks.length > 1) notes.push(`index entry ${name}: objects of ${gvks.length} kinds carry that name (${gvks.join(', ')}); each gets the one 1.x hash`);
  }
  return index;
}

function upgradeLifecycle(v: unknown, path: string, file?: string): PodLifecycle {
  if (v === 'Empty') return { state: 'Empty' };
  if (isMap(v)) {
    if ('Running' in v) {
      const start = toInt(v.Running);
      if (start !== undefined) return { state: 'Running', start };
    }
    if ('Finished' in v && Array.isArray(v.Finished) && v.Finished.length === 2) {
      const start = toInt(v.Finished[0]);
      const end = toInt(v.Finished[1]);
      if (start !== undefined && end !== undefined) return { state: 'Finished', start, end };
    }
  }
  return fail(path, `expected a pod lifecycle ("Empty", {Running: start} or {Finished: [start, end]}), got ${describe(v)}`, file);
}

function upgradeLifecycles(
  raw: unknown,
  byName: Map<string, string[]>,
  config: Trace['config'],
  unrecovered: string[],
  file?: string,
): OwnerLifecycles[] {
  const outer: Array<[unknown, unknown]> | undefined = raw instanceof Map ? [...raw.entries()] : isMap(raw) ? Object.entries(raw) : undefined;
  if (!outer) fail('[3]', `expected the pod lifecycles (a map from namespace/name), got ${describe(raw)}`, file);
  const tracked = new Set(Object.keys(config.trackedObjects));
  const out: OwnerLifecycles[] = [];
  for (const [name, byHash] of outer) {
    const path = `[3][${JSON.stringify(name)}]`;
    if (typeof name !== 'string') fail(path, `expected a namespace/name key, got ${describe(name)}`, file);
    const inner: Array<[unknown, unknown]> | undefined =
      byHash instanceof Map ? [...byHash.entries()] : isMap(byHash) && Object.keys(byHash).length === 0 ? [] : undefined;
    if (!inner) fail(path, `expected a map from pod-spec hash to lifecycles, got ${describe(byHash)}`, file);
    const pods: OwnerLifecycles['pods'] = inner.map(([h, list]) => {
      const hash = toHash(h);
      if (hash === undefined) fail(`${path}[${String(h)}]`, `expected an unsigned 64-bit pod-spec hash, got ${describe(h)}`, file);
      if (!Array.isArray(list)) fail(`${path}[${hash}]`, `expected an array of lifecycles, got ${describe(list)}`, file);
      return { hash, lifecycles: list.map((lc, i) => upgradeLifecycle(lc, `${path}[${hash}][${i}]`, file)) };
    });
    // The owner is an object of a tracked kind with this name; more than one candidate is ambiguous.
    const owners = (byName.get(name) ?? []).filter((g) => tracked.has(g));
    if (owners.length !== 1) {
      const why = owners.length === 0 ? 'no object of a tracked kind has that name' : `objects of ${owners.length} tracked kinds have that name (${owners.join(', ')})`;
      unrecovered.push(`pod lifecycles of ${name}: ${why}, so the owner's GVK is unknown`);
      continue;
    }
    out.push({ owner: [owners[0]!, name], pods });
  }
  return out;
}

/**
 * Decode a SimKube <= 1.1.1 trace and rebuild it as format version 2. Throws TraceFormatError
 * (naming the path, `[i]` being the top-level tuple's items) when the file is not such a trace.
 */
export function upgradeLegacyTrace(bytes: Uint8Array, file?: string): LegacyUpgrade {
  if (!isLegacyTrace(bytes)) {
    fail('', `expected a pre-version-2 SimKube trace (a msgpack array of 4 starting with the config map), got first bytes ${[...bytes.slice(0, 2)].map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ')}`, file);
  }
  let raw: unknown;
  try {
    raw = new MsgpackReader().decode(bytes);
  } catch (err) {
    if (err instanceof MsgpackReadError) fail('', `${err.message} (byte ${err.offset})`, file);
    throw err;
  }
  const [rawConfig, rawEvents, rawIndex, rawLifecycles] = raw as unknown[];
  const notes: string[] = [];
  const unrecovered: string[] = [];
  const config = upgradeConfig(rawConfig, notes, file);
  const events = upgradeEvents(rawEvents, file);
  const byName = gvksByName(events);
  const index = upgradeIndex(rawIndex, byName, notes, unrecovered, file);
  const pod_lifecycles = upgradeLifecycles(rawLifecycles, byName, config, unrecovered, file);
  return { trace: { version: TRACE_FORMAT_VERSION, config, events, index, pod_lifecycles }, notes, unrecovered };
}
