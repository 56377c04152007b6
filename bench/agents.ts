import { mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Agent } from '../src/agents/agent.js';
import { createAgent, loadAgent } from '../src/agents/registry.js';
import { runThroughput } from './agents-throughput.js';
import { runHeldout } from './agents-heldout.js';
import { availableTfBackends, initTfBackend, type TfBackendName } from '../src/agents/tf-backend.js';
import { SimEnv, type SimEnvOptionsInput } from '../src/env/sim-env.js';
import { replicaTimeline } from '../src/env/trace/trace-model.js';
import { recordRun } from '../src/runner/record-run.js';
import type { SummaryRecord } from '../src/runner/records.js';
import { trainAgent } from '../src/runner/train/train-loop.js';

/**
 * `npm run bench:agents`: trains DQN and PPO on the bundled DeathStarBench trace and compares
 * them with the baselines on held-out data (a benchmark: figures printed, nothing asserted).
 *
 * Protocol (fixed before looking at results; see docs/agents.md):
 * - Train on the first 60% of the trace (0..680 s) of six deployments that scale there
 *   (nginx-thrift and five others; never compose-post-service), episodes of 20 steps x 15 s,
 *   delta actions (-maxDelta..+maxDelta), one model per seed (5 seeds).
 * - Evaluate every agent on (a) held-out windows of nginx-thrift in the last 40% (680..1134 s)
 *   and (b) a second deployment, dsb/compose-post-service, windows anywhere in the trace;
 *   10 episodes per seed, the same episode seeds for every agent (paired comparison).
 * - Baselines act in absolute mode (their natural action space, so the HPA is not slowed
 *   by a delta limit); the learned agents in the delta space they were trained in.
 * - static holds the deployment's recorded peak; hpa targets 60% CPU (the utilisation the
 *   trace's demand model assumes production ran at); trace replays production's replicas.
 * Each eval is an ordinary run directory, so `simenv report DIR/runs/...` shows them too.
 *
 * Knobs (environment variables): AGENTS_BENCH_SEEDS (default 1,2,3,4,5),
 * AGENTS_BENCH_DQN_STEPS (50000), AGENTS_BENCH_PPO_STEPS (80000), AGENTS_BENCH_BUDGET_S
 * (optional per-algorithm wall cap; default none: fixed step budgets keep results reproducible), AGENTS_BENCH_EPISODES (10), AGENTS_BENCH_OUT.
 */

const TRACE = 'examples/traces/dsb-scaling.sktrace';
const TRAIN_DEPLOY = 'dsb/nginx-thrift';
const SECOND_DEPLOY = 'dsb/compose-post-service';
/** Deployments trained on (first 60% only): every one that scales there except SECOND_DEPLOY. */
const TRAIN_SET = [TRAIN_DEPLOY, 'dsb/text-service', 'dsb/social-graph-service', 'dsb/user-timeline-service', 'dsb/home-timeline-service', 'dsb/url-shorten-service'];
const NUM_ENVS = 12;
const TRACE_S = 1134;
const SPLIT_S = 680; // 60% of the trace
const HORIZON = 20;
const STEP_S = 15;
const MAX_DELTA = 4;
const WINDOW_S = HORIZON * STEP_S;

const env = process.env;
const SEEDS = (env.AGENTS_BENCH_SEEDS ?? '1,2,3,4,5').split(',').map((s) => Number(s.trim()));
const DQN_STEPS = Number(env.AGENTS_BENCH_DQN_STEPS ?? 50_000);
const PPO_STEPS = Number(env.AGENTS_BENCH_PPO_STEPS ?? 80_000);
/** Optional wall cap per algorithm (split over the seeds); unset, the step budgets decide, so results do not depend on machine load. */
const BUDGET_S = env.AGENTS_BENCH_BUDGET_S !== undefined ? Number(env.AGENTS_BENCH_BUDGET_S) : undefined;
const GOAL_S = 600;
const EPISODES = Number(env.AGENTS_BENCH_EPISODES ?? 10);

function window(start: number, end: number): SimEnvOptionsInput['episodeStart'] {
  return { type: 'random-window', earliestS: start, latestS: end - WINDOW_S };
}

const trainEnv = (deployment: string): SimEnvOptionsInput => ({
  trace: TRACE,
  deployment,
  actionMode: 'delta',
  maxDelta: MAX_DELTA,
  stepSeconds: STEP_S,
  horizon: HORIZON,
  episodeStart: window(0, SPLIT_S),
});
const trainEnvs = TRAIN_SET.map((d) => trainEnv(d) as Record<string, unknown>);

interface Setting {
  name: string;
  label: string;
  deployment: string;
  episodeStart: SimEnvOptionsInput['episodeStart'];
}
const SETTINGS: Setting[] = [
  { name: 'held-out', label: `held-out windows of ${TRAIN_DEPLOY} (t in ${SPLIT_S}..${TRACE_S} s)`, deployment: TRAIN_DEPLOY, episodeStart: window(SPLIT_S, TRACE_S) },
  { name: 'second-deployment', label: `second deployment ${SECOND_DEPLOY} (t in 0..${TRACE_S} s)`, deployment: SECOND_DEPLOY, episodeStart: window(0, TRACE_S) },
];

type AgentName = 'static' | 'hpa' | 'trace' | 'dqn' | 'ppo';
const AGENTS: AgentName[] = ['static', 'hpa', 'trace', 'dqn', 'ppo'];

interface Cell {
  perSeed: number[];
  slo: number[];
  cost: number[];
  churn: number[];
  violationRate: number[];
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
function std(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}
function f(x: number, d = 3): string {
  return x.toFixed(d);
}

async function evalEnv(setting: Setting, learned: boolean): Promise<SimEnv> {
  return SimEnv.create({
    trace: TRACE,
    deployment: setting.deployment,
    stepSeconds: STEP_S,
    horizon: HORIZON,
    episodeStart: setting.episodeStart,
    actionMode: learned ? 'delta' : 'absolute',
    ...(learned ? { maxDelta: MAX_DELTA } : {}),
  });
}

function peakReplicas(e: SimEnv): number {
  return Math.max(...replicaTimeline(e.controlled).map(([, r]) => r));
}

async function evaluate(agent: Agent, e: SimEnv, seed: number, out: string, runId: string): Promise<SummaryRecord> {
  const r = await recordRun({ env: e, agent, episodes: EPISODES, seed: 10_000 + seed, out, runId });
  if (r.summary.status !== 'completed') throw new Error(`eval ${runId} ${r.summary.status}: ${JSON.stringify(r.summary.error)}`);
  return r.summary;
}

/** Env steps/s of a short training run on each tfjs backend that loads here. */
async function backendThroughput(root: string): Promise<Array<{ backend: TfBackendName; dqn: number; ppo: number }>> {
  const out: Array<{ backend: TfBackendName; dqn: number; ppo: number }> = [];
  for (const backend of await availableTfBackends()) {
    const row = { backend, dqn: 0, ppo: 0 };
    for (const agent of ['dqn', 'ppo'] as const) {
      const r = await trainAgent({
        agent,
        env: trainEnvs,
        steps: 8192,
        seed: 0,
        numEnvs: NUM_ENVS,
        out: join(root, 'throughput', `${agent}-${backend}`),
        overwrite: true,
        tfBackend: backend === 'tensorflow' ? 'node' : backend,
        hyper: agent === 'dqn' ? { learningStarts: 1024 } : {},
      });
      row[agent] = r.summary.stepsPerSecond;
    }
    out.push(row);
  }
  return out;
}

/** Run the whole benchmark and print the tables. */
export async function run(): Promise<void> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const root = resolve(env.AGENTS_BENCH_OUT ?? join('.bench', 'agents', stamp));
  mkdirSync(root, { recursive: true });
  console.log(`agents benchmark: seeds ${SEEDS.join(',')}, DQN ${DQN_STEPS} steps, PPO ${PPO_STEPS} steps per seed, ${BUDGET_S !== undefined ? `wall cap ${BUDGET_S} s per algorithm` : 'no wall cap'}; output ${root}`);

  const thr = await backendThroughput(root);
  console.log(`\ntraining throughput (env steps/s including learning, ${NUM_ENVS} envs, 8192 steps):`);
  for (const t of thr) console.log(`  ${t.backend.padEnd(10)} DQN ${t.dqn.toFixed(0).padStart(6)}   PPO ${t.ppo.toFixed(0).padStart(6)}`);
  const chosen = await initTfBackend();
  console.log(`training below uses tfjs backend: ${chosen.backend}`);

  const results = new Map<string, Map<AgentName, Cell>>();
  for (const s of SETTINGS) results.set(s.name, new Map(AGENTS.map((a) => [a, { perSeed: [], slo: [], cost: [], churn: [], violationRate: [] }])));
  const record = (setting: string, agent: AgentName, sum: SummaryRecord): void => {
    const cell = results.get(setting)!.get(agent)!;
    const n = sum.episodes;
    cell.perSeed.push(sum.reward.mean ?? Number.NaN);
    cell.slo.push(sum.reward.components.slo / n);
    cell.cost.push(sum.reward.components.cost / n);
    cell.churn.push(sum.reward.components.churn / n);
    cell.violationRate.push(sum.slo.violationRate ?? Number.NaN);
  };

  // Baselines.
  for (const s of SETTINGS) {
    const e = await evalEnv(s, false);
    const peak = peakReplicas(e);
    for (const seed of SEEDS) {
      for (const name of ['static', 'hpa', 'trace'] as const) {
        const agent = createAgent(name, e.agentContext, { seed, ...(name === 'static' ? { target: peak } : name === 'hpa' ? { target: 60 } : {}) });
        record(s.name, name, await evaluate(agent, e, seed, join(root, 'runs', s.name), `${name}-s${seed}`));
      }
    }
    await e.close();
  }

  // Learned agents: one model per seed, trained on the first 60%, within the per-algorithm budget.
  const training: Record<string, { steps: number[]; wallS: number[]; sps: number[]; notes: string[] }> = {};
  for (const algo of ['dqn', 'ppo'] as const) {
    const t = (training[algo] = { steps: [] as number[], wallS: [] as number[], sps: [] as number[], notes: [] as string[] });
    const perSeedBudget = BUDGET_S !== undefined ? BUDGET_S / SEEDS.length : undefined;
    for (const seed of SEEDS) {
      const r = await trainAgent({
        agent: algo,
        env: trainEnvs,
        steps: algo === 'dqn' ? DQN_STEPS : PPO_STEPS,
        seed,
        numEnvs: NUM_ENVS,
        out: join(root, 'train', `${algo}-s${seed}`),
        overwrite: true,
        ...(perSeedBudget !== undefined ? { maxWallSeconds: perSeedBudget } : {}),
      });
      if (r.summary.status !== 'completed' || !r.summary.policyDir) throw new Error(`training ${algo} seed ${seed}: ${r.summary.status} ${JSON.stringify(r.summary.error)}`);
      t.steps.push(r.summary.steps);
      t.wallS.push(r.summary.wallS);
      t.sps.push(r.summary.stepsPerSecond);
      if (r.summary.steps < (algo === 'dqn' ? DQN_STEPS : PPO_STEPS)) t.notes.push(`seed ${seed} stopped at the wall budget after ${r.summary.steps} steps`);
      console.log(`  trained ${algo} seed ${seed}: ${r.summary.steps} steps in ${r.summary.wallS.toFixed(0)} s (${r.summary.stepsPerSecond.toFixed(0)} steps/s), last training episodes ${r.summary.finalEpisodeReward?.toFixed(3)}`);
      for (const s of SETTINGS) {
        const e = await evalEnv(s, true);
        const agent = await loadAgent(r.summary.policyDir, e.agentContext);
        record(s.name, algo, await evaluate(agent, e, seed, join(root, 'runs', s.name), `${algo}-s${seed}`));
        agent.dispose?.();
        await e.close();
      }
    }
  }

  console.log('\ntraining:');
  for (const [algo, t] of Object.entries(training)) {
    const total = t.wallS.reduce((a, b) => a + b, 0);
    console.log(
      `  ${algo}: ${t.steps.length} seeds, ${mean(t.steps).toFixed(0)} steps each, ${total.toFixed(0)} s total (${mean(t.sps).toFixed(0)} steps/s): ${total <= GOAL_S ? 'within' : 'over'} the ${GOAL_S / 60}-minute goal${t.notes.length ? `; ${t.notes.join('; ')}` : ''}`,
    );
  }
  for (const s of SETTINGS) {
    console.log(`\n${s.label}: reward per episode (higher is better), ${EPISODES} episodes x ${SEEDS.length} seeds`);
    console.log(`mean/std over seeds of the per-seed mean; slo/cost/churn: mean per-episode reward components; viol: share of time the SLO was broken`);
    const head = ['agent', 'actions', 'mean', 'std', ...SEEDS.map((x) => `seed${x}`), 'slo', 'cost', 'churn', 'viol'];
    const rows: string[][] = [head];
    for (const a of AGENTS) {
      const c = results.get(s.name)!.get(a)!;
      rows.push([
        a,
        a === 'dqn' || a === 'ppo' ? `delta±${MAX_DELTA}` : 'absolute',
        f(mean(c.perSeed)),
        f(std(c.perSeed)),
        ...c.perSeed.map((x) => f(x)),
        f(mean(c.slo)),
        f(mean(c.cost)),
        f(mean(c.churn)),
        `${(100 * mean(c.violationRate)).toFixed(1)}%`,
      ]);
    }
    const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) console.log(r.map((x, i) => (i < 2 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  '));
    const hpa = mean(results.get(s.name)!.get('hpa')!.perSeed);
    for (const a of ['dqn', 'ppo'] as const) {
      const m = mean(results.get(s.name)!.get(a)!.perSeed);
      console.log(`  ${a} vs hpa: ${m >= hpa ? 'at or above' : 'below'} (${f(m - hpa)} per episode)`);
    }
  }
  console.log(`load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores (training throughput depends on it)`);
  console.log(`\nrun directories: ${join(root, 'runs')} (simenv report ${join(root, 'runs', 'held-out')})`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const mode = process.argv[2];
  const main =
    mode === 'throughput'
      ? async (): Promise<void> => {
          await runThroughput(trainEnvs, NUM_ENVS, resolve(env.AGENTS_BENCH_OUT ?? join('.bench', 'agents-throughput')));
        }
      : mode === 'heldout'
        ? async (): Promise<void> => void (await runHeldout())
        : async (): Promise<void> => {
            await run();
            await runHeldout();
          };
  if (mode !== undefined && mode !== 'throughput' && mode !== 'heldout') {
    console.error(`bench:agents: expected no argument, "throughput" or "heldout", got "${mode}"`);
    process.exit(2);
  }
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
