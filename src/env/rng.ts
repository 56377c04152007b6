/**
 * A small seeded PRNG (sfc32, seeded through splitmix32) so episodes are reproducible bit for
 * bit. Never use Math.random in simenv: every stochastic choice draws from one of these.
 */
export class Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  constructor(seed: number) {
    this.reseed(seed);
  }

  /** Restart the stream from `seed` (any finite number; its 32-bit integer part is used). */
  reseed(seed: number): void {
    let s = (Math.trunc(seed) >>> 0) ^ 0x9e3779b9;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    return this.advance() >>> 0;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    return (this.advance() >>> 0) / 4294967296;
  }

  /**
   * `next()` into out[i]: for hot paths that must not allocate (a double, or an unsigned
   * integer of 2^31 or more, returned from a call V8 does not inline is boxed).
   */
  nextInto(out: Float64Array, i: number): void {
    out[i] = (this.advance() >>> 0) / 4294967296;
  }

  /** One sfc32 step; the output as a signed 32-bit integer (a small integer: never boxed). */
  private advance(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t;
  }

  /** A uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** A standard normal draw (Box-Muller; one value per call keeps the stream simple). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Derive an independent child seed (for sub-streams such as vector env members). */
  fork(): number {
    return this.nextUint32();
  }
}
