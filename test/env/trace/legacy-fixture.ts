import { encode } from '@msgpack/msgpack';
import type { Trace } from '../../../src/env/trace/schema.js';

/**
 * Writes a trace in SimKube 1.1.1's layout (sk-store/src/trace_store.rs at v1.1.1):
 * `rmp_serde::to_vec_named(&(config, events, index, lifecycle_data))`, a msgpack array of 4:
 *   config        {trackedObjects: {gvk: {podSpecTemplatePath, trackLifecycle?}}}
 *   events        [{ts, applied_objs, deleted_objs}]
 *   index         {"namespace/name": u64}
 *   lifecycles    {"namespace/name": {u64 hash: ["Empty" | {Running: ts} | {Finished: [s, e]}]}}
 * Built from a v2 trace with @msgpack/msgpack (not simenv's writer), so the upgrade is tested
 * against an independent encoder. The integer-keyed lifecycle maps are spliced in by hand:
 * @msgpack/msgpack only writes string keys.
 */

const enc = (v: unknown): Uint8Array => encode(v, { useBigInt64: true });

function mapHeader(n: number): Uint8Array {
  if (n < 16) return Uint8Array.of(0x80 + n);
  return Uint8Array.of(0xde, n >> 8, n & 0xff);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Extra index entries (names only, as 1.x wrote them) to add on top of the trace's own. */
export interface LegacyExtras {
  index?: Record<string, bigint>;
  lifecycles?: Record<string, Array<[bigint, unknown[]]>>;
}

/** The 1.x bytes of `trace` (its index flattened to `namespace/name`, its lifecycles keyed by name). */
export function legacyTraceBytes(trace: Trace, extras: LegacyExtras = {}): Uint8Array {
  const trackedObjects: Record<string, unknown> = {};
  for (const [gvk, c] of Object.entries(trace.config.trackedObjects)) {
    trackedObjects[gvk] = { podSpecTemplatePath: c.podSpecTemplatePaths?.[0] ?? null, ...(c.trackLifecycle ? { trackLifecycle: true } : {}) };
  }
  const index: Record<string, bigint> = {};
  for (const byName of Object.values(trace.index)) for (const [name, h] of Object.entries(byName)) index[name] = h;
  Object.assign(index, extras.index ?? {});
  const lifecycles: Record<string, Array<[bigint, unknown[]]>> = {};
  for (const l of trace.pod_lifecycles) {
    lifecycles[l.owner[1]] = l.pods.map((p) => [
      p.hash,
      p.lifecycles.map((lc) => (lc.state === 'Empty' ? 'Empty' : lc.state === 'Running' ? { Running: lc.start } : { Finished: [lc.start, lc.end] })),
    ]);
  }
  Object.assign(lifecycles, extras.lifecycles ?? {});
  const lcParts: Uint8Array[] = [mapHeader(Object.keys(lifecycles).length)];
  for (const [name, pods] of Object.entries(lifecycles)) {
    lcParts.push(enc(name), mapHeader(pods.length));
    for (const [hash, list] of pods) lcParts.push(enc(hash), enc(list));
  }
  return concat([Uint8Array.of(0x94), enc({ trackedObjects }), enc(trace.events), enc(index), ...lcParts]);
}
