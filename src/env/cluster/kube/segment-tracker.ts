import type { SegmentSink } from '../backend.js';

/**
 * Turns the changes a real cluster reports (ready count from the pod watch, desired count
 * from the agent's scale calls), each stamped with the simulated time it happened at, into
 * the constant-state segments the env integrates its service model over: the same
 * `onSegment` stream the memory backend produces, so demand and reward are computed by the
 * same code for both backends.
 */
export class SegmentTracker {
  private t = 0;
  private ready = 0;
  private held = 0;
  private desired = 0;
  private unscheduled = 0;
  private pending: Array<{ t: number; seq: number; ready?: number; held?: number; unscheduled?: number; desired?: number }> = [];
  private seq = 0;

  /** Start over at `timeS` with the given state (episode start). */
  reset(timeS: number, ready: number, desired: number, held = ready, unscheduled = 0): void {
    this.t = timeS;
    this.ready = ready;
    this.held = held;
    this.unscheduled = unscheduled;
    this.desired = desired;
    this.pending = [];
  }

  /** The time up to which segments have been emitted. */
  get timeS(): number {
    return this.t;
  }

  /** The ready count at the last emitted time plus every change recorded since (the latest known). */
  get latestReady(): number {
    for (let i = this.pending.length - 1; i >= 0; i--) if (this.pending[i]!.ready !== undefined) return this.pending[i]!.ready!;
    return this.ready;
  }

  /**
   * Record that the ready count became `ready` (the pods holding CPU `held`, the unscheduled
   * ones `unscheduled`) at `timeS`; a time before the last flush counts as that flush's end.
   */
  recordReady(timeS: number, ready: number, held = ready, unscheduled?: number): void {
    this.pending.push({ t: timeS, seq: this.seq++, ready, held, ...(unscheduled !== undefined ? { unscheduled } : {}) });
  }

  /** Record that the desired count became `desired` at `timeS`. */
  recordDesired(timeS: number, desired: number): void {
    this.pending.push({ t: timeS, seq: this.seq++, desired });
  }

  /**
   * Emit segments covering [last flush, untilS): one per interval of constant (ready,
   * desired, held), zero-length intervals dropped. Changes stamped after `untilS` stay pending.
   */
  flush(untilS: number, sink: SegmentSink | undefined): void {
    if (untilS < this.t) return;
    this.pending.sort((a, b) => a.t - b.t || a.seq - b.seq);
    let i = 0;
    let start = this.t;
    while (i < this.pending.length && this.pending[i]!.t <= untilS) {
      const c = this.pending[i]!;
      const ready = c.ready ?? this.ready;
      const held = c.held ?? this.held;
      const unscheduled = c.unscheduled ?? this.unscheduled;
      const desired = c.desired ?? this.desired;
      i++;
      // A change back to the same state (or a repeated report) does not split the segment.
      if (ready === this.ready && held === this.held && desired === this.desired && unscheduled === this.unscheduled) continue;
      const at = Math.max(c.t, start);
      if (at > start) {
        sink?.(start, at, this.ready, this.desired, this.held, this.unscheduled);
        start = at;
      }
      this.ready = ready;
      this.held = held;
      this.unscheduled = unscheduled;
      this.desired = desired;
    }
    this.pending.splice(0, i);
    if (untilS > start) sink?.(start, untilS, this.ready, this.desired, this.held, this.unscheduled);
    this.t = untilS;
  }
}
