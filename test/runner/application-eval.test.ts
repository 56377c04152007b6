import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EvalRecordSchema, type EvalRecord } from '../../src/runner/eval-report.js';
import { resolveScenario } from '../../src/env/scenario-resolve.js';
import { SimEnv } from '../../src/env/sim-env.js';
import type { ApplicationOptionsInput } from '../../src/env/application/application-options.js';
import { cliInProcess, DSB_TRACE, readJsonl, tempDir } from './helpers.js';
import { hpaManifest } from '../helpers/hpa-manifest.js';

/**
 * `simenv eval --deploy a,b,c` (and a scenario of several deployments): the evaluation
 * protocol for an application. A PPO policy with a factorised head is trained here (a few
 * hundred steps: the test checks the protocol, not that the policy is good) and evaluated
 * against one HPA per deployment on the same seeds.
 */

const DEPLOY = 'nginx-thrift,compose-post-service,text-service';
const NAMES = DEPLOY.split(',').map((d) => `dsb/${d}`);
const HPA = (name: string, max: number): string => hpaManifest(name, { min: 1, max, cpuUtilization: 50 });

interface AppEpisode {
  seed: number;
  complete: boolean;
  reward: { total: number; slo: number; cost: number; churn: number };
  replicaChanges: number;
  deployments: Array<{ name: string; reward: { total: number }; replicaChanges: number }>;
}

function readEval(dir: string): EvalRecord {
  return EvalRecordSchema.parse(JSON.parse(readFileSync(join(dir, 'eval.json'), 'utf8')));
}

function perEpisode(dir: string): AppEpisode[] {
  return (JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { perEpisode: AppEpisode[] }).perEpisode;
}

describe('simenv eval of an application (several deployments)', () => {
  const root = tempDir('simenv-app-eval-');
  const policy = join(root, 'ppo');
  const hpas = join(root, 'hpas.yaml');

  beforeAll(async () => {
    const t = await cliInProcess(['train', '--agent', 'ppo', '--application', '--trace', DSB_TRACE, '--deploy', DEPLOY, '--ns', 'dsb', '--step', '15', '--steps', '256', '--envs', '2', '--horizon', '10', '--hyper', '{"numSteps":32}', '--seed', '5', '--out', policy]);
    expect(t.code, t.err).toBe(0);
    writeFileSync(hpas, NAMES.map((n, i) => HPA(n.split('/')[1]!, 3 + i)).join('---\n'));
  }, 60_000);

  it('a trained policy against per-deployment HPAs: paired differences and intervals over seeds, the reward summed over deployments', async () => {
    const out = join(root, 'runs');
    const r = await cliInProcess(['eval', '--trace', DSB_TRACE, '--deploy', DEPLOY, '--ns', 'dsb', '--policy', policy, '--baseline', `hpa:${hpas}`, '--episode-start', 'random', '--duration', '150', '--seeds', '1..6', '--out', out, '--run-id', 'ppo-eval']);
    expect(r.err).not.toContain('simenv:');
    expect(r.code).toBe(0);
    const e = readEval(join(out, 'ppo-eval'));
    expect(e.seeds).toHaveLength(6);
    expect(e.agent.label).toBe(`policy(${policy})`);
    expect(e.baseline!.label).toBe('hpa(hpas.yaml)');
    expect(e.agent.reward.n).toBe(6);
    expect(e.difference!.pairs).toBe(6);
    expect(e.difference!.wins + e.difference!.losses + e.difference!.ties).toBe(6);
    // Random episode starts: the seeds give different episodes (some may coincide where the
    // trace's demand is flat), so the intervals are not points.
    for (const a of [e.agent, e.baseline!]) expect(Math.max(0, ...a.identicalEpisodes.map((g) => g.length))).toBeLessThan(6);
    for (const m of [e.agent.reward, e.baseline!.reward, e.difference!.reward]) {
      expect(m.lo!).toBeLessThanOrEqual(m.mean!);
      expect(m.mean!).toBeLessThanOrEqual(m.hi!);
    }
    expect(e.baseline!.reward.lo!).toBeLessThan(e.baseline!.reward.hi!);
    expect(e.difference!.reward.lo!).toBeLessThan(e.difference!.reward.hi!);

    // The figures follow from the two runs' episodes, paired by seed.
    const agent = perEpisode(e.agent.run);
    const base = perEpisode(e.baseline!.run);
    expect(agent.map((x) => x.seed)).toEqual(e.seeds);
    expect(base.map((x) => x.seed)).toEqual(e.seeds);
    const mean = (xs: number[]): number => xs.reduce((a, x) => a + x, 0) / xs.length;
    expect(e.agent.reward.mean!).toBeCloseTo(mean(agent.map((x) => x.reward.total)), 9);
    expect(e.difference!.reward.mean!).toBeCloseTo(mean(agent.map((x, i) => x.reward.total - base[i]!.reward.total)), 9);
    expect(e.difference!.components.cost!).toBeCloseTo(mean(agent.map((x, i) => x.reward.cost - base[i]!.reward.cost)), 9);
    // An episode's reward is the sum over deployments; eval.json gives each deployment's part.
    for (const ep of [...agent, ...base]) expect(ep.reward.total).toBeCloseTo(ep.deployments.reduce((a, d) => a + d.reward.total, 0), 9);
    expect(e.agent.deployments!.map((d) => d.name)).toEqual(NAMES);
    expect(e.agent.deployments!.reduce((a, d) => a + d.reward.mean!, 0)).toBeCloseTo(e.agent.reward.mean!, 9);
    expect(e.difference!.deployments!.reduce((a, d) => a + d.reward.mean!, 0)).toBeCloseTo(e.difference!.reward.mean!, 9);

    // The baseline ran one HPA per deployment, each with its own manifest's bound, in the
    // policy's env (its delta action space, its step): the step lines show both.
    const steps = readJsonl(join(e.baseline!.run, 'step.jsonl')) as Array<Record<string, number>>;
    // Above its manifest's maxReplicas (the recorded start may be), each HPA steps down as fast as delta mode lets it.
    for (const s of steps.filter((x) => x.step > 0)) NAMES.forEach((n, i) => expect(s[`${n}.applied`]! <= 3 + i || s[`${n}.requested`] === -2, `${n} ${JSON.stringify(s)}`).toBe(true));
    for (const s of steps.filter((x) => x.step > 0)) for (const n of NAMES) expect(Math.abs(s[`${n}.requested`]!)).toBeLessThanOrEqual(2);
    // Replica changes: the steps whose applied replicas differ from the desired before the step.
    const first = steps.filter((s) => s.episode === 0);
    let changes = 0;
    for (let i = 1; i < first.length; i++) for (const n of NAMES) if (first[i]![`${n}.applied`] !== first[i - 1]![`${n}.desired`]) changes++;
    expect(base[0]!.replicaChanges).toBe(changes);
    expect(r.out).toMatch(/\[eval\] {4}policy\(.*\) - hpa\(hpas\.yaml\): reward [-+][\d.]+ \(95% CI/);
    expect(r.out).toContain('[eval]      hpa(hpas.yaml) dsb/text-service: reward');
  });

  it('a built-in application scenario: PPO trains on its train split and is evaluated on its held-out split, the call graph carrying demand', async () => {
    const trained = join(root, 'ppo-sn');
    const t = await cliInProcess(['train', '--agent', 'ppo', '--scenario', 'social-network-app', '--steps', '128', '--envs', '2', '--hyper', '{"numSteps":32}', '--seed', '2', '--out', trained]);
    expect(t.code, t.err).toBe(0);
    const meta = JSON.parse(readFileSync(join(trained, 'policy', 'policy.json'), 'utf8')) as { action: { type: string; deployments: string[] }; envOptions: { episodeStart: { windows: number[][] } } };
    expect(meta.action.type).toBe('MultiDiscrete');
    expect(meta.action.deployments).toHaveLength(12);
    expect(meta.envOptions.episodeStart.windows).toEqual([[0, 780]]); // the scenario's train split
    const out = join(root, 'scenario');
    const r = await cliInProcess(['eval', '--scenario', 'social-network-app', '--split', 'heldout', '--policy', trained, '--baseline', 'hpa', '--seeds', '1,2,3', '--out', out, '--run-id', 'sn']);
    expect(r.err).not.toContain('simenv:');
    expect(r.code).toBe(0);
    const e = readEval(join(out, 'sn'));
    expect(e.baseline!.label).toBe('hpa');
    expect(e.agent.deployments).toHaveLength(12);
    expect(e.difference!.deployments).toHaveLength(12);
    expect(e.agent.identicalEpisodes).toEqual([]);
    const config = JSON.parse(readFileSync(join(out, 'sn', 'config.json'), 'utf8')) as { env: { scenario: { name: string; split: string }; callGraph: { edges: unknown[] }; episodeStart: { windows: number[][] } }; episodeSeeds: number[] };
    expect(config.env.scenario).toMatchObject({ name: 'social-network-app', split: 'heldout' });
    expect(config.env.callGraph.edges).toHaveLength(27);
    expect(config.env.episodeStart.windows).toEqual([[780, 1134]]);
    expect(config.episodeSeeds).toEqual(e.seeds);
    const steps = readJsonl(join(out, 'sn', 'step.jsonl')) as Array<Record<string, number>>;
    expect(steps.every((s) => s.timeS >= 780)).toBe(true);
    expect(steps.filter((s) => s.step > 0).every((s) => s.e2eDemand > 0)).toBe(true);
    // Only the two runs of this eval were written.
    expect(readdirSync(out).sort()).toHaveLength(2);
  });

  it('bad input: a one-line usage error naming the problem, exit 2', async () => {
    const out = join(root, 'bad');
    const dir = await cliInProcess(['eval', '--trace', DSB_TRACE, '--deploy', DEPLOY, '--ns', 'dsb', '--agent', 'hpa', '--baseline', root, '--step', '15', '--out', out]);
    expect(dir.code).toBe(2);
    expect(dir.err).toMatch(/^simenv: --baseline: expected a baseline agent with several deployments/);
    const other = await cliInProcess(['eval', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift,dsb/text-service', '--policy', policy, '--out', out]);
    expect(other.code).toBe(1); // a PolicyError, as with one deployment
    expect(other.err).toMatch(/policy .* scales dsb\/nginx-thrift, dsb\/compose-post-service, dsb\/text-service, got an env of dsb\/nginx-thrift, dsb\/text-service/);
    const both = join(root, 'both.json');
    writeFileSync(both, JSON.stringify({ name: 'both', trace: DSB_TRACE, deployment: 'dsb/nginx-thrift', deployments: NAMES }));
    const b = await cliInProcess(['eval', '--scenario', both, '--agent', 'hpa', '--out', out]);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/expected either deployment \(one, NAMESPACE\/NAME\) or deployments \(several\), got both/);
    const graphOfOne = join(root, 'graph-of-one.json');
    writeFileSync(graphOfOne, JSON.stringify({ name: 'g', trace: DSB_TRACE, deployment: 'dsb/nginx-thrift', callGraph: { graph: 'dsb-social-network' } }));
    const g = await cliInProcess(['eval', '--scenario', graphOfOne, '--agent', 'hpa', '--out', out]);
    expect(g.code).toBe(2);
    expect(g.err).toMatch(/callGraph: expected deployments \(several\) with a callGraph/);
    for (const x of [dir, other, b, g]) expect(x.err.trim().split('\n').filter((l) => l.startsWith('simenv:'))).toHaveLength(1);
  });

  it('a scenario file of several deployments: entry load files resolve against its directory; SimEnv.create({ scenario }) points to the ApplicationEnv', async () => {
    const file = join(root, 'sub', 'app.json');
    mkdirSync(join(root, 'sub'), { recursive: true });
    writeFileSync(file, JSON.stringify({
      name: 'app',
      trace: DSB_TRACE,
      deployments: NAMES,
      callGraph: { graph: { edges: [{ from: 'dsb/nginx-thrift', to: 'dsb/text-service', ratio: 2 }] }, entries: [{ service: 'dsb/nginx-thrift', demand: { source: 'file', path: 'entry.csv' } }] },
    }));
    const o = resolveScenario({ scenario: file }).options as unknown as { deployments: string[]; callGraph: { entries: Array<{ demand: { path: string } }> } };
    expect(o.deployments).toEqual(NAMES);
    expect(o.callGraph.entries[0]!.demand.path).toBe(join(root, 'sub', 'entry.csv'));
    await expect(SimEnv.create({ scenario: 'social-network-app' })).rejects.toThrow(/expected a scenario of one deployment for SimEnv.create\(\{ scenario \}\), got social-network-app with 12 deployments/);
    const env = await SimEnv.create(resolveScenario({ scenario: 'social-network-app', split: 'train' }).options as unknown as ApplicationOptionsInput);
    try {
      expect(env.actionSpace.nvec).toHaveLength(12);
      expect(env.reset({ seed: 4 }).info.timeS).toBeLessThanOrEqual(780 - 20 * 15);
    } finally {
      await env.close();
    }
  });
});
