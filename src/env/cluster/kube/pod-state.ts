import type { V1Node } from '@kubernetes/client-node';
import { labelsMatch } from '../../k8s/labels.js';
import type { PodLike } from '../../k8s/pod-phase.js';
import { cpuMilli, podRequest } from '../../k8s/pod-resources.js';

/**
 * How the kube backend reads the CPU that nodes offer and pods request, with the Kubernetes
 * rules of src/env/k8s (the same ones the memory backend's trace model uses). Pure
 * functions over API objects, shared by replay and SimKube mode.
 */

/** The fields of a Node this module reads. */
export interface NodeLike {
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: { unschedulable?: boolean };
  status?: { allocatable?: Record<string, unknown>; conditions?: Array<{ type?: string; status?: string }> };
}

// V1Node must stay assignable to NodeLike (compile-time check only).
void ((n: V1Node): NodeLike => n);

/** A pod's effective CPU request in cores (sidecars, init containers, overhead; see k8s/pod-resources). */
export function podCpuRequest(pod: PodLike): number {
  return podRequest(pod.spec, 'cpu', `pod ${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''} spec`) / 1000;
}

/** Whether a node takes new pods: not cordoned, Ready, and matching `selector`. */
export function nodeSchedulable(node: NodeLike, selector: Record<string, string>): boolean {
  if (node.spec?.unschedulable) return false;
  if (!labelsMatch(selector, node.metadata?.labels ?? {})) return false;
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  return ready === undefined || ready.status === 'True';
}

/** A node's allocatable CPU, cores (0 when the node reports none). */
export function nodeCpu(node: NodeLike): number {
  const q = node.status?.allocatable?.cpu;
  if (typeof q !== 'string' && typeof q !== 'number') return 0;
  return cpuMilli(q, `node ${node.metadata?.name ?? ''} status.allocatable.cpu`) / 1000;
}
