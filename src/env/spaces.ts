import type { Rng } from './rng.js';

/**
 * Gym-style spaces. `Discrete(n, start)` holds the integers start..start+n-1 (Gymnasium's
 * `start` argument), so an action is the replica count or delta itself, never an index.
 */

/** A space of values of type T. */
export interface Space<T> {
  /** Whether `x` belongs to the space. */
  contains(x: unknown): x is T;
  /** A uniform sample drawn from the seeded `rng`. */
  sample(rng: Rng): T;
  /** A JSON description, for logs and saved policies. */
  toJSON(): Record<string, unknown>;
}

/** The integers start, start+1, ..., start+n-1. */
export class Discrete implements Space<number> {
  constructor(
    readonly n: number,
    readonly start = 0,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`Discrete: expected n >= 1, got ${n}`);
    if (!Number.isInteger(start)) throw new RangeError(`Discrete: expected an integer start, got ${start}`);
  }

  /** Whether `x` is an integer in range. */
  contains(x: unknown): x is number {
    return typeof x === 'number' && Number.isInteger(x) && x >= this.start && x < this.start + this.n;
  }

  /** A uniform integer of the space. */
  sample(rng: Rng): number {
    return this.start + Math.floor(rng.next() * this.n);
  }

  /** The largest value. */
  get end(): number {
    return this.start + this.n - 1;
  }

  toJSON(): Record<string, unknown> {
    return { type: 'Discrete', n: this.n, start: this.start };
  }
}

/** A box of float32 vectors with per-component bounds (closed interval). */
export class Box implements Space<Float32Array> {
  readonly low: Float32Array;
  readonly high: Float32Array;
  readonly shape: readonly number[];

  constructor(low: ArrayLike<number>, high: ArrayLike<number>) {
    if (low.length !== high.length) throw new RangeError(`Box: expected low and high of one length, got ${low.length} and ${high.length}`);
    this.low = Float32Array.from(low);
    this.high = Float32Array.from(high);
    for (let i = 0; i < this.low.length; i++) {
      if (!(this.low[i]! <= this.high[i]!)) throw new RangeError(`Box: expected low[${i}] <= high[${i}], got ${this.low[i]} > ${this.high[i]}`);
    }
    this.shape = [this.low.length];
  }

  /** Whether `x` is a Float32Array of the right length with every component finite and in bounds. */
  contains(x: unknown): x is Float32Array {
    if (!(x instanceof Float32Array) || x.length !== this.low.length) return false;
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      if (!(v >= this.low[i]! && v <= this.high[i]!)) return false;
    }
    return true;
  }

  /** Uniform within finite bounds; a standard normal around the finite bound (or 0) where unbounded. */
  sample(rng: Rng): Float32Array {
    const out = new Float32Array(this.low.length);
    for (let i = 0; i < out.length; i++) {
      const lo = this.low[i]!;
      const hi = this.high[i]!;
      if (Number.isFinite(lo) && Number.isFinite(hi)) out[i] = lo + rng.next() * (hi - lo);
      else if (Number.isFinite(lo)) out[i] = lo + Math.abs(rng.normal());
      else if (Number.isFinite(hi)) out[i] = hi - Math.abs(rng.normal());
      else out[i] = rng.normal();
    }
    return out;
  }

  toJSON(): Record<string, unknown> {
    return { type: 'Box', shape: [...this.shape], low: Array.from(this.low), high: Array.from(this.high) };
  }
}

/**
 * Gymnasium's `MultiDiscrete`: a vector of independent integers, component i in
 * start[i]..start[i]+nvec[i]-1 (one component per controlled deployment). Values are
 * `Int32Array`s or number arrays of length `nvec.length`.
 */
export class MultiDiscrete implements Space<Int32Array> {
  readonly nvec: Int32Array;
  readonly start: Int32Array;
  readonly shape: readonly number[];

  constructor(nvec: ArrayLike<number>, start?: ArrayLike<number>) {
    if (nvec.length < 1) throw new RangeError('MultiDiscrete: expected at least one component, got none');
    if (start !== undefined && start.length !== nvec.length) {
      throw new RangeError(`MultiDiscrete: expected start of length ${nvec.length}, got ${start.length}`);
    }
    this.nvec = Int32Array.from(nvec);
    this.start = start !== undefined ? Int32Array.from(start) : new Int32Array(nvec.length);
    for (let i = 0; i < nvec.length; i++) {
      if (!Number.isInteger(nvec[i]) || nvec[i]! < 1) throw new RangeError(`MultiDiscrete: expected nvec[${i}] >= 1, got ${nvec[i]}`);
      if (start !== undefined && !Number.isInteger(start[i])) throw new RangeError(`MultiDiscrete: expected an integer start[${i}], got ${start[i]}`);
    }
    this.shape = [this.nvec.length];
  }

  /** Whether `x` is an array of the right length whose every component is an integer in range. */
  contains(x: unknown): x is Int32Array {
    if (!(x instanceof Int32Array) && !Array.isArray(x)) return false;
    const v = x as ArrayLike<unknown>;
    if (v.length !== this.nvec.length) return false;
    for (let i = 0; i < v.length; i++) {
      const a = v[i];
      if (typeof a !== 'number' || !Number.isInteger(a) || a < this.start[i]! || a >= this.start[i]! + this.nvec[i]!) return false;
    }
    return true;
  }

  /** A uniform vector of the space (a fresh Int32Array; component i drawn i-th from `rng`). */
  sample(rng: Rng): Int32Array {
    const out = new Int32Array(this.nvec.length);
    for (let i = 0; i < out.length; i++) out[i] = this.start[i]! + Math.floor(rng.next() * this.nvec[i]!);
    return out;
  }

  /** Component i as a `Discrete` (the factorised view a per-deployment head samples from). */
  component(i: number): Discrete {
    return new Discrete(this.nvec[i]!, this.start[i]!);
  }

  /** The largest value of component i. */
  end(i: number): number {
    return this.start[i]! + this.nvec[i]! - 1;
  }

  toJSON(): Record<string, unknown> {
    return { type: 'MultiDiscrete', nvec: Array.from(this.nvec), start: Array.from(this.start) };
  }
}

/** The action spaces an env may have: one deployment (`Discrete`) or several (`MultiDiscrete`). */
export type ActionSpace = Discrete | MultiDiscrete;
