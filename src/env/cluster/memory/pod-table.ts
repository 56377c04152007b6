/**
 * Pod records of the memory cluster, pooled in typed arrays (no object per pod, nothing
 * allocated per step). Each live pod sits in its workload's list for its phase (oldest first),
 * and a pending pod also in the cluster-wide pending queue (FIFO, the scheduler's order).
 * A pod's `gen` changes whenever it leaves a phase, so queued events about it go stale.
 * Terminating pods are only counted, not listed (nothing walks them; their node is on the pod).
 */

export const PHASE_FREE = 0;
export const PHASE_PENDING = 1;
export const PHASE_STARTING = 2;
export const PHASE_READY = 3;
export const PHASE_TERMINATING = 4;
/** Phases per workload list block. */
export const PHASES = 5;

export class PodTable {
  phase: Uint8Array;
  slot: Int32Array;
  tpl: Int32Array;
  node: Int32Array;
  gen: Uint32Array;
  /** Run time after Ready for pods that finish (Jobs, bare pods), Infinity otherwise. */
  lifetime: Float64Array;
  private next: Int32Array;
  private prev: Int32Array;
  private qNext: Int32Array;
  private qPrev: Int32Array;
  private free: Int32Array;
  private freeTop = 0;
  /** Per (slot, phase): list head, tail and count. */
  head: Int32Array;
  tail: Int32Array;
  count: Int32Array;
  qHead = -1;
  qTail = -1;
  /** Pods in the pending queue. */
  queued = 0;

  constructor(
    private readonly slots: number,
    capacity = 64,
  ) {
    this.phase = new Uint8Array(capacity);
    this.slot = new Int32Array(capacity);
    this.tpl = new Int32Array(capacity);
    this.node = new Int32Array(capacity);
    this.gen = new Uint32Array(capacity);
    this.lifetime = new Float64Array(capacity);
    this.next = new Int32Array(capacity);
    this.prev = new Int32Array(capacity);
    this.qNext = new Int32Array(capacity);
    this.qPrev = new Int32Array(capacity);
    this.free = new Int32Array(capacity);
    this.head = new Int32Array(slots * PHASES).fill(-1);
    this.tail = new Int32Array(slots * PHASES).fill(-1);
    this.count = new Int32Array(slots * PHASES);
    this.resetAll();
  }

  /** Free every pod (episode reset); keeps the arrays. */
  resetAll(): void {
    const cap = this.phase.length;
    this.phase.fill(PHASE_FREE);
    this.freeTop = 0;
    for (let i = cap - 1; i >= 0; i--) this.free[this.freeTop++] = i;
    this.head.fill(-1);
    this.tail.fill(-1);
    this.count.fill(0);
    this.qHead = -1;
    this.qTail = -1;
    this.queued = 0;
  }

  /** Count of pods of `slot` in `phase`. */
  countOf(slot: number, phase: number): number {
    return this.count[slot * PHASES + phase]!;
  }

  /** A new pod of `slot` with template `tpl`, in phase Pending (queued for scheduling). */
  alloc(slot: number, tpl: number, lifetime: number): number {
    if (this.freeTop === 0) this.grow();
    const p = this.free[--this.freeTop]!;
    this.slot[p] = slot;
    this.tpl[p] = tpl;
    this.node[p] = -1;
    this.lifetime[p] = lifetime;
    this.gen[p] = (this.gen[p]! + 1) >>> 0;
    this.phase[p] = PHASE_PENDING;
    this.link(p);
    this.enqueue(p);
    return p;
  }

  /**
   * A new pod of `slot` with template `tpl` bound to `node` at once, straight into `phase`
   * (Starting or Ready): what `alloc` then `setPhase` do, without the pending queue round trip.
   */
  allocBound(slot: number, tpl: number, lifetime: number, node: number, phase: number): number {
    if (this.freeTop === 0) this.grow();
    const p = this.free[--this.freeTop]!;
    this.slot[p] = slot;
    this.tpl[p] = tpl;
    this.node[p] = node;
    this.lifetime[p] = lifetime;
    this.gen[p] = (this.gen[p]! + 1) >>> 0;
    this.phase[p] = phase;
    this.link(p);
    return p;
  }

  /** Move pod `p` to `phase` (leaving the pending queue if it was pending). */
  setPhase(p: number, phase: number): void {
    if (this.phase[p] === PHASE_PENDING) this.dequeue(p);
    this.unlink(p);
    this.phase[p] = phase;
    this.gen[p] = (this.gen[p]! + 1) >>> 0;
    this.link(p);
  }

  /** Return pod `p` to the pool. */
  release(p: number): void {
    if (this.phase[p] === PHASE_PENDING) this.dequeue(p);
    this.unlink(p);
    this.phase[p] = PHASE_FREE;
    this.gen[p] = (this.gen[p]! + 1) >>> 0;
    this.free[this.freeTop++] = p;
  }

  /** Next pod in the pending queue after `p` (-1 at the end). */
  queueNext(p: number): number {
    return this.qNext[p]!;
  }

  /** Newest pod of `slot` in `phase` (-1 if none; Terminating pods are not listed). */
  newest(slot: number, phase: number): number {
    return this.tail[slot * PHASES + phase]!;
  }

  /** Oldest pod of `slot` in `phase` (-1 if none; Terminating pods are not listed). */
  oldest(slot: number, phase: number): number {
    return this.head[slot * PHASES + phase]!;
  }

  /** The pod before `p` in its workload-phase list (-1 at the head). */
  before(p: number): number {
    return this.prev[p]!;
  }

  /** The pod after `p` in its workload-phase list (-1 at the end). */
  after(p: number): number {
    return this.next[p]!;
  }

  /** Highest pod number ever used + 1 (for scans outside the hot path). */
  get capacity(): number {
    return this.phase.length;
  }

  private link(p: number): void {
    const k = this.slot[p]! * PHASES + this.phase[p]!;
    if (this.phase[p] === PHASE_TERMINATING) {
      this.count[k]! += 1;
      return;
    }
    const t = this.tail[k]!;
    this.prev[p] = t;
    this.next[p] = -1;
    if (t >= 0) this.next[t] = p;
    else this.head[k] = p;
    this.tail[k] = p;
    this.count[k]! += 1;
  }

  private unlink(p: number): void {
    const k = this.slot[p]! * PHASES + this.phase[p]!;
    if (this.phase[p] === PHASE_TERMINATING) {
      this.count[k]! -= 1;
      return;
    }
    const a = this.prev[p]!;
    const b = this.next[p]!;
    if (a >= 0) this.next[a] = b;
    else this.head[k] = b;
    if (b >= 0) this.prev[b] = a;
    else this.tail[k] = a;
    this.count[k]! -= 1;
  }

  private enqueue(p: number): void {
    this.qPrev[p] = this.qTail;
    this.qNext[p] = -1;
    if (this.qTail >= 0) this.qNext[this.qTail] = p;
    else this.qHead = p;
    this.qTail = p;
    this.queued++;
  }

  private dequeue(p: number): void {
    const a = this.qPrev[p]!;
    const b = this.qNext[p]!;
    if (a >= 0) this.qNext[a] = b;
    else this.qHead = b;
    if (b >= 0) this.qPrev[b] = a;
    else this.qTail = a;
    this.queued--;
  }

  private grow(): void {
    const old = this.phase.length;
    const cap = old * 2;
    const g8 = (a: Uint8Array): Uint8Array => {
      const b = new Uint8Array(cap);
      b.set(a);
      return b;
    };
    const g32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    const gu = (a: Uint32Array): Uint32Array => {
      const b = new Uint32Array(cap);
      b.set(a);
      return b;
    };
    const gf = (a: Float64Array): Float64Array => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.phase = g8(this.phase);
    this.slot = g32(this.slot);
    this.tpl = g32(this.tpl);
    this.node = g32(this.node);
    this.gen = gu(this.gen);
    this.lifetime = gf(this.lifetime);
    this.next = g32(this.next);
    this.prev = g32(this.prev);
    this.qNext = g32(this.qNext);
    this.qPrev = g32(this.qPrev);
    const free = new Int32Array(cap);
    free.set(this.free.subarray(0, this.freeTop));
    this.free = free;
    for (let i = cap - 1; i >= old; i--) this.free[this.freeTop++] = i;
  }

  /** Slots this table was sized for. */
  get slotCount(): number {
    return this.slots;
  }
}
