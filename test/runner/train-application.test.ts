import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadApplicationPolicyAgent } from '../../src/agents/learned/application-policy-agent.js';
import { SimEnv } from '../../src/env/sim-env.js';
import { trainAgent } from '../../src/runner/train/train-loop.js';
import { cliInProcess, DSB_TRACE, readJsonl, tempDir } from './helpers.js';

/**
 * PPO's factorised head on an application: `simenv train --agent ppo --application --deploy
 * a,b,c` trains on an ApplicationEnv and saves a MultiDiscrete policy that `simenv run
 * --deploy a,b,c --policy DIR` loads and acts with; mismatches and DQN are refused clearly.
 */

const DEPLOY = 'nginx-thrift,compose-post-service,text-service';
const NAMES = DEPLOY.split(',').map((d) => `dsb/${d}`);

describe('training PPO on an application (several deployments)', () => {
  it('simenv train --application saves a factorised policy that simenv run --deploy a,b,c --policy acts with', async () => {
    const root = tempDir('simenv-train-app-');
    const out = join(root, 'ppo');
    const t = await cliInProcess(['train', '--agent', 'ppo', '--application', '--trace', DSB_TRACE, '--deploy', DEPLOY, '--ns', 'dsb', '--steps', '512', '--envs', '4', '--horizon', '20', '--hyper', '{"numSteps":32}', '--seed', '3', '--out', out]);
    expect(t.err).not.toContain('simenv:');
    expect(t.code).toBe(0);
    const meta = JSON.parse(readFileSync(join(out, 'policy', 'policy.json'), 'utf8'));
    expect(meta.action).toEqual({ type: 'MultiDiscrete', nvec: [5, 5, 5], start: [-2, -2, -2], mode: 'delta', deployments: NAMES });
    expect(meta.observation.fields[0]).toBe('dsb/nginx-thrift.desired');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('completed');
    expect(summary.steps).toBe(512);

    const runs = join(root, 'runs');
    for (const id of ['a', 'b']) {
      const r = await cliInProcess(['run', '--trace', DSB_TRACE, '--deploy', DEPLOY, '--ns', 'dsb', '--policy', out, '--step', '15', '--episodes', '1', '--out', runs, '--run-id', id]);
      expect(r.err).not.toContain('simenv:');
      expect(r.code).toBe(0);
    }
    const steps = readJsonl(join(runs, 'a', 'step.jsonl')) as Array<Record<string, number>>;
    expect(steps.length).toBeGreaterThan(10);
    for (const s of steps.slice(1)) for (const d of NAMES) expect(Math.abs(s[`${d}.requested`]!)).toBeLessThanOrEqual(2);
    // greedy and deterministic: the same run twice gives the same returns
    const ra = JSON.parse(readFileSync(join(runs, 'a', 'summary.json'), 'utf8'));
    const rb = JSON.parse(readFileSync(join(runs, 'b', 'summary.json'), 'utf8'));
    expect(ra.perEpisode[0].reward.total).toBe(rb.perEpisode[0].reward.total);
    expect(JSON.parse(readFileSync(join(runs, 'a', 'config.json'), 'utf8')).agent.head).toBe('factorised');

    // the loaded network acts per component: its action is each slice's argmax
    const env = await SimEnv.create({ trace: DSB_TRACE, deployments: NAMES, actionMode: 'delta' });
    const agent = await loadApplicationPolicyAgent(out, env.agentContext);
    const r0 = env.reset({ seed: 1 });
    const logits = agent.outputs(r0.observation);
    const a = agent.act(r0.observation, r0.info);
    for (let d = 0; d < 3; d++) {
      const slice = Array.from(logits.subarray(5 * d, 5 * d + 5));
      expect(a[d]).toBe(slice.indexOf(Math.max(...slice)) - 2);
    }
    expect(env.actionSpace.contains(a)).toBe(true);
    agent.dispose();
    await env.close();

    // another set of deployments, or one deployment, is refused naming both sides
    const wrong = await cliInProcess(['run', '--trace', DSB_TRACE, '--deploy', 'nginx-thrift,text-service', '--ns', 'dsb', '--policy', out, '--episodes', '1', '--out', runs, '--run-id', 'c']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.err).toContain('got an env of dsb/nginx-thrift, dsb/text-service');
    const single = await cliInProcess(['run', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift', '--policy', out, '--episodes', '1', '--out', runs, '--run-id', 'd']);
    expect(single.code).not.toBe(0);
    expect(single.err).toContain('scales 3 deployments');
  }, 120_000);

  it('refuses DQN on an application, and --application with one deployment', async () => {
    const root = tempDir('simenv-train-app-');
    await expect(trainAgent({ agent: 'dqn', env: { trace: DSB_TRACE, deployments: NAMES }, steps: 64, out: join(root, 'dqn') })).rejects.toThrow(/expected ppo to train on several deployments, got dqn/);
    const r = await cliInProcess(['train', '--agent', 'ppo', '--application', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift', '--steps', '64', '--out', join(root, 'one')]);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('--application: expected --deploy with at least two deployments');
  });
});
