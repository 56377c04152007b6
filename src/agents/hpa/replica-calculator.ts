/**
 * The HPA's replica calculator for a Resource metric with a Utilization target, ported from
 * kube-controller-manager (pkg/controller/podautoscaler/replica_calculator.go,
 * GetResourceReplicas). Pure: no clock, no state.
 *
 * The rules, as the Kubernetes documentation states them:
 * - desired = ceil(readyPods * currentUtilisation / targetUtilisation)
 * - no change while |1 - ratio| <= tolerance (default 0.1)
 * - pods being deleted or failed are ignored; pods not yet ready are set aside, and so are
 *   pods with missing metrics
 * - if some pods were set aside, the ratio is recomputed conservatively: missing pods count as
 *   100% of their request on a scale-down and 0% on a scale-up, unready pods as 0% on a
 *   scale-up; if that flips the direction or lands within tolerance, no change.
 */

/** One pod as the replica calculator sees it. */
export interface PodSample {
  /** `ready`: Running and Ready; `unready`: Pending or not yet Ready; `ignored`: deleting or failed. */
  state: 'ready' | 'unready' | 'ignored';
  /** Resource usage in the request's unit (e.g. millicores); undefined when metrics are missing. */
  usage?: number;
  /** Resource request in the same unit. */
  request: number;
}

/** Why the calculator returned what it did (for logs and tests). */
export type ReplicaCalculationReason =
  | 'within-tolerance'
  | 'scaled'
  | 'recomputed'
  | 'held-after-recompute'
  | 'no-metrics';

/** Tolerance band around ratio 1: scaling happens only outside [1 - down, 1 + up]. */
export interface Tolerance {
  up: number;
  down: number;
}

/** Whether `ratio` lies in the no-change band (KEP-4951 semantics; symmetric 0.1 by default). */
export function withinTolerance(ratio: number, tolerance: number | Tolerance): boolean {
  const t = typeof tolerance === 'number' ? { up: tolerance, down: tolerance } : tolerance;
  return 1 - t.down <= ratio && ratio <= 1 + t.up;
}

/** The calculator's answer. */
export interface ReplicaCalculation {
  /** Recommended replicas, or `currentReplicas` when the HPA would not change anything. */
  replicas: number;
  /** Current utilisation in integer percent of request (as the HPA reports it), or NaN. */
  utilisationPercent: number;
  /** currentUtilisation / target, before any conservative recompute. */
  usageRatio: number;
  reason: ReplicaCalculationReason;
}

/**
 * The utilisation over `pods` as the HPA computes it: integer percent,
 * truncated, of summed usage over summed requests (GetResourceUtilizationRatio).
 */
export function utilisationPercent(usageTotal: number, requestTotal: number): number {
  // Kubernetes divides int64 milli-values; a tiny epsilon keeps float products like
  // 0.29 * 100 = 28.999... from truncating one percent too low.
  return Math.floor((usageTotal * 100) / requestTotal + 1e-9);
}

/** Inputs of the calculator in aggregate form (what an observation gives). */
export interface AggregateMetrics {
  /** Ready pods that reported metrics. */
  readyWithMetrics: number;
  /** Summed usage of those pods, in request units. */
  readyUsage: number;
  /** Summed requests of those pods. */
  readyRequest: number;
  /** Pods not yet ready (Pending, starting); their metrics are not used. */
  unready: number;
  /** Ready pods without metrics. */
  missing: number;
  /** Request of one pod, used for unready and missing pods. */
  podRequest: number;
}

/** Group per-pod samples the way `groupPods` does. */
export function aggregatePods(pods: readonly PodSample[]): AggregateMetrics {
  const out: AggregateMetrics = { readyWithMetrics: 0, readyUsage: 0, readyRequest: 0, unready: 0, missing: 0, podRequest: 0 };
  let requestSum = 0;
  let counted = 0;
  for (const p of pods) {
    if (p.state === 'ignored') continue;
    requestSum += p.request;
    counted++;
    if (p.state === 'unready') out.unready++;
    else if (p.usage === undefined) out.missing++;
    else {
      out.readyWithMetrics++;
      out.readyUsage += p.usage;
      out.readyRequest += p.request;
    }
  }
  out.podRequest = counted > 0 ? requestSum / counted : 0;
  return out;
}

/**
 * Recommend a replica count for a Utilization target (integer percent, e.g. 60), following
 * GetResourceReplicas exactly, including its integer-percent rounding.
 */
export function calculateReplicas(
  currentReplicas: number,
  targetPercent: number,
  tolerance: number | Tolerance,
  m: AggregateMetrics,
): ReplicaCalculation {
  if (m.readyWithMetrics === 0 || m.readyRequest <= 0) {
    // Kubernetes reports an error ("did not receive metrics for targeted pods") and does not scale.
    return { replicas: currentReplicas, utilisationPercent: Number.NaN, usageRatio: Number.NaN, reason: 'no-metrics' };
  }
  const utilisation = utilisationPercent(m.readyUsage, m.readyRequest);
  const usageRatio = utilisation / targetPercent;
  const scaleUpWithUnready = m.unready > 0 && usageRatio > 1;
  if (!scaleUpWithUnready && m.missing === 0) {
    if (withinTolerance(usageRatio, tolerance)) return { replicas: currentReplicas, utilisationPercent: utilisation, usageRatio, reason: 'within-tolerance' };
    return { replicas: Math.ceil(usageRatio * m.readyWithMetrics), utilisationPercent: utilisation, usageRatio, reason: 'scaled' };
  }

  let usage = m.readyUsage;
  let request = m.readyRequest;
  let count = m.readyWithMetrics;
  if (m.missing > 0) {
    if (usageRatio < 1) {
      const fallbackPercent = Math.max(100, targetPercent);
      usage += (m.missing * m.podRequest * fallbackPercent) / 100;
      request += m.missing * m.podRequest;
      count += m.missing;
    } else if (usageRatio > 1) {
      request += m.missing * m.podRequest;
      count += m.missing;
    }
    // usageRatio exactly 1: Kubernetes leaves the missing pods out of the recompute.
  }
  if (scaleUpWithUnready) {
    request += m.unready * m.podRequest;
    count += m.unready;
  }
  const newRatio = utilisationPercent(usage, request) / targetPercent;
  if (withinTolerance(newRatio, tolerance) || (usageRatio < 1 && newRatio > 1) || (usageRatio > 1 && newRatio < 1)) {
    return { replicas: currentReplicas, utilisationPercent: utilisation, usageRatio, reason: 'held-after-recompute' };
  }
  const newReplicas = Math.ceil(newRatio * count);
  if ((newRatio < 1 && newReplicas > currentReplicas) || (newRatio > 1 && newReplicas < currentReplicas)) {
    return { replicas: currentReplicas, utilisationPercent: utilisation, usageRatio, reason: 'held-after-recompute' };
  }
  return { replicas: newReplicas, utilisationPercent: utilisation, usageRatio, reason: 'recomputed' };
}
