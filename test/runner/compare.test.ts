import { describe, expect, it } from 'vitest';
import { compareRuns, divergence, formatComparison, type RunSteps } from '../../src/runner/compare.js';
import type { RunConfigRecord, StepRecord } from '../../src/runner/records.js';
import { OBSERVATION_FIELDS } from '../../src/env/types.js';

function step(episode: number, stepIndex: number, ready: number, reward: number | null, desired = ready): StepRecord {
  const observation = Object.fromEntries(OBSERVATION_FIELDS.map((f) => [f, 0])) as StepRecord['observation'];
  observation.ready = ready;
  observation.desired = desired;
  return {
    run: 'r',
    episode,
    step: stepIndex,
    timeS: stepIndex * 15,
    traceTs: 1000 + stepIndex * 15,
    action: stepIndex === 0 ? null : desired,
    requested: stepIndex === 0 ? null : desired,
    applied: stepIndex === 0 ? null : desired,
    recorded: 1,
    observation,
    reward: reward === null ? null : { total: reward, slo: 0, cost: reward, churn: 0 },
    service: null,
    terminated: false,
    truncated: false,
  };
}

function config(backend: 'memory' | 'kube', over: Partial<RunConfigRecord> = {}): RunConfigRecord {
  return {
    format: 1,
    run: backend,
    createdAt: '2024-01-01T00:00:00Z',
    simenvVersion: '0',
    nodeVersion: 'v20',
    command: [],
    seed: 0,
    episodes: 1,
    episodeSeeds: [0],
    mode: 'multi-step',
    durationSeconds: 60,
    stepSeconds: 15,
    agent: { name: 'static', params: {} },
    trace: { path: 't', sha256: 'abc', bytes: 1 },
    backend,
    deployment: 'dsb/nginx-thrift',
    describe: '',
    env: {},
    ...over,
  };
}

describe('divergence', () => {
  it('computes mean/max absolute difference, rmse and Pearson correlation', () => {
    const d = divergence([
      { a: 1, b: 1, episode: 0, step: 0 },
      { a: 2, b: 3, episode: 0, step: 1 },
      { a: 3, b: 3, episode: 0, step: 2 },
      { a: 4, b: 6, episode: 0, step: 3 },
    ]);
    expect(d.n).toBe(4);
    expect(d.meanAbsDiff).toBeCloseTo(0.75);
    expect(d.maxAbsDiff).toBe(2);
    expect(d.maxAt).toEqual({ episode: 0, step: 3 });
    expect(d.rmse).toBeCloseTo(Math.sqrt(5 / 4));
    expect(d.equalFraction).toBe(0.5);
    // deviations a: -1.5 -0.5 0.5 1.5, b: -2.25 -0.25 -0.25 2.75 -> r = 7.5 / sqrt(5 * 12.75)
    expect(d.correlation!).toBeCloseTo(7.5 / Math.sqrt(5 * 12.75), 9);
  });

  it('has no correlation for a constant series and no figures for no data', () => {
    expect(divergence([{ a: 1, b: 1, episode: 0, step: 0 }, { a: 1, b: 2, episode: 0, step: 1 }]).correlation).toBeNull();
    expect(divergence([]).n).toBe(0);
  });
});

describe('compareRuns', () => {
  const a: RunSteps = { id: 'mem', config: config('memory'), steps: [step(0, 0, 1, null), step(0, 1, 2, -1), step(0, 2, 4, -2), step(0, 3, 4, -2)] };
  const b: RunSteps = { id: 'kube', config: config('kube'), steps: [step(0, 0, 1, null), step(0, 1, 1, -1.5, 2), step(0, 2, 4, -2)] };

  it('aligns by (episode, step) and reports what only one run has', () => {
    const c = compareRuns(a, b);
    expect(c.pairs.map((p) => [p.step, p.readyA, p.readyB])).toEqual([
      [0, 1, 1],
      [1, 2, 1],
      [2, 4, 4],
    ]);
    expect(c.onlyA).toBe(1);
    expect(c.onlyB).toBe(0);
    expect(c.ready.meanAbsDiff).toBeCloseTo(1 / 3);
    expect(c.desired.meanAbsDiff).toBe(0);
    // reward is compared where both runs have one (not at step 0)
    expect(c.reward.n).toBe(2);
    expect(c.reward.meanAbsDiff).toBeCloseTo(0.25);
    expect(c.warnings).toEqual([]);
    expect(c.a.backend).toBe('memory');
    expect(c.b.backend).toBe('kube');
  });

  it('warns when the runs are not the same policy on the same trace', () => {
    const other: RunSteps = { ...b, config: config('kube', { seed: 3, trace: { path: 't', sha256: 'def', bytes: 1 }, agent: { name: 'hpa', params: {} } }) };
    const w = compareRuns(a, other).warnings.join('\n');
    expect(w).toContain('different traces');
    expect(w).toContain('different agents');
    expect(w).toContain('different seeds');
  });

  it('prints a per-step table and the aggregates', () => {
    const text = formatComparison(compareRuns(a, b), 2);
    expect(text).toContain('A: mem (memory backend, 4 steps)');
    expect(text).toMatch(/ 0\s+1\s+15\.0\s+2\s+1\s+2\s+2\s+-1\.000\s+-1\.500/);
    expect(text).toContain('... 1 more steps');
    expect(text).toMatch(/ready\s+mean 2\.333 vs 2\s+mean \|diff\| 0\.333/);
    expect(text).toContain('aligned steps: 3 (only in A: 1, only in B: 0)');
  });
});

describe('simenv compare gates (issue 14, defect 5)', () => {
  it('a gate over no aligned data fails (exit 1) instead of passing', async () => {
    const { cliInProcess, DSB_TRACE, tempDir } = await import('./helpers.js');
    const { copyFileSync, mkdirSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const out = tempDir();
    const good = await cliInProcess(['run', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift', '--agent', 'hpa', '--step', '15', '--duration', '150', '--out', out, '--run-id', 'good', '--quiet']);
    expect(good.code).toBe(0);
    mkdirSync(join(out, 'empty'));
    copyFileSync(join(out, 'good', 'config.json'), join(out, 'empty', 'config.json'));
    writeFileSync(join(out, 'empty', 'step.jsonl'), '');
    const gated = await cliInProcess(['compare', join(out, 'good'), join(out, 'empty'), '--max-ready-diff', '0.5']);
    expect(gated.code).toBe(1);
    expect(gated.err).toMatch(/--max-ready-diff: expected aligned steps with values to check, got none/);
    const rewardGate = await cliInProcess(['compare', join(out, 'good'), join(out, 'empty'), '--max-reward-diff', '1']);
    expect(rewardGate.code).toBe(1);
    // With data the gate still passes.
    expect((await cliInProcess(['compare', join(out, 'good'), join(out, 'good'), '--max-ready-diff', '0'])).code).toBe(0);
  });
});
