import { describe, expect, it } from 'vitest';
import { reconcile, rolloutStep, startRollout, type ControllerHost } from '../../../../src/env/cluster/memory/controllers.js';
import { PHASE_PENDING, PHASE_READY, PHASE_STARTING, PHASE_TERMINATING, PodTable } from '../../../../src/env/cluster/memory/pod-table.js';
import { KIND_DEPLOYMENT, KIND_JOB, KIND_STATEFULSET } from '../../../../src/env/cluster/memory/trace-script.js';
import { WorkloadTable } from '../../../../src/env/cluster/memory/workload-table.js';

/**
 * The controllers over a real pod table, with a host that binds every new pod at once
 * (Starting) and terminates deleted ones: what they decide, without the event loop.
 */
function hostOf(kind: number, lifetimes: number[] = []): ControllerHost & { created: number; changes: number } {
  const workloads = new WorkloadTable([{ key: 'default/w', kind, lifetimes }]);
  const pods = new PodTable(1, 8);
  const host = {
    pods,
    workloads,
    created: 0,
    changes: 0,
    createPod(slot: number, instant: boolean): void {
      host.created++;
      pods.allocBound(slot, workloads.tplOf[slot]!, workloads.takeLifetime(slot), 0, instant ? PHASE_READY : PHASE_STARTING);
    },
    deletePod(p: number): void {
      if (pods.phase[p] === PHASE_PENDING) pods.release(p);
      else pods.setPhase(p, PHASE_TERMINATING);
    },
    beforeChange(): void {
      host.changes++;
    },
  };
  workloads.alive[0] = 1;
  return host;
}

const count = (h: ControllerHost, phase: number): number => h.pods.countOf(0, phase);

describe('memory controllers', () => {
  it('a ReplicaSet converges at once and shrinks newest-first, not-ready pods before ready ones', () => {
    const h = hostOf(KIND_DEPLOYMENT);
    h.workloads.desired[0] = 3;
    reconcile(h, 0, true);
    expect(count(h, PHASE_READY)).toBe(3);
    h.workloads.desired[0] = 5;
    reconcile(h, 0, false);
    expect(count(h, PHASE_STARTING)).toBe(2);
    h.workloads.desired[0] = 2;
    reconcile(h, 0, false);
    // 3 excess: both starting pods first, then the newest ready one.
    expect([count(h, PHASE_STARTING), count(h, PHASE_READY), count(h, PHASE_TERMINATING)]).toEqual([0, 2, 3]);
    expect(h.changes).toBeGreaterThan(0);
  });

  it('a StatefulSet adds and removes one pod at a time (OrderedReady)', () => {
    const h = hostOf(KIND_STATEFULSET);
    h.workloads.desired[0] = 3;
    reconcile(h, 0, false);
    reconcile(h, 0, false);
    expect(count(h, PHASE_STARTING)).toBe(1); // the next ordinal waits for this one to be Ready
    h.pods.setPhase(h.pods.oldest(0, PHASE_STARTING), PHASE_READY);
    reconcile(h, 0, false);
    expect([count(h, PHASE_READY), count(h, PHASE_STARTING)]).toEqual([1, 1]);
  });

  it('a Job runs as many pods as it recorded lifecycles, parallelism at a time, and never kills to shrink', () => {
    const h = hostOf(KIND_JOB, [10, 20, 30]);
    h.workloads.desired[0] = 2; // parallelism
    reconcile(h, 0, false);
    expect(h.created).toBe(2);
    expect(h.workloads.nextLifecycle[0]).toBe(2);
    h.workloads.succeeded[0] = 2;
    const done = h.pods.oldest(0, PHASE_STARTING);
    h.pods.release(done);
    h.pods.release(h.pods.oldest(0, PHASE_STARTING));
    reconcile(h, 0, false);
    expect(h.created).toBe(3); // one recorded lifecycle left
    h.workloads.desired[0] = 0;
    reconcile(h, 0, false);
    expect(count(h, PHASE_STARTING)).toBe(1);
  });

  it('a rolling update keeps desired - maxUnavailable ready and surges by 25% rounded up', () => {
    const h = hostOf(KIND_DEPLOYMENT);
    h.workloads.desired[0] = 4;
    reconcile(h, 0, true);
    startRollout(h, 0, 1);
    expect(h.workloads.rolling[0]).toBe(1);
    expect(rolloutStep(h, 0)).toBe(true);
    // maxUnavailable floor(1) = 1 old ready pod goes, maxSurge ceil(1) = 1: 2 new pods start.
    expect(count(h, PHASE_TERMINATING)).toBe(1);
    expect(count(h, PHASE_READY)).toBe(3);
    expect(count(h, PHASE_STARTING)).toBe(2);
    // Once no old pod is left, the rollout hands back to the plain controller.
    for (let p = h.pods.oldest(0, PHASE_READY); p >= 0; p = h.pods.oldest(0, PHASE_READY)) h.pods.setPhase(p, PHASE_TERMINATING);
    for (let p = h.pods.oldest(0, PHASE_STARTING); p >= 0; p = h.pods.oldest(0, PHASE_STARTING)) h.pods.setPhase(p, PHASE_READY);
    expect(rolloutStep(h, 0)).toBe(false);
    expect(h.workloads.rolling[0]).toBe(0);
  });
});
