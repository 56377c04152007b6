import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/agents/registry.js';
import type { SimEnv } from '../../src/env/sim-env.js';
import { loadRun, parseStepLines } from '../../src/runner/report/load-run.js';
import { fmt } from '../../src/runner/number-format.js';
import { formatTable, reportRow } from '../../src/runner/report/report-table.js';
import { RunWriter } from '../../src/runner/run-dir.js';
import { runAgent } from '../../src/runner/run-loop.js';
import { configRecord, dsbEnv, runCli, tempDir } from './helpers.js';

describe('simenv report', () => {
  let env: SimEnv;
  let parent: string;
  beforeAll(async () => {
    env = await dsbEnv({ stepSeconds: 60, horizon: 10 });
    parent = tempDir();
    for (const [id, name] of [
      ['a-static', 'static'],
      ['b-random', 'random'],
    ] as const) {
      const w = RunWriter.create(parent, configRecord(id, { episodes: 3, episodeSeeds: [0, 1, 2], agent: { name, params: {} } }));
      await runAgent({ env, agent: createAgent(name, env.agentContext, { seed: 1, target: 2 }), episodes: 3, seed: 0, seeds: [0, 1, 2], writer: w, meta: { run: id, agent: { name, params: {} }, backend: 'memory', deployment: 'dsb/nginx-thrift', trace: null, mode: 'multi-step' } });
    }
  });
  afterAll(async () => {
    await env.close();
  });

  it('recomputes the figures of a killed run (no summary.json) from step.jsonl', () => {
    const full = loadRun(join(parent, 'b-random'));
    expect(full.finished).toBe(true);
    const killed = join(parent, 'killed');
    mkdirSync(killed);
    writeFileSync(join(killed, 'config.json'), readFileSync(join(parent, 'b-random', 'config.json')));
    // Two whole episodes (2 x 11 lines) and 4 steps of the third, then the process died.
    const lines = readFileSync(join(parent, 'b-random', 'step.jsonl'), 'utf8').split('\n').slice(0, 27);
    writeFileSync(join(killed, 'step.jsonl'), `${lines.join('\n')}\n`);
    const run = loadRun(killed);
    expect(run.finished).toBe(false);
    const s = run.summary;
    expect(s.status).toBe('unfinished');
    expect(s.episodes).toBe(2);
    expect(s.steps).toBe(24);
    expect(s.perEpisode.map((e) => [e.steps, e.complete])).toEqual([
      [10, true],
      [10, true],
      [4, false],
    ]);
    // The two complete episodes agree with the runner's own summary of them.
    for (const i of [0, 1]) {
      expect(s.perEpisode[i]!.reward.total).toBeCloseTo(full.summary.perEpisode[i]!.reward.total, 9);
      expect(s.perEpisode[i]!.replicaChanges).toBe(full.summary.perEpisode[i]!.replicaChanges);
      expect(s.perEpisode[i]!.seed).toBe(i);
    }
    expect(run.problems).toEqual([]);
    rmSync(killed, { recursive: true });
  });

  it('skips, and reports, a last line without its newline and lines that do not parse', () => {
    const good = readFileSync(join(parent, 'a-static', 'step.jsonl'), 'utf8').split('\n');
    const problems: string[] = [];
    const recs = parseStepLines(`${good[0]}\nnot json\n${good[1]}\n{"run":"x"}\n${good[2]!.slice(0, 30)}`, problems);
    expect(recs.map((r) => r.step)).toEqual([0, 1]);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/last line has no newline/);
    expect(problems[1]).toMatch(/line 2: expected JSON/);
    expect(problems[2]).toMatch(/line 4: at /);
  });

  it('formats a table with a row per run and aligned numbers', () => {
    const rows = ['a-static', 'b-random'].map((id) => reportRow(loadRun(join(parent, id))));
    const text = formatTable(rows);
    const lines = text.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^run\s+agent\s+scenario\s+split\s+deployment\s+status\s+episodes\s+reward \(mean ± std\)\s+SLO viol\.\s+cost \(CPU-h\)\s+churn\/ep\s+steps\/s$/);
    expect(lines[2]).toMatch(/^a-static\s+static\s+\S+\s+-\s+dsb\/nginx-thrift\s+completed\s+3\s+/);
    expect(lines[2]).toContain(`${fmt(rows[0]!.rewardMean)} ± ${fmt(rows[0]!.rewardStd, 2)}`);
    expect(new Set(lines.map((l) => l.length)).size).toBeLessThanOrEqual(2);
    expect(fmt(-14.68234)).toBe('-14.68');
    expect(fmt(0.000012)).toBe('1.20e-5');
    expect(fmt(null)).toBe('-');
  });

  it('CLI: expands a directory of runs, prints JSON, writes HTML, and refuses a non-run directory with exit 2', async () => {
    const html = join(parent, 'out.html');
    const [json, text, bad] = await Promise.all([
      runCli(['report', parent, '--json']),
      runCli(['report', join(parent, 'a-static'), join(parent, 'b-random'), '--html', html]),
      runCli(['report', join(parent, 'nope')]),
    ]);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as { runs: Array<{ run: string; agent: string; episodes: number }> };
    expect(doc.runs.map((r) => [r.run, r.agent, r.episodes])).toEqual([
      ['a-static', 'static', 3],
      ['b-random', 'random', 3],
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/a-static[\s\S]*b-random[\s\S]*wrote .*out\.html/);
    expect(readFileSync(html, 'utf8')).toMatch(/^<!doctype html>[\s\S]*data-chart="replicas"[\s\S]*<\/html>\n$/);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^simenv: expected a run or training directory, got .*nope \(no such directory\)/);
  });
});
