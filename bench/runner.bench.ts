import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SimEnv } from '../src/env/sim-env.js';
import { createAgent } from '../src/agents/registry.js';
import { RUN_RECORD_FORMAT, type RunConfigRecord } from '../src/runner/records.js';
import { RunWriter } from '../src/runner/run-dir.js';
import { runAgent, type RunMeta } from '../src/runner/run-loop.js';

/**
 * What logging costs: steps/s of a 1,000-step run through the runner with the run directory
 * (step.jsonl written and handed to the kernel per step) against the same run without a
 * writer, and against the bare env loop. Goal: logging costs at most 25% of steps/s.
 */

const TRACE = fileURLToPath(new URL('../examples/traces/dsb-scaling.sktrace', import.meta.url));
const STEPS = 1000;
const REPEATS = 15;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function run(): Promise<void> {
  const env = await SimEnv.create({ trace: TRACE, deployment: 'dsb/nginx-thrift', stepSeconds: 1, horizon: STEPS });
  const agent = createAgent('hpa', env.agentContext, { seed: 0 });
  const meta: RunMeta = { run: 'bench', agent: { name: agent.name, params: {} }, backend: 'memory', deployment: 'dsb/nginx-thrift', trace: TRACE, mode: 'multi-step' };
  const dir = mkdtempSync(join(tmpdir(), 'simenv-runner-bench-'));
  const config = (id: string): RunConfigRecord => ({
    format: RUN_RECORD_FORMAT,
    run: id,
    createdAt: new Date().toISOString(),
    simenvVersion: 'bench',
    nodeVersion: process.version,
    command: [],
    seed: 0,
    episodes: 1,
    episodeSeeds: [0],
    mode: 'multi-step',
    durationSeconds: STEPS,
    stepSeconds: 1,
    agent: meta.agent,
    trace: { path: TRACE, sha256: null, bytes: null },
    backend: 'memory',
    deployment: meta.deployment,
    describe: env.describe(),
    env: {},
  });

  const bare: number[] = [];
  const noLog: number[] = [];
  const withLog: number[] = [];
  const loopOnly: number[] = [];
  try {
    for (let rep = 0; rep < REPEATS + 2; rep++) {
      // Bare env loop: the ceiling.
      let t = performance.now();
      let r = env.reset({ seed: rep });
      agent.reset?.(rep);
      let n = 0;
      for (;;) {
        const s = env.step(agent.act(r.observation, r.info));
        n++;
        if (s.terminated || s.truncated) break;
        r = s;
      }
      const bareRate = n / ((performance.now() - t) / 1000);

      t = performance.now();
      const a = await runAgent({ env, agent, episodes: 1, seed: rep, meta });
      const noLogRate = a.summary.steps / ((performance.now() - t) / 1000);

      const id = `run-${rep}`;
      t = performance.now();
      const writer = RunWriter.create(dir, config(id));
      const b = await runAgent({ env, agent, episodes: 1, seed: rep, meta: { ...meta, run: id }, writer });
      const logRate = b.summary.steps / ((performance.now() - t) / 1000);
      loopOnly.push(b.summary.stepsPerSecond ?? 0);
      if (a.summary.steps !== STEPS || b.summary.steps !== STEPS) throw new Error(`expected ${STEPS} steps, got ${a.summary.steps} and ${b.summary.steps}`);
      if (rep >= 2) {
        // The first two repetitions warm the JIT up.
        bare.push(bareRate);
        noLog.push(noLogRate);
        withLog.push(logRate);
      }
    }
  } finally {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const mBare = median(bare);
  const mNo = median(noLog);
  const mLog = median(withLog);
  const overhead = (1 - mLog / mNo) * 100;
  console.log(`1,000-step run (hpa agent, dsb-scaling, step 1 s), median of ${REPEATS}:`);
  console.log(`  bare env loop:                 ${mBare.toFixed(0).padStart(9)} steps/s`);
  console.log(`  runner, no run directory:      ${mNo.toFixed(0).padStart(9)} steps/s`);
  console.log(`  runner, logging to step.jsonl: ${mLog.toFixed(0).padStart(9)} steps/s (includes creating the run directory and summary.json)`);
  console.log(`  runner loop with logging (summary.stepsPerSecond, no dir/summary creation): ${median(loopOnly).toFixed(0)} steps/s`);
  console.log(`  logging overhead: ${overhead.toFixed(1)}% of steps/s (goal <= 25%) -> ${overhead <= 25 ? 'OK' : 'OVER GOAL'}`);
  console.log(`  runner overhead vs bare loop: ${((1 - mNo / mBare) * 100).toFixed(1)}%`);
}
