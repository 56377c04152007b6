/**
 * One-step episode with the SimEnv API: hold a replica count for two minutes of the
 * DeathStarBench trace and print the reward (what `simenv run --target N` does, minus the logs).
 *
 *   npx tsx examples/one-step.ts [REPLICAS]      (after `npm run build`, which `npm ci` does)
 */
import { fileURLToPath } from 'node:url';
import { SimEnv } from 'simenv';

const trace = fileURLToPath(new URL('./traces/dsb-scaling.sktrace', import.meta.url));
const replicas = Number(process.argv[2] ?? 4);

const env = await SimEnv.create({ trace, deployment: 'dsb/nginx-thrift', oneStep: { durationSeconds: 120 } });
try {
  console.log(env.describe());
  const { info } = env.reset({ seed: 0 });
  const o = info.observation;
  console.log(`observe: desired=${o.desired} ready=${o.ready} demand=${o.demand.toFixed(1)} req/s`);

  // In absolute mode the action is the replica count itself (Discrete with start = minReplicas).
  if (!env.actionSpace.contains(replicas)) throw new Error(`expected replicas in ${env.actionSpace.start}..${env.actionSpace.end}, got ${replicas}`);
  const { reward, info: after } = env.step(replicas);
  const r = after.reward;
  console.log(`action: ${replicas} replicas held for 120 s (applied ${after.action.applied}, ready at the end ${after.observation.ready})`);
  console.log(`reward: ${reward.toFixed(4)} (slo ${r.slo.toFixed(4)}, cost ${r.cost.toFixed(4)}, churn ${r.churn.toFixed(4)})`);
} finally {
  await env.close();
}
