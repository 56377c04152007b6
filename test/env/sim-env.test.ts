import { describe, expect, it } from 'vitest';
import { ConfigError, EnvStateError, InvalidActionError, SimEnvError, UnknownWorkloadError } from '../../src/env/errors.js';
import { SimEnv } from '../../src/env/sim-env.js';
import { buildScenarioTrace } from '../../src/env/scenario-trace.js';
import { OBSERVATION_FIELDS } from '../../src/env/types.js';

const DSB = 'examples/traces/dsb-scaling.sktrace';

describe('SimEnv.create', () => {
  it('gives a working env from the minimal call, with documented defaults', async () => {
    const env = await SimEnv.create({ trace: DSB, deployment: 'dsb/nginx-thrift' });
    expect(env.backendKind).toBe('memory');
    expect(env.isAsync).toBe(false);
    expect(env.options.actionMode).toBe('absolute');
    expect(env.options.stepSeconds).toBe(15);
    expect(env.options.minReplicas).toBe(1);
    expect(env.options.maxReplicas).toBe(20); // max(10, 2 x recorded peak of 10)
    expect(env.options.horizon).toBeNull();
    expect(env.options.nodes.source).toBe('virtual');
    expect(env.options.nodes.pools[0]!.count).toBe(4);
    expect(env.actionSpace.start).toBe(1);
    expect(env.actionSpace.n).toBe(20);
    expect(env.observationSpace.shape).toEqual([OBSERVATION_FIELDS.length]);
    expect(JSON.parse(JSON.stringify(env.options))).toEqual(env.options);
    expect(env.describe()).toContain('dsb/nginx-thrift');
    const { observation, info } = env.reset({ seed: 3 });
    expect(env.observationSpace.contains(observation)).toBe(true);
    expect(info.observation.ready).toBe(1);
    expect(info.recordedReplicas).toBe(1);
    await env.close();
  });

  it('accepts a bare deployment name and resolves it', async () => {
    const env = await SimEnv.create({ trace: DSB, deployment: 'text-service' });
    expect(env.options.deployment).toBe('dsb/text-service');
    await env.close();
  });

  it('delta mode has actions -k..k and moves the desired count within bounds', async () => {
    const env = await SimEnv.create({ trace: DSB, deployment: 'dsb/nginx-thrift', actionMode: 'delta', maxDelta: 3, maxReplicas: 5 });
    expect(env.actionSpace.start).toBe(-3);
    expect(env.actionSpace.end).toBe(3);
    env.reset({ seed: 1 });
    expect(env.step(3).info.action.applied).toBe(4);
    expect(env.step(3).info.action.applied).toBe(5); // clipped at maxReplicas
    const r = env.step(-3);
    expect(r.info.action).toEqual({ requested: -3, applied: 2 });
    expect(r.info.reward.churn).toBeCloseTo(-0.05 * 3);
    await env.close();
  });
});

describe('SimEnv episodes', () => {
  it('truncates at the trace end and then refuses to step', async () => {
    const env = await SimEnv.create({ trace: DSB, deployment: 'dsb/nginx-thrift' });
    env.reset({ seed: 0 });
    let steps = 0;
    let last = env.step(1);
    steps++;
    while (!last.truncated) {
      last = env.step(1);
      steps++;
    }
    expect(steps).toBe(Math.ceil(1134 / 15));
    expect(last.info.timeS).toBe(1134);
    expect(last.terminated).toBe(false);
    expect(() => env.step(1)).toThrow(EnvStateError);
    expect(() => env.step(1)).toThrow(/episode ended/);
    env.reset();
    expect(env.step(1).info.step).toBe(1);
    await env.close();
  });

  it('truncates at the horizon', async () => {
    const env = await SimEnv.create({ trace: DSB, deployment: 'dsb/nginx-thrift', horizon: 3, stepSeconds: 10 });
    env.reset();
    expect(env.step(2).truncated).toBe(false);
    expect(env.step(2).truncated).toBe(false);
    const r = env.step(2);
    expect(r.truncated).toBe(true);
    expect(r.info.timeS).toBe(30);
    await env.close();
  });

  it('starts at a fixed offset with the recorded replicas', async () => {
    const env = await SimEnv.create({ trace: DSB, deployment: 'dsb/nginx-thrift', episodeStart: { type: 'offset', seconds: 900 } });
    const { info } = env.reset();
    expect(info.timeS).toBe(900);
    expect(info.observation.ready).toBe(10);
    expect(info.observation.desired).toBe(10);
    await env.close();
  });

  it('draws a random window start from the seed', async () => {
    const env = await SimEnv.create({
      trace: DSB,
      deployment: 'dsb/nginx-thrift',
      horizon: 4,
      episodeStart: { type: 'random-window' },
    });
    const starts = new Set<number>();
    for (let s = 0; s < 10; s++) {
      const t = env.reset({ seed: s }).info.timeS;
      expect(t % 15).toBe(0);
      expect(t).toBeLessThanOrEqual(1134 - 60);
      expect(env.reset({ seed: s }).info.timeS).toBe(t);
      starts.add(t);
    }
    expect(starts.size).toBeGreaterThan(3);
    await env.close();
  });

  it('one-step mode holds one action for the duration and rewards the whole window', async () => {
    const env = await SimEnv.create({ trace: DSB, deployment: 'dsb/nginx-thrift', oneStep: { durationSeconds: 600 }, episodeStart: { type: 'offset', seconds: 500 } });
    expect(env.agentContext.stepSeconds).toBe(600);
    env.reset({ seed: 1 });
    const r = env.step(4);
    expect(r.truncated).toBe(true);
    expect(r.info.timeS).toBe(1100);
    expect(r.info.service.windowS).toBe(600);
    // 4 replicas held for ~600 s at 1 cpu each: cost over the window, not one step.
    expect(r.info.service.cpuSeconds).toBeGreaterThan(4 * 590);
    expect(r.info.service.cpuSeconds).toBeLessThanOrEqual(4 * 600 + 30);
    expect(() => env.step(4)).toThrow(EnvStateError);
    await env.close();
  });

  it('terminates when the trace deletes the controlled deployment', async () => {
    const trace = buildScenarioTrace({ deployments: [{ name: 'web', replicas: [[0, 2]], deletedAtS: 40 }], durationS: 100 });
    const env = await SimEnv.create({ trace, deployment: 'default/web', stepSeconds: 15 });
    env.reset();
    expect(env.step(2).terminated).toBe(false);
    expect(env.step(2).terminated).toBe(false);
    const r = env.step(2);
    expect(r.terminated).toBe(true);
    expect(r.truncated).toBe(false);
    await env.close();
  });

  it('observe() returns the current observation without advancing, reward() the last reward', async () => {
    const env = await SimEnv.create({ trace: DSB, deployment: 'dsb/nginx-thrift' });
    env.reset({ seed: 2 });
    expect(env.reward()).toBe(0);
    const r = env.step(3);
    const copy = Float32Array.from(env.observe());
    expect(env.observe()).toBe(r.observation);
    expect(Array.from(env.observe())).toEqual(Array.from(copy));
    expect(env.reward()).toBe(r.reward);
    expect(r.info.timeS).toBe(15);
    await env.close();
  });

  it('stepAsync and resetAsync give the same episode as the sync calls', async () => {
    const a = await SimEnv.create({ trace: DSB, deployment: 'dsb/nginx-thrift' });
    const b = await SimEnv.create({ trace: DSB, deployment: 'dsb/nginx-thrift' });
    a.reset({ seed: 9 });
    await b.resetAsync({ seed: 9 });
    for (let i = 0; i < 30; i++) {
      const act = 1 + ((i * 7) % 20);
      const ra = a.step(act);
      const rb = await b.stepAsync(act);
      expect(rb.reward).toBe(ra.reward);
      expect(Array.from(rb.observation)).toEqual(Array.from(ra.observation));
    }
    await a.close();
    await b.close();
  });
});

describe('SimEnv bad input', () => {
  it('an unknown deployment lists the ones the trace has', async () => {
    const err = await SimEnv.create({ trace: DSB, deployment: 'dsb/nope' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownWorkloadError);
    expect((err as Error).message).toContain('dsb/nginx-thrift');
    expect((err as Error).message).toContain('"dsb/nope"');
    expect((err as UnknownWorkloadError).available).toHaveLength(27);
  });

  it('an action outside the space is an InvalidActionError naming the range', async () => {
    const env = await SimEnv.create({ trace: DSB, deployment: 'dsb/nginx-thrift' });
    env.reset();
    expect(() => env.step(0)).toThrow(InvalidActionError);
    expect(() => env.step(21)).toThrow(/expected an integer action in \[1, 20\].*got 21/);
    expect(() => env.step(2.5)).toThrow(InvalidActionError);
    expect(() => env.step(Number.NaN)).toThrow(InvalidActionError);
    // The episode is intact after a rejected action.
    expect(env.step(2).info.step).toBe(1);
    await env.close();
  });

  it('a horizon of zero is a ConfigError naming the field', async () => {
    const err = await SimEnv.create({ trace: DSB, deployment: 'dsb/nginx-thrift', horizon: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('horizon');
    expect((err as Error).message).toMatch(/horizon/);
  });

  it('a trace with no workloads is a ConfigError', async () => {
    const trace = buildScenarioTrace({ deployments: [], durationS: 60 });
    const err = await SimEnv.create({ trace, deployment: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('trace');
    expect((err as Error).message).toMatch(/at least one Deployment/);
  });

  it('step before reset, and step/reset after close, are EnvStateErrors', async () => {
    const env = await SimEnv.create({ trace: DSB, deployment: 'dsb/nginx-thrift' });
    expect(() => env.step(1)).toThrow(/reset\(\) before step/);
    env.reset();
    await env.close();
    await env.close(); // idempotent
    expect(() => env.step(1)).toThrow(EnvStateError);
    expect(() => env.reset()).toThrow(/after close/);
    await expect(env.stepAsync(1)).rejects.toThrow(EnvStateError);
  });

  it('invalid option values name the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ stepSeconds: -1 }, 'stepSeconds'],
      [{ actionMode: 'sideways' }, 'actionMode'],
      [{ minReplicas: 30 }, 'minReplicas'],
      [{ reward: { slo: -1 } }, 'reward.slo'],
      [{ nodes: { source: 'trace' } }, 'nodes.source'],
      [{ episodeStart: { type: 'offset', seconds: 5000 } }, 'episodeStart'],
      [{ demand: { source: 'file', path: '/nonexistent/load.csv' } }, 'demand.path'],
      [{ stepsize: 3 }, '(options)'],
    ];
    for (const [extra, field] of cases) {
      const err = await SimEnv.create({ trace: DSB, deployment: 'dsb/nginx-thrift', ...extra } as never).catch((e: unknown) => e);
      expect(err, JSON.stringify(extra)).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field, JSON.stringify(extra)).toBe(field);
    }
  });

  it('a missing trace file is a typed error naming the file', async () => {
    const err = await SimEnv.create({ trace: 'nope.sktrace', deployment: 'a' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimEnvError);
    expect((err as Error).message).toContain('nope.sktrace');
    expect((err as Error).message).toMatch(/no such file/);
  });
});

describe('SimEnv deployment names', () => {
  it('an ambiguous bare name says which namespaces have it', async () => {
    const trace = buildScenarioTrace({
      deployments: [
        { name: 'web', namespace: 'a', replicas: [[0, 1]] },
        { name: 'web', namespace: 'b', replicas: [[0, 1]] },
      ],
      durationS: 60,
    });
    const err = await SimEnv.create({ trace, deployment: 'web' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownWorkloadError);
    expect((err as UnknownWorkloadError).userMessage()).toMatch(/several namespaces \(a, b\)/);
    const ok = await SimEnv.create({ trace, deployment: 'b/web' });
    expect(ok.options.deployment).toBe('b/web');
    await ok.close();
  });
});
