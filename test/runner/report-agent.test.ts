import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../src/agents/agent.js';
import { createAgent } from '../../src/agents/registry.js';
import type { SimEnv } from '../../src/env/sim-env.js';
import type { SimEnvOptionsInput } from '../../src/env/options.js';
import { agentRecord, buildRunConfig, recordRun, runMetaOf } from '../../src/runner/record-run.js';
import type { StepRecord, SummaryRecord } from '../../src/runner/records.js';
import { deriveSeedBlocks, formatAgentReport, groupByAgent, type AgentReport, type AgentRow } from '../../src/runner/report/agent-table.js';
import { loadRun, type LoadedRun } from '../../src/runner/report/load-run.js';
import { RunWriter } from '../../src/runner/run-dir.js';
import { episodeSeeds, runAgent } from '../../src/runner/run-loop.js';
import { planSeeds } from '../../src/runner/seed-plan.js';
import { DSB_TRACE, dsbEnv, readJsonl, runCli, tempDir } from './helpers.js';

/**
 * `simenv report --by agent` on real run directories: two agents x 3 seeds, one agent as three
 * runs (`--seed 1`, `--seed 2`, `--seed 3`), the other as one eval-style run (`--seeds 1,2,3`),
 * checked against figures recomputed here straight from step.jsonl and summary.json.
 */

/** Random windows, so different seeds give different episodes (and a spread to measure). */
const ENV: Partial<SimEnvOptionsInput> = { stepSeconds: 60, horizon: 5, episodeStart: { type: 'random-window', earliestS: 0, latestS: 800 } };
const EPISODES_PER_SEED = 2;
const SEEDS = [1, 2, 3];

/** What `simenv eval --seeds ...` does: one run directory, `perSeed` episodes per seed. */
async function recordEval(env: SimEnv, agent: Agent, seeds: number[], perSeed: number, out: string, runId: string): Promise<string> {
  const { episodeSeeds: plan, seedBlocks } = planSeeds(seeds, perSeed);
  const config = buildRunConfig({ runId, env, agent: agentRecord(agent), seed: seeds[0]!, seeds: plan, seedBlocks });
  const writer = RunWriter.create(out, config);
  await runAgent({ env, agent, episodes: plan.length, seed: seeds[0]!, seeds: plan, meta: runMetaOf(config), writer, episodeHorizon: env.options.horizon });
  return writer.dir;
}

interface EpisodeSums {
  total: number;
  slo: number;
  cost: number;
  churn: number;
  violationS: number;
  windowS: number;
  cpuS: number;
  changes: number;
}

interface Expected {
  mean: number;
  std: number;
  perSeed: Map<number, number>;
  slo: number;
  cost: number;
  churn: number;
  violationRate: number;
  cpuHoursPerEpisode: number;
  changesPerEpisode: number;
  episodes: number;
}

/**
 * The figures of one agent, from the files alone: episode sums from step.jsonl lines, seeds from
 * the plan this test chose (`seedOfEpisode`), replica changes from summary.json.
 */
function expectedFromFiles(runs: Array<{ dir: string; seedOfEpisode: (episode: number) => number }>): Expected {
  const bySeed = new Map<number, EpisodeSums[]>();
  for (const { dir, seedOfEpisode } of runs) {
    const steps = readJsonl(join(dir, 'step.jsonl')) as StepRecord[];
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as SummaryRecord;
    const episodes = new Map<number, EpisodeSums>();
    for (const s of steps) {
      if (!episodes.has(s.episode)) episodes.set(s.episode, { total: 0, slo: 0, cost: 0, churn: 0, violationS: 0, windowS: 0, cpuS: 0, changes: summary.perEpisode[s.episode]!.replicaChanges });
      if (s.step === 0) continue;
      const e = episodes.get(s.episode)!;
      e.total += s.reward!.total;
      e.slo += s.reward!.slo;
      e.cost += s.reward!.cost;
      e.churn += s.reward!.churn;
      e.violationS += s.service!.violationS;
      e.windowS += s.service!.windowS;
      e.cpuS += s.service!.cpuSeconds;
    }
    for (const [ep, e] of episodes) {
      const seed = seedOfEpisode(ep);
      bySeed.set(seed, [...(bySeed.get(seed) ?? []), e]);
    }
  }
  const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const seeds = [...bySeed.keys()].sort((a, b) => a - b);
  const per = (f: (eps: EpisodeSums[]) => number): number[] => seeds.map((s) => f(bySeed.get(s)!));
  const means = per((eps) => avg(eps.map((e) => e.total)));
  const m = avg(means);
  return {
    mean: m,
    std: Math.sqrt(means.reduce((a, x) => a + (x - m) ** 2, 0) / (means.length - 1)),
    perSeed: new Map(seeds.map((s, i) => [s, means[i]!])),
    slo: avg(per((eps) => avg(eps.map((e) => e.slo)))),
    cost: avg(per((eps) => avg(eps.map((e) => e.cost)))),
    churn: avg(per((eps) => avg(eps.map((e) => e.churn)))),
    violationRate: avg(per((eps) => eps.reduce((a, e) => a + e.violationS, 0) / eps.reduce((a, e) => a + e.windowS, 0))),
    cpuHoursPerEpisode: avg(per((eps) => avg(eps.map((e) => e.cpuS / 3600)))),
    changesPerEpisode: avg(per((eps) => avg(eps.map((e) => e.changes)))),
    episodes: seeds.reduce((a, s) => a + bySeed.get(s)!.length, 0),
  };
}

function checkRow(row: AgentRow, exp: Expected): void {
  expect(row.seeds).toBe(SEEDS.length);
  expect(row.episodes).toBe(exp.episodes);
  expect(row.reward.mean).toBeCloseTo(exp.mean, 9);
  expect(row.reward.std).toBeCloseTo(exp.std, 9);
  expect(row.perSeed.map((s) => s.seed)).toEqual(SEEDS);
  for (const s of row.perSeed) {
    expect(s.rewardMean).toBeCloseTo(exp.perSeed.get(s.seed)!, 9);
    expect(s.episodes).toBe(EPISODES_PER_SEED);
    expect(s.episodesPlanned).toBe(EPISODES_PER_SEED);
  }
  expect(row.rewardComponents!.slo).toBeCloseTo(exp.slo, 9);
  expect(row.rewardComponents!.cost).toBeCloseTo(exp.cost, 9);
  expect(row.rewardComponents!.churn).toBeCloseTo(exp.churn, 9);
  expect(row.sloViolationRate).toBeCloseTo(exp.violationRate, 9);
  expect(row.cpuHoursPerEpisode).toBeCloseTo(exp.cpuHoursPerEpisode, 9);
  expect(row.replicaChangesPerEpisode).toBeCloseTo(exp.changesPerEpisode, 9);
}

describe('deriveSeedBlocks (run directories without recorded blocks)', () => {
  it('finds the --seeds entries of an eval and the single seed of a run', () => {
    const evalPlan = [1, 2, 3].flatMap((s) => episodeSeeds(s, 2));
    expect(deriveSeedBlocks(evalPlan)).toEqual([
      { seed: 1, firstEpisode: 0, episodes: 2 },
      { seed: 2, firstEpisode: 2, episodes: 2 },
      { seed: 3, firstEpisode: 4, episodes: 2 },
    ]);
    // Longer than the first chunk of draws, then another block: the chunk doubling must not lose it.
    expect(deriveSeedBlocks([...episodeSeeds(5, 40), ...episodeSeeds(9, 3)])).toEqual([
      { seed: 5, firstEpisode: 0, episodes: 40 },
      { seed: 9, firstEpisode: 40, episodes: 3 },
    ]);
    expect(deriveSeedBlocks(episodeSeeds(7, 16))).toEqual([{ seed: 7, firstEpisode: 0, episodes: 16 }]);
    // Seeds chosen by hand (runAgent with `seeds`): each its own block.
    expect(deriveSeedBlocks([0, 1, 2])).toEqual([
      { seed: 0, firstEpisode: 0, episodes: 1 },
      { seed: 1, firstEpisode: 1, episodes: 1 },
      { seed: 2, firstEpisode: 2, episodes: 1 },
    ]);
    expect(deriveSeedBlocks([])).toEqual([]);
  });
});

describe('simenv report --by agent', () => {
  let env: SimEnv;
  let textEnv: SimEnv;
  let costlyEnv: SimEnv;
  let parent: string;
  let main: string;
  let other: string;
  const hpaDirs: string[] = [];
  let staticDir: string;

  beforeAll(async () => {
    env = await dsbEnv(ENV);
    textEnv = await dsbEnv({ ...ENV, deployment: 'dsb/text-service' });
    costlyEnv = await dsbEnv({ ...ENV, reward: { cost: 0.004 } });
    parent = tempDir('simenv-report-agent-');
    main = join(parent, 'main');
    other = join(parent, 'other');
    mkdirSync(main);
    mkdirSync(other);
    for (const seed of SEEDS) {
      const r = await recordRun({ env, agent: createAgent('hpa', env.agentContext, { seed, target: 60 }), episodes: EPISODES_PER_SEED, seed, out: main, runId: `hpa-s${seed}` });
      hpaDirs.push(r.dir);
    }
    staticDir = await recordEval(env, createAgent('static', env.agentContext, { seed: 1, target: 4 }), SEEDS, EPISODES_PER_SEED, main, 'static-eval');
    // Same scenario, another HPA target; then the same agent on another deployment and under other reward weights.
    await recordRun({ env, agent: createAgent('hpa', env.agentContext, { seed: 1, target: 80 }), episodes: EPISODES_PER_SEED, seed: 1, out: other, runId: 'hpa80-s1' });
    await recordRun({ env: textEnv, agent: createAgent('hpa', textEnv.agentContext, { seed: 1, target: 60 }), episodes: EPISODES_PER_SEED, seed: 1, out: other, runId: 'hpa-text-s1' });
    await recordRun({ env: costlyEnv, agent: createAgent('hpa', costlyEnv.agentContext, { seed: 1, target: 60 }), episodes: EPISODES_PER_SEED, seed: 1, out: other, runId: 'hpa-costly-s1' });
  });
  afterAll(async () => {
    await Promise.all([env.close(), textEnv.close(), costlyEnv.close()]);
  });

  const load = (dirs: string[]): LoadedRun[] => dirs.map((d) => loadRun(d));

  it('config.json records the seed list and blocks, and the report groups by them, not by re-derived ones', () => {
    const config = JSON.parse(readFileSync(join(staticDir, 'config.json'), 'utf8')) as { seedList: number[]; seedBlocks: unknown[] };
    expect(config.seedList).toEqual(SEEDS);
    expect(config.seedBlocks).toEqual(SEEDS.map((seed, i) => ({ seed, firstEpisode: i * EPISODES_PER_SEED, episodes: EPISODES_PER_SEED })));
    expect(groupByAgent(load([staticDir])).scenarios[0]!.agents[0]!.perSeed.map((p) => [p.seed, p.episodes])).toEqual(SEEDS.map((s) => [s, EPISODES_PER_SEED]));
    // Recorded blocks win: a copy whose config says "one block of seed 1" is one seed of six episodes.
    const copy = join(parent, 'one-block');
    mkdirSync(copy);
    writeFileSync(join(copy, 'config.json'), JSON.stringify({ ...config, run: 'one-block', seedList: [1], seedBlocks: [{ seed: 1, firstEpisode: 0, episodes: 6 }] }));
    writeFileSync(join(copy, 'step.jsonl'), readFileSync(join(staticDir, 'step.jsonl')));
    writeFileSync(join(copy, 'summary.json'), readFileSync(join(staticDir, 'summary.json')));
    expect(groupByAgent(load([copy])).scenarios[0]!.agents[0]!.perSeed.map((p) => [p.seed, p.episodes])).toEqual([[1, 6]]);
    // Without them (an older run directory) the blocks are re-derived from the episode seeds.
    const { seedList: _l, seedBlocks: _b, ...older } = config;
    const old = join(parent, 'older');
    mkdirSync(old);
    writeFileSync(join(old, 'config.json'), JSON.stringify({ ...older, run: 'older' }));
    writeFileSync(join(old, 'step.jsonl'), readFileSync(join(staticDir, 'step.jsonl')));
    writeFileSync(join(old, 'summary.json'), readFileSync(join(staticDir, 'summary.json')));
    expect(groupByAgent(load([old])).scenarios[0]!.agents[0]!.perSeed.map((p) => [p.seed, p.episodes])).toEqual(SEEDS.map((s) => [s, EPISODES_PER_SEED]));
  });

  it('pools three single-seed runs and one three-seed eval into rows whose figures match the files', () => {
    const report = groupByAgent(load([...hpaDirs, staticDir]));
    expect(report.scenarios).toHaveLength(1);
    const rows = report.scenarios[0]!.agents;
    expect(rows.map((r) => [r.agent, r.runs.length, r.seeds])).toEqual([
      ['hpa', 3, 3],
      ['static', 1, 3],
    ]);
    const hpa = expectedFromFiles(hpaDirs.map((dir, i) => ({ dir, seedOfEpisode: () => SEEDS[i]! })));
    const stat = expectedFromFiles([{ dir: staticDir, seedOfEpisode: (ep) => SEEDS[Math.floor(ep / EPISODES_PER_SEED)]! }]);
    // Guards against a vacuous check: the seeds must actually differ for the std to mean anything.
    expect(hpa.std).toBeGreaterThan(0);
    expect(stat.std).toBeGreaterThan(0);
    checkRow(rows[0]!, hpa);
    checkRow(rows[1]!, stat);
    // Not the std over episodes, and not the population std.
    const runStd = loadRun(staticDir).summary.reward.std!;
    expect(Math.abs(rows[1]!.reward.std! - runStd)).toBeGreaterThan(1e-9);
    expect(rows[1]!.reward.std!).toBeCloseTo(stat.std, 12);

    const text = formatAgentReport(report);
    expect(text.split('\n').slice(0, 2)).toEqual([
      'grouped by agent (--by agent): one row per agent and scenario',
      expect.stringMatching(/^reward: mean ± sample std \(n-1\) over seeds of each seed's mean episode reward/),
    ]);
    expect(text).toMatch(/scenario 1 of 1: trace .*dsb-scaling\.sktrace \(sha256:[0-9a-f]{12}\), deployment dsb\/nginx-thrift, memory backend, 60 s steps x 5 \(300 s\)/);
    const hpaLine = text.split('\n').find((l) => l.startsWith('hpa '))!;
    expect(hpaLine).toMatch(/^hpa\s+absolute 1\.\.\d+\s+3\s+3\s+6\s+/);
    expect(hpaLine).toMatch(/s1=-?\d+\.\d+ s2=-?\d+\.\d+ s3=-?\d+\.\d+$/);
    // Each printed per-seed mean is the recomputed one, rounded to the digits it shows.
    for (const seed of SEEDS) {
      const printed = new RegExp(`s${seed}=(-?\\d+(?:\\.(\\d+))?)`).exec(hpaLine)!;
      expect(Math.abs(Number(printed[1]) - hpa.perSeed.get(seed)!)).toBeLessThanOrEqual(0.5 * 10 ** -(printed[2]?.length ?? 0) + 1e-12);
    }
  });

  it('keeps scenarios apart and labels agents of one name by what differs', () => {
    const all = load([...hpaDirs, staticDir, join(other, 'hpa80-s1'), join(other, 'hpa-text-s1'), join(other, 'hpa-costly-s1')]);
    const report = groupByAgent(all);
    expect(report.scenarios.map((s) => [s.scenario.deployment, s.agents.map((a) => `${a.agent}:${a.runs.join('+')}`)])).toEqual([
      ['dsb/nginx-thrift', ['hpa(target=60%):hpa-s1+hpa-s2+hpa-s3', 'static:static-eval', 'hpa(target=80%):hpa80-s1']],
      ['dsb/text-service', ['hpa:hpa-text-s1']],
      ['dsb/nginx-thrift', ['hpa:hpa-costly-s1']],
    ]);
    expect(report.scenarios[2]!.differs).toContain('reward.cost=0.004');
    expect(report.scenarios[0]!.differs).toContain('reward.cost=0.002');
    // The pooled row is exactly what it is without the other scenarios' runs.
    const alone = groupByAgent(load(hpaDirs)).scenarios[0]!.agents[0]!;
    const mixed = report.scenarios[0]!.agents[0]!;
    expect(mixed.reward).toEqual(alone.reward);
    expect(mixed.perSeed).toEqual(alone.perSeed);

    const text = formatAgentReport(report);
    const heads = text.split('\n').filter((l) => l.startsWith('scenario '));
    expect(heads).toHaveLength(3);
    expect(heads[1]).toMatch(/^scenario 2 of 3: .*deployment dsb\/text-service/);
    expect(text).toMatch(/scenario 3 of 3: [^\n]*\n {2}env differs from the other scenarios: [^\n]*reward\.cost=0\.004/);
    expect(text).toMatch(/3 scenarios: rewards are not comparable across them/);
    // The static agent appears in the first table only.
    const tables = text.split(/\nscenario \d of 3: /);
    expect(tables[1]).toMatch(/\nstatic\s/);
    expect(tables[2]).not.toMatch(/\nstatic\s/);
    expect(tables[3]).not.toMatch(/\nstatic\s/);
  });

  it('pools an agent over its own seeds (random seed, a policy per training seed) and tells colliding seeds apart', async () => {
    const dir = join(parent, 'seeded');
    mkdirSync(dir);
    for (const seed of SEEDS) await recordRun({ env, agent: createAgent('random', env.agentContext, { seed }), episodes: EPISODES_PER_SEED, seed, out: dir, runId: `random-s${seed}` });
    // Policies trained with seeds 1..3 (and a 4th evaluated on seed 1 again), as `loadAgent` records
    // them: the runs of hpa-s* with the agent record swapped for a learned agent's.
    const policyRun = (from: string, id: string, trainingSeed: number, tfBackend: string): string => {
      const to = join(dir, id);
      mkdirSync(to);
      const agent = { name: 'dqn', params: { agent: 'dqn', head: 'q', training: { algorithm: 'dqn', learningRate: 0.0005, seed: trainingSeed }, tfBackend } };
      for (const f of ['config.json', 'summary.json']) {
        const rec = JSON.parse(readFileSync(join(from, f), 'utf8')) as { run: string; agent: unknown };
        writeFileSync(join(to, f), JSON.stringify({ ...rec, run: id, agent }));
      }
      writeFileSync(join(to, 'step.jsonl'), readFileSync(join(from, 'step.jsonl')));
      return to;
    };
    const policies = [policyRun(hpaDirs[0]!, 'dqn-t1', 1, 'wasm'), policyRun(hpaDirs[1]!, 'dqn-t2', 2, 'node'), policyRun(hpaDirs[2]!, 'dqn-t3', 3, 'wasm')];
    const report = groupByAgent(load([...SEEDS.map((s) => join(dir, `random-s${s}`)), ...policies]));
    const [random, dqn] = report.scenarios[0]!.agents;
    expect([random!.agent, random!.runs.length, random!.seeds, random!.perSeed.map((s) => s.label)]).toEqual(['random', 3, 3, ['s1', 's2', 's3']]);
    expect(random!.params).toEqual({ agent: 'random' });
    expect([dqn!.agent, dqn!.seeds, dqn!.perSeed.map((s) => [s.label, s.agentSeeds])]).toEqual([
      'dqn',
      3,
      [
        ['s1', { 'training.seed': 1 }],
        ['s2', { 'training.seed': 2 }],
        ['s3', { 'training.seed': 3 }],
      ],
    ]);
    // Same figures as the HPA runs they were copied from: only the description changed.
    const hpa = groupByAgent(load(hpaDirs)).scenarios[0]!.agents[0]!;
    expect(dqn!.reward).toEqual(hpa.reward);
    // A re-run of a seed pools into that seed (here: hpa-s1's episodes once more, as dqn-t1 is).
    const rerun = groupByAgent(load([...policies, policyRun(hpaDirs[0]!, 'dqn-t1-again', 1, 'node')])).scenarios[0]!.agents[0]!;
    expect([rerun.runs.length, rerun.seeds, rerun.perSeed[0]!.runs, rerun.perSeed[0]!.episodes, rerun.perSeed[0]!.episodesPlanned]).toEqual([4, 3, ['dqn-t1', 'dqn-t1-again'], 4, 4]);
    expect(rerun.reward.mean).toBeCloseTo(hpa.reward.mean!, 12);
    // A fourth policy evaluated on seed 1 again is a fourth seed, not pooled with the first.
    const withFourth = groupByAgent(load([...policies, policyRun(hpaDirs[0]!, 'dqn-t4', 4, 'wasm')])).scenarios[0]!.agents[0]!;
    expect(withFourth.seeds).toBe(4);
    expect(withFourth.perSeed.map((s) => s.label)).toEqual(['s1[training.seed=1]', 's1[training.seed=4]', 's2', 's3']);
  });

  it('marks seeds of a run killed part-way and counts only complete episodes', () => {
    const killed = join(parent, 'killed', 'static-killed');
    mkdirSync(killed, { recursive: true });
    writeFileSync(join(killed, 'config.json'), readFileSync(join(staticDir, 'config.json')));
    // 5 steps per episode + the reset line: seed 1 whole (2 episodes), seed 2 one episode, then 3 lines of episode 3.
    const lines = readFileSync(join(staticDir, 'step.jsonl'), 'utf8').split('\n');
    writeFileSync(join(killed, 'step.jsonl'), `${lines.slice(0, 6 * 3 + 3).join('\n')}\n`);
    const row = groupByAgent(load([killed])).scenarios[0]!.agents[0]!;
    expect(row.perSeed.map((s) => [s.seed, s.episodes, s.episodesPlanned])).toEqual([
      [1, 2, 2],
      [2, 1, 2],
      [3, 0, 2],
    ]);
    expect(row.seeds).toBe(2);
    expect(row.episodes).toBe(3);
    const full = groupByAgent(load([staticDir])).scenarios[0]!.agents[0]!;
    expect(row.perSeed[0]!.rewardMean).toBeCloseTo(full.perSeed[0]!.rewardMean!, 12);
    expect(row.perSeed[1]!.rewardMean).toBeCloseTo(loadRun(staticDir).summary.perEpisode[2]!.reward.total, 12);
    // The run id is config.json's (the copied one), as in the per-run table.
    expect(row.notCompleted).toEqual(['static-eval (unfinished)']);
    const text = formatAgentReport(groupByAgent(load([killed])));
    expect(text).toMatch(/s1=-?[\d.]+ s2\*=-?[\d.]+ s3\*=-/);
    expect(text).toMatch(/\* fewer complete episodes than planned/);
    expect(text).toMatch(/not completed: static-eval \(unfinished\)/);
  });

  it('CLI: --by agent over a real `simenv eval --seeds`, as text and JSON; --by run says so; a bad --by exits 2', async () => {
    const out = join(parent, 'cli');
    mkdirSync(out);
    const ev = await runCli(['eval', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift', '--agent', 'hpa', '--step', '60', '--duration', '300', '--episodes', '2', '--seeds', '4,5,6', '--out', out, '--run-id', 'hpa-eval', '--quiet']);
    expect(ev.code, ev.stderr).toBe(0);
    const [json, text, byRun, byRunJson, bad] = await Promise.all([
      runCli(['report', out, main, '--by', 'agent', '--json']),
      runCli(['report', out, main, '--by', 'agent']),
      runCli(['report', main]),
      runCli(['report', main, '--json']),
      runCli(['report', main, '--by', 'seed']),
    ]);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as AgentReport & { html: string | null };
    expect(doc.by).toBe('agent');
    expect(doc.html).toBeNull();
    expect(doc.std).toMatch(/sample standard deviation/);
    // The eval ran with defaults (episodes from the trace start) and the library runs with random windows: two scenarios.
    expect(doc.scenarios).toHaveLength(2);
    const evalRow = doc.scenarios[0]!.agents[0]!;
    expect([evalRow.agent, evalRow.runs, evalRow.seeds, evalRow.episodes]).toEqual(['hpa', ['hpa-eval'], 3, 6]);
    expect(evalRow.perSeed.map((s) => s.seed)).toEqual([4, 5, 6]);
    // Per-seed means from summary.json: episodes 0-1 are seed 4, 2-3 seed 5, 4-5 seed 6.
    const summary = JSON.parse(readFileSync(join(out, 'hpa-eval', 'summary.json'), 'utf8')) as SummaryRecord;
    const perSeed = [0, 1, 2].map((k) => (summary.perEpisode[2 * k]!.reward.total + summary.perEpisode[2 * k + 1]!.reward.total) / 2);
    evalRow.perSeed.forEach((s, k) => expect(s.rewardMean).toBeCloseTo(perSeed[k]!, 12));
    expect(doc.scenarios[1]!.agents.map((a) => a.agent)).toEqual(['hpa', 'static']);

    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^grouped by agent \(--by agent\)/);
    expect(text.stdout).toMatch(/scenario 1 of 2: [\s\S]*s4=-?[\d.]+ s5=-?[\d.]+ s6=-?[\d.]+\n[\s\S]*scenario 2 of 2: /);

    expect(byRun.code).toBe(0);
    expect(byRun.stdout.split('\n')[0]).toMatch(/^grouped by run \(--by run\): one row per run/);
    expect(byRun.stdout).toMatch(/hpa-s1[\s\S]*static-eval/);
    const runDoc = JSON.parse(byRunJson.stdout) as { by: string; runs: Array<{ run: string }> };
    expect(runDoc.by).toBe('run');
    expect(runDoc.runs.map((r) => r.run)).toEqual(['hpa-s1', 'hpa-s2', 'hpa-s3', 'static-eval']);

    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^simenv: --by: expected run or agent, got "seed"/);
  });
});
