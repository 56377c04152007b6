import { PerformanceObserver } from 'node:perf_hooks';
import { Rng } from '../src/env/rng.js';
import { syntheticClusterTrace } from '../src/env/scenario-trace.js';
import { SimEnv } from '../src/env/sim-env.js';
import { VectorEnv } from '../src/env/vector-env.js';
import { applicationFigure } from './app-env.bench.js';

/**
 * SimEnv throughput on the memory backend (figures printed, nothing asserted):
 *  - one env on dsb-scaling (default options: 15 s steps, episodes of 76 steps, resets
 *    included) under three policies: hold, follow the trace, random actions; beside them
 *    one ApplicationEnv controlling all 27 deployments with call-graph demand, following the
 *    trace, with the GC runs and heap growth while it steps (issue 12: >= 200,000 steps per
 *    CPU second, no allocation); wall-clock steps/s, [per CPU second of this process];
 *  - a VectorEnv of 16 on dsb-scaling (env steps/s = 16 x vector steps/s);
 *  - step cost on synthetic clusters of 10, 100 and 1,000 deployments where only the
 *    controlled deployment changes, as a ratio to the 10-deployment case (resets excluded);
 *  - an allocation probe: GC runs and heap growth over 1,000,000 steps.
 * Goals (issue 3): >= 1,000,000 steps/s for one env; >= 25,000 steps/s at 1,000 deployments;
 * step cost at 1,000 deployments within 3x of 10.
 */

const DSB = 'examples/traces/dsb-scaling.sktrace';

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

type Policy = (info: { recordedReplicas: number }, i: number) => number;

/** CPU seconds this process has used (user + system). */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Steps/s of `env` under `policy` for about `seconds` of wall time, resets included: per wall and per CPU second. */
function stepsPerSecond(env: SimEnv, policy: Policy, seconds: number): { wall: number; cpu: number } {
  let info = env.reset({ seed: 1 }).info;
  let n = 0;
  const t0 = performance.now();
  const c0 = cpuSeconds();
  const deadline = t0 + seconds * 1000;
  for (;;) {
    for (let k = 0; k < 10_000; k++) {
      const r = env.step(policy(info, n));
      n++;
      info = r.info;
      if (r.truncated || r.terminated) info = env.reset().info;
    }
    if (performance.now() >= deadline) break;
  }
  return { wall: (n / (performance.now() - t0)) * 1000, cpu: n / (cpuSeconds() - c0) };
}

async function single(): Promise<void> {
  const env = await SimEnv.create({ trace: DSB, deployment: 'dsb/nginx-thrift' });
  const rng = new Rng(7);
  const random = Int32Array.from({ length: 4096 }, () => env.actionSpace.sample(rng));
  const policies: Array<[string, Policy]> = [
    ['hold 5 replicas', () => 5],
    ['follow the trace', (info) => Math.max(1, info.recordedReplicas)],
    ['random actions', (_info, i) => random[i & 4095]!],
  ];
  stepsPerSecond(env, policies[0]![1], 0.5); // warm-up
  for (const [name, policy] of policies) {
    const r = stepsPerSecond(env, policy, 2);
    console.log(`one env, dsb-scaling, ${name}: ${fmt(r.wall)} steps/s [${fmt(r.cpu)}]`);
  }
  await env.close();
  const app = await applicationFigure();
  console.log(
    `27 deployments (one ApplicationEnv), dsb-scaling, call-graph demand, follow the trace: ${fmt(app.wall)} steps/s [${fmt(app.cpu)}]; ` +
      `${app.gcs} GC run(s), heap ${app.heapKiB >= 0 ? '+' : ''}${app.heapKiB.toFixed(0)} KiB while stepping (goal: >= 200,000 [per CPU second], no allocation)`,
  );
}

async function vector(): Promise<void> {
  const vec = await VectorEnv.create({ trace: DSB, deployment: 'dsb/nginx-thrift' }, { numEnvs: 16 });
  vec.reset({ seed: 1 });
  const actions = new Int32Array(16);
  const run = (seconds: number): number => {
    let n = 0;
    const t0 = performance.now();
    const deadline = t0 + seconds * 1000;
    for (;;) {
      for (let k = 0; k < 1000; k++) {
        for (let i = 0; i < 16; i++) actions[i] = Math.max(1, vec.infos[i]!.recordedReplicas);
        vec.step(actions);
        n++;
      }
      if (performance.now() >= deadline) break;
    }
    return (n / (performance.now() - t0)) * 1000;
  };
  run(0.3);
  const vps = run(2);
  console.log(`vector of 16, dsb-scaling, follow the trace: ${fmt(vps)} vector steps/s = ${fmt(vps * 16)} env steps/s`);
  await vec.close();
}

async function scaling(): Promise<void> {
  const sizes = [10, 100, 1000];
  const perStepNs: number[] = [];
  for (const n of sizes) {
    const trace = syntheticClusterTrace(n);
    // Pods: app-0 up to 14 x 0.5 cpu, the rest 1-3 x 0.25 cpu; 30-cpu nodes with headroom.
    const nodes = Math.ceil((n * 0.5 + 10) / 30) + 1;
    const env = await SimEnv.create({
      trace,
      deployment: 'default/app-0',
      maxReplicas: 20,
      nodes: { pools: [{ count: nodes, cpu: 30, memory: '64Gi', pods: 110 }] },
    });
    const policy = (info: { recordedReplicas: number }): number => Math.max(1, info.recordedReplicas);
    // Time steps only (an episode is 5,760 steps of 15 s over a day); resets timed apart.
    let steps = 0;
    let stepMs = 0;
    let resets = 0;
    let resetMs = 0;
    const deadline = performance.now() + 2500;
    let warm = true;
    while (performance.now() < deadline || steps === 0) {
      const r0 = performance.now();
      let info = env.reset({ seed: resets }).info;
      const r1 = performance.now();
      let done = false;
      let k = 0;
      while (!done) {
        const r = env.step(policy(info));
        info = r.info;
        done = r.truncated || r.terminated;
        k++;
      }
      const r2 = performance.now();
      if (warm) {
        warm = false;
        continue;
      }
      resets++;
      resetMs += r1 - r0;
      steps += k;
      stepMs += r2 - r1;
    }
    const ns = (stepMs * 1e6) / steps;
    perStepNs.push(ns);
    console.log(
      `synthetic ${String(n).padStart(4)} deployments (${nodes} nodes): ${fmt(1e9 / ns)} steps/s, ${ns.toFixed(0)} ns/step, ` +
        `x${(ns / perStepNs[0]!).toFixed(2)} of 10; reset ${(resetMs / resets).toFixed(2)} ms`,
    );
    await env.close();
  }
}

async function allocationProbe(): Promise<void> {
  const env = await SimEnv.create({ trace: DSB, deployment: 'dsb/nginx-thrift' });
  const rng = new Rng(3);
  const random = Int32Array.from({ length: 4096 }, () => env.actionSpace.sample(rng));
  let info = env.reset({ seed: 1 }).info;
  for (let i = 0; i < 200_000; i++) {
    const r = env.step(random[i & 4095]!);
    info = r.info;
    if (r.truncated) info = env.reset().info;
  }
  let gcs = 0;
  const obs = new PerformanceObserver((list) => {
    gcs += list.getEntries().length;
  });
  obs.observe({ entryTypes: ['gc'] });
  const before = process.memoryUsage().heapUsed;
  let episodes = 0;
  for (let i = 0; i < 1_000_000; i++) {
    const r = env.step(random[i & 4095]!);
    if (r.truncated) {
      info = env.reset().info;
      episodes++;
    }
  }
  const after = process.memoryUsage().heapUsed;
  await new Promise((res) => setTimeout(res, 50));
  obs.disconnect();
  void info;
  console.log(
    `allocation probe: 1,000,000 random-action steps (${fmt(episodes)} resets): ${gcs} GC run(s), heap ${((after - before) / 1024).toFixed(0)} KiB`,
  );
  await env.close();
}

/** Run the env benchmarks. */
export async function run(): Promise<void> {
  await single();
  await vector();
  await scaling();
  await allocationProbe();
}
