import type { SegmentSink } from '../backend.js';

/**
 * Turns the changes a real cluster reports (ready count from the pod watch, desired count
 * from the agent's scale calls), each stamped with the simulated time it happened at, into
 * the constant-state segments the env integrates its service model over: the same
 * `onSegment` stream the memory backend produces, so demand and reward are computed by the
 * same code for both backends.
 *
 * With several controlled deployments (`size` > 1) a segment is an interval over which none
 * of them changed; the sink's arguments describe deployment 0 and `readState` the others, as
 * they held over the segment being emitted (the ApplicationEnv's sink reads them then).
 */
export class SegmentTracker {
  private t = 0;
  private readonly ready: Int32Array;
  private readonly held: Int32Array;
  private readonly unscheduled: Int32Array;
  private readonly desired: Int32Array;
  private pending: Array<{ t: number; seq: number; index: number; ready?: number; held?: number; unscheduled?: number; desired?: number }> = [];
  private seq = 0;

  /** Track `size` controlled deployments (index 0 is the one the sink's arguments describe). */
  constructor(readonly size = 1) {
    this.ready = new Int32Array(size);
    this.held = new Int32Array(size);
    this.unscheduled = new Int32Array(size);
    this.desired = new Int32Array(size);
  }

  /** Start over at `timeS` with deployment 0's state (the others: zero until `resetSlot`). */
  reset(timeS: number, ready: number, desired: number, held = ready, unscheduled = 0): void {
    this.t = timeS;
    this.ready.fill(0);
    this.held.fill(0);
    this.unscheduled.fill(0);
    this.desired.fill(0);
    this.pending = [];
    this.resetSlot(0, ready, desired, held, unscheduled);
  }

  /** Set deployment `index`'s state at the episode start (after `reset`). */
  resetSlot(index: number, ready: number, desired: number, held = ready, unscheduled = 0): void {
    this.ready[index] = ready;
    this.held[index] = held;
    this.unscheduled[index] = unscheduled;
    this.desired[index] = desired;
  }

  /** The time up to which segments have been emitted. */
  get timeS(): number {
    return this.t;
  }

  /** Deployment 0's ready count at the last emitted time plus every change recorded since (the latest known). */
  get latestReady(): number {
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const c = this.pending[i]!;
      if (c.index === 0 && c.ready !== undefined) return c.ready;
    }
    return this.ready[0]!;
  }

  /**
   * Record that deployment `index`'s ready count became `ready` (its pods holding CPU `held`,
   * its unscheduled ones `unscheduled`) at `timeS`; a time before the last flush counts as
   * that flush's end.
   */
  recordReady(timeS: number, ready: number, held = ready, index = 0, unscheduled?: number): void {
    this.pending.push({ t: timeS, seq: this.seq++, index, ready, held, ...(unscheduled !== undefined ? { unscheduled } : {}) });
  }

  /** Record that deployment `index`'s desired count became `desired` at `timeS`. */
  recordDesired(timeS: number, desired: number, index = 0): void {
    this.pending.push({ t: timeS, seq: this.seq++, index, desired });
  }

  /** Copy each deployment's ready and held counts as of the segment being (or last) emitted. */
  readState(ready: Int32Array, held: Int32Array): void {
    ready.set(this.ready);
    held.set(this.held);
  }

  /**
   * Emit segments covering [last flush, untilS): one per interval of constant (ready,
   * desired, held) of every deployment, zero-length intervals dropped. Changes stamped after
   * `untilS` stay pending.
   */
  flush(untilS: number, sink: SegmentSink | undefined): void {
    if (untilS < this.t) return;
    this.pending.sort((a, b) => a.t - b.t || a.seq - b.seq);
    let i = 0;
    let start = this.t;
    while (i < this.pending.length && this.pending[i]!.t <= untilS) {
      const c = this.pending[i]!;
      const k = c.index;
      const ready = c.ready ?? this.ready[k]!;
      const held = c.held ?? this.held[k]!;
      const unscheduled = c.unscheduled ?? this.unscheduled[k]!;
      const desired = c.desired ?? this.desired[k]!;
      i++;
      // A change back to the same state (or a repeated report) does not split the segment.
      if (ready === this.ready[k] && held === this.held[k] && desired === this.desired[k] && unscheduled === this.unscheduled[k]) continue;
      const at = Math.max(c.t, start);
      if (at > start) {
        sink?.(start, at, this.ready[0]!, this.desired[0]!, this.held[0]!, this.unscheduled[0]!);
        start = at;
      }
      this.ready[k] = ready;
      this.held[k] = held;
      this.unscheduled[k] = unscheduled;
      this.desired[k] = desired;
    }
    this.pending.splice(0, i);
    if (untilS > start) sink?.(start, untilS, this.ready[0]!, this.desired[0]!, this.held[0]!, this.unscheduled[0]!);
    this.t = untilS;
  }
}
