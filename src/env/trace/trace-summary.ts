import type { Trace } from './schema.js';
import { gvkOf, namespacedName } from './schema.js';
import { buildTraceModel, replicaTimeline, requestTimeline, type TraceModel, type WorkloadKind } from './trace-model.js';

/**
 * What `simenv trace inspect` reports about a trace: its time span, event and object counts by
 * kind, the index and lifecycles in brief, and each workload's replica timeline. A plain
 * JSON-able object (no bigints), so `--json` can print it as is.
 */

export interface KindSummary {
  gvk: string;
  kind: string;
  /** Distinct objects (namespace/name) ever applied. */
  objects: number;
  applies: number;
  deletes: number;
}

export interface WorkloadSummary {
  kind: WorkloadKind;
  /** `namespace/name`. */
  name: string;
  /** Seconds since the first event when it was created. */
  createdAtS: number;
  deletedAtS: number | null;
  /** [seconds since the first event, replicas] change points. */
  replicas: Array<[number, number]>;
  /** Per-pod requests of the last applied version: CPU cores, memory bytes. */
  cpu: number;
  memory: number;
  /** How many times the per-pod requests changed. */
  requestChanges: number;
}

export interface TraceSummary {
  version: number;
  /** Unix seconds of the first and last event, as ISO-8601 too. */
  startTs: number;
  endTs: number;
  start: string;
  end: string;
  durationS: number;
  events: number;
  applies: number;
  deletes: number;
  kinds: KindSummary[];
  trackedObjects: string[];
  index: { gvks: number; entries: number };
  podLifecycles: { owners: number; podSpecs: number; running: number; finished: number; empty: number };
  workloads: WorkloadSummary[];
}

function iso(ts: number): string {
  const d = new Date(ts * 1000);
  return Number.isNaN(d.getTime()) ? String(ts) : d.toISOString().replace('.000Z', 'Z');
}

/** Summarise a trace (builds its model; pass one if you have it). */
export function summarizeTrace(trace: Trace, model: TraceModel = buildTraceModel(trace)): TraceSummary {
  const kinds = new Map<string, { kind: string; names: Set<string>; applies: number; deletes: number }>();
  let applies = 0;
  let deletes = 0;
  const entry = (obj: { apiVersion: string; kind: string }) => {
    const gvk = gvkOf(obj);
    let k = kinds.get(gvk);
    if (!k) kinds.set(gvk, (k = { kind: obj.kind, names: new Set(), applies: 0, deletes: 0 }));
    return k;
  };
  for (const ev of trace.events) {
    for (const o of ev.applied_objs) {
      const k = entry(o);
      k.names.add(namespacedName(o));
      k.applies++;
      applies++;
    }
    for (const o of ev.deleted_objs) {
      const k = entry(o);
      k.names.add(namespacedName(o));
      k.deletes++;
      deletes++;
    }
  }
  let entries = 0;
  for (const gvk of Object.keys(trace.index)) entries += Object.keys(trace.index[gvk]!).length;
  const pl = { owners: trace.pod_lifecycles.length, podSpecs: 0, running: 0, finished: 0, empty: 0 };
  for (const o of trace.pod_lifecycles) {
    pl.podSpecs += o.pods.length;
    for (const p of o.pods) {
      for (const lc of p.lifecycles) {
        if (lc.state === 'Running') pl.running++;
        else if (lc.state === 'Finished') pl.finished++;
        else pl.empty++;
      }
    }
  }
  return {
    version: trace.version,
    startTs: model.startTs,
    endTs: model.endTs,
    start: iso(model.startTs),
    end: iso(model.endTs),
    durationS: model.durationS,
    events: trace.events.length,
    applies,
    deletes,
    kinds: [...kinds.entries()]
      .map(([gvk, k]) => ({ gvk, kind: k.kind, objects: k.names.size, applies: k.applies, deletes: k.deletes }))
      .sort((a, b) => a.gvk.localeCompare(b.gvk)),
    trackedObjects: Object.keys(trace.config.trackedObjects),
    index: { gvks: Object.keys(trace.index).length, entries },
    podLifecycles: pl,
    workloads: model.workloads.map((w) => {
      const last = w.versions[w.versions.length - 1]!;
      return {
        kind: w.kind,
        name: w.key,
        createdAtS: w.versions[0]!.timeS,
        deletedAtS: w.deletedAtS,
        replicas: replicaTimeline(w),
        cpu: last.template.cpu,
        memory: last.template.memory,
        requestChanges: requestTimeline(w).length - 1,
      };
    }),
  };
}
