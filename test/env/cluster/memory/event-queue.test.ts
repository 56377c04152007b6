import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../../../src/env/cluster/memory/event-queue.js';
import { Rng } from '../../../../src/env/rng.js';

describe('EventQueue', () => {
  it('pops in time order, ties in insertion order, across growth', () => {
    const q = new EventQueue(2);
    const rng = new Rng(1);
    const pushed: Array<[number, number]> = [];
    for (let i = 0; i < 500; i++) {
      const t = rng.int(0, 50);
      q.push(t, 1, i, 0);
      pushed.push([t, i]);
    }
    const expected = [...pushed].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const got: Array<[number, number]> = [];
    while (q.size > 0) {
      got.push([q.peekTime(), q.topPod]);
      q.pop();
    }
    expect(got).toEqual(expected);
    expect(q.peekTime()).toBe(Infinity);
  });

  it('interleaves pushes and pops correctly', () => {
    const q = new EventQueue(4);
    q.push(5, 1, 1, 9);
    q.push(3, 2, 2, 8);
    expect([q.peekTime(), q.topKind, q.topPod, q.topGen]).toEqual([3, 2, 2, 8]);
    q.pop();
    q.push(4, 3, 3, 7);
    q.push(5, 3, 4, 7);
    const order: number[] = [];
    while (q.size > 0) {
      order.push(q.topPod);
      q.pop();
    }
    expect(order).toEqual([3, 1, 4]);
  });

  it('merges FIFO lanes with the heap in (time, insertion) order, across growth and fallbacks', () => {
    const q = new EventQueue(2, 2);
    const rng = new Rng(2);
    const pushed: Array<[number, number]> = [];
    let now = 0;
    let i = 0;
    const check: Array<[number, number]> = [];
    for (let round = 0; round < 300; round++) {
      for (let k = rng.int(0, 4); k > 0; k--, i++) {
        const r = rng.int(0, 2);
        // Lane 0: fixed delay 30; lane 1: fixed delay 5, sometimes out of order (heap fallback).
        const t = r === 0 ? now + rng.int(0, 40) : r === 1 ? now + 30 : now + 5 - (rng.int(0, 9) === 0 ? 2 : 0);
        if (r === 0) q.push(t, 1, i, i);
        else q.pushLane(r - 1, t, 2, i, i);
        pushed.push([t, i]);
      }
      for (let k = rng.int(0, 4); k > 0 && q.size > 0; k--) {
        now = q.peekTime();
        check.push([now, q.topPod]);
        expect(q.topGen).toBe(q.topPod);
        q.pop();
      }
    }
    while (q.size > 0) {
      check.push([q.peekTime(), q.topPod]);
      q.pop();
    }
    // Same order as a stable sort by time of what was queued, given pops only move time forward.
    const expected = [...pushed].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(check).toEqual(expected);
    expect(q.peekTime()).toBe(Infinity);
  });
});
