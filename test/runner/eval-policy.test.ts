import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RunConfigRecordSchema, StepRecordSchema, SummaryRecordSchema } from '../../src/runner/records.js';
import { trainAgent } from '../../src/runner/train/train-loop.js';
import { cliInProcess as cli, DSB_TRACE, readJsonl, tempDir } from './helpers.js';

/**
 * `simenv eval --policy DIR` / `simenv run --policy DIR` on a policy trained here (a few
 * hundred DQN steps: enough for a real policy directory, not for a good policy). It is
 * trained with a step length and maxDelta other than SimEnv's defaults (15 s, 2), so a run
 * that did not take them from policy.json would build another action space and fail.
 */

const root = tempDir('simenv-eval-policy-');
const policyRun = join(root, 'dqn');

afterEach(() => {
  process.exitCode = undefined;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));


const evalArgs = (out: string, ...extra: string[]): string[] => ['eval', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift', '--policy', policyRun, '--out', out, ...extra];

beforeAll(async () => {
  const r = await trainAgent({
    agent: 'dqn',
    env: { trace: DSB_TRACE, deployment: 'dsb/nginx-thrift', horizon: 8, stepSeconds: 30, maxDelta: 3 },
    steps: 300,
    numEnvs: 2,
    seed: 1,
    out: policyRun,
    hyper: { learningStarts: 64, batchSize: 16 },
  });
  expect(r.summary.status).toBe('completed');
}, 120_000);

describe('evaluating a trained policy', () => {
  it('eval --policy: the env takes the policy action space and step length; one run directory', async () => {
    const out = tempDir();
    const r = await cli(evalArgs(out, '--duration', '300', '--seeds', '4,5', '--episodes', '2', '--run-id', 'ev', '--json'));
    expect(r.err).not.toMatch(/simenv:/);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { status: string; episodes: number };
    expect(doc).toMatchObject({ status: 'completed', episodes: 4 });

    const config = RunConfigRecordSchema.parse(JSON.parse(readFileSync(join(out, 'ev', 'config.json'), 'utf8')));
    const trained = JSON.parse(readFileSync(join(policyRun, 'policy', 'policy.json'), 'utf8')) as { envOptions: { maxReplicas: number; minReplicas: number } };
    expect(config.env).toMatchObject({ actionMode: 'delta', maxDelta: 3, stepSeconds: 30, horizon: 10, maxReplicas: trained.envOptions.maxReplicas, minReplicas: trained.envOptions.minReplicas });
    expect(config.mode).toBe('multi-step');
    expect(config.agent.name).toBe('dqn');

    const steps = readJsonl(join(out, 'ev', 'step.jsonl')).map((x) => StepRecordSchema.parse(x));
    const acted = steps.filter((s) => s.step > 0);
    expect(acted).toHaveLength(4 * 10);
    expect(acted.every((s) => s.action !== null && s.action >= -3 && s.action <= 3)).toBe(true);
    expect(acted.every((s) => s.timeS % 30 === 0)).toBe(true);
    const summary = SummaryRecordSchema.parse(JSON.parse(readFileSync(join(out, 'ev', 'summary.json'), 'utf8')));
    expect(summary.perEpisode.map((e) => e.seed)).toEqual(config.episodeSeeds);
  });

  it('run --policy prints the phases; explicit flags that agree, or leave the action space alone, are taken', async () => {
    const out = tempDir();
    const r = await cli(['run', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift', '--policy', policyRun, '--max-delta', '3', '--action-mode', 'delta', '--step', '60', '--duration', '600', '--min-replicas', '2', '--out', out, '--run-id', 'r']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\[start\] +run=r agent=policy\(.*\) .*mode=multi-step\(60sx10\)/);
    expect(r.out).toMatch(/\[summary\] status=completed episodes=1\/1 steps=10 /);
    const config = RunConfigRecordSchema.parse(JSON.parse(readFileSync(join(out, 'r', 'config.json'), 'utf8')));
    // --step overrides the policy's 30 s, --min-replicas its bound (delta mode: not part of the action space).
    expect(config.env).toMatchObject({ actionMode: 'delta', maxDelta: 3, stepSeconds: 60, horizon: 10, minReplicas: 2 });
  });

  it('a flag that contradicts the policy action space is a usage error naming both values; nothing is created', async () => {
    const out = join(tempDir(), 'runs');
    const delta = await cli(evalArgs(out, '--max-delta', '2'));
    expect(delta.code).toBe(2);
    expect(delta.err.split('\n')[0]).toBe(`simenv: --max-delta: expected 3 (policy ${join(policyRun, 'policy')} acts in delta Discrete(7, start=-3)), got 2`);
    expect(delta.err).toMatch(/fix: leave --max-delta out to use the policy's value/);
    const mode = await cli(evalArgs(out, '--action-mode', 'absolute'));
    expect(mode.code).toBe(2);
    expect(mode.err).toMatch(/^simenv: --action-mode: expected delta \(policy .* acts in delta Discrete\(7, start=-3\)\), got absolute/);
    const max = await cli(evalArgs(out, '--max-replicas', '99'));
    expect(max.code).toBe(2);
    expect(max.err).toMatch(/^simenv: --max-replicas: expected \d+ \(policy .* was trained with maxReplicas \d+, and observations are divided by it\), got 99/);
    expect(existsSync(out)).toBe(false);
  });

  it('a policy of another observation shape: the PolicyError message, exit 1, no run directory', async () => {
    const bad = join(tempDir(), 'bad-policy');
    cpSync(join(policyRun, 'policy'), bad, { recursive: true });
    const metaPath = join(bad, 'policy.json');
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as { observation: { shape: number[]; fields: string[] }; scaling: { offset: number[]; scale: number[] } };
    meta.observation = { shape: [8], fields: meta.observation.fields.slice(0, 8) };
    meta.scaling = { offset: meta.scaling.offset.slice(0, 8), scale: meta.scaling.scale.slice(0, 8) };
    writeFileSync(metaPath, JSON.stringify(meta));
    const out = tempDir();
    const r = await cli(['eval', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift', '--policy', bad, '--out', out, '--seeds', '1,2']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    // The env was built before the policy was loaded, so the backend's line comes first.
    const lines = r.err.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\[backend\] memory backend: /);
    expect(lines[1]).toBe(`simenv: policy ${bad} expects observations of shape [8], got an env with shape [9]`);
    expect(lines[2]).toMatch(/^ {2}fix: evaluate it with the env options it was trained with/);
    expect(lines).toHaveLength(3);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(readdirSync(out)).toEqual([]);
  });

  it('a directory that is not a policy: the PolicyError message, exit 1', async () => {
    const out = tempDir();
    const r = await cli(['eval', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift', '--policy', join(root, 'nope'), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^simenv: expected a policy directory with policy\.json, got no such file at .*nope\/policy\.json/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('eval --policy --baseline hpa: the baseline runs in the env the policy defines, on the same seeds', async () => {
    const out = tempDir();
    const r = await cli(evalArgs(out, '--duration', '240', '--seeds', '1..2', '--baseline', 'hpa', '--run-id', 'pol', '--quiet'));
    expect(r.code, r.err).toBe(0);
    const other = readdirSync(out).find((d) => d !== 'pol')!;
    const pol = RunConfigRecordSchema.parse(JSON.parse(readFileSync(join(out, 'pol', 'config.json'), 'utf8')));
    const base = RunConfigRecordSchema.parse(JSON.parse(readFileSync(join(out, other, 'config.json'), 'utf8')));
    expect(base.agent.name).toBe('hpa');
    expect(base.env).toEqual(pol.env);
    expect(base.env).toMatchObject({ actionMode: 'delta', maxDelta: 3, stepSeconds: 30 });
    const ev = JSON.parse(readFileSync(join(out, 'pol', 'eval.json'), 'utf8')) as { seeds: number[]; difference: { pairs: number } };
    expect(ev.seeds).toEqual(pol.episodeSeeds);
    expect(ev.difference.pairs).toBe(2);
  });
});
