import { describe, expect, it } from 'vitest';
import { RecordEpisodeStatistics } from '../../../src/env/wrappers/record-episode-statistics.js';
import { CounterEnv } from '../toy-env.js';

/** Play one episode of `env` with `action`, summing by hand what the wrapper should report. */
function play(env: RecordEpisodeStatistics<CounterEnv>, action: number): { ret: number; len: number; slo: number; churn: number } {
  const sums = { ret: 0, len: 0, slo: 0, churn: 0 };
  for (;;) {
    const r = env.step(action);
    sums.ret += r.reward;
    sums.len++;
    sums.slo += r.info.reward.slo;
    sums.churn += r.info.reward.churn;
    if (r.terminated || r.truncated) return sums;
  }
}

describe('RecordEpisodeStatistics', () => {
  it('passes results through and reports each finished episode’s return, length and reward components', () => {
    const inner = new CounterEnv(6);
    const env = new RecordEpisodeStatistics(inner);
    expect(env.observationSpace).toBe(inner.observationSpace);
    expect(env.actionSpace).toBe(inner.actionSpace);
    const reset = env.reset({ seed: 3 });
    expect(reset.observation).toBe(inner.observe());
    expect(env.lastEpisode).toBeNull();
    const r = env.step(0);
    expect(r.reward).toBe(inner.reward());
    expect(env.current.length).toBe(1);
    expect(env.current.return).toBe(r.reward);
    env.reset({ seed: 3 });
    expect(env.current.length).toBe(0); // reset discards a partial episode

    const a = play(env, 0);
    expect(a.len).toBe(6); // action 0 never reaches 4 from 0..2: truncated at the horizon
    expect(env.lastEpisode).toEqual({ return: a.ret, length: a.len, slo: a.slo, cost: 0, churn: a.churn });
    expect(env.episodeCount).toBe(1);
    expect(env.current.length).toBe(0);
  });

  it('keeps the last episode’s totals across the reset that follows (same-step autoreset reads them after it)', () => {
    const env = new RecordEpisodeStatistics(new CounterEnv(10));
    env.reset({ seed: 1 });
    const a = play(env, +1); // climbs to 4: terminated early
    expect(a.len).toBeLessThan(10);
    const first = { ...env.lastEpisode! };
    env.reset();
    expect(env.lastEpisode).toEqual(first);
    env.step(-1);
    expect(env.lastEpisode).toEqual(first);
    expect(first.churn).toBeCloseTo(-0.1 * a.len, 12);
  });

  it('bounds its return and length queues to bufferLength, oldest dropped first', () => {
    const env = new RecordEpisodeStatistics(new CounterEnv(2), { bufferLength: 3 });
    const returns: number[] = [];
    for (let seed = 0; seed < 5; seed++) {
      env.reset({ seed });
      returns.push(play(env, 0).ret);
    }
    expect(env.episodeCount).toBe(5);
    expect(env.returnQueue).toEqual(returns.slice(2));
    expect(env.lengthQueue).toEqual([2, 2, 2]);
    expect(() => new RecordEpisodeStatistics(new CounterEnv(), { bufferLength: 0 })).toThrow(/bufferLength >= 1, got 0/);
  });

  it('offers the async surface over a sync-only env, with the same totals', async () => {
    const sync = new RecordEpisodeStatistics(new CounterEnv(4));
    const asy = new RecordEpisodeStatistics(new CounterEnv(4));
    sync.reset({ seed: 9 });
    await asy.resetAsync({ seed: 9 });
    play(sync, 1);
    for (;;) {
      const r = await asy.stepAsync(1);
      if (r.terminated || r.truncated) break;
    }
    expect(asy.lastEpisode).toEqual(sync.lastEpisode);
    await asy.close();
    expect(asy.env.closed).toBe(true);
  });
});
