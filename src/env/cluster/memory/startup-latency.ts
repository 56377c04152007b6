import type { StartupLatency } from '../../options.js';
import type { Rng } from '../../rng.js';

/**
 * Pod start-up latency (bind to Ready), drawn from the configured distribution with the
 * episode's seeded PRNG. The default lognormal (median 2 s, p99 5 s) follows the Kubernetes
 * pod-startup SLO: p99 of start-up latency <= 5 s for stateless pods with pre-pulled images.
 */
export class StartupLatencyDraw {
  private readonly mode: number;
  private readonly a: number;
  private readonly b: number;
  private readonly cap: number;
  // Box-Muller yields two normals per pair of uniforms; the second is kept for the next draw.
  private spare = 0;
  private hasSpare = false;

  constructor(spec: StartupLatency) {
    switch (spec.type) {
      case 'fixed':
        this.mode = 0;
        this.a = spec.seconds;
        this.b = 0;
        this.cap = Infinity;
        break;
      case 'uniform':
        this.mode = 1;
        this.a = spec.minS;
        this.b = spec.maxS - spec.minS;
        this.cap = Infinity;
        break;
      case 'lognormal':
        this.mode = 2;
        this.a = Math.log(spec.medianS);
        // z(0.99) of the standard normal: p99 = median * exp(2.3263 sigma).
        this.b = spec.p99S > spec.medianS ? Math.log(spec.p99S / spec.medianS) / 2.3263478740408408 : 0;
        this.cap = spec.maxS;
        break;
    }
  }

  /** Forget the kept normal (each episode's draws depend on its seed only). */
  resetStream(): void {
    this.hasSpare = false;
  }

  /** One latency, seconds. */
  draw(rng: Rng): number {
    if (this.mode === 0) return this.a;
    if (this.mode === 1) return this.a + rng.next() * this.b;
    let z: number;
    if (this.hasSpare) {
      this.hasSpare = false;
      z = this.spare;
    } else {
      const r = Math.sqrt(-2 * Math.log(1 - rng.next()));
      const theta = 2 * Math.PI * rng.next();
      z = r * Math.cos(theta);
      this.spare = r * Math.sin(theta);
      this.hasSpare = true;
    }
    const v = Math.exp(this.a + this.b * z);
    return v < this.cap ? v : this.cap;
  }
}
