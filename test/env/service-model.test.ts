import { describe, expect, it } from 'vitest';
import { seriesFromPoints } from '../../src/env/demand.js';
import { emptyServiceReport, instantUtilisation, ServiceAccumulator, SLO_RELATIVE_TOLERANCE } from '../../src/env/service-model.js';

const opts = { perReplicaRps: 100, sloLatencyMs: 100, maxLatencyMs: 1000 };

function window(points: Array<[number, number]>, segments: Array<[number, number, number, number]>, podCpu = 1) {
  const acc = new ServiceAccumulator(opts, seriesFromPoints(points));
  acc.begin(segments[0]![0], podCpu);
  for (const [t0, t1, ready, held] of segments) acc.add(t0, t1, ready, held);
  const out = emptyServiceReport();
  acc.finish(out);
  return out;
}

describe('service model (M/M/1 per replica)', () => {
  it('below capacity: everything served, latency 1/(mu(1-rho))', () => {
    const r = window([[0, 240]], [[0, 10, 4, 4]]);
    expect(r.demand).toBe(240);
    expect(r.served).toBe(240);
    expect(r.unmet).toBe(0);
    expect(r.utilisation).toBeCloseTo(0.6);
    expect(r.latencyMs).toBeCloseTo(1000 / (100 * 0.4)); // 25 ms
    expect(r.sloViolated).toBe(false);
    expect(r.sloPenaltyS).toBe(0);
    expect(r.cpuSeconds).toBe(40);
    expect(r.windowS).toBe(10);
  });

  it('above capacity: served is capped, the rest unmet, latency at the cap', () => {
    const r = window([[0, 500]], [[0, 10, 2, 2]]);
    expect(r.served).toBe(200);
    expect(r.unmet).toBe(300);
    expect(r.utilisation).toBe(1);
    expect(r.latencyMs).toBe(1000);
    expect(r.sloViolated).toBe(true);
    // unmet fraction 0.6 + latency excess 1, for 10 s.
    expect(r.sloPenaltyS).toBeCloseTo(16);
    expect(r.violationS).toBe(10);
  });

  it('latency above the SLO but below the cap is a graded penalty', () => {
    // rho = 0.95: W = 1000 / (100 x 0.05) = 200 ms; excess (200-100)/(1000-100) = 1/9.
    const r = window([[0, 95]], [[0, 9, 1, 1]]);
    expect(r.latencyMs).toBeCloseTo(200);
    expect(r.unmet).toBe(0);
    expect(r.sloPenaltyS).toBeCloseTo(1);
    expect(r.sloViolated).toBe(true);
  });

  it('no ready replica with demand: nothing served, full penalty', () => {
    const r = window([[0, 50]], [[0, 5, 0, 3]]);
    expect(r.served).toBe(0);
    expect(r.unmet).toBe(50);
    expect(r.latencyMs).toBe(1000);
    expect(r.sloPenaltyS).toBeCloseTo(10);
    expect(r.cpuSeconds).toBe(15); // 3 starting pods hold CPU
  });

  it('integrates exactly across demand changes inside a segment and across segments', () => {
    // Demand 100 for [0,5), 300 from 5; ready 2 on [0,4), 4 on [4,10).
    const r = window([[0, 100], [5, 300]], [[0, 4, 2, 2], [4, 10, 4, 4]]);
    expect(r.demand).toBeCloseTo((100 * 5 + 300 * 5) / 10);
    expect(r.served).toBeCloseTo(r.demand);
    const util = (4 * 0.5 + 1 * 0.25 + 5 * 0.75) / 10;
    expect(r.utilisation).toBeCloseTo(util);
    expect(r.cpuSeconds).toBeCloseTo(2 * 4 + 4 * 6);
  });

  it('zero demand is no violation', () => {
    const r = window([[0, 0]], [[0, 10, 3, 3]]);
    expect(r.sloViolated).toBe(false);
    expect(r.utilisation).toBe(0);
    expect(instantUtilisation(0, 0, 100)).toBe(0);
    expect(instantUtilisation(10, 0, 100)).toBe(1);
    expect(instantUtilisation(50, 1, 100)).toBe(0.5);
  });

  it('latency at the SLO up to float noise is no violation; just above the tolerance is one', () => {
    // rho = 0.9 exactly in decimal: W = 1000 / (100 x 0.1) = 100 ms, which floats give as 100.00000000000001.
    const r = window([[0, 270]], [[0, 10, 3, 3]]);
    expect(r.latencyMs).toBeGreaterThan(100);
    expect(r.latencyMs - 100).toBeLessThan(100 * SLO_RELATIVE_TOLERANCE);
    expect(r.violationS).toBe(0);
    expect(r.sloViolated).toBe(false);
    // A real excess (rho = 0.9001: W ~ 100.1 ms) still counts.
    const over = window([[0, 270.03]], [[0, 10, 3, 3]]);
    expect(over.latencyMs).toBeGreaterThan(100 * (1 + SLO_RELATIVE_TOLERANCE));
    expect(over.violationS).toBe(10);
  });
});
