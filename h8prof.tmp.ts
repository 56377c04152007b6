import { SimEnv } from '/work/wt-h8-app/src/env/sim-env.js';
const env = await SimEnv.create({ trace: '/work/wt-h8-app/examples/traces/dsb-scaling.sktrace', deployments: { namespace: 'dsb' }, callGraph: { graph: 'dsb-social-network' } });
const hold = env.actionSpace.start.map((s) => Math.max(s, 2));
let info = env.reset({ seed: 1 }).info; const act = new Int32Array(27);
const t0 = performance.now(); let n = 0;
while (performance.now() - t0 < 4000) { for (let k = 0; k < 1000; k++) { for (let d = 0; d < act.length; d++) act[d] = Math.max(1, info.deployments[d]!.recordedReplicas); const r = env.step(act); info = r.info; n++; if (r.truncated || r.terminated) info = env.reset().info; } }
console.log(n / 4, 'steps/s');
