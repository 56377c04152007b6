import { describe, expect, it } from 'vitest';
import { StartupLatencyDraw } from '../../../../src/env/cluster/memory/startup-latency.js';
import { Rng } from '../../../../src/env/rng.js';

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

describe('start-up latency', () => {
  it('the default lognormal has median ~2 s and p99 ~5 s (the pod-startup SLO), capped at maxS', () => {
    const d = new StartupLatencyDraw({ type: 'lognormal', medianS: 2, p99S: 5, maxS: 20 });
    const rng = new Rng(11);
    const xs = Array.from({ length: 40_000 }, () => d.draw(rng)).sort((a, b) => a - b);
    expect(quantile(xs, 0.5)).toBeGreaterThan(1.9);
    expect(quantile(xs, 0.5)).toBeLessThan(2.1);
    expect(quantile(xs, 0.99)).toBeGreaterThan(4.6);
    expect(quantile(xs, 0.99)).toBeLessThan(5.4);
    expect(xs[0]).toBeGreaterThan(0);
    const capped = new StartupLatencyDraw({ type: 'lognormal', medianS: 2, p99S: 5, maxS: 3 });
    const ys = Array.from({ length: 2000 }, () => capped.draw(rng));
    expect(Math.max(...ys)).toBe(3);
  });

  it('fixed and uniform draws', () => {
    const rng = new Rng(1);
    expect(new StartupLatencyDraw({ type: 'fixed', seconds: 4 }).draw(rng)).toBe(4);
    const u = new StartupLatencyDraw({ type: 'uniform', minS: 1, maxS: 3 });
    const xs = Array.from({ length: 1000 }, () => u.draw(rng));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...xs)).toBeLessThan(3);
    expect(xs.reduce((a, b) => a + b, 0) / xs.length).toBeCloseTo(2, 1);
  });

  it('resetStream makes the draws a function of the PRNG state alone', () => {
    const d = new StartupLatencyDraw({ type: 'lognormal', medianS: 2, p99S: 5, maxS: 20 });
    const rng = new Rng(5);
    const first = [d.draw(rng), d.draw(rng), d.draw(rng)];
    rng.reseed(5);
    d.resetStream();
    expect([d.draw(rng), d.draw(rng), d.draw(rng)]).toEqual(first);
  });
});
