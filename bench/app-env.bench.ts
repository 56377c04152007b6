import { PerformanceObserver } from 'node:perf_hooks';
import type { ApplicationEnv } from '../src/env/application/application-env.js';
import type { ApplicationStepInfo } from '../src/env/application/application-types.js';
import { Rng } from '../src/env/rng.js';
import { SimEnv } from '../src/env/sim-env.js';

/**
 * Throughput of one env controlling all 27 DeathStarBench deployments (dsb-scaling, default
 * options: 15 s steps, 76-step episodes, resets included), per-deployment trace demand and
 * call-graph demand (the built-in social-network graph), under three policies: hold every
 * deployment, follow the trace, random actions; each line with the GC runs and heap growth
 * while stepping. Goal (issue 12): >= 200,000 steps/s on one core with call-graph demand,
 * and a step that allocates nothing. `applicationFigure` is the line env.bench.ts prints
 * beside the single-deployment figures.
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

/** Steps per wall and CPU second, and GC runs and heap growth while stepping. */
export interface StepFigures {
  wall: number;
  cpu: number;
  gcs: number;
  heapKiB: number;
}

/**
 * Steps per second of `env` under `policy`, resets included, over about `seconds` of wall
 * time: per wall-clock second and per CPU second of this process (on a shared machine the
 * CPU figure is the one-core rate; the wall figure drops when other work takes the core),
 * with the GC runs and heap growth meanwhile (0 and a few KiB when nothing allocates).
 */
async function measure(env: ApplicationEnv, policy: Policy, seconds: number): Promise<StepFigures> {
  const action = new Int32Array(env.actionSpace.nvec.length);
  let info = env.reset({ seed: 1 }).info;
  let gcs = 0;
  const obs = new PerformanceObserver((list) => {
    gcs += list.getEntries().length;
  });
  obs.observe({ entryTypes: ['gc'] });
  let n = 0;
  const heap0 = process.memoryUsage().heapUsed;
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
  const cpu = n / (cpuSeconds() - c0);
  const wall = (n / (performance.now() - t0)) * 1000;
  const heapKiB = (process.memoryUsage().heapUsed - heap0) / 1024;
  await new Promise((res) => setTimeout(res, 50)); // GC entries arrive asynchronously
  obs.disconnect();
  return { wall, cpu, gcs, heapKiB };
}

/** "N steps per CPU second (M per wall second; G GC runs, heap +H KiB)". */
export function formatFigures(f: StepFigures): string {
  return `${fmt(f.cpu)} steps per CPU second (${fmt(f.wall)} per wall second; ${f.gcs} GC run(s), heap ${f.heapKiB >= 0 ? '+' : ''}${f.heapKiB.toFixed(0)} KiB while stepping)`;
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
    await measure(env, list[1]![1], 0.5); // warm-up
    for (const [name, policy] of list) {
      const demand = callGraph ? 'call-graph demand' : 'trace demand';
      console.log(`27 deployments, dsb-scaling, ${demand}, ${name}: ${formatFigures(await measure(env, policy, 2))}`);
    }
    await env.close();
  }
}

/** The 27-deployment call-graph figure (follow the trace), for env.bench.ts. */
export async function applicationFigure(seconds = 2): Promise<StepFigures> {
  const env = await make(true);
  const follow = policies(env)[1]![1];
  await measure(env, follow, 0.5); // warm-up
  const f = await measure(env, follow, seconds);
  await env.close();
  return f;
}

/** Run the application-env benchmarks. */
export async function run(): Promise<void> {
  await throughput();
}
