import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/env/rng.js';
import { VectorEnv } from '../../src/env/vector-env.js';
import { leastStepBytes, sampleStepBytes, type SampledBytes } from '../helpers/heap-sampling.js';

/**
 * VectorEnv.step adds no allocation of its own on the memory backend, for single-deployment
 * envs and for ApplicationEnvs (MultiDiscrete actions copied into per-env buffers, application
 * infos kept by reference, final infos copied field by field into objects made at the first
 * reset). Measured as in test/env/application/step-allocation.test.ts: V8's sampling heap
 * profiler with collected objects kept in; bytes that the batching layer's own functions
 * (vector-env, step-info, the statistics wrapper) allocate under VectorEnv.step count, not
 * those of an env's own step or reset: what an env allocates is the env's to answer for
 * (ApplicationEnv's step is held to zero in step-allocation.test.ts; a single-deployment
 * SimEnv under random actions still boxes about 200 bytes a step in its service accounting,
 * see docs/env.md), and same-step autoreset resets inside step.
 */
const DSB = 'examples/traces/dsb-scaling.sktrace';
const BOUND_BYTES = 4096;

/** Bytes sampled under VectorEnv.step (not under a reset) while `run` runs, and where. */
function stepBytes(run: () => void): Promise<SampledBytes> {
  return sampleStepBytes(run, {
    isStep: (f) => f.functionName === 'step' && /vector-env\.[jt]s/.test(f.url),
    excludedUnderStep: (f) => /^reset/.test(f.functionName),
    // The batching layer's own code: what the envs' step allocates is theirs (above).
    countsSelf: (f) => /(vector-env|step-info|record-episode-statistics)\.[jt]s/.test(f.url),
  });
}

describe('VectorEnv.step allocates nothing (memory backend)', () => {
  const cases = [
    { name: '4 single-deployment envs', options: { trace: DSB, deployment: 'dsb/nginx-thrift', horizon: 40 } },
    { name: '4 ApplicationEnvs of 3 deployments', options: { trace: DSB, deployments: ['dsb/nginx-thrift', 'dsb/compose-post-service', 'dsb/text-service'], horizon: 40 } },
  ] as const;
  for (const autoreset of ['same-step', 'next-step'] as const) {
    for (const c of cases) {
      it(`${c.name}, ${autoreset} autoreset, random actions`, async () => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const vec: VectorEnv<any> = await VectorEnv.create(c.options as never, { numEnvs: 4, autoreset });
        try {
          const rng = new Rng(3);
          const batches = Array.from({ length: 64 }, () => vec.actionSpace.sample(rng));
          vec.reset({ seed: 1 });
          const steps = (n: number) => (): void => {
            for (let t = 0; t < n; t++) vec.step(batches[t & 63]!);
          };
          steps(20_000)(); // let V8 optimise the step first (unoptimised code boxes doubles)
          const best = await leastStepBytes(() => stepBytes(steps(5_000)), BOUND_BYTES);
          expect(best.step, `VectorEnv.step allocated:\n${best.where.slice(0, 8).join('\n')}`).toBeLessThan(BOUND_BYTES);
        } finally {
          await vec.close();
        }
      }, 120_000);
    }
  }
});
