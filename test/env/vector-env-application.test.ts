import { describe, expect, it } from 'vitest';
import type { ApplicationEnv } from '../../src/env/application/application-env.js';
import { checkEnv } from '../../src/env/env-checker.js';
import { EnvStateError, InvalidActionError } from '../../src/env/errors.js';
import { Rng } from '../../src/env/rng.js';
import { SimEnv } from '../../src/env/sim-env.js';
import { VectorEnv } from '../../src/env/vector-env.js';
import { RecordEpisodeStatistics } from '../../src/env/wrappers/record-episode-statistics.js';

/**
 * A VectorEnv of ApplicationEnvs (several deployments, MultiDiscrete actions) keeps the
 * single-deployment batch's contract: the batched spaces, same-step and next-step autoreset
 * with the final observation and info, seeds seed + i, episode statistics through the
 * wrapper, and every slot exactly what a lone ApplicationEnv given the same seed and actions
 * returns.
 */

const DSB = 'examples/traces/dsb-scaling.sktrace';
const NAMES = ['dsb/nginx-thrift', 'dsb/compose-post-service', 'dsb/text-service'];
const opts = { trace: DSB, deployments: NAMES, horizon: 3 };

/** Actions for 2 envs x 3 deployments: env 0 asks 1, 2, 3 replicas, env 1 asks 4, 4, 4. */
const ACTIONS = Int32Array.from([1, 2, 3, 4, 4, 4]);

describe('VectorEnv of ApplicationEnvs', () => {
  it('has batched spaces: a flat MultiDiscrete of numEnvs x deployments and a flat Box', async () => {
    const vec = await VectorEnv.create(opts, { numEnvs: 2 });
    const single = vec.singleActionSpace;
    expect(single.nvec).toHaveLength(3);
    expect(vec.actionComponents).toBe(3);
    expect(Array.from(vec.actionSpace.nvec)).toEqual([...single.nvec, ...single.nvec]);
    expect(Array.from(vec.actionSpace.start)).toEqual([...single.start, ...single.start]);
    expect(vec.observationSpace.shape).toEqual([2 * vec.obsDim]);
    expect(vec.obsDim).toBe(vec.singleObservationSpace.shape[0]);
    expect(vec.envs[0]!.agentContext.deployments).toEqual(NAMES);
    const rng = new Rng(5);
    const { observations } = vec.reset({ seed: 1 });
    expect(vec.observationSpace.contains(observations)).toBe(true);
    for (let t = 0; t < 7; t++) {
      const a = vec.actionSpace.sample(rng);
      expect(vec.actionSpace.contains(a)).toBe(true);
      const out = vec.step(a);
      expect(vec.observationSpace.contains(out.observations)).toBe(true);
      for (let i = 0; i < 2; i++) {
        expect(vec.singleObservationSpace.contains(vec.observationOf(i))).toBe(true);
        expect(Number.isFinite(out.rewards[i])).toBe(true);
      }
    }
    await vec.close();
  });

  it('same-step autoreset: every slot matches a lone ApplicationEnv; the final observation and info survive the reset', async () => {
    const vec = await VectorEnv.create(opts, { numEnvs: 2, autoreset: 'same-step' });
    const singles = (await Promise.all([0, 1].map((i) => SimEnv.create({ ...opts, seed: i })))) as ApplicationEnv[];
    const k = vec.obsDim;
    const r0 = vec.reset({ seed: 7 });
    singles.forEach((s, i) => expect(Array.from(r0.observations.subarray(i * k, i * k + k))).toEqual(Array.from(s.reset({ seed: 7 + i }).observation)));
    for (let t = 1; t <= 4; t++) {
      const out = vec.step(ACTIONS);
      singles.forEach((s, i) => {
        const r = s.step(ACTIONS.subarray(3 * i, 3 * i + 3));
        expect(out.rewards[i]).toBe(r.reward);
        expect(out.truncated[i]).toBe(r.truncated ? 1 : 0);
        expect(out.terminated[i]).toBe(r.terminated ? 1 : 0);
        const ended = r.truncated || r.terminated;
        expect(vec.hasFinal[i]).toBe(ended ? 1 : 0);
        if (ended) {
          // the episode's last observation and info are kept; the slot already holds the new episode
          expect(Array.from(vec.finalObservations.subarray(i * k, i * k + k))).toEqual(Array.from(r.observation));
          expect(vec.finalInfos[i]!.step).toBe(r.info.step);
          expect(vec.finalInfos[i]!.reward.total).toBe(r.reward);
          expect(vec.finalInfos[i]!.deployments.map((d) => d.action.applied)).toEqual(r.info.deployments.map((d) => d.action.applied));
          expect(vec.finalInfos[i]!.deployments[2]!.name).toBe('dsb/text-service');
          expect(vec.finalInfos[i]).not.toBe(r.info);
          const reset = s.reset();
          expect(Array.from(out.observations.subarray(i * k, i * k + k))).toEqual(Array.from(reset.observation));
          expect(out.infos[i]!.step).toBe(0);
        } else {
          expect(Array.from(out.observations.subarray(i * k, i * k + k))).toEqual(Array.from(r.observation));
          expect(out.infos[i]!.deployments.map((d) => d.action.requested)).toEqual(Array.from(ACTIONS.subarray(3 * i, 3 * i + 3)));
        }
      });
      expect(Array.from(vec.hasFinal)).toEqual(t === 3 ? [1, 1] : [0, 0]);
    }
    await vec.close();
    await Promise.all(singles.map((s) => s.close()));
  });

  it('next-step autoreset: the ended slot shows the final step, then the reset with reward 0', async () => {
    const vec = await VectorEnv.create(opts, { numEnvs: 2 });
    vec.reset({ seed: 2 });
    vec.step(ACTIONS);
    vec.step(ACTIONS);
    const end = vec.step(ACTIONS);
    expect(Array.from(end.truncated)).toEqual([1, 1]);
    expect(end.infos[0]!.step).toBe(3);
    const next = vec.step(ACTIONS);
    expect(Array.from(next.rewards)).toEqual([0, 0]);
    expect(Array.from(next.truncated)).toEqual([0, 0]);
    expect(next.infos[1]!.step).toBe(0);
    await vec.close();
  });

  it('is seeded: the same seed gives the same batch, another seed another', async () => {
    const run = async (seed: number): Promise<number[]> => {
      const vec = await VectorEnv.create({ ...opts, horizon: 5 }, { numEnvs: 2, autoreset: 'same-step' });
      const rng = new Rng(11);
      const out: number[] = [...vec.reset({ seed }).observations];
      for (let t = 0; t < 12; t++) {
        const r = vec.step(vec.actionSpace.sample(rng));
        out.push(...r.observations, ...r.rewards, ...vec.finalObservations);
      }
      await vec.close();
      return out;
    };
    const a = await run(3);
    expect(await run(3)).toEqual(a);
    expect(await run(4)).not.toEqual(a);
  });

  it('records episode statistics of wrapped ApplicationEnvs (the sum over deployments)', async () => {
    const envs = (await Promise.all([0, 1].map((i) => SimEnv.create({ ...opts, seed: i })))) as ApplicationEnv[];
    const vec = new VectorEnv(
      envs.map((e) => new RecordEpisodeStatistics(e)),
      { autoreset: 'same-step' },
    );
    vec.reset({ seed: 0 });
    const sums = [0, 0];
    const slo = [0, 0];
    for (let t = 0; t < 3; t++) {
      const out = vec.step(ACTIONS);
      for (let i = 0; i < 2; i++) {
        sums[i] += out.rewards[i]!;
        slo[i] += (vec.hasFinal[i] ? vec.finalInfos[i]! : out.infos[i]!).reward.slo;
      }
    }
    for (let i = 0; i < 2; i++) {
      const e = vec.envs[i]!.lastEpisode!;
      expect(e.length).toBe(3);
      expect(e.return).toBeCloseTo(sums[i]!, 12);
      expect(e.slo).toBeCloseTo(slo[i]!, 12);
      expect(vec.envs[i]!.episodeCount).toBe(1);
    }
    await vec.close();
  });

  it('checkEnv-style invariants: members pass checkEnv through the statistics wrapper; slots agree with observe(); async equals sync; no step before reset', async () => {
    // The wrapper a batch's members wear passes the env checker with MultiDiscrete actions (async surface included).
    const wrapped = new RecordEpisodeStatistics((await SimEnv.create(opts)) as ApplicationEnv);
    const report = await checkEnv(wrapped, { maxSteps: 10 });
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);

    const vec = await VectorEnv.create(opts, { numEnvs: 2, autoreset: 'same-step' });
    const asy = await VectorEnv.create(opts, { numEnvs: 2, autoreset: 'same-step' });
    expect(() => vec.step(ACTIONS)).toThrow(EnvStateError);
    const k = vec.obsDim;
    vec.reset({ seed: 5 });
    await asy.resetAsync({ seed: 5 });
    const rng = new Rng(9);
    for (let t = 0; t < 8; t++) {
      const a = vec.actionSpace.sample(rng);
      const out = vec.step(a);
      const outAsync = await asy.stepAsync(a);
      expect(Array.from(outAsync.observations)).toEqual(Array.from(out.observations));
      expect(Array.from(outAsync.rewards)).toEqual(Array.from(out.rewards));
      expect(Array.from(asy.finalObservations)).toEqual(Array.from(vec.finalObservations));
      for (let i = 0; i < 2; i++) {
        expect(out.terminated[i]! + out.truncated[i]!).toBeLessThanOrEqual(2);
        // the slot is the env's current observation (after a same-step reset, the new episode's)
        expect(Array.from(out.observations.subarray(i * k, i * k + k))).toEqual(Array.from(vec.envs[i]!.observe()));
        if (vec.hasFinal[i] === 0) expect(vec.envs[i]!.reward()).toBe(out.rewards[i]);
      }
    }
    await vec.close();
    await asy.close();
  });

  it('refuses a wrong number of action components, saying the layout', async () => {
    const vec = await VectorEnv.create(opts, { numEnvs: 2 });
    vec.reset({ seed: 0 });
    expect(() => vec.step([1, 2, 3])).toThrow(InvalidActionError);
    expect(() => vec.step([1, 2, 3])).toThrow('expected 6 action components (2 envs x 3, env i\'s at offset i x 3), got 3');
    await vec.close();
  });

  it('refuses to batch an ApplicationEnv with a single-deployment env, naming both spaces', async () => {
    const app = (await SimEnv.create(opts)) as ApplicationEnv;
    const one = await SimEnv.create({ trace: DSB, deployment: 'dsb/nginx-thrift', horizon: 3 });
    expect(() => new VectorEnv<ApplicationEnv | SimEnv>([app, one])).toThrow(/expected every env to share one action space, got .*Discrete.*MultiDiscrete/);
    await app.close();
    await one.close();
  });
});
