import { PerformanceObserver } from 'node:perf_hooks';
import { SimEnv } from './src/env/sim-env.js';
const which = process.argv[2] ?? 'both';
for (const cg of which === 'both' ? [false, true] : [which === 'cg']) {
const env = await SimEnv.create({ trace: 'examples/traces/dsb-scaling.sktrace', deployments: { namespace: 'dsb' }, pastTraceEnd: 'hold', horizon: 10_000_000, stepSeconds: 0.01, ...(cg ? { callGraph: { graph: 'dsb-social-network' as const } } : {}) });
let info = env.reset({ seed: 1 }).info; const act = new Int32Array(27);
const run = (n: number) => { for (let i = 0; i < n; i++) { for (let d = 0; d < 27; d++) act[d] = Math.max(1, info.deployments[d]!.recordedReplicas); info = env.step(act).info; } };
run(50000);
let gcs = 0; const obs = new PerformanceObserver((l) => { gcs += l.getEntries().length; }); obs.observe({ entryTypes: ['gc'] });
const before = process.memoryUsage().heapUsed; run(200000); const after = process.memoryUsage().heapUsed;
await new Promise((r) => setTimeout(r, 50)); obs.disconnect();
console.log('callGraph', cg, '200k steps, no resets: gcs', gcs, 'heap KiB', ((after - before) / 1024).toFixed(0));
}
