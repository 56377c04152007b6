import { describe, expect, it } from 'vitest';
import { HpaAgent } from '../../src/agents/hpa-agent.js';
import { ConfigError } from '../../src/env/errors.js';
import { makeContext, makeInfo, obsVector } from './fixtures.js';

/** The agent's decisions on a 5 s step from 0 to 45 s, starting at 2 replicas, every one ready at 100% CPU. */
function overloadedDecisions(a: HpaAgent): number[] {
  const decisions: number[] = [];
  let desired = 2;
  for (let t = 0; t <= 45; t += 5) {
    const info = makeInfo({ desired, ready: desired, utilisation: 1 }, { timeS: t });
    desired = a.act(obsVector(info), info);
    decisions.push(desired);
  }
  return decisions;
}

describe('HpaAgent (HPA fed from the observation)', () => {
  it('reads utilisation of ready replicas and scales by ceil(ready * util / target)', () => {
    const a = new HpaAgent(makeContext('absolute', 1, 20), { targetUtilisation: 50 });
    a.reset(0);
    const info = makeInfo({ desired: 4, ready: 4, utilisation: 0.9 }, { timeS: 0 });
    // 90% vs 50%: 4 * 1.8 = 7.2 -> 8 (within the 100%-per-15 s limit)
    expect(a.act(obsVector(info), info)).toBe(8);
    expect(a.decision?.recommendation).toBe(8);
  });

  it('counts starting pods as unready (0% on a scale-up)', () => {
    const a = new HpaAgent(makeContext('absolute', 1, 20), { targetUtilisation: 90 });
    a.reset(0);
    // 2 of 4 ready at 100% vs 90%: the 2 starting pods pull the recompute to 50% -> hold 4
    const info = makeInfo({ desired: 4, ready: 2, utilisation: 1 }, { timeS: 0 });
    expect(a.act(obsVector(info), info)).toBe(4);
  });

  it('reconciles on its 15 s sync period and holds in between when the env steps every 5 s', () => {
    const a = new HpaAgent(makeContext('absolute', 1, 40, 2, 5), { targetUtilisation: 50, readyMetricsDelaySeconds: 0 });
    a.reset(0);
    // always overloaded: any reconcile scales up
    const decisions = overloadedDecisions(a);
    // utilisation saturates at 100% = 2x the 50% target, so each sync doubles: syncs at 0, 15, 30, 45
    expect(decisions).toEqual([4, 4, 4, 8, 8, 8, 16, 16, 16, 32]);
  });

  it("sets new pods aside until their CPU counts (readyMetricsDelaySeconds), as the controller's CPU initialisation rule does", () => {
    const a = new HpaAgent(makeContext('absolute', 1, 40, 2, 5), { targetUtilisation: 50 });
    expect(a.options.readyMetricsDelaySeconds).toBe(22.5);
    a.reset(0);
    const decisions = overloadedDecisions(a);
    // 0: the reset pods have metrics: 2 -> 4. 15: the 2 new pods (seen Ready at 5) are 10 s
    // old: 2 at 100% and 2 set aside at 0% recompute to ratio 1.0: hold. 30: all 4 count
    // (25 s >= 22.5): 8. 45: the 4 pods seen at 35 are too new again: hold.
    expect(decisions).toEqual([4, 4, 4, 4, 4, 4, 8, 8, 8, 8]);
  });

  it('in delta mode emits the delta toward its decision, within maxDelta', () => {
    const a = new HpaAgent(makeContext('delta', 1, 20, 2), { targetUtilisation: 50 });
    a.reset(0);
    const info = makeInfo({ desired: 4, ready: 4, utilisation: 1 }, { timeS: 0 });
    expect(a.act(obsVector(info), info)).toBe(2);
  });

  it('keeps the 300 s stabilization across steps and forgets it on reset', () => {
    const a = new HpaAgent(makeContext('absolute', 1, 20), { targetUtilisation: 50 });
    a.reset(0);
    let out = 0;
    for (let t = 0; t < 300; t += 15) {
      const info = makeInfo({ desired: 10, ready: 10, utilisation: 0.1 }, { timeS: t });
      out = a.act(obsVector(info), info);
      expect(out).toBe(10);
    }
    const late = makeInfo({ desired: 10, ready: 10, utilisation: 0.1 }, { timeS: 300 });
    expect(a.act(obsVector(late), late)).toBe(2);
  });

  it('defaults its minReplicas to max(1, env min) and validates options', () => {
    expect(new HpaAgent(makeContext('absolute', 0, 10)).describe().minReplicas).toBe(1);
    expect(() => new HpaAgent(makeContext('absolute'), { targetUtilisation: 0.6 })).toThrow(ConfigError);
    expect(() => new HpaAgent(makeContext('absolute'), { targetUtilisation: 0.6 })).toThrow(/hpa\.targetUtilisation/);
    expect(() => new HpaAgent(makeContext('absolute'), { minReplicas: 8, maxReplicas: 4 })).toThrow(/minReplicas <= maxReplicas/);
  });
});
