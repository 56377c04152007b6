import { describe, expect, it } from 'vitest';
import { LoadMappingSchema, mapLoad, quantile } from '../../src/env/load-mapping.js';
import type { SourceSeries } from '../../src/env/load-series.js';
import { generateSyntheticLoad, SyntheticLoadSchema } from '../../src/env/synthetic-load.js';

/** The mapping of a load series onto a service, and the synthetic generator. */

function series(values: number[], intervalS = 10): SourceSeries {
  return {
    times: Float64Array.from(values.map((_, i) => i * intervalS)),
    values: Float64Array.from(values),
    intervalS,
    spanS: values.length * intervalS,
    format: 'lines',
  };
}
const mapping = (m: Record<string, unknown>) => LoadMappingSchema.parse(m);

describe('load mapping', () => {
  it('peakReplicas: the peak needs exactly N replicas at the target utilisation', () => {
    const { series: s, resolution } = mapLoad(series([50, 200, 100]), mapping({ peakReplicas: 4, targetUtilisation: 0.5 }), 100, 1000, 'load');
    // factor = 4 x 100 rps x 0.5 / 200 = 1
    expect(resolution.factor).toBe(1);
    expect(resolution.peakRps).toBe(200);
    expect(s.peak() / (100 * 0.5)).toBe(4);
    const q = mapLoad(series([1, 2, 3, 4, 100]), mapping({ peakReplicas: 2, peakQuantile: 0.8 }), 50, 100, 'load');
    // The 80% quantile (nearest rank: the 4th of 5) is 4: factor = 2 x 50 x 0.6 / 4.
    expect(q.resolution.sizedValue).toBe(4);
    expect(q.resolution.factor).toBeCloseTo(15, 12);
    expect(quantile(Float64Array.from([3, 1, 2]), 0.5)).toBe(2);
  });

  it('an explicit factor, compression and offset place source time on simulated time', () => {
    const { series: s } = mapLoad(series([1, 2, 3, 4, 5, 6]), mapping({ factor: 10, compression: 2, offsetS: 20 }), 100, 1000, 'load');
    // Source point i (time 10 i) lands at simulated (10 i - 20) / 2; the one at the offset at 0.
    expect([...s.times]).toEqual([0, 5, 10, 15]);
    expect([...s.values]).toEqual([30, 40, 50, 60]);
    expect(s.at(7)).toBe(40);
    expect(s.at(1e6)).toBe(60); // hold
    expect(s.endS).toBe(Infinity);
  });

  it('past the end: hold, loop (laid out to the reach) or end the episode', () => {
    const end = mapLoad(series([1, 2]), mapping({ pastEnd: 'end' }), 100, 1000, 'load');
    expect(end.series.endS).toBe(20);
    const loop = mapLoad(series([1, 2, 3]), mapping({ pastEnd: 'loop', offsetS: 10 }), 100, 65, 'load');
    // From offset 10: 2 @0, 3 @10, then cycles of 30 s: 1 @20, 2 @30, 3 @40, 1 @50, 2 @60; 70 is past the reach (65).
    expect([...loop.series.times]).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect([...loop.series.values]).toEqual([2, 3, 1, 2, 3, 1, 2]);
    expect(loop.series.at(65)).toBe(2);
    expect(() => mapLoad(series([1]), mapping({ offsetS: 10 }), 100, 10, 'load')).toThrow(/demand.mapping.offsetS: expected an offset before the series' end/);
  });

  it('schema errors read "expected ..., got ..."', () => {
    const r = LoadMappingSchema.safeParse({ peakReplicas: -3 });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toBe('expected a positive integer, got -3');
    expect(LoadMappingSchema.safeParse({ peakReplicas: 2, factor: 3 }).error!.issues[0]!.message).toBe('expected either peakReplicas or factor, got both');
    expect(LoadMappingSchema.safeParse({ pastEnd: 'wrap' }).error!.issues[0]!.message).toBe('expected one of hold, loop, end, got "wrap"');
  });
});

describe('synthetic load', () => {
  const gen = (o: Record<string, unknown>) => generateSyntheticLoad(SyntheticLoadSchema.parse(o));

  it('is deterministic in its options and differs across seeds', () => {
    const a = gen({ seed: 1 });
    const b = gen({ seed: 1 });
    const c = gen({ seed: 2 });
    expect(Buffer.from(a.values.buffer).equals(Buffer.from(b.values.buffer))).toBe(true);
    expect(Buffer.from(a.values.buffer).equals(Buffer.from(c.values.buffer))).toBe(false);
    expect(a.values.length).toBe(7 * 288);
    expect(a.spanS).toBe(7 * 86400);
  });

  it('has the daily cycle, the drift and the bursts it is asked for', () => {
    const flat = { noise: 0, burstsPerDay: 0, weeklyAmplitude: 0, dailyAmplitude: 0.5, peakHour: 12, intervalS: 3600, durationS: 2 * 86400 };
    const s = gen(flat);
    expect(s.values[12]).toBeCloseTo(150, 9); // noon: base x 1.5
    expect(s.values[0]).toBeCloseTo(50, 9); // midnight: base x 0.5
    const drift = gen({ ...flat, dailyAmplitude: 0, driftPerDay: 0.5 });
    expect(drift.values[24]).toBeCloseTo(150, 9); // one day later: +50%
    const bursty = gen({ ...flat, dailyAmplitude: 0, burstsPerDay: 5, burstMagnitude: 2, durationS: 7 * 86400, intervalS: 300 });
    expect(Math.max(...bursty.values)).toBeGreaterThan(150);
    expect(Math.min(...bursty.values)).toBeGreaterThanOrEqual(100);
  });
});

describe('load input that must not lie (issue 14, defects 10 and 11)', () => {
  it('a point of 1.7e308 (demand overflowing to Infinity) is refused, naming the limit', () => {
    expect(() => mapLoad(series([1, 1.7e308]), mapping({ factor: 10 }), 100, 1000, 'load')).toThrow(/demand: expected at most 1,000,000,000 requests\/s of demand .*got a peak of 1\.7e\+308 x factor 10/);
    expect(() => mapLoad(series([1, 2e9]), mapping({}), 100, 1000, 'load')).toThrow(/requests\/s of demand/);
    expect(() => mapLoad(series([1, 1e9]), mapping({}), 100, 1000, 'load')).not.toThrow();
  });

  it('CSV cells are decimal numbers only: no lost first row, no empty cell as 0, no hex', async () => {
    const { parseSourceSeries } = await import('../../src/env/load-series.js');
    expect(() => parseSourceSeries('0,NaN\n10,5\n', 'l.csv')).toThrow(/data line 1: expected "time,rps", got "0,NaN"/);
    expect(() => parseSourceSeries('time,rps\n0,5\n300,\n', 'l.csv')).toThrow(/data line 3: .*got "300,"/);
    expect(() => parseSourceSeries('time,rps\n0,5\n,500\n', 'l.csv')).toThrow(/data line 3: .*got ",500"/);
    expect(() => parseSourceSeries('time,rps\n0,5\n0x100,7\n', 'l.csv')).toThrow(/got "0x100,7"/);
    // A real header is still skipped; JSON times must be finite.
    expect(Array.from(parseSourceSeries('time,rps\n0,5\n10,7\n', 'l.csv').values)).toEqual([5, 7]);
    expect(() => parseSourceSeries('[[0, 1], [1e400, 2]]', 'l.json')).toThrow(/expected finite times/);
  });
});
