import { divergence, type SeriesDivergence } from './compare.js';
import type { TimelineRecord } from './timeline.js';

/**
 * The sim-to-real check on a fine grid of simulated time: two runs' timelines (timeline.jsonl)
 * sampled every `gridS` seconds over the window both cover, per series (ready, desired,
 * pending): mean and max absolute difference and when, correlation, and when each run first
 * reached a scale-up target. Step records only show step ends; a pod that becomes Ready 9 s
 * later on one backend, or an HPA that acts 10 s earlier, shows here. Pure.
 */

export const TIMELINE_SERIES = ['ready', 'desired', 'pending'] as const;
export type TimelineSeries = (typeof TIMELINE_SERIES)[number];

/** Divergence of one series on the grid; `maxAtS` is the simulated time of the largest difference. */
export interface GridDivergence extends Omit<SeriesDivergence, 'maxAt'> {
  maxAtS: number | null;
}

/** When a series first reached `target` in each run, seconds after the window's start (null: never). */
export interface TargetTiming {
  target: number;
  reachedA: number | null;
  reachedB: number | null;
  /** reachedB - reachedA, when both reached it. */
  delayS: number | null;
}

export interface TimelineComparison {
  episode: number;
  gridS: number;
  /** The window both timelines cover, simulated seconds. */
  fromS: number;
  toS: number;
  samples: number;
  series: Record<TimelineSeries, GridDivergence>;
  /** Ready and desired replicas reaching the scale-up target (default: the highest level both runs reach). */
  scaleUp: { ready: TargetTiming | null; desired: TargetTiming | null };
  /** Why the figures may mislead (no overlap, one run without a timeline...). */
  warnings: string[];
}

/** The grid values of each series: the segment holding each time (the first or last segment outside them). */
export function sampleTimeline(records: readonly TimelineRecord[], times: readonly number[]): Record<TimelineSeries, number[]> {
  const segs = [...records].sort((x, y) => x.t0 - y.t0);
  const out: Record<TimelineSeries, number[]> = { ready: [], desired: [], pending: [] };
  let i = 0;
  for (const t of times) {
    while (i + 1 < segs.length && segs[i]!.t1 <= t) i++;
    const s = segs[i]!;
    out.ready.push(s.ready);
    out.desired.push(s.desired);
    out.pending.push(s.pending);
  }
  return out;
}

function firstReach(values: readonly number[], target: number, gridS: number): number | null {
  const k = values.findIndex((v) => v >= target);
  return k < 0 ? null : k * gridS;
}

function targetTiming(a: readonly number[], b: readonly number[], gridS: number, target?: number): TargetTiming | null {
  if (a.length === 0) return null;
  const t = target ?? Math.min(Math.max(...a), Math.max(...b));
  // Not a scale-up when both runs start at or above it.
  if (target === undefined && a[0]! >= t && b[0]! >= t) return null;
  const reachedA = firstReach(a, t, gridS);
  const reachedB = firstReach(b, t, gridS);
  return { target: t, reachedA, reachedB, delayS: reachedA !== null && reachedB !== null ? reachedB - reachedA : null };
}

/** Compare episode `episode` of two timelines on a grid of `gridS` seconds. */
export function compareTimelines(
  a: readonly TimelineRecord[],
  b: readonly TimelineRecord[],
  opts: { gridS: number; episode?: number; target?: number },
): TimelineComparison {
  const episode = opts.episode ?? 0;
  const gridS = opts.gridS;
  if (!(gridS > 0)) throw new RangeError(`compareTimelines: expected a grid > 0 s, got ${gridS}`);
  const ea = a.filter((r) => r.episode === episode && r.t1 > r.t0);
  const eb = b.filter((r) => r.episode === episode && r.t1 > r.t0);
  const warnings: string[] = [];
  const empty = (): GridDivergence => ({ ...divergence([]), maxAtS: null });
  const none: TimelineComparison = {
    episode,
    gridS,
    fromS: 0,
    toS: 0,
    samples: 0,
    series: { ready: empty(), desired: empty(), pending: empty() },
    scaleUp: { ready: null, desired: null },
    warnings,
  };
  if (ea.length === 0 || eb.length === 0) {
    warnings.push(`episode ${episode} has no timeline in ${ea.length === 0 ? 'A' : 'B'}`);
    return none;
  }
  const fromS = Math.max(Math.min(...ea.map((r) => r.t0)), Math.min(...eb.map((r) => r.t0)));
  const toS = Math.min(Math.max(...ea.map((r) => r.t1)), Math.max(...eb.map((r) => r.t1)));
  if (!(toS > fromS)) {
    warnings.push(`the timelines of episode ${episode} do not overlap in simulated time (A and B cover different windows)`);
    return none;
  }
  const times: number[] = [];
  // Integer steps from fromS, so the grid does not drift by accumulated rounding.
  for (let k = 0; fromS + k * gridS < toS - 1e-9; k++) times.push(fromS + k * gridS);
  const sa = sampleTimeline(ea, times);
  const sb = sampleTimeline(eb, times);
  const series = {} as Record<TimelineSeries, GridDivergence>;
  for (const name of TIMELINE_SERIES) {
    const d = divergence(times.map((_, k) => ({ a: sa[name][k]!, b: sb[name][k]!, episode, step: k })));
    const { maxAt, ...rest } = d;
    series[name] = { ...rest, maxAtS: maxAt ? times[maxAt.step]! : null };
  }
  return {
    episode,
    gridS,
    fromS,
    toS,
    samples: times.length,
    series,
    scaleUp: {
      ready: targetTiming(sa.ready, sb.ready, gridS, opts.target),
      desired: targetTiming(sa.desired, sb.desired, gridS, opts.target),
    },
    warnings,
  };
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(3);
}

/** The grid comparison as text (one line per series, then the scale-up timing). */
export function formatTimelineComparison(c: TimelineComparison): string {
  const lines = [`timeline, episode ${c.episode}: ${c.samples} samples every ${c.gridS} s over ${fmt(c.fromS)}..${fmt(c.toS)} s`];
  for (const w of c.warnings) lines.push(`warning: ${w}`);
  if (c.samples === 0) return lines.join('\n');
  for (const name of TIMELINE_SERIES) {
    const d = c.series[name];
    const corr = d.correlation === null ? 'n/a (constant)' : d.correlation.toFixed(3);
    const at = d.maxAtS !== null ? ` at t=${fmt(d.maxAtS)}s` : '';
    lines.push(`${name.padEnd(8)} mean ${fmt(d.meanA)} vs ${fmt(d.meanB)}  mean |diff| ${fmt(d.meanAbsDiff)}  max |diff| ${fmt(d.maxAbsDiff)}${at}  corr ${corr}  equal ${(d.equalFraction * 100).toFixed(1)}%`);
  }
  for (const name of ['ready', 'desired'] as const) {
    const t = c.scaleUp[name];
    if (!t) continue;
    const r = (x: number | null): string => (x === null ? 'never' : `${fmt(x)} s`);
    lines.push(`scale-up ${name} >= ${t.target}: A after ${r(t.reachedA)}, B after ${r(t.reachedB)}${t.delayS !== null ? ` (B - A = ${fmt(t.delayS)} s)` : ''}`);
  }
  return lines.join('\n');
}
