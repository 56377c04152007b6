import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { executeEval } from '../../src/runner/execute-eval.js';
import { shortAgentLabels } from '../../src/runner/report/agent-labels.js';
import { tInterval95 } from '../../src/runner/report/agent-stats.js';
import { findReportDirs } from '../../src/runner/report/find-dirs.js';
import { policyName } from '../../src/runner/report/load-training.js';
import type { StudyJson } from '../../src/runner/report/study.js';
import { planRun } from '../../src/runner/run-plan.js';
import { trainAgent } from '../../src/runner/train/train-loop.js';
import { DSB_TRACE, runCli, tempDir } from './helpers.js';

/** `simenv report` over what a study leaves behind: evals in nested directories, an interrupted run, training directories. */

const silent = { stdout: () => {}, stderr: { isTTY: false, write: () => true }, argv: [], handleSignals: false };

describe('the interval over seeds', () => {
  it('is the Student-t 95% interval of the mean, null below two seeds', () => {
    const ci = tInterval95([1, 2, 3])!;
    expect(ci.lo).toBeCloseTo(2 - 4.303 / Math.sqrt(3), 9);
    expect(ci.hi).toBeCloseTo(2 + 4.303 / Math.sqrt(3), 9);
    expect(tInterval95([5])).toBeNull();
    const many = Array.from({ length: 40 }, (_, i) => i % 2);
    expect(tInterval95(many)!.hi - 0.5).toBeCloseTo(1.96 * (Math.sqrt(10 / 39) / Math.sqrt(40)), 9);
  });
});

describe('short agent labels', () => {
  it('name only the settings that differ, in short form', () => {
    const hpa = { agent: 'hpa', targetUtilisation: 60, tolerance: 0.1, downscaleStabilizationSeconds: 300, minReplicas: 1, maxReplicas: 20 };
    const labels = shortAgentLabels([
      { name: 'hpa', params: hpa, policies: [] },
      { name: 'hpa', params: { ...hpa, downscaleStabilizationSeconds: 60 }, policies: [] },
      { name: 'hpa', params: { ...hpa, behavior: { scaleDown: { stabilizationWindowSeconds: 120, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } } }, policies: [] },
      { name: 'static', params: { target: 4 }, policies: [] },
      { name: 'ppo', params: { agent: 'ppo', training: { totalSteps: 100000, seed: 1, learningRate: 0.001 }, tfBackend: 'wasm' }, policies: ['ppo-1'] },
    ]);
    expect(labels).toEqual(['hpa(down-stab=300s)', 'hpa(down-stab=60s)', 'hpa(down-stab=120s, down-policies=1 pods/60s)', 'static', 'ppo(ppo-1, 100k steps)']);
    // Two targets and a replica range: target first, then the range.
    expect(shortAgentLabels([
      { name: 'hpa', params: { targetUtilisation: 60, minReplicas: 1, maxReplicas: 20 }, policies: [] },
      { name: 'hpa', params: { targetUtilisation: 80, minReplicas: 2, maxReplicas: 20 }, policies: [] },
    ])).toEqual(['hpa(target=60%, replicas=1..20)', 'hpa(target=80%, replicas=2..20)']);
    // Past three settings, the rest are counted; labels stay unique.
    const many = shortAgentLabels([0, 1].map((i) => ({ name: 'x', params: { a: i, b: i, c: i, d: i, e: i }, policies: [] })));
    expect(many[0]).toBe('x(a=0, b=0, c=0, +2 more)');
    expect(new Set(many).size).toBe(2);
    expect(policyName('/r/train/ppo-1/policy')).toBe('ppo-1');
    expect(policyName('/r/train/ppo-1/checkpoints/step-000002000')).toBe('ppo-1@step-000002000');
  });
});

describe('simenv report over a study', () => {
  let root: string;
  beforeAll(async () => {
    root = tempDir();
    const evalOut = join(root, 'study', 'evals', 'nginx');
    for (const [id, flags] of [
      ['hpa', { agent: 'hpa' }],
      ['hpa-60s', { agent: 'hpa', baseline: 'hpa' }],
      ['static-4', { target: '4', baseline: 'hpa' }],
    ] as const) {
      const plan = planRun({ trace: DSB_TRACE, deploy: 'dsb/nginx-thrift', step: '15', duration: '150', seeds: '1,2', out: evalOut, runId: id, quiet: true, ...flags }, { evalMode: true });
      expect(await executeEval(plan, silent)).toBe(0);
    }
    // An interrupted run: its summary says so and its last episode is partial.
    const src = join(evalOut, 'hpa');
    const cut = join(root, 'study', 'evals', 'interrupted');
    mkdirSync(cut, { recursive: true });
    const summary = JSON.parse(readFileSync(join(src, 'summary.json'), 'utf8')) as { perEpisode: Array<{ complete: boolean }>; episodes: number };
    summary.perEpisode[1]!.complete = false;
    writeFileSync(join(cut, 'summary.json'), JSON.stringify({ ...summary, run: 'interrupted', status: 'interrupted', signal: 'SIGINT', episodes: 1 }));
    writeFileSync(join(cut, 'config.json'), JSON.stringify({ ...(JSON.parse(readFileSync(join(src, 'config.json'), 'utf8')) as object), run: 'interrupted' }));
    await trainAgent({ agent: 'ppo', env: { trace: DSB_TRACE, deployment: 'dsb/nginx-thrift', horizon: 8 }, steps: 64, numEnvs: 2, seed: 1, out: join(root, 'study', 'train', 'ppo-1'), hyper: { numSteps: 16 } });
  }, 300_000);

  it('finds runs and trainings at any depth, and not inside a training directory', () => {
    const found = findReportDirs([join(root, 'study')]);
    expect(found.runs.map((d) => d.split('/').slice(-1)[0]).sort()).toEqual(['hpa', 'hpa-60s', 'interrupted', 'static-4', expect.stringMatching(/hpa/), expect.stringMatching(/hpa/)].sort());
    expect(found.runs).toHaveLength(6);
    expect(found.trainings.map((d) => d.split('/').slice(-1)[0])).toEqual(['ppo-1']);
    // A training directory named alone is one; listing a directory twice counts it once.
    expect(findReportDirs([join(root, 'study', 'train', 'ppo-1'), join(root, 'study', 'train')]).trainings).toHaveLength(1);
  });

  it('text, --by agent and --json: exit 0, no warnings; differences and trainings tabled', async () => {
    const dir = join(root, 'study');
    const html = join(root, 'study.html');
    const [text, agents, json] = await Promise.all([runCli(['report', dir, '--html', html]), runCli(['report', dir, '--by', 'agent']), runCli(['report', dir, '--json'])]);
    for (const r of [text, agents, json]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
    }
    expect(text.stdout).toMatch(/^run\s+agent\s+scenario\s+split\s+deployment\s+status/m);
    expect(text.stdout).toMatch(/^interrupted\s+hpa\s+dsb-scaling\.sktrace\s+-\s+dsb\/nginx-thrift\s+interrupted\s+1\s/m);
    expect(text.stdout).toMatch(/paired differences \(eval\.json\)[\s\S]*static-4\s+\S+\s+static\(4\)\s+hpa\s+2\s/);
    expect(text.stdout).toMatch(/training runs[\s\S]*ppo-1\s+ppo\s+-\s+1\s+completed\s+64\/64/);
    expect(agents.stdout).toMatch(/grouped by agent/);
    const doc = JSON.parse(json.stdout) as StudyJson;
    expect(doc.runs).toHaveLength(6);
    expect(doc.runs.every((r) => r.deployment === 'dsb/nginx-thrift' && r.split === null)).toBe(true);
    expect(doc.scenarios).toHaveLength(1);
    expect(doc.differences.map((d) => [d.run, d.agent, d.baseline, d.pairs])).toEqual([
      ['hpa-60s', 'hpa', 'hpa', 2],
      ['static-4', 'static(4)', 'hpa', 2],
    ]);
    const d = doc.differences[1]!;
    expect(d.reward.lo!).toBeLessThanOrEqual(d.reward.mean!);
    expect(d.reward.hi!).toBeGreaterThanOrEqual(d.reward.mean!);
    expect(doc.trainings.map((t) => [t.training, t.agent, t.status, t.logLines > 0])).toEqual([['ppo-1', 'ppo', 'completed', true]]);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/data-chart="agent-intervals"[\s\S]*data-chart="paired-differences"[\s\S]*data-chart="train-reward"/);
    expect(page).toMatch(/Partial episode 1 \(\d+ steps\) not drawn: cut short \(interrupted\)/);
  });

  it('a directory with neither runs nor trainings below it: one line, exit 2', async () => {
    const empty = join(root, 'empty', 'deeper');
    mkdirSync(empty, { recursive: true });
    const r = await runCli(['report', join(root, 'empty')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^simenv: expected a run directory \(config\.json, step\.jsonl, summary\.json\), a training directory \(train\.json\) or a directory of them, got .*empty with none below it/);
  });
});
