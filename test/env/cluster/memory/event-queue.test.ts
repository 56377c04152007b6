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
});
