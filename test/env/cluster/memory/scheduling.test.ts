import { describe, expect, it } from 'vitest';
import { inspectMemoryBackend } from '../../../../src/env/cluster/memory/memory-backend.js';
import type { MemoryInspector } from '../../../../src/env/cluster/memory/memory-inspector.js';
import { buildScenarioTrace, type Scenario } from '../../../../src/env/scenario-trace.js';
import { SimEnv } from '../../../../src/env/sim-env.js';

async function envOf(scenario: Scenario, deployment: string, extra: Record<string, unknown> = {}): Promise<{ env: SimEnv; backend: MemoryInspector }> {
  const env = await SimEnv.create({
    trace: buildScenarioTrace(scenario),
    deployment,
    startupLatency: { type: 'fixed', seconds: 2 },
    stepSeconds: 10,
    ...extra,
  });
  return { env, backend: inspectMemoryBackend(env) };
}

describe('memory scheduler: capacity', () => {
  it('too few nodes keep pods Pending (observation and reward show it); a new node schedules them', async () => {
    const { env, backend } = await envOf(
      {
        nodes: [
          { name: 'n1', cpu: '4' },
          { name: 'n2', cpu: '8', addedAtS: 60 },
        ],
        deployments: [
          { name: 'web', replicas: [[0, 1]] },
          { name: 'db', replicas: [[0, 2]] },
        ],
        durationS: 300,
      },
      'default/web',
      { maxReplicas: 10, demand: { source: 'series', points: [[0, 500]] } },
    );
    expect(env.options.nodes.source).toBe('trace');
    env.reset({ seed: 1 });
    let r = env.step(6); // t = 10: only 1 more pod fits n1 (4 cpu: db 2 + web 1 already)
    expect(r.info.observation.pending).toBe(4);
    expect(r.info.observation.ready).toBe(2);
    expect(r.info.observation.freeCpu).toBe(0);
    expect(r.observation[2]).toBeCloseTo(4 / 10);
    expect(r.info.service.unmet).toBeGreaterThan(250);
    expect(r.info.reward.slo).toBeLessThan(-0.5);
    for (let i = 0; i < 4; i++) r = env.step(6); // to t = 50: still no room
    expect(r.info.observation.pending).toBe(4);
    r = env.step(6); // t = 60: n2 appears, the pending pods bind (ready 2 s later)
    expect(r.info.observation.pending).toBe(0);
    r = env.step(6); // t = 70: ready since 62 s; the window still had 2 s short of capacity
    expect(r.info.observation.ready).toBe(6);
    expect(r.info.service.unmet).toBeCloseTo((2 * 300) / 10);
    r = env.step(6); // t = 80
    expect(r.info.service.unmet).toBe(0);
    expect(r.info.reward.slo).toBeGreaterThan(-0.5);
    expect(backend.nodesOf('default/web').filter((n) => n === 'n2')).toHaveLength(4);
    await env.close();
  });

  it('respects the pod-count and memory limits of nodes', async () => {
    const { env, backend } = await envOf(
      {
        nodes: [
          { name: 'a', cpu: '64', pods: 2 },
          { name: 'b', cpu: '64', memory: '3Gi' },
        ],
        deployments: [{ name: 'web', replicas: [[0, 1]], memory: '1Gi' }],
        durationS: 100,
      },
      'default/web',
    );
    env.reset();
    const r = env.step(8);
    // a holds 2 pods, b holds 3 x 1Gi: 5 bound, 3 pending.
    expect(r.info.observation.pending).toBe(3);
    expect(backend.nodesOf('default/web')).toEqual(['a', 'a', 'b', 'b', 'b']);
    await env.close();
  });

  it('scores least-allocated and breaks ties by node name', async () => {
    const { env, backend } = await envOf(
      {
        nodes: [
          { name: 'b', cpu: '8' },
          { name: 'a', cpu: '8' },
          { name: 'c', cpu: '16' },
        ],
        deployments: [{ name: 'web', replicas: [[0, 1]] }],
        durationS: 100,
      },
      'default/web',
      { initialReplicas: 1, minReplicas: 1 },
    );
    env.reset();
    // First pod: c is emptiest (16 cpu). Then c 15/16 free vs a,b 8/8 -> c still; ...
    expect(backend.nodesOf('default/web')).toEqual(['c']);
    env.step(9);
    const placed = backend.nodesOf('default/web');
    const count = (n: string): number => placed.filter((x) => x === n).length;
    // Least allocated equalises the free fraction: c (16) takes about twice as many as a or b.
    expect(count('c')).toBeGreaterThanOrEqual(4);
    expect(count('a') + count('b') + count('c')).toBe(9);
    expect(count('a')).toBeGreaterThanOrEqual(count('b'));
    await env.close();
  });

  it('frees capacity only after the termination grace period', async () => {
    const { env } = await envOf(
      {
        nodes: [{ name: 'n', cpu: '4' }],
        deployments: [
          { name: 'web', replicas: [[0, 4]], terminationGracePeriodSeconds: 25 },
          { name: 'batch', replicas: [[0, 0], [12, 3]] },
        ],
        durationS: 200,
      },
      'default/web',
      { initialReplicas: 4 },
    );
    env.reset();
    let r = env.step(1); // t=10: 3 terminating
    expect(r.info.observation.terminating).toBe(3);
    expect(r.info.observation.freeCpu).toBe(0);
    // 4 pods held for 10 s at 1 cpu = 40 cpu-seconds.
    expect(r.info.service.cpuSeconds).toBeCloseTo(40);
    r = env.step(1); // t=20: batch (t=12) still pending, web pods still terminating
    expect(r.info.observation.terminating).toBe(3);
    r = env.step(1); // t=30: grace over at 25 s, batch scheduled
    expect(r.info.observation.terminating).toBe(0);
    expect(r.info.observation.freeCpu).toBe(0);
    expect(r.info.service.cpuSeconds).toBeCloseTo(10 + 3 * 5);
    await env.close();
  });

  it('a node that vanishes takes its pods; controllers recreate them elsewhere', async () => {
    const { env, backend } = await envOf(
      {
        nodes: [
          { name: 'a', cpu: '2' },
          { name: 'b', cpu: '2', removedAtS: 30 },
          { name: 'c', cpu: '8', addedAtS: 50 },
        ],
        deployments: [{ name: 'web', replicas: [[0, 4]] }],
        durationS: 200,
      },
      'default/web',
      { initialReplicas: 4 },
    );
    env.reset();
    expect(backend.nodesOf('default/web')).toEqual(['a', 'a', 'b', 'b']);
    env.step(4);
    env.step(4);
    let r = env.step(4); // t=30: b gone
    expect(r.info.observation.ready).toBe(2);
    expect(r.info.observation.pending).toBe(2);
    env.step(4);
    r = env.step(4); // t=50: c appears
    r = env.step(4);
    expect(r.info.observation.ready).toBe(4);
    expect(backend.nodesOf('default/web')).toEqual(['a', 'a', 'c', 'c']);
    await env.close();
  });
});

describe('memory scheduler: taints, tolerations, node selectors', () => {
  const scenario: Scenario = {
    nodes: [
      { name: 'gpu-1', cpu: '16', labels: { pool: 'gpu' }, taints: [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }] },
      { name: 'gen-1', cpu: '16', labels: { pool: 'general' } },
      { name: 'edge-1', cpu: '16', labels: { pool: 'edge' }, taints: [{ key: 'edge', effect: 'NoExecute' }, { key: 'soft', effect: 'PreferNoSchedule' }] },
    ],
    deployments: [
      { name: 'ctl', replicas: [[0, 1]], nodeSelector: { pool: 'general' } },
      { name: 'trainer', replicas: [[0, 2]], nodeSelector: { pool: 'gpu' }, tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }] },
      { name: 'plain', replicas: [[0, 3]] },
      { name: 'stuck', replicas: [[0, 2]], nodeSelector: { pool: 'gpu' } },
      { name: 'wrong-value', replicas: [[0, 1]], nodeSelector: { pool: 'gpu' }, tolerations: [{ key: 'gpu', operator: 'Equal', value: 'false' }] },
      { name: 'anything', replicas: [[0, 3]], tolerations: [{ operator: 'Exists' }], cpu: '10' },
      { name: 'edgy', replicas: [[0, 1]], nodeSelector: { pool: 'edge' }, tolerations: [{ key: 'edge', operator: 'Exists' }] },
    ],
    durationS: 100,
  };

  it('places every pod where Kubernetes would allow it', async () => {
    const { env, backend } = await envOf(scenario, 'default/ctl');
    env.reset();
    expect(backend.nodesOf('default/ctl')).toEqual(['gen-1']);
    expect(backend.nodesOf('default/trainer')).toEqual(['gpu-1', 'gpu-1']);
    // Untolerated taints exclude gpu-1 and edge-1 (NoExecute filters too).
    expect(backend.nodesOf('default/plain')).toEqual(['gen-1', 'gen-1', 'gen-1']);
    // A selector without the toleration, or with a toleration of the wrong value: Pending.
    expect(backend.nodesOf('default/stuck')).toEqual([]);
    expect(backend.podCountsOf('default/stuck')!.pending).toBe(2);
    expect(backend.podCountsOf('default/wrong-value')!.pending).toBe(1);
    // An empty-key Exists toleration tolerates every taint: 10-cpu pods fit one per node.
    expect(backend.nodesOf('default/anything')).toEqual(['edge-1', 'gen-1', 'gpu-1']);
    expect(backend.nodesOf('default/edgy')).toEqual(['edge-1']);
    await env.close();
  });

  it('the virtual-node defaults taint nodes and inject the matching placement into pods', async () => {
    const env = await SimEnv.create({ trace: buildScenarioTrace({ deployments: [{ name: 'web', replicas: [[0, 2]] }], durationS: 60 }), deployment: 'web' });
    expect(env.options.nodes.inject).toEqual({ nodeSelector: { type: 'virtual' }, tolerations: [{ key: 'kwok-provider', operator: 'Exists', effect: 'NoSchedule' }] });
    env.reset();
    expect(inspectMemoryBackend(env).readyReplicasOf('default/web')).toBe(2);
    await env.close();
    // Without the injected toleration the SimKube taint keeps every pod Pending.
    const bare = await SimEnv.create({
      trace: buildScenarioTrace({ deployments: [{ name: 'web', replicas: [[0, 2]] }], durationS: 60 }),
      deployment: 'web',
      nodes: { inject: null },
    });
    const { info } = bare.reset();
    expect(info.observation.pending).toBe(2);
    expect(info.observation.ready).toBe(0);
    await bare.close();
  });

  it('virtual pools with their own labels and taints are honoured', async () => {
    const env = await SimEnv.create({
      trace: buildScenarioTrace({ deployments: [{ name: 'web', replicas: [[0, 3]], nodeSelector: { tier: 'fast' } }], durationS: 60 }),
      deployment: 'web',
      nodes: {
        pools: [
          { name: 'slow', count: 2, labels: { tier: 'slow' }, taints: [] },
          { name: 'fast', count: 1, cpu: 2, labels: { tier: 'fast' }, taints: [] },
        ],
        inject: null,
      },
    });
    const { info } = env.reset();
    expect(inspectMemoryBackend(env).nodesOf('default/web')).toEqual(['fast-0', 'fast-0']);
    expect(info.observation.pending).toBe(1);
    await env.close();
  });
});
