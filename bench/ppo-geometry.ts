import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { RolloutEnv } from '../src/agents/learned/rollout-env.js';
import { argmax } from '../src/agents/learned/networks.js';
import { PpoLearner, type PpoConfigInput } from '../src/agents/learned/ppo.js';
import type { Rollouts } from '../src/agents/learned/rollout-env.js';
import { initTfBackend, type Tf } from '../src/agents/tf-backend.js';
import type { EvalRecord } from '../src/runner/eval-report.js';
import { trainAgent } from '../src/runner/train/train-loop.js';
import { cpuSeconds } from './agents-throughput.js';
import { DelayedScalingEnv, meanReturn } from '../test/agents/learned/delayed-scaling-env.js';
import { meanMultiReturn, ToyMultiEnv } from '../test/agents/learned/toy-multi-env.js';

/**
 * PPO batch geometry compared per CPU-second, not per env step: a geometry that runs fewer
 * gradient steps per rollout learns less per step but takes more steps in the same time, and
 * what a user pays for is time. Each geometry trains for the CPU time (process.cpuUsage) the
 * default geometry needs for a reference step budget, and the table gives its steps per
 * CPU-second, the CPU it used and its mean return with a 95% t-interval over the seeds.
 *
 *   nice -n 10 npx tsx bench/ppo-geometry.ts toy        the two learning-test envs, seeds 1..5
 *   nice -n 10 npx tsx bench/ppo-geometry.ts scenario   nginx-diurnal, train split, seeds 1..3
 *
 * toy: the learning tests' settings (8 envs x 32 steps, learning rate 2e-3) and greedy
 * return over their 30 episodes; the budget is the old default's CPU for the tests' step budgets
 * (Discrete 10,240, MultiDiscrete 20,480), measured per seed. The learning rate anneals over
 * the steps the geometry is expected to fit in the budget (re-estimated every rollout).
 * scenario: `trainAgent` on nginx-diurnal's train split (12 envs), the old default for
 * PPO_GEOMETRY_SCENARIO_STEPS steps (98,304); every other geometry first times two short runs
 * (CPU per step and fixed cost) to find how many steps fit in the old default's CPU, then trains
 * that many; each policy is
 * scored with `simenv eval --scenario nginx-diurnal --split train --seeds 101..120` (mean
 * episode reward; hyper-parameters are chosen on the train split only).
 * Knobs: PPO_GEOMETRY_ONLY (geometry names separated by ';'), PPO_GEOMETRY_SEEDS (toy: 1..5),
 * PPO_GEOMETRY_SCENARIO_SEEDS (1..3), PPO_GEOMETRY_SCENARIO_STEPS.
 */

interface Geometry {
  name: string;
  /** Hyper-parameters from the run's base (toy: the tests' numSteps 32, lr 2e-3; scenario: numSteps 128, lr 1e-3). */
  hyper: (base: { numSteps: number; learningRate: number }) => PpoConfigInput;
}

/**
 * Every geometry is explicit (the first sets the budget): PPO's defaults changed after this
 * comparison (from 10 x 4 at 1e-3 to 4 x 2 at 2e-3, the scenario's "4x2, 2x lr").
 */
const GEOMETRIES: Geometry[] = [
  { name: '10x4 (old default)', hyper: (b) => ({ ...b, updateEpochs: 10, numMinibatches: 4 }) },
  { name: '4x2', hyper: (b) => ({ ...b, updateEpochs: 4, numMinibatches: 2 }) },
  { name: '4x1', hyper: (b) => ({ ...b, updateEpochs: 4, numMinibatches: 1 }) },
  { name: '2x1', hyper: (b) => ({ ...b, updateEpochs: 2, numMinibatches: 1 }) },
  { name: '4x2, 2x numSteps', hyper: (b) => ({ ...b, updateEpochs: 4, numMinibatches: 2, numSteps: 2 * b.numSteps }) },
  { name: '4x2, 2x lr', hyper: (b) => ({ ...b, updateEpochs: 4, numMinibatches: 2, learningRate: 2 * b.learningRate }) },
  { name: '4x1, 2x lr', hyper: (b) => ({ ...b, updateEpochs: 4, numMinibatches: 1, learningRate: 2 * b.learningRate }) },
];

/** Two-sided 97.5% t quantiles for 1..9 degrees of freedom. */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262];

/** Mean and 95% t-interval half-width over seeds. */
function meanCi(xs: number[]): { mean: number; half: number } {
  const n = xs.length;
  const m = xs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean: m, half: NaN };
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1));
  return { mean: m, half: (T975[n - 2] ?? 1.96) * (sd / Math.sqrt(n)) };
}

function parseSeeds(spec: string | undefined, fallback: number[]): number[] {
  if (spec === undefined) return fallback;
  const m = /^(\d+)\.\.(\d+)$/.exec(spec);
  if (m) return Array.from({ length: Number(m[2]) - Number(m[1]) + 1 }, (_, i) => Number(m[1]) + i);
  return spec.split(',').map(Number);
}

interface Run {
  steps: number;
  cpu: number;
  ret: number;
}

function printTable(title: string, geoms: Geometry[], runs: Map<string, Run[]>): void {
  console.log(`\n${title}`);
  console.log('| geometry | steps/CPU-s | CPU-s | env steps | mean return [95% interval] | per seed |');
  console.log('|---|---|---|---|---|---|');
  for (const g of geoms) {
    const rs = runs.get(g.name) ?? [];
    if (rs.length === 0) continue;
    const steps = rs.reduce((a, r) => a + r.steps, 0);
    const cpu = rs.reduce((a, r) => a + r.cpu, 0);
    const { mean, half } = meanCi(rs.map((r) => r.ret));
    console.log(
      `| ${g.name} | ${(steps / cpu).toFixed(0)} | ${(cpu / rs.length).toFixed(1)} | ${(steps / rs.length).toFixed(0)} | ${mean.toFixed(2)} [${(mean - half).toFixed(2)}, ${(mean + half).toFixed(2)}] | ${rs.map((r) => r.ret.toFixed(2)).join(' / ')} |`,
    );
  }
}

/**
 * Train until `cpuBudget` CPU-seconds (or `stepBudget` steps when cpuBudget is null), the
 * learning rate annealed over the steps expected to fit. Returns steps and CPU used.
 */
function trainFor(learner: PpoLearner, env: Rollouts & { steps: number }, stepBudget: number, cpuBudget: number | null): { steps: number; cpu: number } {
  const c0 = cpuSeconds();
  let expected = stepBudget;
  for (;;) {
    const used = cpuSeconds() - c0;
    if (cpuBudget === null ? env.steps >= stepBudget : env.steps > 0 && used + (used / learnerIterations(learner, env)) / 2 >= cpuBudget) break;
    learner.iterate(env, expected, () => {});
    if (cpuBudget !== null) {
      const spent = cpuSeconds() - c0;
      expected = Math.max(env.steps, Math.round((env.steps * cpuBudget) / spent));
    }
  }
  return { steps: env.steps, cpu: cpuSeconds() - c0 };
}

/** Rollouts done so far (one iterate = one rollout of numSteps x numEnvs). */
function learnerIterations(learner: PpoLearner, env: { steps: number; numEnvs: number }): number {
  return Math.max(1, env.steps / (learner.cfg.numSteps * env.numEnvs));
}

async function toy(tf: Tf, geoms: Geometry[], seeds: number[]): Promise<void> {
  const NUM_ENVS = 8;
  const base = { numSteps: 32, learningRate: 2e-3 };
  const greedyDiscrete = (l: PpoLearner) => (obs: Float32Array) =>
    tf.tidy(() => argmax((l.policyModel.predict(tf.tensor2d(obs, [1, obs.length])) as ReturnType<Tf['tensor']>).dataSync(), 0, 3));
  const greedyMulti = (l: PpoLearner) => (obs: Float32Array) =>
    tf.tidy(() => {
      const logits = (l.policyModel.predict(tf.tensor2d(obs, [1, obs.length])) as ReturnType<Tf['tensor']>).dataSync();
      return [0, 1, 2].map((d) => argmax(logits, 3 * d, 3) - 1);
    });
  const tasks = [
    {
      title: 'Discrete toy (learning.test.ts: DelayedScalingEnv, threshold -3.2 at 10,240 steps)',
      steps: 10_240,
      make: (hyper: PpoConfigInput, seed: number) => {
        const learner = new PpoLearner(tf, 4, 3, NUM_ENVS, seed, hyper);
        const env = new RolloutEnv(Array.from({ length: NUM_ENVS }, () => new DelayedScalingEnv()), seed);
        return { learner, env, score: () => meanReturn(greedyDiscrete(learner), 30) };
      },
    },
    {
      title: 'MultiDiscrete toy (multi-discrete-learning.test.ts: ToyMultiEnv, threshold -12 at 20,480 steps)',
      steps: 20_480,
      make: (hyper: PpoConfigInput, seed: number) => {
        const learner = new PpoLearner(tf, 6, [3, 3, 3], NUM_ENVS, seed, hyper);
        const env = new RolloutEnv(Array.from({ length: NUM_ENVS }, () => new ToyMultiEnv(3)), seed);
        return { learner, env, score: () => meanMultiReturn(greedyMulti(learner), 30) };
      },
    },
  ];
  for (const task of tasks) {
    // Warm-up (JIT, wasm kernels): otherwise the first seed's budget includes it.
    for (const g of geoms) {
      const w = task.make(g.hyper(base), 0);
      w.env.reset();
      trainFor(w.learner, w.env, 2048, null);
      w.learner.dispose();
    }
    const runs = new Map<string, Run[]>();
    for (const seed of seeds) {
      let budget: number | null = null;
      // The default runs first: its CPU for the step budget is every other geometry's budget.
      for (const g of [GEOMETRIES[0]!, ...geoms.filter((x) => x !== GEOMETRIES[0])]) {
        const { learner, env, score } = task.make(g.hyper(base), seed);
        env.reset();
        const r = trainFor(learner, env, task.steps, budget);
        if (budget === null) budget = r.cpu;
        const ret = score();
        learner.dispose();
        if (!runs.has(g.name)) runs.set(g.name, []);
        runs.get(g.name)!.push({ ...r, ret });
        console.log(`  seed ${seed} ${g.name}: ${r.steps} steps in ${r.cpu.toFixed(1)} CPU-s, return ${ret.toFixed(2)}`);
      }
    }
    printTable(`${task.title}; budget: the old default's CPU-s for the test's steps, seeds ${seeds.join(',')}`, [GEOMETRIES[0]!, ...geoms.filter((x) => x !== GEOMETRIES[0])], runs);
  }
}

async function scenario(geoms: Geometry[], seeds: number[]): Promise<void> {
  const steps = Number(process.env.PPO_GEOMETRY_SCENARIO_STEPS ?? 98_304);
  const numEnvs = 12;
  const env = { scenario: 'nginx-diurnal', split: 'train' };
  const base = { numSteps: 128, learningRate: 1e-3 };
  const root = mkdtempSync(join(tmpdir(), 'ppo-geometry-'));
  const bin = join(import.meta.dirname, '..', 'src', 'runner', 'bin.ts');
  const train = async (hyper: PpoConfigInput, seed: number, n: number, out: string) => {
    const c0 = cpuSeconds();
    const res = await trainAgent({ agent: 'ppo', env, steps: n, seed, numEnvs, out, overwrite: true, tfBackend: 'wasm', hyper: hyper as Record<string, unknown> }, { log: () => {} });
    if (res.summary.status !== 'completed') throw new Error(`train: ${res.summary.status} ${JSON.stringify(res.summary.error)}`);
    return { steps: res.summary.steps, cpu: cpuSeconds() - c0 };
  };
  const evaluate = (dir: string): number => {
    const out = join(dir, 'eval');
    execFileSync(process.execPath, ['--import', 'tsx', bin, 'eval', '--policy', dir, '--scenario', 'nginx-diurnal', '--split', 'train', '--seeds', '101..120', '--out', out, '--quiet'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const file = readdirSync(out, { recursive: true, encoding: 'utf8' }).find((f) => basename(f) === 'eval.json');
    if (file === undefined) throw new Error(`eval: expected eval.json under ${out}`);
    const ev = JSON.parse(readFileSync(join(out, file), 'utf8')) as EvalRecord;
    return ev.agent.reward.mean!;
  };
  const runs = new Map<string, Run[]>();
  const ordered = [GEOMETRIES[0]!, ...geoms.filter((x) => x !== GEOMETRIES[0])];
  const fit = new Map<string, { perStep: number; fixed: number }>();
  // Warm-up (JIT, wasm kernels, the scenario's trace): otherwise the first budget includes it.
  await train({}, 0, 2 * numEnvs * base.numSteps, join(root, 'calibrate'));
  for (const seed of seeds) {
    let budget = 0;
    for (const g of ordered) {
      const hyper = g.hyper(base);
      let n = steps;
      if (g !== GEOMETRIES[0]) {
        // n steps to fit the old default's CPU.
        const rollout = numEnvs * (hyper.numSteps ?? 128);
        if (!fit.has(g.name)) {
          // Two lengths: CPU per step and the fixed cost (env creation, checkpoints) apart.
          const short = await train(hyper, 0, 4 * rollout, join(root, 'calibrate'));
          const long = await train(hyper, 0, 24 * rollout, join(root, 'calibrate'));
          const perStep = (long.cpu - short.cpu) / (long.steps - short.steps);
          fit.set(g.name, { perStep, fixed: Math.max(0, short.cpu - perStep * short.steps) });
        }
        const f = fit.get(g.name)!;
        n = Math.max(rollout, Math.round((budget - f.fixed) / f.perStep / rollout) * rollout);
      }
      const dir = join(root, `${seed}-${ordered.indexOf(g)}`);
      const r = await train(hyper, seed, n, dir);
      if (g === GEOMETRIES[0]) budget = r.cpu;
      // The real run refines CPU per step for the next seed (the calibration runs are short).
      else fit.set(g.name, { ...fit.get(g.name)!, perStep: Math.max(1e-7, (r.cpu - fit.get(g.name)!.fixed) / r.steps) });
      const ret = evaluate(dir);
      if (!runs.has(g.name)) runs.set(g.name, []);
      runs.get(g.name)!.push({ ...r, ret });
      console.log(`  seed ${seed} ${g.name}: ${r.steps} steps in ${r.cpu.toFixed(1)} CPU-s, eval return ${ret.toFixed(2)}`);
      rmSync(dir, { recursive: true, force: true });
    }
  }
  printTable(`nginx-diurnal train split (${numEnvs} envs; old default ${steps} steps; eval seeds 101..120, mean episode reward), training seeds ${seeds.join(',')}`, ordered, runs);
  rmSync(root, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const what = process.argv[2] ?? 'toy';
  if (what !== 'toy' && what !== 'scenario' && what !== 'all') throw new Error(`expected toy, scenario or all, got ${what}`);
  const only = process.env.PPO_GEOMETRY_ONLY?.split(';').map((s) => s.trim());
  const geoms = only ? GEOMETRIES.filter((g) => only.includes(g.name)) : GEOMETRIES;
  const choice = await initTfBackend({ prefer: 'wasm' });
  console.log(`ppo-geometry: tfjs ${choice.backend}${choice.mode ? ` (${choice.mode})` : ''}, load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores; CPU-s are this process's`);
  if (what !== 'scenario') await toy(choice.tf, geoms, parseSeeds(process.env.PPO_GEOMETRY_SEEDS, [1, 2, 3, 4, 5]));
  if (what !== 'toy') await scenario(geoms, parseSeeds(process.env.PPO_GEOMETRY_SCENARIO_SEEDS, [1, 2, 3]));
}

await main();
