import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimEnv } from '../../src/env/sim-env.js';
import { createAgent } from '../../src/agents/registry.js';
import { OBSERVATION_FIELDS, type StepInfo } from '../../src/env/types.js';
import { StepRecordSchema } from '../../src/runner/records.js';
import { ENCODED_OBSERVATION_FIELDS, StepLineEncoder } from '../../src/runner/step-line.js';
import { dsbEnv } from './helpers.js';

/** The record JSON.stringify would produce from the same info: the reference encoding. */
function reference(run: string, episode: number, step: number, info: StepInfo, action: number | null, terminated: boolean, truncated: boolean) {
  return {
    run,
    episode,
    step,
    timeS: info.timeS,
    traceTs: info.traceTs,
    action,
    requested: action === null ? null : info.action.requested,
    applied: action === null ? null : info.action.applied,
    recorded: info.recordedReplicas,
    observation: { ...info.observation },
    reward: action === null ? null : { ...info.reward },
    service: action === null ? null : { ...info.service },
    terminated,
    truncated,
  };
}

describe('StepLineEncoder', () => {
  let env: SimEnv;
  beforeAll(async () => {
    env = await dsbEnv({ stepSeconds: 30, horizon: 20 });
  });
  afterAll(async () => {
    await env.close();
  });

  it('writes lines that parse, match StepRecordSchema and equal the JSON.stringify reference', () => {
    const enc = new StepLineEncoder('run-1');
    const r = env.reset({ seed: 3 });
    const lines = [enc.encode(0, 0, r.info, null, false, false)];
    const refs = [reference('run-1', 0, 0, r.info, null, false, false)];
    for (let step = 1; step <= 20; step++) {
      const action = 1 + (step % 7);
      const s = env.step(action);
      lines.push(enc.encode(0, step, s.info, action, s.terminated, s.truncated));
      refs.push(reference('run-1', 0, step, s.info, action, s.terminated, s.truncated));
      if (s.truncated || s.terminated) break;
    }
    expect(lines.length).toBe(21);
    lines.forEach((line, i) => {
      expect(line.endsWith('\n')).toBe(true);
      expect(line.indexOf('\n')).toBe(line.length - 1);
      const parsed: unknown = JSON.parse(line);
      expect(StepRecordSchema.parse(parsed)).toEqual(parsed);
      expect(parsed).toEqual(refs[i]);
    });
    // The last step of a 20-step horizon is truncated, and the reward is really logged.
    const last = JSON.parse(lines[20]!) as { truncated: boolean; reward: { total: number } };
    expect(last.truncated).toBe(true);
    expect(last.reward.total).toBeLessThan(0);
  });

  it('escapes the run id and writes non-finite numbers as null, so the line stays JSON', () => {
    const r = env.reset({ seed: 1 });
    const info = structuredClone(r.info);
    info.observation.demandTrend = Number.NaN;
    info.observation.freeCpu = Number.POSITIVE_INFINITY;
    const line = new StepLineEncoder('we"ird\\id').encode(2, 0, info, null, false, false);
    const parsed = JSON.parse(line) as { run: string; episode: number; observation: Record<string, unknown> };
    expect(parsed.run).toBe('we"ird\\id');
    expect(parsed.episode).toBe(2);
    expect(parsed.observation.demandTrend).toBeNull();
    expect(parsed.observation.freeCpu).toBeNull();
    // The schema refuses such a line: NaN in a record is a bug upstream, not a value.
    expect(StepRecordSchema.safeParse(parsed).success).toBe(false);
  });

  it('names the actor on every line when the cluster HPA controller set the replicas (k8s-hpa)', () => {
    const r = env.reset({ seed: 2 });
    const s = env.step(3);
    const enc = new StepLineEncoder('hpa-run', 'hpa-controller');
    for (const [line, ref] of [
      [enc.encode(0, 0, r.info, null, false, false), reference('hpa-run', 0, 0, r.info, null, false, false)],
      [enc.encode(0, 1, s.info, 3, s.terminated, s.truncated), reference('hpa-run', 0, 1, s.info, 3, s.terminated, s.truncated)],
    ] as const) {
      const parsed: unknown = JSON.parse(line);
      expect(StepRecordSchema.parse(parsed)).toEqual(parsed);
      const { run, ...rest } = ref;
      expect(line).toBe(`${JSON.stringify({ run, actor: 'hpa-controller', ...rest })}\n`);
    }
  });

  it('writes every observation field, in OBSERVATION_FIELDS order', () => {
    expect([...ENCODED_OBSERVATION_FIELDS]).toEqual([...OBSERVATION_FIELDS]);
  });

  it('its segment caches follow every field: change one number at a time and the line follows', () => {
    // The encoder rebuilds a cached part of the line only when a number it was built from
    // changes. Change each field alone, back and forth, and compare with the reference: a
    // field missing from a cache check would leave the old value in the line.
    const enc = new StepLineEncoder('cache');
    env.reset({ seed: 2 });
    const s = env.step(3);
    const info = structuredClone(s.info);
    const check = (action: number | null, terminated = false, truncated = false): void => {
      const line = enc.encode(1, 7, info, action, terminated, truncated);
      expect(JSON.parse(line)).toEqual(reference('cache', 1, 7, info, action, terminated, truncated));
    };
    check(3);
    const numbers: Array<[object, string]> = [
      [info, 'timeS'],
      [info, 'traceTs'],
      [info, 'recordedReplicas'],
      [info.action, 'requested'],
      [info.action, 'applied'],
      ...OBSERVATION_FIELDS.map((f): [object, string] => [info.observation, f]),
      ...Object.keys(info.reward).map((k): [object, string] => [info.reward, k]),
      ...Object.keys(info.service)
        .filter((k) => k !== 'sloViolated')
        .map((k): [object, string] => [info.service, k]),
    ];
    expect(numbers).toHaveLength(5 + 9 + 4 + 9);
    for (const [obj, key] of numbers) {
      const rec = obj as Record<string, number>;
      const old = rec[key]!;
      rec[key] = old + 0.125;
      check(3);
      rec[key] = old;
      check(3);
    }
    check(4);
    check(3);
    info.service.sloViolated = !info.service.sloViolated;
    check(3);
    check(3, true, false);
    check(3, false, true);
    check(null);
    check(null, false, true);
    check(3);
  });

  it('gives the reference lines over whole episodes of a changing agent, reset lines between them', () => {
    const enc = new StepLineEncoder('many');
    const agent = createAgent('random', env.agentContext, { seed: 9 });
    let lines = 0;
    for (let episode = 0; episode < 3; episode++) {
      const r = env.reset({ seed: 40 + episode });
      expect(JSON.parse(enc.encode(episode, 0, r.info, null, false, false))).toEqual(reference('many', episode, 0, r.info, null, false, false));
      let obs = r.observation;
      let info = r.info;
      for (let step = 1; ; step++) {
        const action = agent.act(obs, info);
        const s = env.step(action);
        const line = enc.encode(episode, step, s.info, action, s.terminated, s.truncated);
        expect(JSON.parse(line)).toEqual(reference('many', episode, step, s.info, action, s.terminated, s.truncated));
        lines++;
        if (s.terminated || s.truncated) break;
        obs = s.observation;
        info = s.info;
      }
    }
    expect(lines).toBe(60);
  });
});

