import { parseQuantity } from '../../trace/quantity.js';

/**
 * How the kube backend reads pods and nodes: the phase of a pod in the terms of the env's
 * snapshot (pending, starting, ready, terminating) and the CPU that nodes offer and pods
 * request. Pure functions over API objects, shared by replay and SimKube mode.
 */

/** The fields of a Pod this module reads. */
export interface PodLike {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; deletionTimestamp?: unknown };
  spec?: {
    nodeName?: string;
    containers?: Array<{ resources?: { requests?: Record<string, unknown> } }>;
    initContainers?: Array<{ resources?: { requests?: Record<string, unknown> } }>;
  };
  status?: { phase?: string; conditions?: Array<{ type?: string; status?: string }> };
}

/** The fields of a Node this module reads. */
export interface NodeLike {
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: { unschedulable?: boolean };
  status?: { allocatable?: Record<string, unknown>; conditions?: Array<{ type?: string; status?: string }> };
}

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

function quantity(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return 0;
  try {
    return parseQuantity(v, 'cpu');
  } catch {
    return 0;
  }
}

/** A pod's CPU request in cores: the sum over containers, or the largest init container if larger (as the scheduler counts it). */
export function podCpuRequest(pod: PodLike): number {
  let sum = 0;
  for (const c of pod.spec?.containers ?? []) sum += quantity(c.resources?.requests?.cpu);
  let init = 0;
  for (const c of pod.spec?.initContainers ?? []) init = Math.max(init, quantity(c.resources?.requests?.cpu));
  return Math.max(sum, init);
}

/** Whether a node takes new pods: not cordoned, Ready, and matching `selector`. */
export function nodeSchedulable(node: NodeLike, selector: Record<string, string>): boolean {
  if (node.spec?.unschedulable) return false;
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  return ready === undefined || ready.status === 'True';
}

/** A node's allocatable CPU, cores. */
export function nodeCpu(node: NodeLike): number {
  return quantity(node.status?.allocatable?.cpu);
}

/** Counts of one workload's pods by phase. */
export interface PodCounts {
  pending: number;
  starting: number;
  ready: number;
  terminating: number;
}

/** Count pods by phase (finished pods are not counted). */
export function countPods(pods: Iterable<PodLike>, out: PodCounts): PodCounts {
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

/** Whether `labels` has every pair of `selector` (a Deployment's matchLabels). */
export function matchesLabels(labels: Record<string, string> | undefined, selector: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels?.[k] !== v) return false;
  return true;
}
