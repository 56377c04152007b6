/**
 * A multi-step episode with your own agent, logged like `simenv run` does: a proportional
 * autoscaler that asks for enough replicas to run at 60% utilisation, over the whole
 * DeathStarBench trace in 15-second steps, written to runs/<run-id>/ (load it with
 * examples/analysis.ipynb or `simenv report`).
 *
 *   npx tsx examples/multi-step.ts [OUT_DIR]     (after `npm run build`, which `npm ci` does)
 */
import { fileURLToPath } from 'node:url';
import { actionForReplicas, recordRun, SimEnv, type Agent, type StepInfo } from 'simenv';

const trace = fileURLToPath(new URL('./traces/dsb-scaling.sktrace', import.meta.url));
const out = process.argv[2] ?? 'runs';

const env = await SimEnv.create({ trace, deployment: 'dsb/nginx-thrift', stepSeconds: 15 });
const ctx = env.agentContext;
const perReplicaRps = env.options.service.perReplicaRps;

/** Scale so that demand / capacity is 60%: the simplest useful policy. */
const proportional: Agent = {
  name: 'proportional',
  act(_observation: Float32Array, info: StepInfo): number {
    const wanted = Math.ceil(info.observation.demand / (0.6 * perReplicaRps));
    return actionForReplicas(ctx, info.observation.desired, wanted);
  },
  describe: () => ({ targetUtilisation: 0.6 }),
};

try {
  console.log(env.describe());
  const { dir, summary } = await recordRun({ env, agent: proportional, episodes: 2, seed: 1, out });
  for (const e of summary.perEpisode) {
    console.log(`episode ${e.episode}: ${e.steps} steps, reward ${e.reward.total.toFixed(3)}, SLO broken ${e.violationSeconds.toFixed(0)} s, ${e.replicaChanges} replica changes`);
  }
  console.log(`mean episode reward: ${summary.reward.mean!.toFixed(3)}; run written to ${dir}`);
} finally {
  await env.close();
}
