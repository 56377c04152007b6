import type { V1Taint, V1Toleration } from '@kubernetes/client-node';

/**
 * Taints and tolerations with apimachinery's semantics (k8s.io/api/core/v1
 * Toleration.ToleratesTaint), for both backends and the scenario builder.
 */

/**
 * A toleration as written in a pod spec (the fields scheduling reads). Spelled out rather than
 * `Pick<V1Toleration, ...>` so that simenv's public declarations name no client-node type (a
 * consumer would need `ws` types, see test/package); the checks below keep it V1's shape.
 */
export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

/** A taint as written in a node spec (the fields scheduling reads); V1Taint's shape, checked below. */
export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

// Compile-time: client-node's V1 objects are accepted where these are expected.
type Accepts<T, V> = V extends T ? true : never;
const v1Fits: [Accepts<Toleration, V1Toleration>, Accepts<Taint, V1Taint>] = [true, true];
void v1Fits;

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
