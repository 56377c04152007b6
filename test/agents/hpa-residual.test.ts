import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../src/agents/agent.js';
import { HpaAgent } from '../../src/agents/hpa-agent.js';
import { HpaResidual, HpaResidualAgent, HpaResidualEnv, hpaResidualFields, parseHpaResidualOptions } from '../../src/agents/hpa-residual.js';
import { loadAgent, readPolicyInfo } from '../../src/agents/registry.js';
import { ConfigError } from '../../src/env/errors.js';
import type { SimEnv } from '../../src/env/sim-env.js';
import { OBSERVATION_FIELDS, type Action, type StepInfo } from '../../src/env/types.js';
import { agentEpisodes, scenarioSplitEnv } from '../../src/runner/tune/split-episodes.js';
import { trainAgent } from '../../src/runner/train/train-loop.js';

const SCENARIO = 'compose-post-bursty';
/** A tuned-looking HPA (not the default), so "the wrapped HPA is this one" can fail. */
const HPA = { targetUtilisation: 80, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } };

let env: SimEnv;
beforeAll(async () => {
  env = (await scenarioSplitEnv(SCENARIO, 'heldout')).env;
});
afterAll(async () => {
  await env.close();
});

/** A policy that always returns `delta`. */
function constant(delta: number): Agent {
  return { name: 'const', act: (): Action => delta };
}

describe('HpaResidual', () => {
  it('drops traceProgress and adds the recommendation, its gap and demand lags', () => {
    const r = new HpaResidual(env.agentContext, { hpa: HPA, demandLags: 2 });
    expect(r.obsSize).toBe(OBSERVATION_FIELDS.length - 1 + 2 + 2);
    const fields = hpaResidualFields(r.options);
    expect(fields).not.toContain('traceProgress');
    expect(fields.slice(-4)).toEqual(['hpaRecommendation', 'hpaGap', 'demandLag1', 'demandLag2']);
    expect(r.ctx.actionSpace.n).toBe(5);
    expect(r.ctx.actionSpace.start).toBe(-2);
    expect(r.ctx.observationSpace.shape[0]).toBe(r.obsSize);
  });

  it('delta 0 everywhere is exactly the HPA it wraps (same episodes, step by step)', async () => {
    const seeds = [1, 2, 3, 4];
    const hpa = await agentEpisodes(env, new HpaAgent(env.agentContext, HPA), seeds);
    const zero = await agentEpisodes(env, new HpaResidualAgent(env.agentContext, { hpa: HPA }, constant(0)), seeds);
    expect(zero.map((e) => e.reward.total)).toEqual(hpa.map((e) => e.reward.total));
    // ... and it is the given HPA, not the default one: the default scores differently here.
    const dflt = await agentEpisodes(env, new HpaResidualAgent(env.agentContext, {}, constant(0)), seeds);
    expect(dflt.map((e) => e.reward.total)).not.toEqual(hpa.map((e) => e.reward.total));
  });

  it('a +1 correction holds one replica more than the HPA recommends, within the range', () => {
    const agent = new HpaResidualAgent(env.agentContext, { hpa: HPA }, constant(1));
    agent.reset(1);
    const r = env.reset({ seed: 1 });
    let info: StepInfo = r.info;
    let obs = r.observation;
    for (let t = 0; t < 20; t++) {
      const a = agent.act(obs, info);
      const h = agent.residual.recommendation;
      expect(a).toBe(Math.min(env.agentContext.maxReplicas, h + 1));
      const s = env.step(a);
      obs = s.observation;
      info = s.info;
      if (s.terminated || s.truncated) break;
    }
    expect(agent.residual.replicas(env.agentContext.maxReplicas, 2)).toBe(env.agentContext.maxReplicas);
    expect(agent.residual.replicas(1, -2)).toBe(Math.max(1, env.agentContext.minReplicas));
  });

  it('the wrapper env and the agent see the same observations (one definition)', () => {
    const wrapped = new HpaResidualEnv(env, { hpa: HPA });
    const seen: Float32Array[] = [];
    const spy: Agent = { name: 'spy', act: (o: Float32Array): Action => (seen.push(o.slice()), 1) };
    const agent2 = new HpaResidualAgent(env.agentContext, { hpa: HPA }, spy);
    let r = wrapped.reset({ seed: 3 });
    const viaEnv: Float32Array[] = [r.observation.slice()];
    for (let t = 0; t < 10; t++) viaEnv.push(wrapped.step(1).observation.slice());
    // Replay the same episode through the agent in the plain env.
    agent2.reset(3);
    let p = env.reset({ seed: 3 });
    let obs = p.observation;
    let info = p.info;
    for (let t = 0; t < 11; t++) {
      const a = agent2.act(obs, info);
      const s = env.step(a);
      obs = s.observation;
      info = s.info;
    }
    expect(seen.slice(0, 11)).toEqual(viaEnv);
    // Lags shift: demandLag1 at step t is the demand at step t - 1.
    const k = OBSERVATION_FIELDS.indexOf('demand');
    const lag1 = viaEnv[0]!.length - 3;
    for (let t = 1; t < viaEnv.length; t++) expect(viaEnv[t]![lag1]).toBe(viaEnv[t - 1]![k]);
    // ... and demandLag3 at step t is the demand at step t - 3.
    for (let t = 3; t < viaEnv.length; t++) expect(viaEnv[t]![lag1 + 2]).toBe(viaEnv[t - 3]![k]);
    r = wrapped.reset({ seed: 3 });
    expect(r.observation[lag1]).toBe(r.observation[k]);
  });

  it('refuses a delta-action env and bad options, naming the field', async () => {
    const delta = (await scenarioSplitEnv(SCENARIO, 'train')).env;
    try {
      expect(() => new HpaResidual({ ...delta.agentContext, actionMode: 'delta' })).toThrow(/absolute/);
    } finally {
      await delta.close();
    }
    expect(() => parseHpaResidualOptions({ maxDelta: 0 })).toThrow(ConfigError);
    expect(() => parseHpaResidualOptions({ maxDelta: 0 })).toThrow(/hpaResidual\.maxDelta/);
  });
});

describe('training on top of an HPA', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'simenv-residual-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('records hpaResidual in policy.json and loads back as an agent of the plain env', async () => {
    const out = join(dir, 'run');
    const { summary } = await trainAgent({
      agent: 'dqn',
      env: { scenario: SCENARIO, split: 'train', actionMode: 'absolute' },
      hpaResidual: { hpa: HPA, maxDelta: 1 },
      steps: 600,
      numEnvs: 2,
      seed: 1,
      out,
      hyper: { learningStarts: 100, hidden: [16] },
      tfBackend: 'cpu',
    });
    expect(summary.status).toBe('completed');
    const meta = JSON.parse(readFileSync(join(out, 'policy', 'policy.json'), 'utf8')) as Record<string, any>;
    expect(meta.hpaResidual.maxDelta).toBe(1);
    expect(meta.hpaResidual.hpa.targetUtilisation).toBe(80);
    expect(meta.action).toMatchObject({ n: 3, start: -1, mode: 'delta' });
    expect(meta.observation.fields).not.toContain('traceProgress');
    const info = await readPolicyInfo(join(out, 'policy'));
    expect(info.action.mode).toBe('absolute');
    expect(info.action.start + info.action.n - 1).toBe(env.agentContext.maxReplicas);
    const agent = await loadAgent(join(out, 'policy'), env.agentContext);
    try {
      expect(agent).toBeInstanceOf(HpaResidualAgent);
      const eps = await agentEpisodes(env, agent, [1, 2]);
      expect(eps).toHaveLength(2);
      expect(eps.every((e) => Number.isFinite(e.reward.total))).toBe(true);
    } finally {
      agent.dispose?.();
    }
  }, 60_000);

  it('refuses an application under an HPA-residual agent', async () => {
    await expect(
      trainAgent({ agent: 'ppo', env: { scenario: SCENARIO, deployments: ['dsb/compose-post-service', 'dsb/text-service'] }, hpaResidual: {}, steps: 10, out: join(dir, 'app') }),
    ).rejects.toThrow(/application/);
  });
});
