import { KIND_JOB, KIND_POD, type SlotInfo } from './trace-script.js';

/**
 * The controllers' per-workload state, one slot per workload incarnation of the compiled
 * trace: what kind of controller owns it, whether it exists, its desired replicas, current
 * pod template, finished Job pods, the next recorded lifecycle and whether it is rolling.
 * Typed arrays, reset in place: the memory backend's hot path reads and writes them.
 */
export class WorkloadTable {
  readonly count: number;
  readonly kindOf: Uint8Array;
  readonly alive: Uint8Array;
  readonly desired: Int32Array;
  readonly tplOf: Int32Array;
  /** Job and Pod slots: pods that ran to completion. */
  readonly succeeded: Int32Array;
  /** Job and Pod slots: index of the next recorded lifetime to hand to a new pod. */
  readonly nextLifecycle: Int32Array;
  /** 1 while a slot rolls its pods to a new template. */
  readonly rolling: Uint8Array;
  /** Recorded pod lifetimes (seconds after Ready) of each slot; empty for long-running workloads. */
  readonly lifetimes: ReadonlyArray<readonly number[]>;
  /** `namespace/name` of each slot. */
  readonly keys: readonly string[];
  private readonly index = new Map<string, number>();

  constructor(slots: readonly SlotInfo[]) {
    const n = slots.length;
    this.count = n;
    this.kindOf = Uint8Array.from(slots.map((s) => s.kind));
    this.alive = new Uint8Array(n);
    this.desired = new Int32Array(n);
    this.tplOf = new Int32Array(n);
    this.succeeded = new Int32Array(n);
    this.nextLifecycle = new Int32Array(n);
    this.rolling = new Uint8Array(n);
    this.lifetimes = slots.map((s) => s.lifetimes);
    this.keys = slots.map((s) => s.key);
    slots.forEach((s, i) => this.index.set(s.key, i));
  }

  /** Forget every workload (episode start). */
  clear(): void {
    this.alive.fill(0);
    this.desired.fill(0);
    this.tplOf.fill(0);
    this.succeeded.fill(0);
    this.nextLifecycle.fill(0);
    this.rolling.fill(0);
  }

  /** The slot of a workload by `namespace/name` (undefined if the trace has none). */
  slotOf(key: string): number | undefined {
    return this.index.get(key);
  }

  /** The lifetime of the next pod a Job or Pod slot creates (Infinity for other kinds or past the record). */
  takeLifetime(slot: number): number {
    const kind = this.kindOf[slot]!;
    if (kind !== KIND_JOB && kind !== KIND_POD) return Infinity;
    const lifetimes = this.lifetimes[slot]!;
    const i = this.nextLifecycle[slot]!;
    if (i >= lifetimes.length) return Infinity;
    this.nextLifecycle[slot] = i + 1;
    return lifetimes[i]!;
  }

  /** A Job or Pod slot's pod was lost with its node: give its lifecycle back so it is retried. */
  returnLifetime(slot: number): void {
    const kind = this.kindOf[slot];
    if ((kind === KIND_JOB || kind === KIND_POD) && this.nextLifecycle[slot]! > 0) this.nextLifecycle[slot]! -= 1;
  }
}
