import { describe, expect, it } from 'vitest';
import { SegmentTracker } from '../../../../src/env/cluster/kube/segment-tracker.js';

type Seg = [number, number, number, number, number | undefined];

function collect(t: SegmentTracker, until: number): Seg[] {
  const out: Seg[] = [];
  t.flush(until, (a, b, r, d, h) => out.push([a, b, r, d, h]));
  return out;
}

describe('SegmentTracker', () => {
  it('emits one segment per constant state, covering the whole advance', () => {
    const t = new SegmentTracker();
    t.reset(100, 2, 2);
    t.recordDesired(100, 4);
    t.recordReady(103, 3, 4);
    t.recordReady(105.5, 4, 4);
    const segs = collect(t, 115);
    expect(segs).toEqual([
      [100, 103, 2, 4, 2],
      [103, 105.5, 3, 4, 4],
      [105.5, 115, 4, 4, 4],
    ]);
    const total = segs.reduce((s, [a, b]) => s + (b - a), 0);
    expect(total).toBe(15);
  });

  it('keeps changes stamped after the flush time for the next flush', () => {
    const t = new SegmentTracker();
    t.reset(0, 1, 1);
    t.recordReady(20, 2);
    expect(collect(t, 15)).toEqual([[0, 15, 1, 1, 1]]);
    expect(t.latestReady).toBe(2);
    expect(collect(t, 30)).toEqual([
      [15, 20, 1, 1, 1],
      [20, 30, 2, 1, 2],
    ]);
  });

  it('applies late changes (stamped before the last flush) at the start of the next segment, in order', () => {
    const t = new SegmentTracker();
    t.reset(0, 1, 1);
    collect(t, 15);
    t.recordReady(14, 3);
    t.recordReady(16, 2);
    expect(collect(t, 30)).toEqual([
      [15, 16, 3, 1, 3],
      [16, 30, 2, 1, 2],
    ]);
  });

  it('orders changes by time and, at equal times, by arrival; drops zero-length segments', () => {
    const t = new SegmentTracker();
    t.reset(0, 0, 0);
    t.recordReady(5, 1);
    t.recordDesired(5, 3);
    t.recordReady(5, 2);
    t.recordReady(2, 0);
    expect(collect(t, 10)).toEqual([
      [0, 5, 0, 0, 0],
      [5, 10, 2, 3, 2],
    ]);
    expect(collect(t, 10)).toEqual([]);
  });
});

describe('SegmentTracker merging', () => {
  it('does not split a segment on a change that leaves the state as it was', () => {
    const t = new SegmentTracker();
    t.reset(0, 2, 2);
    t.recordReady(3, 2);
    t.recordDesired(4, 2);
    t.recordReady(6, 1);
    t.recordReady(7, 2);
    expect(collect(t, 10)).toEqual([
      [0, 6, 2, 2, 2],
      [6, 7, 1, 2, 1],
      [7, 10, 2, 2, 2],
    ]);
  });
});

describe('SegmentTracker with several controlled deployments', () => {
  it('splits a segment wherever any deployment changes; readState gives each one\'s counts over the segment being emitted', () => {
    const t = new SegmentTracker(3);
    t.reset(0, 2, 2);
    t.resetSlot(1, 1, 1);
    t.resetSlot(2, 4, 4, 5);
    t.recordDesired(0, 3, 1);
    t.recordReady(4, 3, 3, 1);
    t.recordReady(6, 3, 3, 2);
    t.recordReady(6, 3, 4, 2); // same slot, same time: the later report wins, no zero-length segment
    t.recordReady(8, 3, 3, 0);
    const ready = new Int32Array(3);
    const held = new Int32Array(3);
    const out: Array<[number, number, number, number, number | undefined, number[], number[]]> = [];
    t.flush(10, (a, b, r, d, h) => {
      t.readState(ready, held);
      out.push([a, b, r, d, h, [...ready], [...held]]);
    });
    expect(out).toEqual([
      [0, 4, 2, 2, 2, [2, 1, 4], [2, 1, 5]],
      [4, 6, 2, 2, 2, [2, 3, 4], [2, 3, 5]],
      [6, 8, 2, 2, 2, [2, 3, 3], [2, 3, 4]],
      [8, 10, 3, 2, 3, [3, 3, 3], [3, 3, 4]],
    ]);
    // After the flush: the state at its end; deployment 0's latest ready ignores the others' changes.
    t.recordReady(12, 7, 7, 1);
    expect(t.latestReady).toBe(3);
    t.readState(ready, held);
    expect([...ready]).toEqual([3, 3, 3]);
  });

  it('a reset starts every deployment over', () => {
    const t = new SegmentTracker(2);
    t.reset(0, 1, 1);
    t.resetSlot(1, 5, 5);
    t.recordReady(1, 2, 2, 1);
    t.reset(20, 4, 4);
    const ready = new Int32Array(2);
    const held = new Int32Array(2);
    t.readState(ready, held);
    expect([...ready]).toEqual([4, 0]);
    expect(collect(t, 30)).toEqual([[20, 30, 4, 4, 4]]);
  });

  it('carries each deployment\'s unscheduled pods; the sink gets deployment 0\'s', () => {
    const t = new SegmentTracker(2);
    t.reset(0, 1, 3, 1, 2);
    t.resetSlot(1, 2, 2, 2, 0);
    t.recordReady(2, 1, 1, 1, 4); // deployment 1 gains pending pods: a split, sink still shows deployment 0
    t.recordReady(5, 2, 2, 0, 1); // deployment 0: one pod scheduled and ready
    t.recordReady(7, 2, 2, 0); // no unscheduled given: keeps the last known (1), no split
    const out: Array<[number, number, number, number, number | undefined, number | undefined]> = [];
    t.flush(10, (a, b, r, d, h, u) => out.push([a, b, r, d, h, u]));
    expect(out).toEqual([
      [0, 2, 1, 3, 1, 2],
      [2, 5, 1, 3, 1, 2],
      [5, 10, 2, 3, 2, 1],
    ]);
  });
});
