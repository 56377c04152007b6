import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtInScenarioNames } from '../../src/env/scenario-files.js';
import { planRun } from '../../src/runner/run-plan.js';
import { UsageError } from '../../src/env/errors.js';
import { cliInProcess, DSB_TRACE, tempDir } from './helpers.js';

/** `simenv scenarios ...`, `--scenario` on run and eval, and the env flags' usage errors. */

function usage(raw: Record<string, unknown>, evalMode = false): string {
  try {
    planRun(raw, { evalMode });
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('simenv scenarios', () => {
  it('list shows every built-in; show prints one; validate builds every split', async () => {
    const list = await cliInProcess(['scenarios', 'list']);
    expect(list.code).toBe(0);
    const names = builtInScenarioNames();
    expect(names.length).toBeGreaterThanOrEqual(8);
    for (const n of names) expect(list.out).toContain(n);
    expect(list.out).toMatch(/autothrottle-bursty\.txt \(peak=6 replicas, 1x, past end: end\)/);
    expect(list.out).toContain('trace-derived');

    const show = await cliInProcess(['scenarios', 'show', 'nginx-trace']);
    expect(show.code).toBe(0);
    expect(show.out).toMatch(/^nginx-trace: /);
    expect(show.out).toContain('splits: train 0:780; heldout 780:1134');
    const json = await cliInProcess(['scenarios', 'show', 'url-shorten-elb', '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ name: 'url-shorten-elb', demand: { mapping: { compression: 20, peakQuantile: 0.99 } } });

    const ok = await cliInProcess(['scenarios', 'validate', 'examples/scenarios/text-noisy.json']);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^ok: examples\/scenarios\/text-noisy.json: scenario text-noisy, dsb\/text-service, .*built \(no split\), train, heldout, heldout-workload\n$/);
  });

  it('validate: a bad file is one line naming the field, exit 1', async () => {
    const dir = tempDir();
    const file = join(dir, 'bad.json');
    const good = JSON.parse(readFileSync('examples/scenarios/compose-post-bursty.json', 'utf8'));
    good.trace = resolve('examples/traces/dsb-scaling.sktrace');
    good.demand.path = resolve('examples/workloads/autothrottle-bursty.txt');
    good.demand.mapping.peakReplicas = -3;
    writeFileSync(file, JSON.stringify(good));
    const r = await cliInProcess(['scenarios', 'validate', file]);
    expect(r.code).toBe(1);
    expect(r.err.split('\n')[0]).toBe('simenv: demand.mapping.peakReplicas: expected a positive integer, got -3');
    good.demand.mapping.peakReplicas = 6;
    good.splits.heldout.windows = [[3000, 3300]];
    writeFileSync(file, JSON.stringify(good));
    const short = await cliInProcess(['scenarios', 'validate', file]);
    expect(short.code).toBe(1);
    expect(short.err).toMatch(/episodeStart.windows.0: expected a window of at least one episode \(600 s = horizon x stepSeconds\), got \[3000, 3300\]/);
    const missing = await cliInProcess(['scenarios', 'show', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/expected a built-in scenario name or a scenario file, got "nope"/);
  });
});

describe('eval --scenario', () => {
  it('each built-in runs with --agent hpa --split heldout --seeds 1,2,3, and per-seed means differ', async () => {
    const out = tempDir();
    for (const name of builtInScenarioNames()) {
      const r = await cliInProcess(['eval', '--scenario', name, '--agent', 'hpa', '--split', 'heldout', '--seeds', '1,2,3', '--out', out, '--json', '--quiet']);
      expect(r.code, `${name}: ${r.err}`).toBe(0);
      const s = JSON.parse(r.out) as { dir: string; perEpisode: Array<{ seed: number; reward: { total: number }; steps: number }> };
      expect(s.perEpisode.map((e) => e.seed)).toEqual([1, 2, 3]);
      const means = s.perEpisode.map((e) => e.reward.total);
      expect(new Set(means).size, `${name}: per-seed rewards ${means.join(', ')}`).toBeGreaterThan(1);
      const config = JSON.parse(readFileSync(join(s.dir, 'config.json'), 'utf8')) as { env: Record<string, unknown> };
      expect(config.env.scenario).toMatchObject({ name, split: 'heldout' });
      expect(config.env.episodeStart).toMatchObject({ type: 'windows' });
    }
  }, 120_000);

  it('flags override the scenario and are recorded in config.json', async () => {
    const out = tempDir();
    const r = await cliInProcess([
      'run', '--scenario', 'compose-post-bursty', '--agent', 'hpa', '--load', 'examples/workloads/autothrottle-noisy.txt',
      '--reward', 'slo=1,churn=0', '--slo-ms', '150', '--per-replica-rps', '80', '--window', '600:1800', '--out', out, '--json', '--quiet',
    ]);
    expect(r.code, r.err).toBe(0);
    const dir = (JSON.parse(r.out) as { dir: string }).dir;
    const env = (JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { env: Record<string, any> }).env;
    expect(env.demand).toMatchObject({ source: 'load', path: 'examples/workloads/autothrottle-noisy.txt', mapping: { peakReplicas: 6, pastEnd: 'end' } });
    expect(env.reward).toEqual({ slo: 1, cost: 0.002, churn: 0 });
    expect(env.service).toEqual({ perReplicaRps: 80, sloLatencyMs: 150, maxLatencyMs: 1000 });
    expect(env.episodeStart).toEqual({ type: 'windows', windows: [[600, 1800]] });
    expect(env.demandMapping).toMatchObject({ sourcePeak: 245, factor: (6 * 80 * 0.6) / 245 });
    expect(env.scenario).toMatchObject({ name: 'compose-post-bursty', split: null });
  });

  it('without a scenario: --load, --past-trace-end and --episode-start reach the env', async () => {
    const out = tempDir();
    const r = await cliInProcess([
      'run', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift', '--agent', 'hpa', '--step', '15', '--duration', '300',
      '--load', 'examples/workloads/autothrottle-diurnal.txt', '--past-trace-end', 'hold', '--episode-start', '1500', '--out', out, '--json', '--quiet',
    ]);
    expect(r.code, r.err).toBe(0);
    const dir = (JSON.parse(r.out) as { dir: string }).dir;
    const env = (JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { env: Record<string, any> }).env;
    expect(env).toMatchObject({ pastTraceEnd: 'hold', episodeStart: { type: 'offset', seconds: 1500 }, horizon: 20, demand: { source: 'load' } });
    expect(env.demandMapping).toMatchObject({ factor: 1, sourcePeak: 387 });
  });
});

describe('env and agent flags: usage errors (exit 2)', () => {
  const base = { trace: DSB_TRACE, deploy: 'dsb/nginx-thrift' };
  it('one validation layer, messages from the schemas', () => {
    expect(usage({ ...base, agent: 'hpa', pastTraceEnd: 'wrap' })).toBe('--past-trace-end: expected truncate or hold, got "wrap"');
    expect(usage({ ...base, agent: 'hpa', split: 'test', scenario: 'nginx-trace' })).toBe('--split: expected train, heldout or heldout-workload, got "test"');
    expect(usage({ ...base, agent: 'hpa', reward: 'slo=1,latency=2' })).toMatch(/^--reward: expected KEY=WEIGHT pairs with KEY in slo, cost or churn and WEIGHT >= 0 .*got "latency=2"$/);
    expect(usage({ ...base, agent: 'hpa', sloMs: '0' })).toBe('--slo-ms: expected a number > 0, got "0"');
    expect(usage({ ...base, agent: 'hpa', window: '900:300' })).toMatch(/^--window: expected START:END seconds with START < END/);
    expect(usage({ ...base, agent: 'hpa', episodeStart: 'soon' })).toBe('--episode-start: expected random, trace-start or a number of seconds >= 0, got "soon"');
    expect(usage({ ...base, agent: 'hpa', backend: 'cloud' })).toBe('--backend: expected memory or kube, got "cloud"');
  });

  it('contradictions and flags the agent does not use', () => {
    expect(usage({ ...base, agent: 'hpa', split: 'heldout' })).toMatch(/^--split: expected --scenario too/);
    expect(usage({ scenario: 'nginx-trace', agent: 'hpa', split: 'heldout', window: '0:600' })).toBe('--window: expected one of --split, --window, --episode-start, got --split and --window');
    expect(usage({ ...base, agent: 'random', target: '3' })).toMatch(/^--target: the random agent does not use --target; it applies to --agent static and --agent hpa$/);
    expect(usage({ ...base, agent: 'static', hpa: 'hpa.yaml' })).toMatch(/^--hpa: the static agent does not use --hpa; it applies to --agent hpa and --agent k8s-hpa$/);
    expect(usage({ ...base, target: '3', hpa: 'hpa.yaml' })).toMatch(/^--hpa: the static agent does not use --hpa/);
    expect(usage({ ...base, policy: 'runs/x', target: '3' })).toMatch(/^--target: a trained policy \(--policy\) does not use --target/);
    expect(usage({ agent: 'hpa' })).toMatch(/^--trace: expected a trace file \(--trace FILE\), or a scenario/);
    expect(usage({ scenario: 'nope', agent: 'hpa' })).toMatch(/^--scenario: scenario: expected a built-in scenario name or a scenario file, got "nope"/);
    expect(usage({ scenario: 'nginx-trace', agent: 'hpa', split: 'heldout-workload' })).toMatch(/^--scenario: split: expected a split scenario "nginx-trace" defines/);
  });

  it('an agent flag error exits 2 from the CLI with one line', async () => {
    const r = await cliInProcess(['run', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift', '--agent', 'trace', '--target', '5']);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe('simenv: --target: the trace agent does not use --target; it applies to --agent static and --agent hpa');
  });

  it('a scenario gives multi-step episodes at its step and horizon; --step and --duration override', () => {
    const p = planRun({ scenario: 'compose-post-bursty', agent: 'hpa' });
    expect(p).toMatchObject({ mode: 'multi-step', stepSeconds: 15, durationSeconds: 600, deployment: 'dsb/compose-post-service' });
    expect(p.tracePath).toBe(resolve('examples/traces/dsb-scaling.sktrace'));
    expect(planRun({ scenario: 'compose-post-bursty', agent: 'hpa', step: '30' })).toMatchObject({ stepSeconds: 30, durationSeconds: 1200 });
    expect(planRun({ scenario: 'compose-post-bursty', agent: 'hpa', duration: '300' })).toMatchObject({ stepSeconds: 15, durationSeconds: 300 });
  });
});

describe('train --scenario', () => {
  it('trains on the scenario\'s train split by default and records it', async () => {
    const out = join(tempDir(), 'dqn');
    const r = await cliInProcess([
      'train', '--agent', 'dqn', '--scenario', 'compose-post-bursty', '--steps', '64', '--envs', '2', '--seed', '1', '--out', out,
      '--hyper', '{"learningStarts":32,"batchSize":8}', '--tf-backend', 'cpu', '--quiet', '--no-progress',
    ]);
    expect(r.code, r.err).toBe(0);
    const train = JSON.parse(readFileSync(join(out, 'train.json'), 'utf8')) as { envOptions: Record<string, any> };
    expect(train.envOptions.scenario).toMatchObject({ name: 'compose-post-bursty', split: 'train' });
    expect(train.envOptions.episodeStart).toEqual({ type: 'windows', windows: [[0, 2400]] });
    const bad = await cliInProcess(['train', '--agent', 'dqn', '--scenario', 'compose-post-bursty', '--tf-backend', 'gpu', '--out', out]);
    expect(bad.code).toBe(2);
    expect(bad.err.split('\n')[0]).toBe('simenv: --tf-backend: expected auto, node, wasm or cpu, got "gpu"');
  }, 60_000);
});
