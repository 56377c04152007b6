import { describe, expect, it } from 'vitest';
import { createAgent } from '../../src/agents/registry.js';
import { SimEnv } from '../../src/env/sim-env.js';

const TRACE = 'examples/traces/dsb-scaling.sktrace';

describe('HPA agent in SimEnv (dsb-scaling, nginx-thrift 1 -> 2 -> 4 -> 8 -> 10)', () => {
  it('follows the burst up, only on its 15 s sync schedule', async () => {
    // 5 s steps: the HPA may only change its decision every third step.
    const env = await SimEnv.create({ trace: TRACE, deployment: 'dsb/nginx-thrift', stepSeconds: 5 });
    const hpa = createAgent('hpa', env.agentContext, { seed: 1, target: 60 });
    hpa.reset?.(1);
    let { observation, info } = env.reset({ seed: 1 });
    const decisions: Array<{ t: number; replicas: number }> = [];
    let last = info.observation.desired;
    let done = false;
    while (!done) {
      const t = info.timeS;
      const action = hpa.act(observation, info);
      if (action !== last) decisions.push({ t, replicas: action });
      last = action;
      const r = env.step(action);
      observation = r.observation;
      info = r.info;
      done = r.truncated || r.terminated;
    }
    await env.close();
    expect(decisions.length).toBeGreaterThan(0);
    // every change happens on a sync boundary (multiples of 15 s from the episode start)
    for (const d of decisions) expect(d.t % 15).toBe(0);
    // it scales up after the demand steps (556 s: x2, 797-827 s: x4 .. x10) and ends high
    expect(decisions[0]!.t).toBeGreaterThanOrEqual(556);
    expect(Math.max(...decisions.map((d) => d.replicas))).toBeGreaterThanOrEqual(10);
    // demand never drops in this trace, so a correct HPA never scales down by more than the
    // tolerance noise: the final decision is its maximum
    expect(decisions[decisions.length - 1]!.replicas).toBe(Math.max(...decisions.map((d) => d.replicas)));
  });

  it('waits out the 300 s stabilization window before scaling down (text-service drops 5 -> 1 at 988 s)', async () => {
    const env = await SimEnv.create({ trace: TRACE, deployment: 'dsb/text-service', stepSeconds: 15, pastTraceEnd: 'hold', horizon: 110 });
    const hpa = createAgent('hpa', env.agentContext, { seed: 1, target: 60 });
    hpa.reset?.(1);
    let { observation, info } = env.reset({ seed: 1 });
    const changes: Array<{ t: number; from: number; to: number }> = [];
    for (let i = 0; i < 110; i++) {
      const before = info.observation.desired;
      const action = hpa.act(observation, info);
      if (action !== before) changes.push({ t: info.timeS, from: before, to: action });
      const r = env.step(action);
      observation = r.observation;
      info = r.info;
      if (r.truncated || r.terminated) break;
    }
    await env.close();
    // nothing changes for 300 s after the demand drop; then one scale-down
    const afterDrop = changes.filter((c) => c.t >= 988);
    expect(afterDrop).toHaveLength(1);
    const firstDown = afterDrop[0];
    expect(firstDown!.to).toBeLessThan(firstDown!.from);
    // the demand drop is seen at the first sync at or after 988 s; the window keeps the last
    // high recommendation (made before the drop) for 300 s
    expect(firstDown!.t).toBeGreaterThanOrEqual(975 + 300);
    expect(firstDown!.t).toBeLessThanOrEqual(1005 + 300);
    // default scale-down policy (100% per 15 s): straight to the new recommendation
    expect(firstDown!.to).toBeLessThanOrEqual(2);
  });
});
