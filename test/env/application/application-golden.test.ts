import type { ApplicationEnv } from '../../../src/env/application/application-env.js';
import { describeGolden, episodeHash, type GoldenCase } from '../../helpers/golden-episodes.js';

/**
 * Refactor guard for the application env: SHA-256 over the observations, rewards, per-deployment
 * service reports and end-to-end report of seeded episodes over all 27 DeathStarBench
 * deployments, recorded before the speed work of issue 12 item 5. A change in a backend rule,
 * PRNG draw order or float operation order changes a hash. Change one only with a behaviour
 * change you mean, and say so in the commit.
 */
const DSB = 'examples/traces/dsb-scaling.sktrace';

const CASES: GoldenCase[] = [
  {
    name: '27 deployments, call-graph demand, absolute 15s',
    options: { trace: DSB, deployments: { namespace: 'dsb' }, callGraph: { graph: 'dsb-social-network' } },
    seeds: [0, 7],
    expected: '4efc8103dbb4df766ea16ac80ace852dd0785c1a5937696179344b6194aadf26',
  },
  {
    name: '27 deployments, call-graph demand, delta 5s, random window',
    options: {
      trace: DSB, deployments: { namespace: 'dsb' }, callGraph: { graph: 'dsb-social-network' },
      actionMode: 'delta', stepSeconds: 5, horizon: 120, episodeStart: { type: 'random-window' },
    },
    seeds: [3],
    expected: '185823541e11b6771cd994193cd8798c208fd252230da6149ab8898efabb5b0c',
  },
  {
    name: '27 deployments, trace demand, absolute 15s',
    options: { trace: DSB, deployments: { namespace: 'dsb' } },
    seeds: [1],
    expected: '9439e38d9c0f7bd305deee070c0ff8c68a2a3768ceaf50718b339aed8af5a705',
  },
];

describeGolden<ApplicationEnv>('golden seeded application episodes (bit-identical across refactors)', CASES, (env, seeds) => {
  const n = env.actionSpace.nvec.length;
  return episodeHash(env, seeds, new Float64Array(1 + 6 * n + 4), (r, scalars) => {
    let k = 0;
    scalars[k++] = r.reward;
    for (const d of r.info.deployments) {
      scalars[k++] = d.reward.total;
      scalars[k++] = d.service.demand;
      scalars[k++] = d.service.latencyMs;
      scalars[k++] = d.service.cpuSeconds;
      scalars[k++] = d.service.violationS;
      scalars[k++] = d.recordedReplicas;
    }
    const e = r.info.endToEnd;
    scalars[k++] = e?.demand ?? -1;
    scalars[k++] = e?.completed ?? -1;
    scalars[k++] = e?.latencyMs ?? -1;
    scalars[k++] = e?.violationS ?? -1;
  });
});
