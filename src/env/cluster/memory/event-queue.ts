/**
 * The timed events of the memory cluster, over preallocated typed arrays, so pushing and
 * popping allocates nothing and boxes no number (the arrays double when full, which is rare
 * and amortised). Events pop in time order; ties on time are broken by insertion order (a
 * global sequence number), so event processing is deterministic.
 *
 * Two kinds of store hold the events, merged on (time, sequence):
 *  - a binary min-heap, for events queued at arbitrary times;
 *  - FIFO lanes (ring buffers), for events queued with a fixed delay (`pushLane`): with the
 *    clock never going back, such events arrive in time order, so a lane pushes and pops in
 *    O(1). An event that would break a lane's order goes to the heap instead.
 * Each entry is a (time, seq) pair in a Float64Array and a (pod << 2 | kind, gen) pair in an
 * Int32Array, interleaved.
 */
export class EventQueue {
  /** Heap: [time, seq] per entry. */
  private ts: Float64Array;
  /** Heap: [pod << 2 | kind, gen] per entry. */
  private pg: Int32Array;
  private n = 0;
  private nextSeq = 0;
  // Lanes: ring buffers with the same layout, one per lane.
  private lts: Float64Array[] = [];
  private lpg: Int32Array[] = [];
  private lHead: Int32Array = new Int32Array(0);
  private lSize: Int32Array = new Int32Array(0);
  private lLast: Float64Array = new Float64Array(0);
  private laneTotal = 0;
  /** Where the earliest event is: -1 the heap, k lane k; with its time and index. */
  private src = -1;
  private topT = Infinity;
  private topI = 0;
  /**
   * The time of the event `pushAt`/`pushLaneAt` queue: set it, then call. The memory backend
   * passes times this way, not as arguments: V8 boxes a double argument of a call it does not
   * inline (an allocation per event).
   */
  readonly at = new Float64Array(1);

  constructor(capacity = 256, lanes = 0) {
    this.ts = new Float64Array(capacity * 2);
    this.pg = new Int32Array(capacity * 2);
    this.setLanes(lanes);
  }

  /** Number of FIFO lanes (setup time; drops every queued event). */
  setLanes(lanes: number): void {
    this.lts = [];
    this.lpg = [];
    for (let k = 0; k < lanes; k++) {
      this.lts.push(new Float64Array(64 * 2));
      this.lpg.push(new Int32Array(64 * 2));
    }
    this.lHead = new Int32Array(lanes);
    this.lSize = new Int32Array(lanes);
    this.lLast = new Float64Array(lanes).fill(-Infinity);
    this.clear();
  }

  /** Number of queued events. */
  get size(): number {
    return this.n + this.laneTotal;
  }

  /** Drop every event. */
  clear(): void {
    this.n = 0;
    this.nextSeq = 0;
    this.lHead.fill(0);
    this.lSize.fill(0);
    this.lLast.fill(-Infinity);
    this.laneTotal = 0;
    this.src = -1;
    this.topT = Infinity;
    this.topI = 0;
  }

  /** Time of the earliest event (Infinity when empty). */
  peekTime(): number {
    return this.topT;
  }

  /** Kind, pod and generation of the earliest event (valid until the next push or pop). */
  get topKind(): number {
    return (this.src < 0 ? this.pg[0]! : this.lpg[this.src]![2 * this.topI]!) & 3;
  }
  get topPod(): number {
    return (this.src < 0 ? this.pg[0]! : this.lpg[this.src]![2 * this.topI]!) >> 2;
  }
  get topGen(): number {
    return (this.src < 0 ? this.pg[1]! : this.lpg[this.src]![2 * this.topI + 1]!) >>> 0;
  }

  /** Queue an event (kind 0..3). */
  push(time: number, kind: number, pod: number, gen: number): void {
    this.at[0] = time;
    this.pushAt(kind, pod, gen);
  }

  /** Queue an event (kind 0..3) at time `at[0]`. */
  pushAt(kind: number, pod: number, gen: number): void {
    const time = this.at[0]!;
    const s = this.nextSeq++;
    this.heapPush(s, (pod << 2) | kind, gen | 0);
    if (time < this.topT) {
      this.src = -1;
      this.topT = time;
    }
  }

  /**
   * Queue an event on FIFO lane `lane`: for events whose times arrive in nondecreasing order
   * (a fixed delay after a clock that never goes back). Same order as `push`.
   */
  pushLane(lane: number, time: number, kind: number, pod: number, gen: number): void {
    this.at[0] = time;
    this.pushLaneAt(lane, kind, pod, gen);
  }

  /** `pushLane` at time `at[0]`. */
  pushLaneAt(lane: number, kind: number, pod: number, gen: number): void {
    const time = this.at[0]!;
    const s = this.nextSeq++;
    const pk = (pod << 2) | kind;
    if (time < this.lLast[lane]!) {
      // Out of order for the lane (not expected): the heap keeps the order right.
      this.heapPush(s, pk, gen | 0);
    } else {
      this.lLast[lane] = time;
      let size = this.lSize[lane]!;
      let ts = this.lts[lane]!;
      if (2 * size === ts.length) {
        this.growLane(lane);
        ts = this.lts[lane]!;
      }
      const cap = ts.length >> 1;
      let j = this.lHead[lane]! + size;
      if (j >= cap) j -= cap;
      ts[2 * j] = time;
      ts[2 * j + 1] = s;
      const pg = this.lpg[lane]!;
      pg[2 * j] = pk;
      pg[2 * j + 1] = gen | 0;
      this.lSize[lane] = ++size;
      this.laneTotal++;
    }
    // A later sequence number never wins a tie, so only a strictly earlier time moves the top.
    if (time < this.topT) this.findTop();
  }

  /** Remove the earliest event (read it first with peekTime/top*). */
  pop(): void {
    const src = this.src;
    if (src < 0) {
      if (this.n === 0) return;
      this.heapPop();
    } else {
      const cap = this.lts[src]!.length >> 1;
      let h = this.lHead[src]! + 1;
      if (h === cap) h = 0;
      this.lHead[src] = h;
      this.lSize[src]! -= 1;
      this.laneTotal--;
    }
    this.findTop();
  }

  /** Recompute which store holds the earliest event. */
  private findTop(): void {
    let src = -1;
    let t = Infinity;
    let s = Infinity;
    let idx = 0;
    if (this.n > 0) {
      t = this.ts[0]!;
      s = this.ts[1]!;
    }
    if (this.laneTotal > 0) {
      const lSize = this.lSize;
      for (let k = 0; k < lSize.length; k++) {
        if (lSize[k] === 0) continue;
        const h = this.lHead[k]!;
        const ts = this.lts[k]!;
        const lt = ts[2 * h]!;
        if (lt < t || (lt === t && ts[2 * h + 1]! < s)) {
          src = k;
          t = lt;
          s = ts[2 * h + 1]!;
          idx = h;
        }
      }
    }
    this.src = src;
    this.topT = t;
    this.topI = idx;
  }

  /** Push (at[0], s) with (pk, g) onto the heap. */
  private heapPush(s: number, pk: number, g: number): void {
    const time = this.at[0]!;
    if (2 * this.n === this.ts.length) this.grow();
    const ts = this.ts;
    const pg = this.pg;
    let i = this.n++;
    // Sift up with a hole, moving parents down.
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = ts[2 * p]!;
      if (pt < time || (pt === time && ts[2 * p + 1]! < s)) break;
      ts[2 * i] = pt;
      ts[2 * i + 1] = ts[2 * p + 1]!;
      pg[2 * i] = pg[2 * p]!;
      pg[2 * i + 1] = pg[2 * p + 1]!;
      i = p;
    }
    ts[2 * i] = time;
    ts[2 * i + 1] = s;
    pg[2 * i] = pk;
    pg[2 * i + 1] = g;
  }

  private heapPop(): void {
    const n = --this.n;
    if (n === 0) return;
    const ts = this.ts;
    const pg = this.pg;
    const t = ts[2 * n]!;
    const s = ts[2 * n + 1]!;
    const pk = pg[2 * n]!;
    const g = pg[2 * n + 1]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      let ct = ts[2 * l]!;
      let cs = ts[2 * l + 1]!;
      if (r < n) {
        const rt = ts[2 * r]!;
        if (rt < ct || (rt === ct && ts[2 * r + 1]! < cs)) {
          c = r;
          ct = rt;
          cs = ts[2 * r + 1]!;
        }
      }
      if (t < ct || (t === ct && s < cs)) break;
      ts[2 * i] = ct;
      ts[2 * i + 1] = cs;
      pg[2 * i] = pg[2 * c]!;
      pg[2 * i + 1] = pg[2 * c + 1]!;
      i = c;
    }
    ts[2 * i] = t;
    ts[2 * i + 1] = s;
    pg[2 * i] = pk;
    pg[2 * i + 1] = g;
  }

  private grow(): void {
    const t = new Float64Array(this.ts.length * 2);
    t.set(this.ts);
    this.ts = t;
    const p = new Int32Array(this.pg.length * 2);
    p.set(this.pg);
    this.pg = p;
  }

  /** Double lane `k`'s ring, unwrapping it so the head is at 0. */
  private growLane(k: number): void {
    const ts = this.lts[k]!;
    const pg = this.lpg[k]!;
    const cap = ts.length >> 1;
    const size = this.lSize[k]!;
    const h = this.lHead[k]!;
    const nts = new Float64Array(ts.length * 2);
    const npg = new Int32Array(pg.length * 2);
    for (let i = 0; i < size; i++) {
      let j = h + i;
      if (j >= cap) j -= cap;
      nts[2 * i] = ts[2 * j]!;
      nts[2 * i + 1] = ts[2 * j + 1]!;
      npg[2 * i] = pg[2 * j]!;
      npg[2 * i + 1] = pg[2 * j + 1]!;
    }
    this.lts[k] = nts;
    this.lpg[k] = npg;
    this.lHead[k] = 0;
    if (this.src === k) this.topI = 0;
  }
}
