import type { StartupLatency } from '../../options.js';
import type { Rng } from '../../rng.js';

/**
 * Pod start-up latency (bind to Ready), drawn from the configured distribution with the
 * episode's seeded PRNG. The default lognormal (median 2 s, p99 5 s) follows the Kubernetes
 * pod-startup SLO: p99 of start-up latency <= 5 s for stateless pods with pre-pulled images.
 */
export class StartupLatencyDraw {
  private readonly mode: number;
  /**
   * [a, b, cap, spare]: doubles in a typed array, so a draw boxes no number (a number field
   * that has only held integers, like an integer cap, loads tagged, and `v < cap ? v : cap`
   * then boxes v).
   */
  private readonly p = new Float64Array(4);
  private readonly out = new Float64Array(1);
  /** Uniform draws (Rng.nextInto: a returned double may be boxed). */
  private readonly u = new Float64Array(2);
  // Box-Muller yields two normals per pair of uniforms; the second is kept for the next draw.
  private hasSpare = false;

  constructor(spec: StartupLatency) {
    const p = this.p;
    switch (spec.type) {
      case 'fixed':
        this.mode = 0;
        p[A] = spec.seconds;
        p[B] = 0;
        p[CAP] = Infinity;
        break;
      case 'uniform':
        this.mode = 1;
        p[A] = spec.minS;
        p[B] = spec.maxS - spec.minS;
        p[CAP] = Infinity;
        break;
      case 'lognormal':
        this.mode = 2;
        p[A] = Math.log(spec.medianS);
        // z(0.99) of the standard normal: p99 = median * exp(2.3263 sigma).
        p[B] = spec.p99S > spec.medianS ? Math.log(spec.p99S / spec.medianS) / 2.3263478740408408 : 0;
        p[CAP] = spec.maxS;
        break;
    }
  }

  /** Forget the kept normal (each episode's draws depend on its seed only). */
  resetStream(): void {
    this.hasSpare = false;
  }

  /** One latency, seconds. */
  draw(rng: Rng): number {
    this.drawInto(rng, this.out, 0);
    return this.out[0]!;
  }

  /**
   * One latency, seconds, into out[i] (what the memory backend calls per pod: a double
   * returned from a call V8 does not inline is boxed, an allocation per pod).
   */
  drawInto(rng: Rng, out: Float64Array, i: number): void {
    const p = this.p;
    if (this.mode === 0) {
      out[i] = p[A]!;
      return;
    }
    const u = this.u;
    if (this.mode === 1) {
      rng.nextInto(u, 0);
      out[i] = p[A]! + u[0]! * p[B]!;
      return;
    }
    let z: number;
    if (this.hasSpare) {
      this.hasSpare = false;
      z = p[SPARE]!;
    } else {
      rng.nextInto(u, 0);
      rng.nextInto(u, 1);
      const r = Math.sqrt(-2 * Math.log(1 - u[0]!));
      const theta = 2 * Math.PI * u[1]!;
      z = r * Math.cos(theta);
      p[SPARE] = r * Math.sin(theta);
      this.hasSpare = true;
    }
    const v = Math.exp(p[A]! + p[B]! * z);
    const cap = p[CAP]!;
    out[i] = v < cap ? v : cap;
  }
}

const A = 0;
const B = 1;
const CAP = 2;
const SPARE = 3;
