import { readFile } from 'node:fs/promises';
import { ConfigError } from './errors.js';
import { mapLoad, type LoadResolution } from './load-mapping.js';
import { parseSourceSeries } from './load-series.js';
import type { DemandOptions } from './options.js';
import { generateSyntheticLoad } from './synthetic-load.js';
import type { TraceModel, Workload } from './trace/trace-model.js';
import { replicaTimeline } from './trace/trace-model.js';

/**
 * Demand on the controlled deployment, as a step function of simulated time (seconds since
 * the trace's first event): each value holds from its time until the next point, the first
 * value also before the first point, the last one after the last point. Built once in
 * `create()`; lookups during an episode walk a cursor, so monotone queries cost O(1).
 */
export class DemandSeries {
  private cursor = 0;
  /** The time `pieceAt` looks up, handed to pieceFrom in a typed array (see there). */
  private readonly query = new Float64Array(1);
  /** How a load or synthetic series was mapped (null for trace, file and series demand). */
  mapping: LoadResolution | null = null;

  constructor(
    /** Change points, strictly increasing. */
    readonly times: Float64Array,
    /** Requests/s from each change point on. */
    readonly values: Float64Array,
    /** Where the series ends the episode (a load mapped with pastEnd "end"); Infinity: never. */
    readonly endS = Infinity,
  ) {
    if (times.length === 0 || times.length !== values.length) throw new RangeError('DemandSeries: expected matching, non-empty arrays');
  }

  /** Index of the piece holding time `t` (the last point at or before t, or 0). */
  pieceAt(t: number): number {
    this.query[0] = t;
    const i = pieceFrom(this.times, this.query, 0, this.cursor);
    this.cursor = i;
    return i;
  }

  /** Demand at time `t`, requests/s. */
  at(t: number): number {
    return this.values[this.pieceAt(t)]!;
  }

  /** End of the piece `i` (Infinity for the last). */
  pieceEnd(i: number): number {
    return i + 1 < this.times.length ? this.times[i + 1]! : Infinity;
  }

  /** Largest value of the series. */
  peak(): number {
    let m = 0;
    for (let i = 0; i < this.values.length; i++) if (this.values[i]! > m) m = this.values[i]!;
    return m;
  }
}

/**
 * The piece of the step series `times` holding time t = at[slot] (the last change point at or
 * before t, or 0), searched from the piece `from`: a step forward in the usual case, a binary
 * search on a backwards jump (reset, trend lookup). The time comes in a typed array, not as an
 * argument: V8 boxes a double passed to a call it does not inline (ApplicationService's step).
 */
export function pieceFrom(times: Float64Array, at: Float64Array, slot: number, from: number): number {
  const t = at[slot]!;
  let i = from < times.length ? from : times.length - 1;
  if (times[i]! > t) {
    let lo = 0;
    let hi = i;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (times[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
  while (i + 1 < times.length && times[i + 1]! <= t) i++;
  return i;
}

/** Build a series from [time, rps] points (sorted by time; later duplicates of a time win). */
export function seriesFromPoints(points: ReadonlyArray<readonly [number, number]>, field = 'demand.points'): DemandSeries {
  if (points.length === 0) throw new ConfigError(field, 'expected at least one [time, rps] point, got none');
  const sorted = points.map((p, i) => [p[0], p[1], i] as const).sort((a, b) => a[0] - b[0] || a[2] - b[2]);
  const t: number[] = [];
  const v: number[] = [];
  for (const [time, rps] of sorted) {
    if (!Number.isFinite(time) || !Number.isFinite(rps) || rps < 0) {
      throw new ConfigError(field, `expected finite times and non-negative rps, got [${time}, ${rps}]`);
    }
    if (t.length > 0 && t[t.length - 1] === time) v[v.length - 1] = rps;
    else {
      t.push(time);
      v.push(rps);
    }
  }
  return new DemandSeries(Float64Array.from(t), Float64Array.from(v));
}

/** Demand from a workload's recorded replicas x capacity per replica x target utilisation. */
export function traceDemand(w: Workload, perReplicaRps: number, targetUtilisation: number): DemandSeries {
  const tl = replicaTimeline(w);
  const points: Array<[number, number]> = [];
  // Before its creation the workload had no replicas, hence no demand it was sized for.
  if (tl.length === 0 || tl[0]![0] > 0) points.push([0, 0]);
  for (const [t, r] of tl) points.push([t, r * perReplicaRps * targetUtilisation]);
  return seriesFromPoints(points, 'demand');
}

const UNIX_THRESHOLD_S = 1e9; // 2001-09-09: earlier values are taken as relative seconds.

/** Parse a load series file's text (CSV or JSON) into [time, rps] points. */
export function parseLoadSeries(text: string, path: string): Array<[number, number]> {
  const trimmed = text.trim();
  const field = 'demand.path';
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let raw: unknown;
    try {
      raw = JSON.parse(trimmed);
    } catch (err) {
      throw new ConfigError(field, `${path}: expected valid JSON, got ${(err as Error).message}`);
    }
    const rows = Array.isArray(raw) ? raw : (raw as { points?: unknown }).points;
    if (!Array.isArray(rows)) throw new ConfigError(field, `${path}: expected a JSON array of [time, rps] or {time, rps}, got ${typeof raw}`);
    return rows.map((row, i) => {
      let t: unknown;
      let r: unknown;
      if (Array.isArray(row)) [t, r] = row;
      else if (row && typeof row === 'object') {
        const o = row as Record<string, unknown>;
        t = o.time ?? o.t ?? o.ts;
        r = o.rps ?? o.value;
      }
      if (typeof t !== 'number' || typeof r !== 'number') {
        throw new ConfigError(field, `${path}: row ${i}: expected [time, rps] numbers or {time, rps}, got ${JSON.stringify(row)}`);
      }
      return [t, r];
    });
  }
  const out: Array<[number, number]> = [];
  const lines = trimmed.split(/\r?\n/);
  lines.forEach((line, i) => {
    const s = line.trim();
    if (s === '' || s.startsWith('#')) return;
    const cells = s.split(/[,;\t]/).map((c) => c.trim());
    const t = Number(cells[0]);
    const r = Number(cells[1]);
    if (cells.length < 2 || !Number.isFinite(t) || !Number.isFinite(r)) {
      if (i === 0 && out.length === 0) return; // a header line
      throw new ConfigError(field, `${path}: line ${i + 1}: expected "time,rps" numbers, got "${s}"`);
    }
    out.push([t, r]);
  });
  if (out.length === 0) throw new ConfigError(field, `${path}: expected at least one "time,rps" line, got none`);
  return out;
}

async function readLoadFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError('demand.path', `expected a readable load series file, got ${(err as Error).message}`, {
      hint: 'pass a CSV (time,rps) or JSON ([[time, rps], ...]) file path',
    });
  }
}

/**
 * Build the demand series the options ask for (reads the load file once). `untilS`: the
 * latest simulated time an episode can reach (how far a looped load is laid out).
 */
export async function loadDemand(
  opts: DemandOptions,
  model: TraceModel,
  controlled: Workload,
  perReplicaRps: number,
  findByName: (name: string) => Workload,
  untilS = model.durationS,
): Promise<DemandSeries> {
  switch (opts.source) {
    case 'load':
    case 'synthetic': {
      // opts.synthetic is DemandSchema's output: already validated, defaults filled.
      const src =
        opts.source === 'load' ? parseSourceSeries(await readLoadFile(opts.path), opts.path, opts.format, opts.intervalS) : generateSyntheticLoad(opts.synthetic);
      const { series, resolution } = mapLoad(src, opts.mapping, perReplicaRps, untilS, opts.source);
      series.mapping = resolution;
      return series;
    }
    case 'trace': {
      const w = opts.of !== undefined ? findByName(opts.of) : controlled;
      return traceDemand(w, perReplicaRps, opts.targetUtilisation);
    }
    case 'series':
      return seriesFromPoints(opts.points.map(([t, r]) => [t, r * opts.scale] as [number, number]));
    case 'file': {
      const text = await readLoadFile(opts.path);
      const points = parseLoadSeries(text, opts.path);
      const unix = opts.time === 'unix' || (opts.time === 'auto' && points[0]![0] > UNIX_THRESHOLD_S);
      const base = unix ? model.startTs : 0;
      return seriesFromPoints(points.map(([t, r]) => [t - base, r * opts.scale] as [number, number]), 'demand.path');
    }
  }
}
