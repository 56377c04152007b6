import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../src/agents/agent.js';
import { createAgent } from '../../src/agents/registry.js';
import type { SimEnv } from '../../src/env/sim-env.js';
import type { DualEnv, ResetResult, StepResult } from '../../src/env/types.js';
import { StepRecordSchema, SummaryRecordSchema, type StepRecord } from '../../src/runner/records.js';
import { RunWriter } from '../../src/runner/run-dir.js';
import { episodeSeeds, runAgent, type RunMeta } from '../../src/runner/run-loop.js';
import { configRecord, dsbEnv, tempDir } from './helpers.js';

const meta = (run: string): RunMeta => ({ run, agent: { name: 'x', params: {} }, backend: 'memory', deployment: 'dsb/nginx-thrift', trace: null, mode: 'multi-step' });

function steps(dir: string): StepRecord[] {
  return readFileSync(join(dir, 'step.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l)
    .map((l) => StepRecordSchema.parse(JSON.parse(l)));
}

describe('runAgent', () => {
  let env: SimEnv;
  beforeAll(async () => {
    env = await dsbEnv({ stepSeconds: 60, horizon: 12 });
  });
  afterAll(async () => {
    await env.close();
  });

  it('logs a reset line and one line per step, and its summary adds up from the lines', async () => {
    const w = RunWriter.create(tempDir(), configRecord('loop-1'));
    const agent = createAgent('random', env.agentContext, { seed: 5 });
    const { summary, error } = await runAgent({ env, agent, episodes: 3, seed: 11, meta: meta('loop-1'), writer: w });
    expect(error).toBeNull();
    const recs = steps(w.dir);
    expect(recs.filter((r) => r.step === 0)).toHaveLength(3);
    expect(recs.filter((r) => r.step > 0)).toHaveLength(36);
    const onDisk = SummaryRecordSchema.parse(JSON.parse(readFileSync(join(w.dir, 'summary.json'), 'utf8')));
    expect(onDisk).toEqual(summary);
    expect(summary.status).toBe('completed');
    expect(summary.steps).toBe(36);
    expect(summary.episodes).toBe(3);
    const total = recs.reduce((a, r) => a + (r.reward?.total ?? 0), 0);
    expect(summary.reward.total).toBeCloseTo(total, 9);
    const perEpisode = [0, 1, 2].map((e) => recs.filter((r) => r.episode === e).reduce((a, r) => a + (r.reward?.total ?? 0), 0));
    expect(summary.perEpisode.map((e) => e.reward.total)).toEqual(perEpisode.map((x) => expect.closeTo(x, 9)));
    const mean = perEpisode.reduce((a, b) => a + b) / 3;
    expect(summary.reward.mean).toBeCloseTo(mean, 9);
    expect(summary.reward.std).toBeCloseTo(Math.sqrt(perEpisode.reduce((a, b) => a + (b - mean) ** 2, 0) / 2), 9);
    expect(summary.slo.violations).toBe(recs.filter((r) => r.service?.sloViolated).length);
    expect(summary.cost.cpuSeconds).toBeCloseTo(recs.reduce((a, r) => a + (r.service?.cpuSeconds ?? 0), 0), 6);
    // Episode seeds: the run's seed first, then derived ones, as logged in the summary.
    expect(summary.perEpisode.map((e) => e.seed)).toEqual(episodeSeeds(11, 3));
    // A random agent changes replicas; each change is counted once.
    let changes = 0;
    let prev = 0;
    for (const r of recs) {
      if (r.step === 0) prev = r.observation.desired;
      else {
        if (r.applied !== prev) changes++;
        prev = r.observation.desired;
      }
    }
    expect(summary.churn.replicaChanges).toBe(changes);
    expect(changes).toBeGreaterThan(0);
  });

  it('is deterministic: same seed, same records', async () => {
    const run = async (id: string): Promise<string> => {
      const w = RunWriter.create(tempDir(), configRecord(id));
      await runAgent({ env, agent: createAgent('random', env.agentContext, { seed: 2 }), episodes: 2, seed: 4, meta: meta('same'), writer: w });
      return readFileSync(join(w.dir, 'step.jsonl'), 'utf8');
    };
    const a = await run('d1');
    expect(await run('d2')).toBe(a);
    expect(a.split('\n').length).toBe(2 * 13 + 1);
  });

  it('stops after the current step when the signal aborts, and says interrupted', async () => {
    const w = RunWriter.create(tempDir(), configRecord('int-1'));
    const ctl = new AbortController();
    const inner = createAgent('static', env.agentContext, { seed: 0, target: 3 });
    let acted = 0;
    const agent: Agent = {
      name: 'static',
      act: (o, i) => {
        if (++acted === 20) ctl.abort('SIGINT');
        return inner.act(o, i);
      },
    };
    const { summary } = await runAgent({ env, agent, episodes: 5, seed: 0, meta: meta('int-1'), writer: w, signal: ctl.signal, yieldEveryMs: 0 });
    expect(summary.status).toBe('interrupted');
    expect(summary.signal).toBe('SIGINT');
    // Step 20 (the 8th of episode 1) completed and was logged; nothing after it.
    expect(summary.steps).toBe(20);
    expect(summary.episodes).toBe(1);
    expect(summary.perEpisode.map((e) => [e.steps, e.complete])).toEqual([
      [12, true],
      [8, false],
    ]);
    expect(steps(w.dir).filter((r) => r.step > 0)).toHaveLength(20);
    expect(summary.reward.mean).toBeCloseTo(summary.perEpisode[0]!.reward.total, 12);
  });

  it('records a failure with its error and keeps the steps before it', async () => {
    const w = RunWriter.create(tempDir(), configRecord('fail-1'));
    let n = 0;
    const agent: Agent = {
      name: 'broken',
      act: () => {
        if (++n === 5) throw new Error('policy exploded');
        return 2;
      },
    };
    const { summary, error } = await runAgent({ env, agent, episodes: 2, seed: 0, meta: meta('fail-1'), writer: w });
    expect((error as Error).message).toBe('policy exploded');
    expect(summary.status).toBe('failed');
    expect(summary.error).toEqual({ code: 'Error', message: 'policy exploded' });
    expect(summary.steps).toBe(4);
    expect(steps(w.dir).filter((r) => r.step > 0)).toHaveLength(4);
    expect(JSON.parse(readFileSync(join(w.dir, 'summary.json'), 'utf8'))).toMatchObject({ status: 'failed' });
  });

  it('drives an async env through resetAsync/stepAsync and gets the same records as the sync path', async () => {
    let asyncCalls = 0;
    const asyncEnv: DualEnv = {
      isAsync: true,
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      observe: () => env.observe(),
      reward: () => env.reward(),
      close: () => env.close(),
      reset: () => {
        throw new Error('sync reset on an async env');
      },
      step: () => {
        throw new Error('sync step on an async env');
      },
      resetAsync: async (o): Promise<ResetResult> => {
        asyncCalls++;
        return env.resetAsync(o);
      },
      stepAsync: async (a): Promise<StepResult> => {
        asyncCalls++;
        return env.stepAsync(a);
      },
    };
    const wa = RunWriter.create(tempDir(), configRecord('same'));
    const ws = RunWriter.create(tempDir(), configRecord('same'));
    const mk = (): Agent => createAgent('hpa', env.agentContext, { seed: 0 });
    await runAgent({ env: asyncEnv, agent: mk(), episodes: 2, seed: 7, meta: meta('same'), writer: wa });
    await runAgent({ env, agent: mk(), episodes: 2, seed: 7, meta: meta('same'), writer: ws });
    expect(asyncCalls).toBe(2 + 24);
    expect(readFileSync(join(wa.dir, 'step.jsonl'), 'utf8')).toBe(readFileSync(join(ws.dir, 'step.jsonl'), 'utf8'));
  });

  it('asks a buffering sink to flush at every episode end and before the summary, however the run ends', async () => {
    const recorder = (): { events: string[]; sink: { appendStepLine: (l: string) => void; flush: () => void; finish: () => void } } => {
      const events: string[] = [];
      return {
        events,
        sink: {
          appendStepLine: (l) => {
            const r = JSON.parse(l) as { episode: number; step: number };
            events.push(`line ${r.episode}.${r.step}`);
          },
          flush: () => events.push('flush'),
          finish: () => events.push('finish'),
        },
      };
    };
    const horizon = 12;
    const done = recorder();
    await runAgent({ env, agent: createAgent('static', env.agentContext, { seed: 0, target: 2 }), episodes: 2, seed: 1, meta: meta('f'), writer: done.sink });
    expect(done.events.filter((e) => !e.startsWith('line'))).toEqual(['flush', 'flush', 'finish']);
    expect(done.events.indexOf('flush')).toBe(horizon + 1); // right after episode 0's last line
    expect(done.events.at(-2)).toBe('flush');

    const ctl = new AbortController();
    let acted = 0;
    const aborted = recorder();
    const stopper: Agent = {
      name: 'stop',
      act: () => {
        if (++acted === 5) ctl.abort('SIGTERM');
        return 2;
      },
    };
    const a = await runAgent({ env, agent: stopper, episodes: 3, seed: 1, meta: meta('f'), writer: aborted.sink, signal: ctl.signal, yieldEveryMs: 0 });
    expect(a.summary.status).toBe('interrupted');
    expect(aborted.events.slice(-3)).toEqual(['line 0.5', 'flush', 'finish']);

    let n = 0;
    const failing = recorder();
    const broken: Agent = {
      name: 'broken',
      act: () => {
        if (++n === 3) throw new Error('no');
        return 2;
      },
    };
    const f = await runAgent({ env, agent: broken, episodes: 2, seed: 1, meta: meta('f'), writer: failing.sink });
    expect(f.summary.status).toBe('failed');
    expect(failing.events.slice(-3)).toEqual(['line 0.2', 'flush', 'finish']);
  });

  it('a batched writer: a failing run still has every step before the failure on disk', async () => {
    const w = RunWriter.create(tempDir(), configRecord('bf'), { flush: 'batched', clock: () => 0 });
    let n = 0;
    const agent: Agent = {
      name: 'broken',
      act: () => {
        if (++n === 20) throw new Error('late failure');
        return 2;
      },
    };
    const { summary } = await runAgent({ env, agent, episodes: 3, seed: 0, meta: meta('bf'), writer: w });
    expect(summary.status).toBe('failed');
    expect(summary.steps).toBe(19);
    expect(steps(w.dir).filter((r) => r.step > 0)).toHaveLength(19);
  });

  it('derives distinct episode seeds, so nearby run seeds do not share episodes', () => {
    const a = episodeSeeds(1, 5);
    const b = episodeSeeds(2, 5);
    expect(a[0]).toBe(1);
    expect(b[0]).toBe(2);
    expect(new Set([...a, ...b]).size).toBe(10);
    expect(episodeSeeds(1, 5)).toEqual(a);
  });
});
