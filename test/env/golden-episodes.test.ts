import type { SimEnv } from '../../src/env/sim-env.js';
import { describeGolden, episodeHash, type GoldenCase } from '../helpers/golden-episodes.js';

/**
 * Refactor guard: SHA-256 over the observations and rewards of a fixed set of seeded episodes,
 * recorded before the consolidation of issue 9. A change in any backend rule, PRNG draw order
 * or float operation order changes a hash. Change a hash only with a behaviour change you
 * mean, and say so in the commit.
 */
const DSB = 'examples/traces/dsb-scaling.sktrace';

const CASES: GoldenCase[] = [
  { name: 'nginx-thrift absolute 15s', options: { trace: DSB, deployment: 'dsb/nginx-thrift' }, seeds: [0, 7], expected: '70156b86c0a96fb0577985ad2000bec286c8ddf9864969a51a1c1bba9eff327a' },
  { name: 'compose-post delta 5s', options: { trace: DSB, deployment: 'dsb/compose-post-service', actionMode: 'delta', stepSeconds: 5 }, seeds: [1, 2], expected: 'fe5f44e422f46bf46a2e7e968990ff00a3048e885ecb8c7ba5adc3da9a0b01cb' },
  {
    name: 'tight nodes, random window, hold',
    options: {
      trace: DSB, deployment: 'dsb/nginx-thrift', stepSeconds: 10, horizon: 150, pastTraceEnd: 'hold',
      episodeStart: { type: 'random-window' },
      nodes: { source: 'virtual', pools: [{ count: 2, cpu: 6, memory: '16Gi' }] },
    },
    seeds: [3, 4],
    expected: '1f7174a7ba05b8d7c4b7adf15a66c60db2093dd1e1fd531ae9c26f510d93eb88',
  },
  { name: 'one-step uniform latency', options: { trace: DSB, deployment: 'dsb/user-service', oneStep: { durationSeconds: 120 }, startupLatency: { type: 'uniform', minS: 1, maxS: 9 } }, seeds: [5], expected: 'ffd27e87e12b791d909e5f8574d442a746e7a5b8ccdd2051de11c823db4c0d89' },
];

describeGolden<SimEnv>('golden seeded episodes (bit-identical across refactors)', CASES, (env, seeds) =>
  episodeHash(env, seeds, new Float64Array(3), (r, scalars) => {
    scalars[0] = r.reward;
    scalars[1] = r.info.service.latencyMs;
    scalars[2] = r.info.service.cpuSeconds;
  }),
);
