import { describe, expect, it } from 'vitest';
import { InvalidActionError } from '../../src/env/errors.js';
import { SimEnv } from '../../src/env/sim-env.js';
import type { ResetResult, StepInfo, StepResult } from '../../src/env/types.js';
import { VectorEnv } from '../../src/env/vector-env.js';
import { CounterEnv } from './toy-env.js';

const DSB = 'examples/traces/dsb-scaling.sktrace';
const opts = { trace: DSB, deployment: 'dsb/nginx-thrift', horizon: 3 } as const;

describe('VectorEnv', () => {
  it('steps N envs in lockstep into one batched Float32Array, matching single envs', async () => {
    const vec = await VectorEnv.create(opts, { numEnvs: 4 });
    const singles = await Promise.all([0, 1, 2, 3].map((i) => SimEnv.create({ ...opts, seed: i })));
    const { observations } = vec.reset({ seed: 10 });
    expect(observations).toHaveLength(4 * vec.obsDim);
    singles.forEach((s, i) => {
      const r = s.reset({ seed: 10 + i });
      expect(Array.from(vec.observationOf(i))).toEqual(Array.from(r.observation));
    });
    const actions = [1, 5, 10, 20];
    const out = vec.step(actions);
    singles.forEach((s, i) => {
      const r = s.step(actions[i]!);
      expect(out.rewards[i]).toBe(r.reward);
      expect(Array.from(out.observations.subarray(i * vec.obsDim, (i + 1) * vec.obsDim))).toEqual(Array.from(r.observation));
    });
    expect(out.rewards[3]).toBeLessThan(out.rewards[1]!); // 20 replicas cost more than 5
    await vec.close();
    await Promise.all(singles.map((s) => s.close()));
  });

  it('next-step autoreset: the ending step shows the final observation, the next one resets', async () => {
    const vec = await VectorEnv.create(opts, { numEnvs: 2 });
    vec.reset({ seed: 1 });
    vec.step([2, 2]);
    vec.step([2, 2]);
    const end = vec.step([2, 2]);
    expect(Array.from(end.truncated)).toEqual([1, 1]);
    expect(end.infos[0]!.timeS).toBe(45);
    const finalObs = Float32Array.from(end.observations);
    expect(finalObs[0]).toBeCloseTo(2 / 20);
    const next = vec.step([7, 7]); // actions ignored: reset
    expect(Array.from(next.truncated)).toEqual([0, 0]);
    expect(Array.from(next.rewards)).toEqual([0, 0]);
    expect(next.infos[0]!.step).toBe(0);
    expect(next.infos[0]!.timeS).toBe(0);
    const after = vec.step([7, 7]);
    expect(after.infos[1]!.action.applied).toBe(7);
    await vec.close();
  });

  it('same-step autoreset: reset observation in the batch, the final one in finalObservations', async () => {
    const vec = await VectorEnv.create(opts, { numEnvs: 2, autoreset: 'same-step' });
    vec.reset({ seed: 1 });
    vec.step([4, 4]);
    vec.step([4, 4]);
    const end = vec.step([4, 4]);
    expect(Array.from(end.truncated)).toEqual([1, 1]);
    expect(Array.from(vec.hasFinal)).toEqual([1, 1]);
    expect(vec.finalObservations[0]).toBeCloseTo(4 / 20); // desired at the end
    expect(end.observations[0]).toBeCloseTo(1 / 20); // desired after reset (recorded 1)
    expect(end.rewards[0]).toBeLessThan(0);
    // The final step's info survives the reset inside step().
    expect(vec.finalInfos[0]!.step).toBe(3);
    expect(vec.finalInfos[0]!.timeS).toBe(45);
    expect(vec.finalInfos[0]!.reward.total).toBe(end.rewards[0]);
    expect(vec.finalInfos[0]!.service.cpuSeconds).toBeGreaterThan(0);
    expect(end.infos[0]!.step).toBe(0);
    const next = vec.step([3, 3]);
    expect(next.infos[0]!.step).toBe(1);
    expect(Array.from(vec.hasFinal)).toEqual([0, 0]);
    await vec.close();
  });

  it('members get distinct seeds; a wrong number of actions is an InvalidActionError', async () => {
    const vec = await VectorEnv.create({ ...opts, episodeStart: { type: 'random-window' } }, { numEnvs: 3 });
    const { infos } = vec.reset({ seed: 3 });
    const starts = infos.map((i) => i.timeS);
    expect(new Set(starts).size).toBeGreaterThan(1);
    expect(() => vec.step([1, 2])).toThrow(InvalidActionError);
    await vec.close();
  });

  it('disabled autoreset refuses to step an ended env', async () => {
    const vec = await VectorEnv.create(opts, { numEnvs: 1, autoreset: 'disabled' });
    vec.reset();
    vec.step([1]);
    vec.step([1]);
    vec.step([1]);
    expect(() => vec.step([1])).toThrow(/episode ended/);
    await vec.close();
  });
});

describe('VectorEnv over any SyncEnv (a toy counter env, not a SimEnv)', () => {
  const toys = (n: number, horizon = 3): CounterEnv[] => Array.from({ length: n }, () => new CounterEnv(horizon));

  it('batches the envs exactly as stepping them one by one, with the observation size of their space', () => {
    const vec = new VectorEnv(toys(3, 4));
    const singles = toys(3, 4);
    expect(vec.obsDim).toBe(2);
    vec.reset({ seed: 5 });
    singles.forEach((s, i) => {
      expect(Array.from(vec.observationOf(i))).toEqual(Array.from(s.reset({ seed: 5 + i }).observation));
    });
    const actions = [1, 0, -1];
    for (let t = 0; t < 3; t++) {
      const out = vec.step(actions);
      singles.forEach((s, i) => {
        const r = s.step(actions[i]!);
        expect(out.rewards[i]).toBe(r.reward);
        expect(out.truncated[i]).toBe(r.truncated ? 1 : 0);
        expect(Array.from(vec.observationOf(i))).toEqual(Array.from(r.observation));
      });
    }
  });

  it('same-step autoreset keeps the final observation and a copy of the final info', () => {
    const envs = toys(2, 2);
    const vec = new VectorEnv(envs, { autoreset: 'same-step' });
    vec.reset({ seed: 0 });
    vec.step([0, 0]);
    expect(Array.from(vec.hasFinal)).toEqual([0, 0]);
    const end = vec.step([0, 0]);
    expect(Array.from(end.truncated)).toEqual([1, 1]);
    expect(Array.from(vec.hasFinal)).toEqual([1, 1]);
    expect(vec.finalInfos[0]!.step).toBe(2);
    expect(end.infos[0]!.step).toBe(0); // already the new episode
    expect(envs[0]!.resets).toBe(2);
    expect(vec.finalInfos[0]!.reward.slo).toBe(end.rewards[0]! - vec.finalInfos[0]!.reward.churn);
  });

  it('same-step autoreset keeps a copy of a plain-data info (an info that is not a StepInfo)', () => {
    /** CounterEnv with its own info shape: a reused { step, tag } object. */
    class PlainInfoEnv extends CounterEnv {
      private readonly plain = { step: 0, tag: 'counter' };
      override reset(opts?: { seed?: number }): ResetResult {
        const r = super.reset(opts);
        this.plain.step = r.info.step;
        return { observation: r.observation, info: this.plain as unknown as StepInfo };
      }
      override step(action: number): StepResult {
        const r = super.step(action);
        this.plain.step = r.info.step;
        return { ...r, info: this.plain as unknown as StepInfo };
      }
    }
    const vec = new VectorEnv([new PlainInfoEnv(2), new PlainInfoEnv(2)], { autoreset: 'same-step' });
    vec.reset({ seed: 0 });
    vec.step([0, 0]);
    const end = vec.step([0, 0]);
    expect(Array.from(vec.hasFinal)).toEqual([1, 1]);
    expect(vec.finalInfos[0]).toEqual({ step: 2, tag: 'counter' });
    expect(vec.finalInfos[0]).not.toBe(end.infos[0]);
    expect(end.infos[0]).toEqual({ step: 0, tag: 'counter' });
  });

  it('copy: reset and step return owned arrays that later steps do not overwrite', () => {
    const shared = new VectorEnv(toys(2, 10));
    const owned = new VectorEnv(toys(2, 10), { copy: true });
    expect(shared.copy).toBe(false);
    const r0 = owned.reset({ seed: 2 });
    shared.reset({ seed: 2 });
    expect(r0.observations).not.toBe(owned.observations);
    const a = owned.step([1, 1]);
    const b = shared.step([1, 1]);
    expect(b.observations).toBe(shared.observations);
    expect(a.observations).not.toBe(owned.observations);
    expect(Array.from(a.observations)).toEqual(Array.from(b.observations));
    const kept = Array.from(a.observations);
    const keptRewards = Array.from(a.rewards);
    const keptInfo = a.infos[0]!.step;
    owned.step([-1, -1]);
    expect(Array.from(a.observations)).toEqual(kept);
    expect(Array.from(a.rewards)).toEqual(keptRewards);
    expect(a.infos[0]!.step).toBe(keptInfo);
    expect(a.infos[0]).not.toBe(owned.infos[0]);
  });

  it('stepAsync drives sync-only envs with the same results as step', async () => {
    const a = new VectorEnv(toys(2, 3));
    const b = new VectorEnv(toys(2, 3));
    a.reset({ seed: 4 });
    await b.resetAsync({ seed: 4 });
    for (let t = 0; t < 5; t++) {
      const x = a.step([1, -1]);
      const y = await b.stepAsync([1, -1]);
      expect(Array.from(y.rewards)).toEqual(Array.from(x.rewards));
      expect(Array.from(y.observations)).toEqual(Array.from(x.observations));
    }
    await a.close();
    expect(a.envs.every((e) => e.closed)).toBe(true);
  });

  it('rejects envs of different observation shapes, naming both', () => {
    expect(() => new VectorEnv([new CounterEnv(3, 2), new CounterEnv(3, 3)])).toThrow(/one observation shape, got \[3\] and \[2\]/);
  });
});
