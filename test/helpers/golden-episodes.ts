import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/env/rng.js';
import { SimEnv } from '../../src/env/sim-env.js';

/** A seeded episode set whose hash is pinned: the env's options, the seeds, the recorded SHA-256. */
export interface GoldenCase {
  name: string;
  options: Record<string, unknown>;
  seeds: number[];
  expected: string;
}

interface Stepped {
  observation: ArrayBufferView;
  truncated: boolean;
  terminated: boolean;
}

interface SeededEnv<A, R extends Stepped> {
  reset(options: { seed: number }): { observation: ArrayBufferView };
  step(action: A): R;
  readonly actionSpace: { sample(rng: Rng): A };
}

const bytes = (v: ArrayBufferView): Uint8Array => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

/**
 * SHA-256 over the seeded episodes of `env` under random actions (an Rng seeded from each
 * episode's seed): each observation, then after each step the `scalars` that `fill` writes
 * from the step result (every slot, every step).
 */
export function episodeHash<A, R extends Stepped>(
  env: SeededEnv<A, R>,
  seeds: number[],
  scalars: Float64Array,
  fill: (r: R, scalars: Float64Array) => void,
): string {
  const h = createHash('sha256');
  for (const seed of seeds) {
    h.update(bytes(env.reset({ seed }).observation));
    const rng = new Rng(seed * 31 + 1);
    for (;;) {
      const r = env.step(env.actionSpace.sample(rng));
      h.update(bytes(r.observation));
      fill(r, scalars);
      h.update(new Uint8Array(scalars.buffer));
      if (r.truncated || r.terminated) break;
    }
  }
  return h.digest('hex');
}

/** One test per case: the env SimEnv.create makes from its options hashes to its recorded hash. */
export function describeGolden<E extends { close(): Promise<void> }>(title: string, cases: GoldenCase[], hash: (env: E, seeds: number[]) => string): void {
  describe(title, () => {
    for (const c of cases) {
      it(c.name, async () => {
        const env = (await SimEnv.create(c.options as never)) as unknown as E;
        try {
          const got = hash(env, c.seeds);
          if (process.env.SIMENV_PRINT_GOLDEN) console.log(`golden ${c.name}: ${got}`);
          expect(got).toBe(c.expected);
        } finally {
          await env.close();
        }
      });
    }
  });
}
