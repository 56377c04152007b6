import { z } from 'zod';
import { ConfigError } from './errors.js';

/**
 * Real load series as files hold them, before any mapping onto a service: the plain
 * one-number-per-line files of Autothrottle (a value per `intervalS`, default 1 s), NAB's
 * `timestamp,value` CSV, and simenv's own `time,rps` CSV and JSON series. Times are source
 * seconds since the series' first point.
 */

/** File formats a load file may be in; `auto` detects it from the first data line. */
export const LoadFormatSchema = z.enum(['auto', 'lines', 'nab', 'csv', 'json']);
export type LoadFormat = z.infer<typeof LoadFormatSchema>;

/** A parsed series: strictly increasing source times from 0, values >= 0. */
export interface SourceSeries {
  times: Float64Array;
  values: Float64Array;
  /** Source seconds one point covers (the median spacing; `intervalS` for `lines`). */
  intervalS: number;
  /** Source seconds the series covers: last time + intervalS. */
  spanS: number;
  /** The format it was read as (auto resolved). */
  format: Exclude<LoadFormat, 'auto'>;
}

const NUMBER_LINE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
// NAB writes `YYYY-MM-DD HH:MM:SS` without a zone: read as UTC, so the result does not depend on the machine's zone.
const NAB_TIME = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/** A decimal number cell, or NaN (empty cells, hex, `NaN`, `Infinity` are not numbers here). */
function decimal(cell: string | undefined): number {
  return cell !== undefined && NUMBER_LINE.test(cell) ? Number(cell) : Number.NaN;
}

function fail(path: string, message: string): never {
  throw new ConfigError('demand.path', `${path}: ${message}`, {
    hint: 'a load file is one number per line, NAB "timestamp,value" CSV, "time,rps" CSV, or JSON [[time, rps], ...]',
  });
}

function detect(lines: string[]): Exclude<LoadFormat, 'auto'> {
  const first = lines[0]!.trim();
  if (first.startsWith('[') || first.startsWith('{')) return 'json';
  const data = lines.find((l, i) => i > 0 || !/[a-df-z]/i.test(l)) ?? first;
  const cells = data.split(/[,;\t]/).map((c) => c.trim());
  if (cells.length === 1 && NUMBER_LINE.test(cells[0]!)) return 'lines';
  if (cells.length >= 2 && NAB_TIME.test(cells[0]!)) return 'nab';
  return 'csv';
}

function median(diffs: number[]): number {
  if (diffs.length === 0) return 1;
  const s = [...diffs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function build(times: number[], values: number[], path: string, format: SourceSeries['format'], interval?: number): SourceSeries {
  if (times.length === 0) fail(path, 'expected at least one data point, got none');
  const order = times.map((_, i) => i).sort((a, b) => times[a]! - times[b]! || a - b);
  const t: number[] = [];
  const v: number[] = [];
  const t0 = times[order[0]!]!;
  for (const i of order) {
    const ti = times[i]! - t0;
    const vi = values[i]!;
    if (!Number.isFinite(ti)) fail(path, `expected finite times, got ${times[i]}`);
    if (!Number.isFinite(vi) || vi < 0) fail(path, `expected non-negative values, got ${vi} at source time ${ti} s`);
    if (t.length > 0 && t[t.length - 1] === ti) v[v.length - 1] = vi;
    else {
      t.push(ti);
      v.push(vi);
    }
  }
  const diffs: number[] = [];
  for (let i = 1; i < t.length; i++) diffs.push(t[i]! - t[i - 1]!);
  const intervalS = interval ?? median(diffs);
  return { times: Float64Array.from(t), values: Float64Array.from(v), intervalS, spanS: t[t.length - 1]! + intervalS, format };
}

/** Parse a load file's text; `intervalS` is the spacing of a `lines` file. */
export function parseSourceSeries(text: string, path: string, format: LoadFormat = 'auto', intervalS = 1): SourceSeries {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (lines.length === 0) fail(path, 'expected at least one data line, got an empty file');
  const f = format === 'auto' ? detect(lines) : format;
  const times: number[] = [];
  const values: number[] = [];
  if (f === 'json') {
    let raw: unknown;
    try {
      raw = JSON.parse(lines.join('\n'));
    } catch (err) {
      fail(path, `expected valid JSON, got ${(err as Error).message}`);
    }
    const rows = Array.isArray(raw) ? raw : (raw as { points?: unknown } | null)?.points;
    if (!Array.isArray(rows)) fail(path, `expected a JSON array of [time, rps] or {time, rps}, got ${typeof raw}`);
    rows.forEach((row: unknown, i) => {
      const o = (Array.isArray(row) ? { t: row[0], v: row[1] } : row && typeof row === 'object' ? { t: (row as Record<string, unknown>).time ?? (row as Record<string, unknown>).t, v: (row as Record<string, unknown>).rps ?? (row as Record<string, unknown>).value } : {}) as { t?: unknown; v?: unknown };
      if (typeof o.t !== 'number' || typeof o.v !== 'number') fail(path, `row ${i}: expected [time, rps] numbers, got ${JSON.stringify(row)}`);
      times.push(o.t);
      values.push(o.v);
    });
    return build(times, values, path, f);
  }
  lines.forEach((line, i) => {
    const cells = line.split(/[,;\t]/).map((c) => c.trim());
    if (f === 'lines') {
      if (cells.length !== 1 || !NUMBER_LINE.test(cells[0]!)) fail(path, `data line ${i + 1}: expected one number per line, got "${line.trim()}"`);
      times.push(times.length * intervalS);
      values.push(Number(cells[0]));
      return;
    }
    // Only decimal numbers: Number() would read '' as 0 and '0x100' as 256.
    const value = decimal(cells[1]);
    let time: number;
    if (f === 'nab') {
      time = NAB_TIME.test(cells[0] ?? '') ? Date.parse(`${cells[0]!.replace(' ', 'T')}Z`) / 1000 : Number.NaN;
    } else time = decimal(cells[0]);
    if (cells.length < 2 || !Number.isFinite(time) || !Number.isFinite(value)) {
      // A header is a first line with no number in it (`time,rps`); `0,NaN` is a bad data line.
      if (i === 0 && !cells.some((c) => NUMBER_LINE.test(c) || NAB_TIME.test(c))) return;
      fail(path, `data line ${i + 1}: expected "${f === 'nab' ? 'YYYY-MM-DD HH:MM:SS,value' : 'time,rps'}", got "${line.trim()}"`);
    }
    times.push(time);
    values.push(value);
  });
  return build(times, values, path, f, f === 'lines' ? intervalS : undefined);
}

/** Largest value of a source series. */
export function sourcePeak(s: SourceSeries): number {
  let m = 0;
  for (let i = 0; i < s.values.length; i++) if (s.values[i]! > m) m = s.values[i]!;
  return m;
}
