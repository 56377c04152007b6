import type { V1Pod } from '@kubernetes/client-node';
import type { ContainerResourcesLike } from './pod-resources.js';

/**
 * A pod's phase in the terms of the env's snapshot (pending, starting, ready, terminating,
 * finished), read from a live Pod object, and the per-phase counts both backends report.
 */

/** The fields of a Pod simenv reads (a structural subset of V1Pod). */
export interface PodLike {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; deletionTimestamp?: unknown };
  spec?: {
    nodeName?: string;
    containers?: ContainerResourcesLike[];
    initContainers?: ContainerResourcesLike[];
    overhead?: Record<string, unknown>;
  };
  status?: { phase?: string; conditions?: Array<{ type?: string; status?: string }> };
}

// V1Pod must stay assignable to PodLike (compile-time check only).
void ((p: V1Pod): PodLike => p);

export type PodPhase = 'pending' | 'starting' | 'ready' | 'terminating' | 'finished';

/** The snapshot phase of a pod: terminating wins, then finished, unscheduled, ready, starting. */
export function podPhase(pod: PodLike): PodPhase {
  if (pod.metadata?.deletionTimestamp) return 'terminating';
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return 'finished';
  if (!pod.spec?.nodeName) return 'pending';
  const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  return ready ? 'ready' : 'starting';
}

/** Counts of one workload's live pods by phase (finished pods are not counted). */
export interface PodPhaseCounts {
  pending: number;
  starting: number;
  ready: number;
  terminating: number;
}

/** Count pods by phase into `out` (reused, so the caller allocates nothing per call). */
export function countPods(pods: Iterable<PodLike>, out: PodPhaseCounts): PodPhaseCounts {
  out.pending = 0;
  out.starting = 0;
  out.ready = 0;
  out.terminating = 0;
  for (const p of pods) {
    const ph = podPhase(p);
    if (ph !== 'finished') out[ph]++;
  }
  return out;
}
