import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLoadSeries, seriesFromPoints } from '../../src/env/demand.js';
import { ConfigError } from '../../src/env/errors.js';
import { SimEnv } from '../../src/env/sim-env.js';

const DSB = 'examples/traces/dsb-scaling.sktrace';

describe('DemandSeries', () => {
  it('holds each value until the next point, the first before it and the last after it', () => {
    const s = seriesFromPoints([[10, 5], [0, 1], [20, 7]]);
    expect([s.at(-5), s.at(0), s.at(9.9), s.at(10), s.at(15), s.at(25), s.at(1e9)]).toEqual([1, 1, 1, 5, 5, 7, 7]);
    // Backwards after forwards still answers right (cursor + binary search).
    expect([s.at(12), s.at(3), s.at(20)]).toEqual([5, 1, 7]);
    expect(s.peak()).toBe(7);
  });

  it('rejects negative or non-finite rps', () => {
    expect(() => seriesFromPoints([[0, -1]])).toThrow(ConfigError);
    expect(() => seriesFromPoints([[Number.NaN, 1]])).toThrow(/finite/);
  });
});

describe('load series files', () => {
  it('parses CSV with a header, comments and blank lines', () => {
    expect(parseLoadSeries('time,rps\n0,10\n# note\n\n60, 20\n', 'x.csv')).toEqual([[0, 10], [60, 20]]);
  });

  it('parses JSON arrays of pairs or of {time, rps} objects', () => {
    expect(parseLoadSeries('[[0, 1], [5, 2]]', 'x.json')).toEqual([[0, 1], [5, 2]]);
    expect(parseLoadSeries('[{"time": 0, "rps": 3}, {"t": 9, "value": 4}]', 'x.json')).toEqual([[0, 3], [9, 4]]);
  });

  it('reports the line of a malformed row', () => {
    expect(() => parseLoadSeries('0,1\n5,abc\n', 'load.csv')).toThrow(/load.csv: line 2/);
    expect(() => parseLoadSeries('[[0, "a"]]', 'load.json')).toThrow(/row 0/);
  });

  it('drives the env demand from a file (relative times, and Unix times mapped to the trace)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simenv-demand-'));
    const rel = join(dir, 'rel.csv');
    writeFileSync(rel, 'time,rps\n0,50\n30,400\n');
    const env = await SimEnv.create({ trace: DSB, deployment: 'dsb/nginx-thrift', stepSeconds: 15, demand: { source: 'file', path: rel } });
    env.reset();
    expect(env.step(1).info.observation.demand).toBe(50);
    const r = env.step(1); // t = 30
    expect(r.info.observation.demand).toBe(400);
    expect(r.info.observation.demandTrend).toBe(350);
    const r3 = env.step(1);
    expect(r3.info.service.demand).toBe(400);
    expect(r3.info.service.unmet).toBe(300);
    await env.close();

    const unix = join(dir, 'unix.json');
    writeFileSync(unix, JSON.stringify([[1710892138, 10], [1710892138 + 15, 20]]));
    const env2 = await SimEnv.create({ trace: DSB, deployment: 'dsb/nginx-thrift', demand: { source: 'file', path: unix, scale: 2 } });
    env2.reset();
    expect(env2.step(1).info.observation.demand).toBe(40);
    await env2.close();
  });

  it('trace-derived demand is recorded replicas x perReplicaRps x targetUtilisation', async () => {
    const env = await SimEnv.create({
      trace: DSB,
      deployment: 'dsb/nginx-thrift',
      service: { perReplicaRps: 50 },
      demand: { source: 'trace', targetUtilisation: 0.5 },
      episodeStart: { type: 'offset', seconds: 830 },
    });
    expect(env.reset().info.observation.demand).toBe(10 * 50 * 0.5);
    await env.close();
    const other = await SimEnv.create({ trace: DSB, deployment: 'dsb/nginx-thrift', demand: { source: 'trace', of: 'dsb/text-service' }, episodeStart: { type: 'offset', seconds: 600 } });
    expect(other.reset().info.observation.demand).toBeCloseTo(5 * 100 * 0.6);
    await other.close();
  });
});
