import { z } from 'zod';
import { DemandSeries } from './demand.js';
import { ConfigError } from './errors.js';
import { LIMITS, limitMessage } from './limits.js';
import { sourcePeak, type SourceSeries } from './load-series.js';
import { expected, nonNegativeNumber, positiveInt, positiveNumber } from './schema-helpers.js';

/**
 * How a load series (source time, source units) maps onto the controlled service (simulated
 * seconds since the trace start, requests/s):
 *
 *   rps(t) = factor x value(offsetS + t x compression)
 *
 * with `factor` given, or derived from `peakReplicas`: the series' peak then needs exactly
 * `peakReplicas` replicas at `targetUtilisation`, i.e.
 * factor = peakReplicas x service.perReplicaRps x targetUtilisation / peak(series).
 * Past the series' end the last value holds (`hold`), the series starts over (`loop`), or
 * the episode ends (`end`: episodes are truncated there).
 */

export const PastLoadEndSchema = z.enum(['hold', 'loop', 'end'], { error: expected('one of hold, loop, end') });

export const LoadMappingSchema = z
  .strictObject({
    /** Scale so the series' peak needs this many replicas at `targetUtilisation`. */
    peakReplicas: positiveInt().optional(),
    /**
     * Which value `peakReplicas` sizes for: the series' `peakQuantile` quantile (1: the peak;
     * 0.99 for spiky series, whose rare spikes then overload the service as they would).
     */
    peakQuantile: z.number({ error: expected('a quantile in (0, 1]') }).gt(0, { error: expected('a quantile in (0, 1]') }).lte(1, { error: expected('a quantile in (0, 1]') }).default(1),
    /** Utilisation the peak is sized for (with `peakReplicas`). */
    targetUtilisation: z.number({ error: expected('a utilisation in (0, 1]') }).gt(0, { error: expected('a utilisation in (0, 1]') }).lte(1, { error: expected('a utilisation in (0, 1]') }).default(0.6),
    /** Explicit requests/s per source unit (default 1 without `peakReplicas`). */
    factor: positiveNumber().optional(),
    /** Source seconds per simulated second (20: a 5-minute point lasts 15 simulated seconds). */
    compression: positiveNumber().default(1),
    /** Source seconds skipped: simulated time 0 reads the series at this offset. */
    offsetS: nonNegativeNumber().default(0),
    /** Past the series' end: hold the last value, loop, or end the episode. */
    pastEnd: PastLoadEndSchema.default('hold'),
  })
  .refine((m) => m.peakReplicas === undefined || m.factor === undefined, {
    error: 'expected either peakReplicas or factor, got both',
    path: ['factor'],
  });
export type LoadMapping = z.output<typeof LoadMappingSchema>;

/** What a mapping resolved to (recorded in config.json as `demandMapping`). */
export interface LoadResolution {
  source: 'load' | 'synthetic';
  format: SourceSeries['format'] | 'synthetic';
  points: number;
  sourceIntervalS: number;
  sourceSpanS: number;
  sourcePeak: number;
  /** The value `peakReplicas` was sized for (the `peakQuantile` quantile), or null with a factor. */
  sizedValue: number | null;
  /** requests/s per source unit actually used. */
  factor: number;
  /** Peak of the mapped demand, requests/s. */
  peakRps: number;
  compression: number;
  offsetS: number;
  pastEnd: 'hold' | 'loop' | 'end';
  /** Simulated seconds of series after the offset (before any loop). */
  simSpanS: number;
}

/** Nearest-rank quantile `q` of `values` (0 < q <= 1). */
export function quantile(values: Float64Array, q: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

/** Cap on materialised points of a looped series (about 240 MB of Float64Array). */
const MAX_LOOP_POINTS = 15_000_000;

/**
 * Map a source series onto simulated time. `untilS` is the latest simulated time an episode
 * can reach: a looped series is laid out up to it once here, so lookups stay O(1) in step().
 */
export function mapLoad(src: SourceSeries, m: LoadMapping, perReplicaRps: number, untilS: number, kind: LoadResolution['source']): { series: DemandSeries; resolution: LoadResolution } {
  const peak = sourcePeak(src);
  let factor = m.factor ?? 1;
  let sized: number | null = null;
  if (m.peakReplicas !== undefined) {
    sized = m.peakQuantile >= 1 ? peak : quantile(src.values, m.peakQuantile);
    if (sized <= 0) throw new ConfigError('demand.mapping.peakReplicas', `expected a series whose sized value (quantile ${m.peakQuantile}) is positive, got ${sized}`, { hint: 'raise mapping.peakQuantile or use mapping.factor' });
    factor = (m.peakReplicas * perReplicaRps * m.targetUtilisation) / sized;
  }
  // A series that maps above the limit would overflow the service model to Infinity, which
  // JSON writes as null: refuse it here, naming the peak and the factor.
  if (!(peak * factor <= LIMITS.demandRps)) {
    throw new ConfigError('demand', limitMessage('demandRps', `a peak of ${peak} x factor ${factor} = ${peak * factor}`), {
      hint: 'scale the series down (mapping.factor or mapping.peakReplicas), or fix the load file',
    });
  }
  const { times, values, spanS } = src;
  const off = m.offsetS;
  const c = m.compression;
  if (off >= spanS) {
    throw new ConfigError('demand.mapping.offsetS', `expected an offset before the series' end (${spanS} source s), got ${off}`);
  }
  const t: number[] = [];
  const v: number[] = [];
  // The value in force at the offset starts the simulated timeline at 0.
  const push = (sim: number, value: number): void => {
    if (t.length > 0 && t[t.length - 1] === sim) v[v.length - 1] = value * factor;
    else {
      t.push(sim);
      v.push(value * factor);
    }
  };
  const layCycle = (cycleStart: number, first: boolean): boolean => {
    for (let i = 0; i < times.length; i++) {
      const s = cycleStart + times[i]!;
      const next = i + 1 < times.length ? cycleStart + times[i + 1]! : cycleStart + spanS;
      if (first && next <= off) continue;
      const sim = Math.max(0, (s - off) / c);
      if (sim > untilS && t.length > 0) return false;
      push(sim, values[i]!);
      if (t.length > MAX_LOOP_POINTS) {
        throw new ConfigError('demand.mapping.pastEnd', `expected a looped series of at most ${MAX_LOOP_POINTS} points over the episodes' reach (${untilS} s), got more`, {
          hint: 'raise mapping.compression, shorten the horizon, or use pastEnd "hold"',
        });
      }
    }
    return true;
  };
  if (m.pastEnd === 'loop') {
    for (let k = 0; layCycle(k * spanS, k === 0) && (k * spanS + spanS - off) / c <= untilS; k++) {
      // one cycle per iteration until the reach is covered
    }
  } else layCycle(0, true);
  const simSpanS = (spanS - off) / c;
  const series = new DemandSeries(Float64Array.from(t), Float64Array.from(v), m.pastEnd === 'end' ? simSpanS : Infinity);
  return {
    series,
    resolution: {
      source: kind,
      format: kind === 'synthetic' ? 'synthetic' : src.format,
      points: src.times.length,
      sourceIntervalS: src.intervalS,
      sourceSpanS: spanS,
      sourcePeak: peak,
      sizedValue: sized,
      factor,
      peakRps: peak * factor,
      compression: c,
      offsetS: off,
      pastEnd: m.pastEnd,
      simSpanS,
    },
  };
}
