import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/env/errors.js';
import { parseScenario } from '../../src/env/scenario.js';
import { builtInScenarioNames, loadScenario, readScenarioFile } from '../../src/env/scenario-files.js';
import { resolveScenario } from '../../src/env/scenario-resolve.js';
import { SimEnv } from '../../src/env/sim-env.js';

/** Scenario files: validation with paths, resolution into SimEnv options, splits and episode starts. */

const TRACE = resolve('examples/traces/dsb-scaling.sktrace');
const base = { name: 'x', trace: TRACE, deployment: 'dsb/compose-post-service' };

function errorOf(raw: unknown): string {
  try {
    parseScenario(raw, 'x.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('scenario validation', () => {
  it('names the path of the offending field, "expected X, got Y"', () => {
    expect(errorOf({ ...base, demand: { source: 'load', path: 'a.txt', mapping: { peakReplicas: -3 } } })).toBe(
      'demand.mapping.peakReplicas: expected a positive integer, got -3',
    );
    expect(errorOf({ ...base, horizon: 2.5 })).toBe('horizon: expected a positive integer, got 2.5');
    expect(errorOf({ ...base, splits: { heldout: { windows: [[600, 300]] } } })).toBe('splits.heldout.windows.0: expected startS < endS, got [600,300]');
    expect(errorOf({ ...base, episodeStart: 'later' })).toBe('episodeStart: expected random, trace-start or a number of seconds, got "later"');
    expect(errorOf({ ...base, sloMs: 50 })).toBe('(scenario): unknown field "sloMs"');
    expect(errorOf({ ...base, demand: { source: 'kafka' } })).toMatch(/^demand.source: expected a known source \(trace, file, series, load, synthetic\), got "kafka"/);
    expect(errorOf({ ...base, demand: { source: 'synthetic', synthetic: { dailyAmplitude: 2 } } })).toBe('demand.synthetic.dailyAmplitude: expected a daily amplitude in [0, 1], got 2');
    expect(errorOf({ ...base, name: 'Bad Name' })).toMatch(/^name: expected a lower-case name/);
  });

  it('reads YAML as well as JSON, paths relative to the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'simenv-scenario-'));
    const file = join(dir, 'mine.yaml');
    writeFileSync(
      file,
      [
        'name: mine',
        `trace: ${TRACE}`,
        'deployment: dsb/text-service',
        'demand:',
        '  source: load',
        '  path: load.txt',
        '  mapping: { peakReplicas: 3, compression: 2 }',
        'stepSeconds: 10',
        'horizon: 6',
        'pastTraceEnd: hold',
        'splits:',
        '  train: { windows: [[0, 100]] }',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'load.txt'), '10\n20\n30\n');
    const loaded = readScenarioFile(file);
    expect(loaded.scenario.demand).toMatchObject({ source: 'load', mapping: { peakReplicas: 3, compression: 2 } });
    const r = resolveScenario({ scenario: file, split: 'train' });
    expect(r.options.demand).toMatchObject({ path: join(dir, 'load.txt') });
    expect(r.options.episodeStart).toEqual({ type: 'windows', windows: [[0, 100]] });
    writeFileSync(join(dir, 'broken.yaml'), 'name: [unclosed\n');
    expect(() => readScenarioFile(join(dir, 'broken.yaml'))).toThrow(/broken.yaml: expected valid YAML/);
  });

  it('unknown names and splits say what exists', () => {
    expect(() => loadScenario('no-such-scenario')).toThrow(/expected a built-in scenario name or a scenario file, got "no-such-scenario"/);
    expect(() => resolveScenario({ scenario: 'home-timeline-taxi', split: 'heldout-workload' })).toThrow(
      /split: expected a split scenario "home-timeline-taxi" defines \(train, heldout\), got "heldout-workload"/,
    );
    expect(() => resolveScenario({ scenario: 'nginx-trace', split: 'train', episodeStart: { type: 'trace-start' } })).toThrow(/either a split or an episodeStart/);
  });
});

describe('scenarios in SimEnv', () => {
  it('at least 8 built-ins, on the DeathStarBench trace, with train and heldout splits', () => {
    const names = builtInScenarioNames();
    expect(names.length).toBeGreaterThanOrEqual(8);
    for (const n of names) {
      const s = loadScenario(n).scenario;
      expect(s.name).toBe(n);
      expect(s.trace).toBe('../traces/dsb-scaling.sktrace');
      expect(Object.keys(s.splits ?? {})).toEqual(expect.arrayContaining(['train', 'heldout']));
    }
    expect(names.map((n) => loadScenario(n).scenario.demand?.source)).toContain('trace');
  });

  it('a split draws each episode start inside its windows from the episode seed; the mapping is recorded', async () => {
    const env = await SimEnv.create({ scenario: 'compose-post-bursty', split: 'heldout' });
    try {
      const starts = [1, 2, 3, 4, 5, 6].map((seed) => env.reset({ seed }).info.timeS);
      for (const s of starts) {
        expect(s).toBeGreaterThanOrEqual(2400);
        expect(s + 40 * 15).toBeLessThanOrEqual(3600);
        expect(s % 15).toBe(0);
      }
      expect(new Set(starts).size).toBeGreaterThan(1);
      expect(env.reset({ seed: 2 }).info.timeS).toBe(starts[1]);
      expect(env.options.scenario).toMatchObject({ name: 'compose-post-bursty', split: 'heldout' });
      expect(env.options.demandMapping).toMatchObject({ source: 'load', format: 'lines', points: 3600, sourcePeak: 397, pastEnd: 'end' });
      // peakReplicas 6 at 60% of 100 rps: the peak maps to 360 rps.
      expect(env.options.demandMapping!.peakRps).toBeCloseTo(360, 9);
    } finally {
      await env.close();
    }
  });

  it('the held-out workload replaces the demand; overrides merge over the scenario', async () => {
    const env = await SimEnv.create({ scenario: 'compose-post-bursty', split: 'heldout-workload', service: { sloLatencyMs: 250 }, reward: { churn: 0 } });
    try {
      expect(env.options.demand).toMatchObject({ source: 'load', path: expect.stringMatching(/autothrottle-noisy.txt$/) });
      expect(env.options.service).toEqual({ perReplicaRps: 100, sloLatencyMs: 250, maxLatencyMs: 1000 });
      expect(env.options.reward).toEqual({ slo: 0.1, cost: 0.002, churn: 0 });
    } finally {
      await env.close();
    }
  });

  it('a window longer than the load (pastEnd end) is refused at create', async () => {
    await expect(SimEnv.create({ scenario: 'compose-post-bursty', episodeStart: { type: 'windows', windows: [[0, 4000]] } })).rejects.toThrow(
      /episodeStart.windows.0: expected a window within the load's end \(3600 s with pastEnd "end"\), got \[0, 4000\]/,
    );
  });

  it('pastEnd "end" truncates an episode at the load\'s end', async () => {
    const env = await SimEnv.create({ scenario: 'compose-post-bursty', episodeStart: { type: 'offset', seconds: 3300 } });
    try {
      env.reset({ seed: 1 });
      let steps = 0;
      for (;;) {
        const r = env.step(3);
        steps++;
        if (r.truncated || r.terminated) {
          expect(r.info.timeS).toBe(3600);
          break;
        }
      }
      expect(steps).toBe(20);
    } finally {
      await env.close();
    }
  });

  it('an inline scenario with a looped synthetic load: demand past the series repeats it', async () => {
    const scenario = {
      name: 'loop',
      trace: TRACE,
      deployment: 'dsb/text-service',
      demand: { source: 'synthetic', synthetic: { seed: 3, durationS: 3600, intervalS: 60, noise: 0, burstsPerDay: 0 }, mapping: { factor: 1, pastEnd: 'loop' } },
      stepSeconds: 60,
      horizon: 5,
      pastTraceEnd: 'hold',
      episodeStart: 7200 + 600,
    } as const;
    const env = await SimEnv.create({ scenario });
    const ref = await SimEnv.create({ scenario: { ...scenario, episodeStart: 600 } });
    try {
      // Two periods (2 x 3600 s) later, the same demand as at 600 s.
      expect(env.reset({ seed: 1 }).info.observation.demand).toBe(ref.reset({ seed: 1 }).info.observation.demand);
      expect(env.options.demandMapping).toMatchObject({ source: 'synthetic', pastEnd: 'loop', simSpanS: 3600 });
      expect(env.options.scenario).toEqual({ name: 'loop', file: null, split: null });
    } finally {
      await env.close();
      await ref.close();
    }
  });
});
