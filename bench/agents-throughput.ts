import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { DqnConfigSchema } from '../src/agents/learned/dqn.js';
import { PpoConfigSchema } from '../src/agents/learned/ppo.js';
import { initTfBackend, type TfBackendPreference } from '../src/agents/tf-backend.js';
import type { SimEnvOptionsInput } from '../src/env/sim-env.js';
import { VectorEnv } from '../src/env/vector-env.js';
import { trainAgent } from '../src/runner/train/train-loop.js';

/**
 * `npm run bench:agents -- throughput`: env-only steps/s beside training steps/s (PPO, DQN)
 * on the same vector of envs, so the cost of learning reads as a ratio. Training uses the
 * learners' default hyper-parameters (DQN starts learning after 1024 steps instead of 2000,
 * so the short run measures updates, not warm-up). Figures are printed, nothing asserted.
 *
 * Besides wall-clock steps/s it prints steps per CPU-second of this process: on a shared
 * machine the wall figure falls with the load, the CPU figure much less.
 *
 * Knobs: AGENTS_BENCH_THROUGHPUT_STEPS (training steps per algorithm, default 24576),
 * AGENTS_BENCH_THROUGHPUT_REPEATS (default 1: alternate PPO/DQN runs this many times and
 * report each), AGENTS_BENCH_TF_BACKEND (auto), AGENTS_BENCH_PPO_HYPER and
 * AGENTS_BENCH_DQN_HYPER (JSON hyper-parameters, e.g. '{"updateEpochs":4}', to measure
 * another batch geometry).
 */

export interface ThroughputRow {
  envOnly: number;
  ppo: number;
  dqn: number;
  /** Steps per CPU-second of this process. */
  envOnlyCpu: number;
  ppoCpu: number;
  dqnCpu: number;
}

/** CPU seconds (user + system) this process has used. */
export function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Env steps/s of the vector env alone, stepping cyclic actions (no learner, no tensors). */
function envOnlySteps(vec: VectorEnv, steps: number): { wall: number; cpu: number } {
  const n = vec.numEnvs;
  const actions = new Int32Array(n);
  const { n: nA, start } = vec.singleActionSpace;
  vec.reset({ seed: 0 });
  const c0 = cpuSeconds();
  const t0 = performance.now();
  let done = 0;
  let k = 0;
  while (done < steps) {
    for (let i = 0; i < n; i++) actions[i] = start + ((k + i) % nA);
    vec.step(actions);
    done += n;
    k++;
  }
  return { wall: done / ((performance.now() - t0) / 1000), cpu: done / (cpuSeconds() - c0) };
}

/** Measure env-only and training steps/s on `envs` (a list of SimEnv options, env i gets entry i mod length). */
export async function runThroughput(envs: Record<string, unknown>[], numEnvs: number, root: string): Promise<ThroughputRow[]> {
  const steps = Number(process.env.AGENTS_BENCH_THROUGHPUT_STEPS ?? 24_576);
  const repeats = Number(process.env.AGENTS_BENCH_THROUGHPUT_REPEATS ?? 1);
  const prefer = (process.env.AGENTS_BENCH_TF_BACKEND ?? 'auto') as TfBackendPreference;
  const ppoHyper = JSON.parse(process.env.AGENTS_BENCH_PPO_HYPER ?? '{}') as Record<string, unknown>;
  const dqnHyper = JSON.parse(process.env.AGENTS_BENCH_DQN_HYPER ?? '{}') as Record<string, unknown>;
  const choice = await initTfBackend({ prefer });
  const inputs = Array.from({ length: numEnvs }, (_, i) => ({ actionMode: 'delta', ...envs[i % envs.length] }) as SimEnvOptionsInput);
  const vec = await VectorEnv.create(inputs, { numEnvs, autoreset: 'same-step' });
  // The batch geometry decides most of the training cost: print the one that ran.
  const ppo = PpoConfigSchema.parse(ppoHyper);
  const dqn = DqnConfigSchema.parse({ learningStarts: 1024, ...dqnHyper });
  console.log(
    `throughput: ${numEnvs} envs, ${steps} training steps per run, tfjs backend ${choice.backend}${choice.mode ? ` (${choice.mode})` : ''}, load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`,
  );
  console.log(
    `  PPO ${ppo.updateEpochs} epochs x ${ppo.numMinibatches} minibatches of ${ppo.numSteps} steps x ${numEnvs} envs; DQN batch ${dqn.batchSize} every ${dqn.trainFrequency} env steps` +
      `${Object.keys(ppoHyper).length ? `; PPO hyper ${JSON.stringify(ppoHyper)}` : ''}${Object.keys(dqnHyper).length ? `; DQN hyper ${JSON.stringify(dqnHyper)}` : ''}`,
  );
  console.log('  steps/s wall-clock [steps per CPU-second of this process]; env/train: how many times faster the env steps alone');
  const rows: ThroughputRow[] = [];
  for (let r = 0; r < repeats; r++) {
    const env = envOnlySteps(vec, 200_000);
    const row: ThroughputRow = { envOnly: env.wall, envOnlyCpu: env.cpu, ppo: 0, dqn: 0, ppoCpu: 0, dqnCpu: 0 };
    for (const agent of ['ppo', 'dqn'] as const) {
      const c0 = cpuSeconds();
      const res = await trainAgent({
        agent,
        env: envs,
        steps,
        seed: r,
        numEnvs,
        out: join(root, 'throughput', `${agent}-${r}`),
        overwrite: true,
        tfBackend: prefer,
        hyper: agent === 'dqn' ? { learningStarts: 1024, ...dqnHyper } : ppoHyper,
      });
      row[`${agent}Cpu`] = res.summary.steps / (cpuSeconds() - c0);
      if (res.summary.status !== 'completed') throw new Error(`throughput ${agent}: ${res.summary.status} ${JSON.stringify(res.summary.error)}`);
      row[agent] = res.summary.stepsPerSecond;
    }
    rows.push(row);
    const ratio = (x: number): string => `${(row.envOnly / x).toFixed(0)}x`;
    const cell = (wall: number, cpu: number): string => `${wall.toFixed(0).padStart(7)} [${cpu.toFixed(0)}]`;
    console.log(
      `  env only ${cell(row.envOnly, row.envOnlyCpu)}   PPO ${cell(row.ppo, row.ppoCpu)} (env/train ${ratio(row.ppo)})   DQN ${cell(row.dqn, row.dqnCpu)} (env/train ${ratio(row.dqn)})`,
    );
  }
  await vec.close();
  return rows;
}
