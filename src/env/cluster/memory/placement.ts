import type { Taint } from '../../options.js';

/**
 * Kubernetes placement predicates: node selectors and taint toleration, with the
 * apimachinery semantics (k8s.io/api/core/v1 Toleration.ToleratesTaint).
 */

export interface TolerationLike {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

/**
 * Whether one toleration tolerates one taint: an empty effect matches every effect; an empty
 * key (with operator Exists) matches every key; `Exists` ignores the value; `Equal` (or no
 * operator) needs equal values.
 */
export function toleratesTaint(t: TolerationLike, taint: Taint): boolean {
  if (t.effect !== undefined && t.effect !== '' && t.effect !== taint.effect) return false;
  if (t.key !== undefined && t.key !== '' && t.key !== taint.key) return false;
  const op = t.operator ?? 'Equal';
  if (op === 'Exists') return true;
  if (op === 'Equal') return (t.value ?? '') === (taint.value ?? '');
  return false;
}

/**
 * Whether a pod with `tolerations` may be scheduled on a node with `taints`: every taint
 * with effect NoSchedule or NoExecute must be tolerated (PreferNoSchedule only affects
 * scoring in Kubernetes; this model does not score it).
 */
export function toleratesAll(tolerations: readonly TolerationLike[], taints: readonly Taint[]): boolean {
  for (const taint of taints) {
    if (taint.effect === 'PreferNoSchedule') continue;
    if (!tolerations.some((t) => toleratesTaint(t, taint))) return false;
  }
  return true;
}

/** Whether node `labels` satisfy a pod's `nodeSelector` (every pair present and equal). */
export function selectorMatches(nodeSelector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  for (const k of Object.keys(nodeSelector)) {
    if (labels[k] !== nodeSelector[k]) return false;
  }
  return true;
}
