import type { V1Taint, V1Toleration } from '@kubernetes/client-node';

/**
 * Taints and tolerations with apimachinery's semantics (k8s.io/api/core/v1
 * Toleration.ToleratesTaint), for both backends and the scenario builder.
 */

/** A toleration as written in a pod spec (the fields scheduling reads). */
export type Toleration = Pick<V1Toleration, 'key' | 'operator' | 'value' | 'effect'>;

/** A taint as written in a node spec (the fields scheduling reads). */
export type Taint = Pick<V1Taint, 'key' | 'value' | 'effect'>;

/**
 * Whether one toleration tolerates one taint: an empty effect matches every effect; an empty
 * key (with operator Exists) matches every key; `Exists` ignores the value; `Equal` (or no
 * operator) needs equal values.
 */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
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
 * scoring in Kubernetes; simenv does not score it).
 */
export function toleratesAll(tolerations: readonly Toleration[], taints: readonly Taint[]): boolean {
  for (const taint of taints) {
    if (taint.effect === 'PreferNoSchedule') continue;
    if (!tolerations.some((t) => toleratesTaint(t, taint))) return false;
  }
  return true;
}
