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
