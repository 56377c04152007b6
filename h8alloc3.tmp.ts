import { PerformanceObserver } from 'node:perf_hooks';
import { SimEnv } from './src/env/sim-env.js';
const env = await SimEnv.create({ trace: 'examples/traces/dsb-scaling.sktrace', deployments: { namespace: 'dsb' }, pastTraceEnd: 'hold', horizon: 10_000_000, stepSeconds: 0.01 });
env.reset({ seed: 1 });
const e = env as any;
const act = Int32Array.from(env.actionSpace.start, (s) => Math.max(s, 2));
const f64 = new Float64Array([1.5, 0]);
const probes: Record<string, () => void> = {
  addOwnFixed: () => { f64[0] += 0.01; e.service.add(f64[0], f64[0] + 0.01, e.ready, e.held); },
  acc0add: () => { f64[0] += 0.01; e.service.accumulators[0].add(f64[0], f64[0] + 0.01, 1, 1); },
  obsTrue: () => e.observeNow(true),
  snapshotLoop: () => { for (let i = 0; i < 27; i++) e.backend.snapshot(e.snap, i); },
  encodeLoop: () => { for (let i = 0; i < 27; i++) e.encoders[i].encode(e.info.deployments[i].observation, e.snap.clusterCpu, e.obs, i * 7); },
  recLoop: () => { for (let i = 0; i < 27; i++) { const r = e.recorded[i]; e.info.deployments[i].recordedReplicas = r.values[r.pieceAt(e.t)]; } },
};
for (const [name, f] of Object.entries(probes)) {
  for (let i = 0; i < 50000; i++) f();
  let gcs = 0; const obs = new PerformanceObserver((l) => { gcs += l.getEntries().length; }); obs.observe({ entryTypes: ['gc'] });
  const before = process.memoryUsage().heapUsed; for (let i = 0; i < 200000; i++) f(); const after = process.memoryUsage().heapUsed;
  await new Promise((r) => setTimeout(r, 30)); obs.disconnect();
  console.log(name.padEnd(15), 'gcs', gcs, 'heap KiB', ((after - before) / 1024).toFixed(0));
}
