import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/env/errors.js';
import { parseSourceSeries, sourcePeak } from '../../src/env/load-series.js';

/** The load-file readers on the shipped files (examples/workloads/) and on bad input. */

const W = 'examples/workloads/';
const read = (f: string) => parseSourceSeries(readFileSync(W + f, 'utf8'), f);

describe('load files', () => {
  it('reads the Autothrottle one-number-per-line files: 3600 points, 1 s apart', () => {
    const expected: Record<string, [number, number]> = {
      'autothrottle-bursty.txt': [81, 397],
      'autothrottle-diurnal.txt': [177, 387],
      'autothrottle-diurnal-2.txt': [90, 394],
      'autothrottle-noisy.txt': [81, 245],
    };
    for (const [f, [min, max]] of Object.entries(expected)) {
      const s = read(f);
      expect(s.format).toBe('lines');
      expect(s.values.length).toBe(3600);
      expect(s.times[0]).toBe(0);
      expect(s.times[3599]).toBe(3599);
      expect(s.spanS).toBe(3600);
      expect(Math.min(...s.values)).toBe(min);
      expect(sourcePeak(s)).toBe(max);
    }
  });

  it('reads the NAB timestamp,value CSVs: header skipped, UTC timestamps, median spacing', () => {
    const expected: Record<string, [number, number]> = {
      'nab-elb_request_count_8c0756.csv': [4032, 300],
      'nab-Twitter_volume_AMZN.csv': [15831, 300],
      'nab-Twitter_volume_GOOG.csv': [15842, 300],
      'nab-Twitter_volume_FB.csv': [15833, 300],
      'nab-nyc_taxi.csv': [10320, 1800],
    };
    for (const [f, [rows, interval]] of Object.entries(expected)) {
      const s = read(f);
      expect(s.format).toBe('nab');
      expect(s.values.length).toBe(rows);
      expect(s.intervalS).toBe(interval);
      expect(s.times[0]).toBe(0);
    }
    const taxi = read('nab-nyc_taxi.csv');
    // 2014-07-01 00:00 .. 2015-01-31 23:30, every 30 minutes.
    expect(taxi.times[taxi.times.length - 1]).toBe((Date.UTC(2015, 0, 31, 23, 30) - Date.UTC(2014, 6, 1)) / 1000);
    expect(taxi.values[0]).toBe(10844);
    expect(sourcePeak(read('nab-elb_request_count_8c0756.csv'))).toBe(656);
  });

  it('reads time,rps CSV and JSON series relative to their first point', () => {
    const csv = parseSourceSeries('time,rps\n100,5\n160,7\n220,9\n', 'x.csv');
    expect(csv.format).toBe('csv');
    expect([...csv.times]).toEqual([0, 60, 120]);
    expect(csv.spanS).toBe(180);
    const json = parseSourceSeries('[[10, 1], [20, 2]]', 'x.json');
    expect(json.format).toBe('json');
    expect([...json.values]).toEqual([1, 2]);
    expect(parseSourceSeries('5\n6\n', 'y.txt', 'lines', 60).spanS).toBe(120);
  });

  it('bad files: a ConfigError naming the file and the line', () => {
    expect(() => parseSourceSeries('', 'empty.txt')).toThrow(/empty.txt: expected at least one data line/);
    expect(() => parseSourceSeries('1\n2\nabc\n', 'l.txt', 'lines')).toThrow(/l.txt: data line 3: expected one number per line, got "abc"/);
    expect(() => parseSourceSeries('timestamp,value\n2014-04-10 00:04:00,94\nnot-a-date,3\n', 'n.csv')).toThrow(/n.csv: data line 3: expected "YYYY-MM-DD HH:MM:SS,value"/);
    expect(() => parseSourceSeries('1\n-4\n', 'neg.txt')).toThrow(ConfigError);
    expect(() => parseSourceSeries('[[0, "a"]]', 'j.json')).toThrow(/row 0/);
  });
});
