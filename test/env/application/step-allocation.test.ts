import { describe, expect, it } from 'vitest';
import type { ApplicationEnv } from '../../../src/env/application/application-env.js';
import type { ApplicationStepInfo } from '../../../src/env/application/application-types.js';
import { Rng } from '../../../src/env/rng.js';
import { SimEnv } from '../../../src/env/sim-env.js';
import { leastStepBytes, sampleStepBytes, type SampledBytes } from '../../helpers/heap-sampling.js';

/**
 * `step()` allocates nothing on the memory backend (issue 12: 27 deployments, call-graph
 * demand). V8's sampling heap profiler, with the objects young- and old-generation GCs
 * collected kept in, samples what the steps allocate whether or not a GC runs in between (a
 * heap-size delta would not: a scavenge in the window hides what it collected); each sample
 * carries the stack, so what `reset` allocates (between episodes, allowed) is told apart from
 * what `step` allocates. One boxed double per step (16 bytes) over 20,000 steps is about
 * 320 KB, four orders of magnitude above the bound.
 */
const DSB = 'examples/traces/dsb-scaling.sktrace';
const STEPS = 20_000;
/** Bytes the steps may allocate in all: room for a rare one-off (a first feedback vector), not for a per-step allocation. */
const BOUND_BYTES = 4096;

/** Bytes sampled under an env's `step` while `run` runs `steps` steps (resets outside a step count as other). */
function sampleSteps(run: (steps: number) => void, steps: number): Promise<SampledBytes> {
  return sampleStepBytes(() => run(steps), { isStep: (f) => f.functionName === 'step' && /(application-env|sim-env)\.[jt]s/.test(f.url) });
}

type Policy = (action: Int32Array, i: number, info: ApplicationStepInfo) => void;

/** A stepping loop over `env` under `policy` that resets at each episode end. */
function stepper(env: ApplicationEnv, policy: Policy): (steps: number) => void {
  const action = new Int32Array(env.actionSpace.nvec.length);
  let info = env.reset({ seed: 1 }).info;
  return (steps) => {
    for (let i = 0; i < steps; i++) {
      policy(action, i, info);
      const r = env.step(action);
      info = r.info;
      if (r.truncated || r.terminated) info = env.reset().info;
    }
  };
}

const follow: Policy = (action, _i, info) => {
  for (let d = 0; d < action.length; d++) action[d] = Math.max(1, info.deployments[d]!.recordedReplicas);
};

describe('step allocates nothing (memory backend)', () => {
  for (const demand of ['call-graph', 'trace'] as const) {
    it(`27 deployments, ${demand} demand, following the trace and random actions`, async () => {
      const env = (await SimEnv.create({
        trace: DSB,
        deployments: { namespace: 'dsb' },
        ...(demand === 'call-graph' ? { callGraph: { graph: 'dsb-social-network' as const } } : {}),
      })) as unknown as ApplicationEnv;
      try {
        const rng = new Rng(3);
        const random = Array.from({ length: 256 }, () => env.actionSpace.sample(rng));
        const following = stepper(env, follow);
        const randomly = stepper(env, (action, i) => action.set(random[i & 255]!));
        // Warm up until V8 has optimised the step; code it has not optimised yet (or has
        // deoptimised to re-specialise) boxes every double, which is not the env's doing. On a
        // loaded machine its compiler thread may lag: the least of the windows sampled within a time budget is the one
        // that counts, and an allocation the optimised step makes shows in every one.
        following(3 * STEPS);
        randomly(STEPS / 4);
        for (const [name, run, steps] of [['follow-the-trace', following, STEPS], ['random actions', randomly, STEPS / 4]] as const) {
          const best = await leastStepBytes(() => sampleSteps(run, steps), BOUND_BYTES);
          if (process.env.SIMENV_PRINT_ALLOC) console.log(`${demand}, ${name}: ${best.step} B in step, ${best.other} B elsewhere\n${best.where.join('\n')}`);
          expect(best.step, `step allocated under ${name} (${steps} steps):\n${best.where.slice(0, 8).join('\n')}`).toBeLessThan(BOUND_BYTES);
        }
      } finally {
        await env.close();
      }
    });
  }
});
