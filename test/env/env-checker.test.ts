import { describe, expect, it } from 'vitest';
import { checkEnv } from '../../src/env/env-checker.js';
import type { AsyncEnv } from '../../src/env/types.js';
import { SimEnv, type SimEnvOptionsInput } from '../../src/env/sim-env.js';
import type { StepResult } from '../../src/env/types.js';

const DSB = 'examples/traces/dsb-scaling.sktrace';

describe('checkEnv', () => {
  const configs: Array<[string, SimEnvOptionsInput]> = [
    ['defaults', { trace: DSB, deployment: 'dsb/nginx-thrift' }],
    ['delta mode, short steps, horizon', { trace: DSB, deployment: 'dsb/text-service', actionMode: 'delta', maxDelta: 3, stepSeconds: 5, horizon: 50 }],
    ['random window, load series demand, tight nodes', {
      trace: DSB,
      deployment: 'dsb/compose-post-service',
      episodeStart: { type: 'random-window' },
      horizon: 20,
      demand: { source: 'series', points: [[0, 100], [600, 900], [900, 50]] },
      nodes: { pools: [{ count: 1, cpu: 30 }] },
    }],
    ['one-step episodes', { trace: DSB, deployment: 'dsb/nginx-thrift', oneStep: { durationSeconds: 300 } }],
  ];
  for (const [name, options] of configs) {
    it(`passes on the memory env: ${name}`, async () => {
      const env = await SimEnv.create(options);
      const report = await checkEnv(env, { maxSteps: 100 });
      expect(report.failures).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.checks.map((c) => c.name)).toEqual(
        expect.arrayContaining(['determinism', 'observation in space', 'observation finite', 'step after close', 'invalid action', 'step after end']),
      );
      expect(env.isClosed).toBe(true);
    });
  }

  /** A SimEnv wrapper with one promise broken. */
  function broken(env: SimEnv, flaw: 'nan' | 'nondeterministic' | 'accepts-anything' | 'close-silent' | 'out-of-box'): AsyncEnv {
    let calls = 0;
    const patch = (r: StepResult): StepResult => {
      calls++;
      if (flaw === 'nan' && calls === 3) r.observation[4] = Number.NaN;
      if (flaw === 'out-of-box') r.observation[0] = 7;
      if (flaw === 'nondeterministic') r.reward += calls * 1e-9;
      return r;
    };
    let closed = false;
    return {
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      resetAsync: (o) => (flaw === 'close-silent' && closed ? Promise.resolve(env.reset({})) : env.resetAsync(o)),
      stepAsync: async (a) => {
        if (flaw === 'close-silent' && closed) return { observation: env.observe(), reward: 0, terminated: false, truncated: false, info: {} as never };
        if (flaw === 'accepts-anything' && !env.actionSpace.contains(a)) return patch(await env.stepAsync(env.actionSpace.start));
        return patch(await env.stepAsync(a));
      },
      observe: () => env.observe(),
      reward: () => env.reward(),
      close: async () => {
        closed = true;
        if (flaw !== 'close-silent') await env.close();
      },
    };
  }

  const expectations: Array<[Parameters<typeof broken>[1], string]> = [
    ['nan', 'observation finite'],
    ['out-of-box', 'observation in space'],
    ['nondeterministic', 'determinism'],
    ['accepts-anything', 'invalid action'],
    ['close-silent', 'step after close'],
  ];
  for (const [flaw, check] of expectations) {
    it(`fails a deliberately broken env (${flaw}) on "${check}"`, async () => {
      const env = await SimEnv.create({ trace: DSB, deployment: 'dsb/nginx-thrift', horizon: 10 });
      const report = await checkEnv(broken(env, flaw), { maxSteps: 20 });
      expect(report.ok).toBe(false);
      expect(report.failures.some((f) => f.startsWith(`${check}:`)), report.failures.join('\n')).toBe(true);
      await env.close();
    });
  }
});
