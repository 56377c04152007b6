import { describe, expect, it } from 'vitest';
import { inspectMemoryBackend } from '../../../../src/env/cluster/memory/memory-backend.js';
import { buildScenarioTrace, type Scenario } from '../../../../src/env/scenario-trace.js';
import { SimEnv } from '../../../../src/env/sim-env.js';

/** Step a scenario 1 s at a time, recording `key`'s pod counts at each second. */
async function timeline(scenario: Scenario, key: string, seconds: number): Promise<Array<{ t: number; ready: number; starting: number; pending: number; terminating: number }>> {
  const env = await SimEnv.create({
    trace: buildScenarioTrace(scenario),
    deployment: 'default/anchor',
    stepSeconds: 1,
    startupLatency: { type: 'fixed', seconds: 2 },
    nodes: { pools: [{ count: 2, cpu: 16, taints: [], labels: {} }], inject: null },
  });
  const backend = inspectMemoryBackend(env);
  env.reset();
  const out = [];
  for (let t = 1; t <= seconds; t++) {
    env.step(1);
    const c = backend.podCountsOf(key)!;
    out.push({ t, ready: c.ready, starting: c.starting, pending: c.pending, terminating: c.terminating });
  }
  await env.close();
  return out;
}

const anchor = { name: 'anchor', replicas: [[0, 1]] as Array<[number, number]> };

describe('memory controllers', () => {
  it('a Job runs `parallelism` pods, each for its recorded duration, until all recorded pods finished', async () => {
    const tl = await timeline(
      { deployments: [anchor], jobs: [{ name: 'batch', createdAtS: 10, parallelism: 2, podRunSeconds: [20, 40, 15] }], durationS: 200 },
      'default/batch',
      100,
    );
    const at = (t: number) => tl[t - 1]!;
    expect(at(9).ready + at(9).starting).toBe(0);
    expect(at(11).starting).toBe(2); // created at 10, ready at 12
    expect(at(12).ready).toBe(2);
    // Pod 1 finishes at 12 + 20 = 32; pod 3 starts then (ready 34, runs 15 -> 49).
    expect(at(31).ready).toBe(2);
    expect(at(33)).toMatchObject({ ready: 1, starting: 1 });
    expect(at(34).ready).toBe(2);
    // Pod 2 finishes at 12 + 40 = 52, pod 3 at 49: nothing left after 52, no new pods.
    expect(at(50).ready).toBe(1);
    expect(at(53)).toMatchObject({ ready: 0, starting: 0, pending: 0 });
    expect(at(100)).toMatchObject({ ready: 0, starting: 0, pending: 0 });
  });

  it('a bare Pod runs once for its recorded duration; one still running stays', async () => {
    const tl = await timeline(
      {
        deployments: [anchor],
        jobs: [
          { name: 'once', kind: 'Pod', createdAtS: 5, podRunSeconds: [30] },
          { name: 'forever', kind: 'Pod', createdAtS: 5, podRunSeconds: [null] },
        ],
        durationS: 100,
      },
      'default/once',
      60,
    );
    expect(tl[6]!.ready).toBe(1); // t=7
    expect(tl[35]!.ready).toBe(1); // t=36
    expect(tl[36]!.ready).toBe(0); // t=37: ready at 7 + 30 s run

    expect(tl[59]!.ready + tl[59]!.starting + tl[59]!.pending).toBe(0);
    const forever = await timeline(
      { deployments: [anchor], jobs: [{ name: 'forever', kind: 'Pod', createdAtS: 5, podRunSeconds: [null] }], durationS: 100 },
      'default/forever',
      90,
    );
    expect(forever[89]!.ready).toBe(1);
  });

  it('a StatefulSet starts its pods one at a time (OrderedReady) and scales down one at a time', async () => {
    const tl = await timeline(
      {
        deployments: [anchor, { name: 'db', kind: 'StatefulSet', replicas: [[10, 3], [40, 1]], terminationGracePeriodSeconds: 5 }],
        durationS: 100,
      },
      'default/db',
      60,
    );
    const at = (t: number) => tl[t - 1]!;
    expect(at(11)).toMatchObject({ starting: 1, ready: 0 });
    expect(at(12)).toMatchObject({ starting: 1, ready: 1 });
    expect(at(14)).toMatchObject({ starting: 1, ready: 2 });
    expect(at(16)).toMatchObject({ starting: 0, ready: 3 });
    // Scale to 1 at 40: one pod terminates (5 s grace), then the next.
    expect(at(41)).toMatchObject({ ready: 2, terminating: 1 });
    expect(at(46)).toMatchObject({ ready: 1, terminating: 1 });
    expect(at(51)).toMatchObject({ ready: 1, terminating: 0 });
  });

  it('a Deployment scaled down deletes pending pods before running ones', async () => {
    const env = await SimEnv.create({
      trace: buildScenarioTrace({ deployments: [{ name: 'web', replicas: [[0, 1]] }], durationS: 100 }),
      deployment: 'web',
      stepSeconds: 5,
      maxReplicas: 10,
      startupLatency: { type: 'fixed', seconds: 1 },
      nodes: { pools: [{ count: 1, cpu: 3, taints: [], labels: {} }], inject: null },
    });
    env.reset();
    let r = env.step(6);
    expect(r.info.observation).toMatchObject({ ready: 3, pending: 3 });
    r = env.step(3);
    expect(r.info.observation).toMatchObject({ ready: 3, pending: 0, terminating: 0 });
    r = env.step(2);
    expect(r.info.observation).toMatchObject({ ready: 2, pending: 0, terminating: 1 });
    await env.close();
  });
});

describe('rolling updates', () => {
  it('a new pod template rolls a Deployment: maxSurge 25%, maxUnavailable 25%, ready never below 3 of 4', async () => {
    const scenario: Scenario = {
      deployments: [anchor, { name: 'web', replicas: [[0, 4]], updates: [[20, { image: 'example/app:2' }]] }],
      durationS: 200,
    };
    const tl = await timeline(scenario, 'default/web', 60);
    const at = (t: number) => tl[t - 1]!;
    expect(at(19)).toMatchObject({ ready: 4, starting: 0, terminating: 0 });
    // At 20: one old pod goes (4 - 1 unavailable), two new start (4 + 1 surge - 3 old).
    expect(at(20)).toMatchObject({ ready: 3, starting: 2, terminating: 1 });
    // New pods ready at 22: two more old go, two more new start; done at 24.
    expect(at(22)).toMatchObject({ ready: 3, starting: 2 });
    expect(at(24)).toMatchObject({ ready: 4, starting: 0 });
    for (const s of tl) expect(s.ready, `t=${s.t}`).toBeGreaterThanOrEqual(3);
    for (const s of tl) expect(s.ready + s.starting + s.pending, `t=${s.t}`).toBeLessThanOrEqual(5);
    expect(at(60)).toMatchObject({ ready: 4, starting: 0, pending: 0, terminating: 0 });
  });

  it('the controlled deployment rolls too when the trace changes its template', async () => {
    const env = await SimEnv.create({
      trace: buildScenarioTrace({ deployments: [{ name: 'web', replicas: [[0, 2]], updates: [[10, { image: 'example/app:2' }]] }], durationS: 100 }),
      deployment: 'web',
      stepSeconds: 1,
      startupLatency: { type: 'fixed', seconds: 3 },
    });
    env.reset();
    let seenStarting = false;
    for (let t = 1; t <= 30; t++) {
      const r = env.step(2);
      if (r.info.observation.ready < 2) throw new Error(`ready dropped to ${r.info.observation.ready} at ${t}`);
      if (t >= 10 && t < 13) seenStarting ||= r.info.observation.terminating === 0 && r.info.observation.desired === 2;
      if (t === 13) expect(r.info.observation.terminating).toBe(1);
    }
    expect(seenStarting).toBe(true);
    await env.close();
  });
});
