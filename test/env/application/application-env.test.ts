import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ApplicationEnv } from '../../../src/env/application/application-env.js';
import { checkEnv } from '../../../src/env/env-checker.js';
import { ConfigError, InvalidActionError, UnknownWorkloadError } from '../../../src/env/errors.js';
import { inspectMemoryBackend } from '../../../src/env/cluster/memory/memory-backend.js';
import { Rng } from '../../../src/env/rng.js';
import { buildScenarioTrace } from '../../../src/env/scenario-trace.js';
import { SimEnv } from '../../../src/env/sim-env.js';
import { MultiDiscrete } from '../../../src/env/spaces.js';

const DSB = 'examples/traces/dsb-scaling.sktrace';

function hashEpisode(env: { reset(o: { seed: number }): { observation: Float32Array }; step(a: never): { observation: Float32Array; reward: number; truncated: boolean; terminated: boolean } }, seed: number, act: (rng: Rng) => unknown): string {
  const h = createHash('sha256');
  const r0 = env.reset({ seed });
  h.update(Buffer.from(r0.observation.buffer, r0.observation.byteOffset, r0.observation.byteLength));
  const rng = new Rng(seed + 17);
  for (;;) {
    const r = env.step(act(rng) as never);
    h.update(Buffer.from(r.observation.buffer, r.observation.byteOffset, r.observation.byteLength));
    h.update(Buffer.from(new Float64Array([r.reward]).buffer));
    if (r.truncated || r.terminated) break;
  }
  return h.digest('hex');
}

describe('ApplicationEnv: several controlled deployments', () => {
  it('SimEnv.create({ deployments }) controls all 27 DeathStarBench deployments and passes checkEnv', async () => {
    const env = await SimEnv.create({ trace: DSB, deployments: { namespace: 'dsb' }, horizon: 40 });
    expect(env).toBeInstanceOf(ApplicationEnv);
    expect(env.options.deployments).toHaveLength(27);
    expect(env.actionSpace).toBeInstanceOf(MultiDiscrete);
    expect(env.actionSpace.nvec).toHaveLength(27);
    expect(env.observationSpace.shape).toEqual([27 * 7 + 2]);
    expect(env.observationNames[0]).toBe('dsb/compose-post-service.desired');
    expect(env.observationNames.slice(-2)).toEqual(['freeCpu', 'traceProgress']);
    const nginx = env.options.deployments.indexOf('dsb/nginx-thrift');
    expect(env.options.maxReplicas[nginx]).toBe(20);
    const report = await checkEnv(env, { maxSteps: 60 });
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('with one deployment it is bit-identical to SimEnv (observations and rewards, random actions)', async () => {
    for (const extra of [{}, { actionMode: 'delta' as const, stepSeconds: 5 }]) {
      const single = await SimEnv.create({ trace: DSB, deployment: 'dsb/compose-post-service', ...extra });
      const app = await SimEnv.create({ trace: DSB, deployments: ['dsb/compose-post-service'], ...extra });
      expect(app.observationSpace.low).toEqual(single.observationSpace.low);
      expect(app.observationSpace.high).toEqual(single.observationSpace.high);
      const a = hashEpisode(single as never, 4, (rng) => single.actionSpace.sample(rng));
      const b = hashEpisode(app as never, 4, (rng) => app.actionSpace.sample(rng));
      expect(b).toBe(a);
      await single.close();
      await app.close();
    }
  });

  it('applies each action component to its own deployment; the reward is the sum of the per-deployment rewards', async () => {
    const env = await SimEnv.create({
      trace: DSB,
      deployments: ['nginx-thrift', 'text-service', 'user-service'],
      startupLatency: { type: 'fixed', seconds: 0 },
    });
    expect(env.options.deployments).toEqual(['dsb/nginx-thrift', 'dsb/text-service', 'dsb/user-service']);
    env.reset({ seed: 2 });
    const r = env.step([7, 3, 5]);
    const inspect = inspectMemoryBackend(env);
    expect(inspect.readyReplicasOf('dsb/nginx-thrift')).toBe(7);
    expect(inspect.readyReplicasOf('dsb/text-service')).toBe(3);
    expect(inspect.readyReplicasOf('dsb/user-service')).toBe(5);
    expect(r.info.deployments.map((d) => d.action.applied)).toEqual([7, 3, 5]);
    expect(r.info.deployments.map((d) => d.observation.desired)).toEqual([7, 3, 5]);
    const sum = r.info.deployments.reduce((s, d) => s + d.reward.total, 0);
    expect(r.reward).toBeCloseTo(sum, 12);
    expect(r.info.reward.churn).toBeCloseTo(-0.05 * (6 + 2 + 4), 12);
    await env.close();
  });

  it('rejects out-of-space actions with the expected shape in the message', async () => {
    const env = await SimEnv.create({ trace: DSB, deployments: ['nginx-thrift', 'text-service'] });
    env.reset({ seed: 0 });
    expect(() => env.step([1])).toThrow(InvalidActionError);
    expect(() => env.step([1, 0])).toThrow(/expected 2 integer action components/);
    expect(() => env.step(3 as never)).toThrow(InvalidActionError);
    await env.close();
  });

  it('bad options fail with a ConfigError naming the field', async () => {
    await expect(SimEnv.create({ trace: DSB, deployments: [] })).rejects.toMatchObject({ field: 'deployments' });
    await expect(SimEnv.create({ trace: DSB, deployments: ['nginx-thrift', 'dsb/nginx-thrift'] })).rejects.toThrow(/twice/);
    await expect(SimEnv.create({ trace: DSB, deployments: ['nginx-thrift', 'nope'] })).rejects.toBeInstanceOf(UnknownWorkloadError);
    await expect(SimEnv.create({ trace: DSB, deployments: { namespace: 'prod' } })).rejects.toThrow(/expected a namespace with Deployments, got "prod" \(the trace has dsb\)/);
    await expect(SimEnv.create({ trace: DSB, deployments: ['nginx-thrift'], demand: { source: 'series', points: [[0, 5]] } })).rejects.toMatchObject({ field: 'demand' });
    // Several deployments on the kube backend: replay mode only (checked before any connection).
    await expect(SimEnv.create({ trace: DSB, deployments: ['nginx-thrift', 'text-service'], backend: 'kube', kube: { mode: 'simkube' } })).rejects.toMatchObject({
      field: 'kube.mode',
    });
    await expect(SimEnv.create({ trace: DSB, deployments: ['nginx-thrift'], stepSecnds: 3 } as never)).rejects.toBeInstanceOf(ConfigError);
    await expect(SimEnv.create({ trace: DSB, deployments: ['nginx-thrift'], deployment: 'x' } as never)).rejects.toThrow(/got both/);
  });
});

/** A two-service application (front end `fe`, back end `be`); the tests give the call graph. */
function twoTier(): ReturnType<typeof buildScenarioTrace> {
  return buildScenarioTrace({
    durationS: 600,
    deployments: [
      { name: 'fe', namespace: 'shop', replicas: [[0, 2]] },
      { name: 'be', namespace: 'shop', replicas: [[0, 2]] },
    ],
  });
}

describe('call-graph demand', () => {
  const base = {
    deployments: ['shop/fe', 'shop/be'],
    startupLatency: { type: 'fixed' as const, seconds: 0 },
    service: { perReplicaRps: 100, sloLatencyMs: 100, maxLatencyMs: 1000 },
  };

  it("a callee's demand is what its caller served times the ratio: an under-provisioned front end starves the back end", async () => {
    const env = await SimEnv.create({
      ...base,
      trace: twoTier(),
      callGraph: { graph: { edges: [{ from: 'fe', to: 'be', ratio: 2 }] }, entries: [{ service: 'fe', demand: { source: 'series', points: [[0, 300]] } }] },
    });
    env.reset({ seed: 0 });
    let r = env.step([5, 10]);
    const [fe, be] = r.info.deployments;
    expect(fe!.service.demand).toBeCloseTo(300, 9);
    expect(fe!.service.served).toBeCloseTo(300, 9);
    expect(be!.service.demand).toBeCloseTo(600, 9);
    expect(be!.observation.demand).toBeCloseTo(600, 9);
    r = env.step([1, 10]); // the front end now serves 100 of 300 requests/s
    expect(r.info.deployments[0]!.service.served).toBeCloseTo(100, 9);
    expect(r.info.deployments[0]!.service.unmet).toBeCloseTo(200, 9);
    expect(r.info.deployments[1]!.service.demand).toBeCloseTo(200, 9);
    expect(r.info.endToEnd!.completed).toBeCloseTo(1 / 3, 9);
    await env.close();
  });

  it('end-to-end latency is the sum along the path (each hop an M/M/1 queue), weighted by the ratio', async () => {
    const env = await SimEnv.create({
      ...base,
      trace: twoTier(),
      callGraph: { graph: { edges: [{ from: 'fe', to: 'be', ratio: 1 }] }, entries: [{ service: 'fe', demand: { source: 'series', points: [[0, 100]] } }] },
    });
    env.reset({ seed: 0 });
    const r = env.step([5, 4]);
    // fe: rho = 100 / 500 -> W = 1000 / (100 x 0.8) = 12.5 ms; be: rho = 100 / 400 -> 1000 / 75 ms.
    expect(r.info.deployments[0]!.service.latencyMs).toBeCloseTo(12.5, 9);
    expect(r.info.deployments[1]!.service.latencyMs).toBeCloseTo(1000 / 75, 9);
    expect(r.info.endToEnd!.latencyMs).toBeCloseTo(12.5 + 1000 / 75, 9);
    expect(r.info.endToEnd!.completed).toBe(1);
    expect(r.info.endToEnd!.violationS).toBe(0);
    await env.close();
  });

  it('callGraph.sloLatencyMs bounds the end-to-end latency apart from each deployment\'s own SLO (default: the same)', async () => {
    // fe + be at 100 req/s on 5 + 4 replicas: 12.5 + 13.3 ms end to end, each hop under 20 ms.
    const graph = { graph: { edges: [{ from: 'fe', to: 'be', ratio: 1 }] }, entries: [{ service: 'fe', demand: { source: 'series' as const, points: [[0, 100]] as [number, number][] } }] };
    const run = async (sloLatencyMs?: number): Promise<{ e2e: number; own: boolean[]; resolved: number }> => {
      const env = await SimEnv.create({ ...base, trace: twoTier(), service: { sloLatencyMs: 20 }, callGraph: { ...graph, ...(sloLatencyMs !== undefined ? { sloLatencyMs } : {}) } });
      env.reset({ seed: 0 });
      const r = env.step([5, 4]);
      const out = { e2e: r.info.endToEnd!.violationS, own: r.info.deployments.map((d) => d.service.sloViolated), resolved: env.options.callGraph!.sloLatencyMs };
      await env.close();
      return out;
    };
    const shared = await run();
    expect(shared.resolved).toBe(20);
    expect(shared.own).toEqual([false, false]);
    expect(shared.e2e).toBeGreaterThan(0); // 25.8 ms > 20 ms
    const apart = await run(30);
    expect(apart.resolved).toBe(30);
    expect(apart.own).toEqual([false, false]);
    expect(apart.e2e).toBe(0);
  });

  it('the built-in DSB social-network graph resolves on the DeathStarBench trace; deployments outside it keep trace demand', async () => {
    const env = await SimEnv.create({ trace: DSB, deployments: ['nginx-thrift', 'home-timeline-service', 'jaeger'], callGraph: { graph: 'dsb-social-network' } });
    expect(env.options.callGraph!.entries[0]!.service).toBe('dsb/nginx-thrift');
    expect(env.options.callGraph!.edges.some((e) => e.from === 'dsb/nginx-thrift' && e.to === 'dsb/home-timeline-service' && e.ratio === 0.6)).toBe(true);
    const r0 = env.reset({ seed: 0 });
    // Entry: 1 recorded replica x 100 x 0.6 = 60 requests/s; home-timeline: 0.6 x 60 + 1 x (0.1 x 60).
    expect(r0.info.deployments[0]!.observation.demand).toBeCloseTo(60, 9);
    expect(r0.info.deployments[1]!.observation.demand).toBeCloseTo(0.6 * 60 + 0.1 * 60, 9);
    expect(r0.info.deployments[2]!.observation.demand).toBeCloseTo(60, 9); // jaeger: its own trace demand
    await env.close();
  });

  it('rejects a cyclic graph, an unknown service and a graph without entries', async () => {
    const trace = twoTier();
    const entries = [{ service: 'fe', demand: { source: 'series' as const, points: [[0, 1]] as Array<[number, number]> } }];
    await expect(
      SimEnv.create({ ...base, trace, callGraph: { graph: { edges: [{ from: 'fe', to: 'be', ratio: 1 }, { from: 'be', to: 'fe', ratio: 1 }] }, entries } }),
    ).rejects.toThrow(/expected an acyclic call graph, got a cycle through shop\/fe, shop\/be/);
    await expect(SimEnv.create({ ...base, trace, callGraph: { graph: { edges: [{ from: 'fe', to: 'db', ratio: 1 }] }, entries } })).rejects.toMatchObject({
      field: 'callGraph.graph.edges.0.to',
    });
    await expect(SimEnv.create({ ...base, trace, callGraph: { graph: { edges: [{ from: 'fe', to: 'be', ratio: 1 }] } } })).rejects.toMatchObject({ field: 'callGraph.entries' });
    await expect(SimEnv.create({ ...base, trace, callGraph: { graph: 'dsb-social-network' } })).rejects.toMatchObject({ field: 'callGraph.graph.edges.0.from' });
  });
});
