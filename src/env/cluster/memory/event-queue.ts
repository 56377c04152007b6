/**
 * A binary min-heap of timed events over preallocated typed arrays, so pushing and popping
 * allocates nothing (the arrays double when full, which is rare and amortised). Ties on time
 * are broken by insertion order, so event processing is deterministic.
 */
export class EventQueue {
  private time: Float64Array;
  private seq: Float64Array;
  private kind: Uint8Array;
  private pod: Int32Array;
  private gen: Uint32Array;
  private n = 0;
  private nextSeq = 0;

  constructor(capacity = 256) {
    this.time = new Float64Array(capacity);
    this.seq = new Float64Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.pod = new Int32Array(capacity);
    this.gen = new Uint32Array(capacity);
  }

  /** Number of queued events. */
  get size(): number {
    return this.n;
  }

  /** Drop every event. */
  clear(): void {
    this.n = 0;
    this.nextSeq = 0;
  }

  /** Time of the earliest event (Infinity when empty). */
  peekTime(): number {
    return this.n > 0 ? this.time[0]! : Infinity;
  }

  /** Kind, pod and generation of the earliest event (valid until the next pop). */
  get topKind(): number {
    return this.kind[0]!;
  }
  get topPod(): number {
    return this.pod[0]!;
  }
  get topGen(): number {
    return this.gen[0]!;
  }

  /** Queue an event. */
  push(time: number, kind: number, pod: number, gen: number): void {
    if (this.n === this.time.length) this.grow();
    let i = this.n++;
    const s = this.nextSeq++;
    // Sift up with a hole, moving parents down.
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.time[p]! < time || (this.time[p] === time && this.seq[p]! < s)) break;
      this.move(p, i);
      i = p;
    }
    this.time[i] = time;
    this.seq[i] = s;
    this.kind[i] = kind;
    this.pod[i] = pod;
    this.gen[i] = gen;
  }

  /** Remove the earliest event (read it first with peekTime/top*). */
  pop(): void {
    const n = --this.n;
    if (n === 0) return;
    const t = this.time[n]!;
    const s = this.seq[n]!;
    const k = this.kind[n]!;
    const pd = this.pod[n]!;
    const g = this.gen[n]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && (this.time[r]! < this.time[l]! || (this.time[r] === this.time[l] && this.seq[r]! < this.seq[l]!))) c = r;
      if (t < this.time[c]! || (t === this.time[c] && s < this.seq[c]!)) break;
      this.move(c, i);
      i = c;
    }
    this.time[i] = t;
    this.seq[i] = s;
    this.kind[i] = k;
    this.pod[i] = pd;
    this.gen[i] = g;
  }

  private move(from: number, to: number): void {
    this.time[to] = this.time[from]!;
    this.seq[to] = this.seq[from]!;
    this.kind[to] = this.kind[from]!;
    this.pod[to] = this.pod[from]!;
    this.gen[to] = this.gen[from]!;
  }

  private grow(): void {
    const cap = this.time.length * 2;
    const t = new Float64Array(cap);
    t.set(this.time);
    this.time = t;
    const s = new Float64Array(cap);
    s.set(this.seq);
    this.seq = s;
    const k = new Uint8Array(cap);
    k.set(this.kind);
    this.kind = k;
    const p = new Int32Array(cap);
    p.set(this.pod);
    this.pod = p;
    const g = new Uint32Array(cap);
    g.set(this.gen);
    this.gen = g;
  }
}
