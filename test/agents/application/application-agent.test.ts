import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApplicationAgent } from '../../../src/agents/application/application-agent.js';
import { loadHpaManifests } from '../../../src/agents/application/hpa-manifests.js';
import { HpaAgent } from '../../../src/agents/hpa-agent.js';
import type { ApplicationEnv } from '../../../src/env/application/application-env.js';
import { ConfigError } from '../../../src/env/errors.js';
import { SimEnv } from '../../../src/env/sim-env.js';
import { hpaManifest } from '../../helpers/hpa-manifest.js';

const DSB = 'examples/traces/dsb-scaling.sktrace';
const THREE = ['nginx-thrift', 'compose-post-service', 'text-service'];

function hpa(target: string, min: number, max: number, util: number): string {
  return hpaManifest(target, { min, max, cpuUtilization: util });
}

async function episode(env: ApplicationEnv, agent: ReturnType<typeof createApplicationAgent>, seed: number): Promise<Int32Array[]> {
  let r = env.reset({ seed });
  agent.reset?.(seed);
  const actions: Int32Array[] = [];
  for (;;) {
    const a = agent.act(r.observation, r.info);
    actions.push(Int32Array.from(a));
    const s = env.step(a);
    r = s;
    if (s.truncated || s.terminated) break;
  }
  return actions;
}

describe('application agents (one single-deployment agent per deployment)', () => {
  it('hpa per deployment decides as a standalone HPA on each deployment view would', async () => {
    const env = await SimEnv.create({ trace: DSB, deployments: THREE, horizon: 40 });
    const agent = createApplicationAgent('hpa', env.agentContext, { seed: 0 });
    const refs = THREE.map((_, i) => new HpaAgent({ ...env.agentContext, actionSpace: env.actionSpace.component(i), maxReplicas: env.agentContext.maxReplicas[i]! } as never));
    let r = env.reset({ seed: 1 });
    agent.reset?.(1);
    refs.forEach((h) => h.reset(1));
    let moved = 0;
    for (let step = 0; step < 40; step++) {
      const a = Int32Array.from(agent.act(r.observation, r.info));
      refs.forEach((h, i) => {
        const d = r.info.deployments[i]!;
        const want = h.act(new Float32Array(9), { ...r.info, ...d, observation: d.observation } as never);
        expect(a[i]).toBe(want);
      });
      if (a.some((x, i) => x !== r.info.deployments[i]!.observation.desired)) moved++;
      const s = env.step(a);
      r = s;
      if (s.truncated) break;
    }
    expect(moved).toBeGreaterThan(0); // the HPAs acted (dsb-scaling's load grows)
    await env.close();
  });

  it('static, random and trace act per deployment; random is seeded', async () => {
    const env = await SimEnv.create({ trace: DSB, deployments: THREE, horizon: 20 });
    const stat = await episode(env, createApplicationAgent('static', env.agentContext, { seed: 0, target: 3 }), 0);
    expect(stat.every((a) => Array.from(a).every((x) => x === 3))).toBe(true);
    const ra = await episode(env, createApplicationAgent('random', env.agentContext, { seed: 5 }), 2);
    const rb = await episode(env, createApplicationAgent('random', env.agentContext, { seed: 5 }), 2);
    expect(ra.map((a) => Array.from(a))).toEqual(rb.map((a) => Array.from(a)));
    expect(new Set(ra.map((a) => a.join(','))).size).toBeGreaterThan(5);
    const tr = await episode(env, createApplicationAgent('trace', env.agentContext, { seed: 0 }), 0);
    expect(Array.from(tr[0]!)).toEqual([1, 1, 1]);
    await env.close();
  });

  it('hpa reads one manifest per deployment from a multi-document YAML or a directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simenv-hpa-'));
    const file = join(dir, 'all.yaml');
    writeFileSync(file, [hpa('nginx-thrift', 2, 12, 50), hpa('text-service', 1, 4, 70)].join('---\n'));
    const byName = loadHpaManifests(file);
    expect([...byName.keys()]).toEqual(['nginx-thrift', 'text-service']);
    expect(byName.get('nginx-thrift')).toMatchObject({ minReplicas: 2, maxReplicas: 12, targetUtilisation: 50 });
    const sub = join(dir, 'each');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(sub);
    writeFileSync(join(sub, 'a.yaml'), hpa('nginx-thrift', 2, 12, 50));
    writeFileSync(join(sub, 'b.yml'), hpa('compose-post-service', 3, 6, 60));
    expect([...loadHpaManifests(sub).keys()]).toEqual(['nginx-thrift', 'compose-post-service']);

    const env = await SimEnv.create({ trace: DSB, deployments: THREE, horizon: 4 });
    const agent = createApplicationAgent('hpa', env.agentContext, { seed: 0, hpaByDeployment: loadHpaManifests(sub) });
    const d = agent.describe!() as { perDeployment: Record<string, { minReplicas?: number; maxReplicas?: number }> };
    expect(d.perDeployment['dsb/nginx-thrift']).toMatchObject({ minReplicas: 2, maxReplicas: 12 });
    expect(d.perDeployment['dsb/compose-post-service']).toMatchObject({ minReplicas: 3, maxReplicas: 6 });
    writeFileSync(join(sub, 'c.yaml'), hpa('user-service', 1, 2, 60));
    expect(() => createApplicationAgent('hpa', env.agentContext, { seed: 0, hpaByDeployment: loadHpaManifests(sub) })).toThrow(/got one for user-service/);
    writeFileSync(join(dir, 'dup.yaml'), [hpa('a', 1, 2, 50), hpa('a', 1, 3, 50)].join('---\n'));
    expect(() => loadHpaManifests(join(dir, 'dup.yaml'))).toThrow(/second one for a/);
    await env.close();
  });

  it('dqn and ppo refuse an application env with a clear message', async () => {
    const env = await SimEnv.create({ trace: DSB, deployments: THREE });
    for (const name of ['dqn', 'ppo']) {
      expect(() => createApplicationAgent(name, env.agentContext, { seed: 0 })).toThrow(ConfigError);
      expect(() => createApplicationAgent(name, env.agentContext, { seed: 0 })).toThrow(/one categorical head/);
    }
    await env.close();
  });
});
