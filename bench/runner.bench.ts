import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SimEnv } from '../src/env/sim-env.js';
import { createAgent } from '../src/agents/registry.js';
import type { RunConfigRecord } from '../src/runner/records.js';
import { agentRecord, buildRunConfig, runMetaOf } from '../src/runner/record-run.js';
import { RunWriter, RUN_FILES, type LogLevel } from '../src/runner/run-dir.js';
import { runAgent, type RunMeta } from '../src/runner/run-loop.js';

/**
 * What logging costs: steps/s of a 1,000-step run through the runner with the run directory,
 * step.jsonl written per step (the default) and batched (`--log-flush batched`), against the
 * same run without a writer, and against the bare env loop. Goal: logging costs at most 25%
 * of steps/s. Then each `--log` level (steps, episodes, none): logged steps/s and the bytes
 * its log file (step.jsonl or episode.jsonl) and its whole run directory take per step.
 * Figures only: nothing here asserts about time.
 */

const LOG_LEVELS: readonly LogLevel[] = ['steps', 'episodes', 'none'];

const TRACE = resolve('examples/traces/dsb-scaling.sktrace'); // npm run bench runs from the repository root, compiled or not
const STEPS = 1000;
// Each repetition is a few milliseconds, so one GC pause or a busy neighbour moves it a lot:
// the median of many is what is reported.
const REPEATS = 31;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function run(): Promise<void> {
  const env = await SimEnv.create({ trace: TRACE, deployment: 'dsb/nginx-thrift', stepSeconds: 1, horizon: STEPS });
  const agent = createAgent('hpa', env.agentContext, { seed: 0 });
  // The record the runner itself writes, built once (hashing the trace stays out of the timed
  // region); each writer gets its own run id.
  const baseConfig = buildRunConfig({ runId: 'bench', env, agent: agentRecord(agent), seed: 0, seeds: [0] });
  const meta: RunMeta = runMetaOf(baseConfig);
  const dir = mkdtempSync(join(tmpdir(), 'simenv-runner-bench-'));
  const config = (id: string): RunConfigRecord => ({ ...baseConfig, run: id });

  // Rates are steps per CPU-second of this process (user + system, so write(2) counts):
  // on a shared machine wall time mostly measures the neighbours; wall figures are printed too.
  const cpuNow = (): number => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1e6;
  };
  type Rates = { cpu: number[]; wall: number[] };
  const rates = (): Rates => ({ cpu: [], wall: [] });
  const bare = rates();
  const noLog = rates();
  const encoded = rates();
  const withLog = rates();
  const withDir = rates();
  const batched = rates();
  const batchedDir = rates();
  const byLevel = new Map<LogLevel, Rates>(LOG_LEVELS.map((l) => [l, rates()]));
  const bytesByLevel = new Map<LogLevel, { log: number; dir: number }>();
  let consumed = 0;
  const timed = async (into: Rates, keep: boolean, fn: () => Promise<number> | number): Promise<void> => {
    const c0 = cpuNow();
    const w0 = performance.now();
    const steps = await fn();
    const cpu = cpuNow() - c0;
    const wall = (performance.now() - w0) / 1000;
    if (steps !== STEPS) throw new Error(`expected ${STEPS} steps, got ${steps}`);
    if (keep) {
      into.cpu.push(steps / cpu);
      into.wall.push(steps / wall);
    }
  };
  try {
    for (let rep = 0; rep < REPEATS + 2; rep++) {
      const keep = rep >= 2; // the first two repetitions warm the JIT up
      await timed(bare, keep, () => {
        let r = env.reset({ seed: rep });
        agent.reset?.(rep);
        let n = 0;
        for (;;) {
          const s = env.step(agent.act(r.observation, r.info));
          n++;
          if (s.terminated || s.truncated) return n;
          r = s;
        }
      });
      await timed(noLog, keep, async () => (await runAgent({ env, agent, episodes: 1, seed: rep, meta })).summary.steps);
      // Lines built and dropped: what serialisation alone costs. The sink reads each line's
      // length: a sink that ignores its argument lets the optimiser skip building the line.
      const sink = {
        appendStepLine: (line: string): void => {
          consumed += line.length;
        },
        finish: (): void => {},
      };
      await timed(encoded, keep, async () => (await runAgent({ env, agent, episodes: 1, seed: rep, meta, writer: sink })).summary.steps);
      // The run directory made beforehand: the steady-state cost of step.jsonl.
      const pre = RunWriter.create(dir, config(`pre-${rep}`));
      await timed(withLog, keep, async () => {
        const out = await runAgent({ env, agent, episodes: 1, seed: rep, meta: { ...meta, run: `pre-${rep}` }, writer: { appendStepLine: (l) => pre.appendStepLine(l), finish: () => {} } });
        return out.summary.steps;
      });
      pre.closeSteps();
      // The same with --log-flush batched (the final flush included: it is in the episode end).
      const preB = RunWriter.create(dir, config(`preb-${rep}`), { flush: 'batched' });
      await timed(batched, keep, async () => {
        const out = await runAgent({
          env,
          agent,
          episodes: 1,
          seed: rep,
          meta: { ...meta, run: `preb-${rep}` },
          writer: { appendStepLine: (l) => preB.appendStepLine(l), flush: () => preB.flush(), finish: () => {} },
        });
        return out.summary.steps;
      });
      preB.closeSteps();
      // Everything a 1,000-step `simenv run` does around the loop: mkdir, config.json, summary.json.
      await timed(withDir, keep, async () => {
        const writer = RunWriter.create(dir, config(`run-${rep}`));
        return (await runAgent({ env, agent, episodes: 1, seed: rep, meta: { ...meta, run: `run-${rep}` }, writer })).summary.steps;
      });
      await timed(batchedDir, keep, async () => {
        const writer = RunWriter.create(dir, config(`runb-${rep}`), { flush: 'batched' });
        return (await runAgent({ env, agent, episodes: 1, seed: rep, meta: { ...meta, run: `runb-${rep}` }, writer })).summary.steps;
      });
      for (const level of LOG_LEVELS) {
        const id = `log-${level}-${rep}`;
        await timed(byLevel.get(level)!, keep, async () => {
          const writer = RunWriter.create(dir, config(id), { log: level });
          return (await runAgent({ env, agent, episodes: 1, seed: rep, meta: { ...meta, run: id }, writer })).summary.steps;
        });
        if (rep === 0) {
          const files = readdirSync(join(dir, id));
          const size = (f: string): number => statSync(join(dir, id, f)).size;
          const logFile = level === 'steps' ? RUN_FILES.steps : level === 'episodes' ? RUN_FILES.episodes : null;
          bytesByLevel.set(level, { log: logFile ? size(logFile) : 0, dir: files.reduce((a, f) => a + size(f), 0) });
        }
      }
    }
  } finally {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  }
  if (consumed === 0) throw new Error('the encoding sink saw no lines');
  const m = (r: Rates): { cpu: number; wall: number } => ({ cpu: median(r.cpu), wall: median(r.wall) });
  const rows: Array<[string, { cpu: number; wall: number }]> = [
    ['bare env loop (env + agent)', m(bare)],
    ['runner, no run directory', m(noLog)],
    ['runner, lines encoded, not written', m(encoded)],
    ['runner, step.jsonl written per step', m(withLog)],
    ['runner, + run dir, config, summary', m(withDir)],
    ['runner, step.jsonl batched', m(batched)],
    ['runner, batched + run dir, config, summary', m(batchedDir)],
  ];
  console.log(`1,000-step run (hpa agent, dsb-scaling, 1 s steps), median of ${REPEATS}; steps per CPU-second (per wall-second):`);
  for (const [name, r] of rows) console.log(`  ${name.padEnd(44)} ${r.cpu.toFixed(0).padStart(9)} (${r.wall.toFixed(0)})`);
  const us = (rate: number): number => 1e6 / rate;
  const base = m(noLog).cpu;
  console.log(
    `  per step, CPU: env+agent+runner ${us(base).toFixed(2)} us, encoding ${(us(m(encoded).cpu) - us(base)).toFixed(2)} us, write(2) ${(us(m(withLog).cpu) - us(m(encoded).cpu)).toFixed(2)} us`,
  );
  console.log(`  per step, CPU, batched: encoding + buffering + write(2) ${(us(m(batched).cpu) - us(base)).toFixed(2)} us`);
  const pct = (r: Rates): number => (1 - m(r).cpu / base) * 100;
  for (const [name, loop, run] of [
    ['step (default)', withLog, withDir],
    ['batched', batched, batchedDir],
  ] as const) {
    const overhead = pct(loop);
    console.log(
      `  logging overhead, --log-flush ${name.padEnd(14)} ${overhead.toFixed(1).padStart(5)}% of steps/s (with the directory, config and summary: ${pct(run).toFixed(1)}%); goal <= 25% -> ${overhead <= 25 ? 'met' : 'NOT MET'}`,
    );
  }
  console.log(`--log levels, one ${STEPS}-step episode per run (with the directory, config and summary): logged steps per CPU-second (per wall-second), bytes per step`);
  for (const level of LOG_LEVELS) {
    const r = m(byLevel.get(level)!);
    const b = bytesByLevel.get(level)!;
    const name = level === 'steps' ? 'step.jsonl' : level === 'episodes' ? 'episode.jsonl' : 'no log file';
    console.log(
      `  --log ${level.padEnd(9)} ${r.cpu.toFixed(0).padStart(9)} (${r.wall.toFixed(0)}) steps/s   ${name.padEnd(13)} ${(b.log / STEPS).toFixed(1).padStart(7)} B/step   whole run dir ${(b.dir / STEPS).toFixed(1).padStart(7)} B/step`,
    );
  }
}
