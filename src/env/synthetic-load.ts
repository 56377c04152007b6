import { z } from 'zod';
import { nonNegativeNumber, positiveNumber } from './schema-helpers.js';
import type { SourceSeries } from './load-series.js';
import { Rng } from './rng.js';

/**
 * A seeded synthetic load series, for studies of generalisation (train on some seeds or
 * shapes, evaluate on others). Deterministic: the same options give the same series bit for
 * bit. Its value at source time t (seconds) is
 *
 *   base x (1 + driftPerDay x t / 1 day)
 *        x (1 + dailyAmplitude x cos(2 pi (t/1 h - peakHour) / 24))
 *        x (1 + weeklyAmplitude x cos(2 pi (t/1 day - peakDay) / 7))
 *        x max(0, 1 + noise x N(0, 1))
 *   + bursts: each adds base x burstMagnitude x exp(-(t - t0) / burstDurationS) from its
 *     start t0; starts form a Poisson process of burstsPerDay.
 *
 * clipped at 0. Draw order: burst starts and sizes first, then one normal draw per point.
 */

const unit = (what: string) =>
  z.number({ error: (i) => `expected ${what} in [0, 1], got ${JSON.stringify(i.input)}` }).min(0, { error: (i) => `expected ${what} in [0, 1], got ${JSON.stringify(i.input)}` }).max(1, { error: (i) => `expected ${what} in [0, 1], got ${JSON.stringify(i.input)}` });

export const SyntheticLoadSchema = z.strictObject({
  /** Seed of the generator's own Rng (the series is built once, in create()). */
  seed: z.number({ error: (i) => `expected an integer seed, got ${JSON.stringify(i.input)}` }).int().default(0),
  /** Source seconds generated (default one week). */
  durationS: positiveNumber().default(7 * 86400),
  /** Source seconds between points (default 5 min). */
  intervalS: positiveNumber().default(300),
  /** Mean level, source units (requests/s before the mapping's factor). */
  base: positiveNumber().default(100),
  dailyAmplitude: unit('a daily amplitude').default(0.5),
  peakHour: z.number().min(0).max(24).default(14),
  weeklyAmplitude: unit('a weekly amplitude').default(0.15),
  /** Day of the week (0..7 from the series start) with the weekly peak. */
  peakDay: z.number().min(0).max(7).default(2),
  burstsPerDay: nonNegativeNumber().default(2),
  burstMagnitude: nonNegativeNumber().default(1.5),
  burstDurationS: positiveNumber().default(1800),
  /** Standard deviation of the multiplicative Gaussian noise. */
  noise: nonNegativeNumber().default(0.05),
  /** Fractional change of the level per day (0.02: +2%/day). */
  driftPerDay: z.number().min(-1).max(10).default(0),
});
export type SyntheticLoadInput = z.input<typeof SyntheticLoadSchema>;
export type SyntheticLoad = z.output<typeof SyntheticLoadSchema>;

/** Cap on generated points (a year at 1 s would be 31 M). */
const MAX_POINTS = 5_000_000;

/** Generate the series `o` describes (deterministic in its options). */
export function generateSyntheticLoad(o: SyntheticLoad): SourceSeries {
  const n = Math.floor(o.durationS / o.intervalS);
  if (n < 1 || n > MAX_POINTS) {
    throw new RangeError(`synthetic load: expected 1..${MAX_POINTS} points (durationS / intervalS), got ${n}`);
  }
  const rng = new Rng(o.seed);
  const day = 86400;
  const bursts: Array<[number, number]> = [];
  if (o.burstsPerDay > 0 && o.burstMagnitude > 0) {
    const rate = o.burstsPerDay / day;
    for (let t = -Math.log(1 - rng.next()) / rate; t < o.durationS; t += -Math.log(1 - rng.next()) / rate) {
      // Sizes vary around the magnitude (uniform 0.5x..1.5x) so bursts are not all alike.
      bursts.push([t, o.base * o.burstMagnitude * (0.5 + rng.next())]);
    }
  }
  const times = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = i * o.intervalS;
    let v =
      o.base *
      (1 + (o.driftPerDay * t) / day) *
      (1 + o.dailyAmplitude * Math.cos((2 * Math.PI * (t / 3600 - o.peakHour)) / 24)) *
      (1 + o.weeklyAmplitude * Math.cos((2 * Math.PI * (t / day - o.peakDay)) / 7));
    v *= Math.max(0, 1 + o.noise * rng.normal());
    for (const [t0, size] of bursts) {
      if (t0 > t) break;
      const age = t - t0;
      if (age < 10 * o.burstDurationS) v += size * Math.exp(-age / o.burstDurationS);
    }
    times[i] = t;
    values[i] = v > 0 ? v : 0;
  }
  return { times, values, intervalS: o.intervalS, spanS: n * o.intervalS, format: 'lines' };
}
