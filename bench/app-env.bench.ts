import { PerformanceObserver } from 'node:perf_hooks';
import type { ApplicationEnv } from '../src/env/application/application-env.js';
import type { ApplicationStepInfo } from '../src/env/application/application-types.js';
import { Rng } from '../src/env/rng.js';
import { SimEnv } from '../src/env/sim-env.js';

/**
 * Throughput of one env controlling all 27 DeathStarBench deployments (dsb-scaling, default
 * options: 15 s steps, 76-step episodes, resets included), per-deployment trace demand and
 * call-graph demand (the built-in social-network graph), under three policies: hold every
 * deployment, follow the trace, random actions; then an allocation probe. Goal (issue 12):
 * >= 200,000 steps/s on one core.
 */

const DSB = 'examples/traces/dsb-scaling.sktrace';

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

type Policy = (info: ApplicationStepInfo, i: number, out: Int32Array) => Int32Array;

/** CPU seconds this process has used (user + system). */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Steps per second of `env` under `policy`, resets included, over about `seconds` of wall
 * time: per wall-clock second and per CPU second of this process (on a shared machine the
 * CPU figure is the one-core rate; the wall figure drops when other work takes the core).
 */
function stepsPerSecond(env: ApplicationEnv, policy: Policy, seconds: number): { wall: number; cpu: number } {
  const action = new Int32Array(env.actionSpace.nvec.length);
  let info = env.reset({ seed: 1 }).info;
  let n = 0;
  const t0 = performance.now();
  const c0 = cpuSeconds();
  const deadline = t0 + seconds * 1000;
  for (;;) {
    for (let k = 0; k < 2_000; k++) {
      const r = env.step(policy(info, n, action));
      n++;
      info = r.info;
      if (r.truncated || r.terminated) info = env.reset().info;
    }
    if (performance.now() >= deadline) break;
  }
  return { wall: (n / (performance.now() - t0)) * 1000, cpu: n / (cpuSeconds() - c0) };
}

async function make(callGraph: boolean): Promise<ApplicationEnv> {
  return SimEnv.create({ trace: DSB, deployments: { namespace: 'dsb' }, ...(callGraph ? { callGraph: { graph: 'dsb-social-network' as const } } : {}) });
}

function policies(env: ApplicationEnv): Array<[string, Policy]> {
  const rng = new Rng(7);
  const random = Array.from({ length: 1024 }, () => env.actionSpace.sample(rng));
  const hold = env.actionSpace.start.map((s) => Math.max(s, 2));
  return [
    ['hold 2 replicas each', () => hold],
    [
      'follow the trace',
      (info, _i, out) => {
        for (let d = 0; d < out.length; d++) out[d] = Math.max(1, info.deployments[d]!.recordedReplicas);
        return out;
      },
    ],
    ['random actions', (_info, i) => random[i & 1023]!],
  ];
}

async function throughput(): Promise<void> {
  for (const callGraph of [false, true]) {
    const env = await make(callGraph);
    const list = policies(env);
    stepsPerSecond(env, list[1]![1], 0.5); // warm-up
    for (const [name, policy] of list) {
      const demand = callGraph ? 'call-graph demand' : 'trace demand';
      const rate = stepsPerSecond(env, policy, 2);
      console.log(`27 deployments, dsb-scaling, ${demand}, ${name}: ${fmt(rate.cpu)} steps per CPU second (${fmt(rate.wall)} per wall second)`);
    }
    await env.close();
  }
}

async function allocationProbe(): Promise<void> {
  const env = await make(true);
  const [, [, follow]] = policies(env) as [unknown, [string, Policy]];
  const action = new Int32Array(env.actionSpace.nvec.length);
  let info = env.reset({ seed: 1 }).info;
  const run = (steps: number): number => {
    let episodes = 0;
    for (let i = 0; i < steps; i++) {
      const r = env.step(follow(info, i, action));
      info = r.info;
      if (r.truncated || r.terminated) {
        info = env.reset().info;
        episodes++;
      }
    }
    return episodes;
  };
  run(50_000);
  let gcs = 0;
  const obs = new PerformanceObserver((list) => {
    gcs += list.getEntries().length;
  });
  obs.observe({ entryTypes: ['gc'] });
  const before = process.memoryUsage().heapUsed;
  const episodes = run(300_000);
  const after = process.memoryUsage().heapUsed;
  await new Promise((res) => setTimeout(res, 50));
  obs.disconnect();
  console.log(
    `allocation probe, 27 deployments: 300,000 follow-the-trace steps, call-graph demand (${fmt(episodes)} resets): ${gcs} GC run(s), heap ${((after - before) / 1024).toFixed(0)} KiB`,
  );
  await env.close();
}

/** Run the application-env benchmarks. */
export async function run(): Promise<void> {
  await throughput();
  await allocationProbe();
}
