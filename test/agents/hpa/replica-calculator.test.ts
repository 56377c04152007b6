import { describe, expect, it } from 'vitest';
import { aggregatePods, calculateReplicas, utilisationPercent, withinTolerance, type PodSample } from '../../../src/agents/hpa/replica-calculator.js';

/** n ready pods each using `usageMilli` of a `requestMilli` CPU request. */
function ready(n: number, usageMilli: number, requestMilli = 1000): PodSample[] {
  return Array.from({ length: n }, () => ({ state: 'ready' as const, usage: usageMilli, request: requestMilli }));
}
function unready(n: number, requestMilli = 1000): PodSample[] {
  return Array.from({ length: n }, () => ({ state: 'unready' as const, request: requestMilli }));
}
function missing(n: number, requestMilli = 1000): PodSample[] {
  return Array.from({ length: n }, () => ({ state: 'ready' as const, request: requestMilli }));
}

describe('HPA replica calculator (Kubernetes docs: algorithm details)', () => {
  // Docs: "if the current metric value is 200m, and the desired value is 100m, the number of
  // replicas will be doubled, since 200.0 / 100.0 == 2.0". A 100m target is 50% of a 200m request.
  it('doubles the replicas when the metric is twice the target', () => {
    const r = calculateReplicas(3, 50, 0.1, aggregatePods(ready(3, 200, 200)));
    expect(r.utilisationPercent).toBe(100);
    expect(r.usageRatio).toBe(2);
    expect(r.replicas).toBe(6);
  });

  // Docs: "If the current value is instead 50m, you'll halve the number of replicas".
  it('halves the replicas when the metric is half the target', () => {
    const r = calculateReplicas(4, 50, 0.1, aggregatePods(ready(4, 50, 200)));
    expect(r.usageRatio).toBe(0.5);
    expect(r.replicas).toBe(2);
  });

  it('rounds up: desired = ceil(current * ratio)', () => {
    // 3 pods at 70% against 50%: 3 * 1.4 = 4.2 -> 5
    expect(calculateReplicas(3, 50, 0.1, aggregatePods(ready(3, 700))).replicas).toBe(5);
  });

  // Docs: "the control plane skips any scaling action if the ratio is sufficiently close to 1.0
  // (within a globally-configurable tolerance, 0.1 by default)".
  it('skips scaling within the 10% tolerance band, scales just outside it', () => {
    expect(calculateReplicas(10, 50, 0.1, aggregatePods(ready(10, 540))).reason).toBe('within-tolerance'); // 1.08
    expect(calculateReplicas(10, 50, 0.1, aggregatePods(ready(10, 540))).replicas).toBe(10);
    expect(calculateReplicas(10, 50, 0.1, aggregatePods(ready(10, 460))).replicas).toBe(10); // 0.92
    expect(calculateReplicas(10, 50, 0.1, aggregatePods(ready(10, 560))).replicas).toBe(12); // 1.12 -> 11.2 -> 12
    expect(calculateReplicas(10, 50, 0.1, aggregatePods(ready(10, 440))).replicas).toBe(9); // 0.88 -> 8.8 -> 9
  });

  it('honours per-direction tolerances (KEP-4951)', () => {
    expect(withinTolerance(1.05, { up: 0, down: 0.1 })).toBe(false);
    expect(withinTolerance(0.95, { up: 0, down: 0.1 })).toBe(true);
    expect(calculateReplicas(10, 50, { up: 0, down: 0.1 }, aggregatePods(ready(10, 530))).replicas).toBe(11);
  });

  it('reports utilisation as truncated integer percent of the summed requests', () => {
    expect(utilisationPercent(299, 1000)).toBe(29);
    expect(utilisationPercent(0.29 * 100, 100)).toBe(29);
    // mixed requests: (100 + 300) / (200 + 600) = 50%
    const m = aggregatePods([
      { state: 'ready', usage: 100, request: 200 },
      { state: 'ready', usage: 300, request: 600 },
    ]);
    expect(calculateReplicas(2, 50, 0.1, m).utilisationPercent).toBe(50);
  });

  // Docs: "pods with a deletion timestamp set (objects in the process of being deleted or
  // removed) are ignored, and failed pods are discarded."
  it('ignores pods being deleted or failed', () => {
    const pods: PodSample[] = [...ready(2, 1000), { state: 'ignored', usage: 0, request: 1000 }, { state: 'ignored', request: 1000 }];
    // only the two busy pods count: 100% vs 50% -> 4
    expect(calculateReplicas(4, 50, 0.1, aggregatePods(pods)).replicas).toBe(4);
    expect(calculateReplicas(2, 50, 0.1, aggregatePods(pods)).replicas).toBe(4);
  });

  // Docs: "If there were any missing metrics, the control plane recomputes the average more
  // conservatively, assuming those pods were consuming 100% of the desired value in case of a
  // scale down, and 0% in case of a scale up." (The controller uses 100% of the request.)
  it('treats missing metrics as 100% of request on a scale-down', () => {
    const m = aggregatePods([...ready(3, 100), ...missing(1)]);
    // naive: 10% vs 50% -> ceil(0.2 * 3) = 1; conservative: (300 + 1000) / 4000 = 32% -> ceil(0.64 * 4) = 3
    const r = calculateReplicas(4, 50, 0.1, m);
    expect(r.reason).toBe('recomputed');
    expect(r.replicas).toBe(3);
  });

  it('treats missing metrics as 0% on a scale-up, and holds when that flips the direction', () => {
    // 2 ready at 90% vs 50% says 1.8x up; with 2 missing pods at 0%: 45% -> 0.9: hold
    const r = calculateReplicas(4, 50, 0.1, aggregatePods([...ready(2, 900), ...missing(2)]));
    expect(r.usageRatio).toBe(1.8);
    expect(r.reason).toBe('held-after-recompute');
    expect(r.replicas).toBe(4);
  });

  // Docs: "if any not-yet-ready pods were present, and the workload would have scaled up
  // without factoring in missing metrics or not-yet-ready pods, the controller conservatively
  // assumes that the not-yet-ready pods are consuming 0% of the desired metric".
  it('counts not-yet-ready pods as 0% on a scale-up', () => {
    // 2 ready at 100% vs 90% target: ratio 1.11 would give ceil(2.22) = 3 < 4 current pods;
    // with the 2 starting pods at 0%: 50% vs 90% flips the direction -> hold 4.
    const r = calculateReplicas(4, 90, 0.1, aggregatePods([...ready(2, 1000), ...unready(2)]));
    expect(r.replicas).toBe(4);
    // scale-up that survives the recompute: 4 ready at 100% + 2 starting, target 50%: 400/600 = 66% -> 1.32 -> ceil(7.92) = 8
    const up = calculateReplicas(6, 50, 0.1, aggregatePods([...ready(4, 1000), ...unready(2)]));
    expect(up.reason).toBe('recomputed');
    expect(up.replicas).toBe(8);
  });

  it('sets unready pods aside on a scale-down', () => {
    // 2 ready at 20% vs 50%: ceil(0.4 * 2) = 1; the 2 starting pods are not counted
    expect(calculateReplicas(4, 50, 0.1, aggregatePods([...ready(2, 200), ...unready(2)])).replicas).toBe(1);
  });

  it('does not scale when no pod reports metrics', () => {
    const r = calculateReplicas(3, 50, 0.1, aggregatePods(unready(3)));
    expect(r.reason).toBe('no-metrics');
    expect(r.replicas).toBe(3);
  });
});
