import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Agent } from '../src/agents/agent.js';
import { createAgent, loadAgent } from '../src/agents/registry.js';
import { hpaDefaultRange } from '../src/agents/hpa-agent.js';
import type { HpaOptionsInput } from '../src/agents/hpa/hpa-config.js';
import { formatHpaManifest } from '../src/agents/hpa/hpa-manifest.js';
import { defaultHpaOptions } from '../src/runner/tune/hpa-search-space.js';
import { main as cli } from '../src/runner/cli.js';
import { agentEvalStats, bootstrapMeanCi, pairedDifference, type AgentEvalStats, type MeanCi, type PairedDifference } from '../src/runner/eval-stats.js';
import type { EpisodeSummary } from '../src/runner/records.js';
import { planSeeds } from '../src/runner/seed-plan.js';
import { agentEpisodes, scenarioSplitEnv } from '../src/runner/tune/split-episodes.js';
import { tuneHpa } from '../src/runner/tune/tune-hpa.js';
import { ZOO_DQN_HYPER, ZOO_DQN_STEPS, ZOO_RESIDUAL_DELTA } from '../src/runner/zoo/policy-zoo.js';
import { loadScenario } from '../src/env/scenario-files.js';
import type { SplitName } from '../src/env/scenario.js';

/**
 * The held-out comparison of `npm run bench:agents` (also `npm run bench:agents -- heldout`):
 * on built-in scenarios, learned agents against a TUNED HPA, the default HPA, the best static
 * count and the trace, on the held-out windows and the held-out workload (a benchmark:
 * figures printed, nothing asserted).
 *
 * Protocol (fixed before looking at held-out results; docs/agents.md):
 * - Everything that is chosen is chosen on the scenario's `train` split: the tuned HPA
 *   (`simenv tune hpa --seed 1`, 200 candidates), the static count (best of the range over 32
 *   training episodes), the learned agent's hyper-parameters (the zoo's, src/runner/zoo/).
 * - Learned: one model per training seed (default 5), `simenv train --scenario S` (train
 *   split) in an env of absolute actions over the scenario's replica range (the HPA's action
 *   space); by default correcting the tuned HPA by at most 2 replicas (`--hpa-residual`, the
 *   manifest written from this very tuning), as the zoo trains.
 * - Every agent is evaluated on the same held-out episode seeds (default 1..20) in the same
 *   env (`simenv eval --scenario S --split heldout` builds it the same way).
 * - Paired differences are against the tuned HPA. For the learned agent: per training seed
 *   (its 20 paired episodes) and over training seeds, whose interval bootstraps the seeds'
 *   mean differences (so it includes the spread between trainings); the agent "wins" only if
 *   that interval is above zero.
 *
 * Knobs: AGENTS_HELDOUT_SCENARIOS (compose-post-bursty,nginx-diurnal,post-storage-diurnal2),
 * AGENTS_HELDOUT_SEEDS (1,2,3,4,5), AGENTS_HELDOUT_STEPS (the zoo's, 60000), AGENTS_HELDOUT_AGENT (dqn),
 * AGENTS_HELDOUT_RESIDUAL (largest correction to the tuned HPA, the zoo's 2; 0: absolute actions),
 * AGENTS_HELDOUT_HYPER (JSON; default the zoo's), AGENTS_HELDOUT_EPISODES (20),
 * AGENTS_BENCH_OUT (output root; trained models already there are reused).
 */

const env = process.env;
const SCENARIOS = (env.AGENTS_HELDOUT_SCENARIOS ?? 'compose-post-bursty,nginx-diurnal,post-storage-diurnal2').split(',').map((s) => s.trim());
const TRAIN_SEEDS = (env.AGENTS_HELDOUT_SEEDS ?? '1,2,3,4,5').split(',').map((s) => Number(s.trim()));
const STEPS = Number(env.AGENTS_HELDOUT_STEPS ?? ZOO_DQN_STEPS);
const AGENT = (env.AGENTS_HELDOUT_AGENT ?? 'dqn') as 'dqn' | 'ppo';
const HYPER = env.AGENTS_HELDOUT_HYPER !== undefined ? (JSON.parse(env.AGENTS_HELDOUT_HYPER) as Record<string, unknown>) : AGENT === 'dqn' ? ZOO_DQN_HYPER : {};
const EPISODES = Number(env.AGENTS_HELDOUT_EPISODES ?? 20);
/** Residual corrections to the tuned HPA (src/agents/hpa-residual.ts), largest delta (default the zoo's); 0: absolute actions. */
const RESIDUAL_RAW = Number(env.AGENTS_HELDOUT_RESIDUAL ?? ZOO_RESIDUAL_DELTA);
const RESIDUAL = RESIDUAL_RAW > 0 ? RESIDUAL_RAW : undefined;
const LABEL = RESIDUAL !== undefined ? `${AGENT}+hpa` : AGENT;
const BOOT = { seed: 1, resamples: 2000, level: 0.95 };

interface Row {
  label: string;
  stats: AgentEvalStats;
  diff: PairedDifference | null;
}

function f(x: number | null, d = 3): string {
  return x === null ? '-' : x.toFixed(d);
}
function s(x: number | null): string {
  return x === null ? '-' : `${x > 0 ? '+' : ''}${x.toFixed(3)}`;
}
function ci(m: MeanCi, show: (x: number | null) => string = f): string {
  return `${show(m.mean)} [${show(m.lo)}, ${show(m.hi)}]`;
}

/** Train (or reuse) one model; its policy directory. */
async function trained(root: string, scenario: string, seed: number, tunedManifest: string): Promise<string> {
  const out = join(root, 'train', `${scenario}-${AGENT}${RESIDUAL !== undefined ? `-res${RESIDUAL}` : ''}-s${seed}`);
  const summary = join(out, 'summary.json');
  if (existsSync(summary)) {
    const sm = JSON.parse(readFileSync(summary, 'utf8')) as { status?: string; steps?: number; policyDir?: string };
    if (sm.status === 'completed' && sm.steps === STEPS && sm.policyDir) return sm.policyDir;
  }
  const residual = RESIDUAL !== undefined ? ['--hpa-residual', tunedManifest, '--residual-delta', String(RESIDUAL)] : [];
  const args = ['train', '--agent', AGENT, '--scenario', scenario, '--action-mode', 'absolute', ...residual, '--steps', String(STEPS), '--seed', String(seed), '--hyper', JSON.stringify(HYPER), '--out', out, '--overwrite', '--quiet'];
  const t0 = performance.now();
  const code = await cli(['node', 'simenv', ...args]);
  if (code !== 0) throw new Error(`simenv ${args.join(' ')} exited ${code}`);
  const sm = JSON.parse(readFileSync(summary, 'utf8')) as { policyDir: string; stepsPerSecond: number };
  console.log(`  trained ${AGENT} seed ${seed} on ${scenario}/train: ${STEPS} steps in ${((performance.now() - t0) / 1000).toFixed(0)} s (${sm.stepsPerSecond.toFixed(0)} steps/s)`);
  return sm.policyDir;
}

/** The best static count on the train split (32 episodes). */
async function bestStatic(scenario: string): Promise<number> {
  const { env: e } = await scenarioSplitEnv(scenario, 'train');
  try {
    const seeds = planSeeds([1], 32).episodeSeeds;
    let best = { n: e.agentContext.minReplicas, mean: Number.NEGATIVE_INFINITY };
    for (let n = Math.max(1, e.agentContext.minReplicas); n <= e.agentContext.maxReplicas; n++) {
      const eps = await agentEpisodes(e, createAgent('static', e.agentContext, { seed: 1, target: n }), seeds);
      const m = eps.reduce((a, x) => a + x.reward.total, 0) / eps.length;
      if (m > best.mean) best = { n, mean: m };
    }
    return best.n;
  } finally {
    await e.close();
  }
}

/** Run the held-out comparison and print its tables; returns the figures (also written to heldout.json). */
export async function runHeldout(rootArg?: string): Promise<unknown> {
  const root = resolve(rootArg ?? env.AGENTS_BENCH_OUT ?? join('.bench', 'agents-heldout'));
  mkdirSync(root, { recursive: true });
  console.log(`\nheld-out comparison: scenarios ${SCENARIOS.join(', ')}; ${LABEL}${RESIDUAL !== undefined ? ` (corrections of at most ${RESIDUAL} to the tuned HPA)` : ''} ${STEPS} steps x training seeds ${TRAIN_SEEDS.join(',')} (hyper ${JSON.stringify(HYPER)}); ${EPISODES} held-out episodes (seeds 1..${EPISODES}); output ${root}`);
  const seeds = planSeeds(Array.from({ length: EPISODES }, (_, i) => i + 1), 1).episodeSeeds;
  const out: Record<string, unknown> = {};
  for (const scenario of SCENARIOS) {
    const t = await tuneHpa({ scenario, budget: 200, seed: 1, firstEpisodes: 8, maxEpisodes: 64, finalists: 5, heldoutSeeds: [1] });
    const tuned = t.finalists[0]!.options;
    const staticN = await bestStatic(scenario);
    console.log(`\n${scenario}: tuned HPA (train split) ${t.finalists[0]!.description}; best static on train: ${staticN}`);
    // The tuned HPA as the manifest a residual agent trains on top of (the same options the table's hpa(tuned) runs).
    const tunedManifest = join(root, `hpa-tuned-${scenario}.yaml`);
    {
      // tuneHpa refuses applications, so the scenario has one deployment; its options carry the range.
      const [ns, name] = loadScenario(scenario).scenario.deployment!.split('/');
      writeFileSync(tunedManifest, formatHpaManifest({ name: name!, namespace: ns!, options: tuned }));
    }
    const policies: string[] = [];
    for (const seed of TRAIN_SEEDS) policies.push(await trained(root, scenario, seed, tunedManifest));
    const splits = Object.keys(loadScenario(scenario).scenario.splits ?? {}).filter((x) => x !== 'train') as SplitName[];
    for (const split of splits) {
      const { env: e } = await scenarioSplitEnv(scenario, split);
      try {
        const ctx = e.agentContext;
        const range = hpaDefaultRange(ctx);
        const hpa = (o: HpaOptionsInput): Agent => createAgent('hpa', ctx, { seed: 1, hpa: o });
        const tunedEps = await agentEpisodes(e, hpa(tuned), seeds);
        const rows: Row[] = [];
        const add = (label: string, eps: EpisodeSummary[], vs: EpisodeSummary[] | null): void => {
          rows.push({ label, stats: agentEvalStats(eps, BOOT), diff: vs ? pairedDifference(eps, vs, BOOT) : null });
        };
        const perSeedDiff: number[] = [];
        const pooled: number[] = [];
        const learnedAll: EpisodeSummary[][] = [];
        for (let i = 0; i < policies.length; i++) {
          const agent = await loadAgent(policies[i]!, ctx);
          const eps = await agentEpisodes(e, agent, seeds);
          agent.dispose?.();
          learnedAll.push(eps);
          add(`${LABEL} s${TRAIN_SEEDS[i]}`, eps, tunedEps);
          const d = eps.map((x, k) => x.reward.total - tunedEps[k]!.reward.total);
          perSeedDiff.push(d.reduce((a, b) => a + b, 0) / d.length);
          pooled.push(...d);
        }
        add('hpa(tuned)', tunedEps, null);
        add('hpa(default)', await agentEpisodes(e, hpa(defaultHpaOptions(range)), seeds), tunedEps);
        add(`static(${staticN})`, await agentEpisodes(e, createAgent('static', ctx, { seed: 1, target: staticN }), seeds), tunedEps);
        add('trace', await agentEpisodes(e, createAgent('trace', ctx, { seed: 1 }), seeds), tunedEps);
        const acrossSeeds = bootstrapMeanCi(perSeedDiff, BOOT);
        const pooledPairs = bootstrapMeanCi(pooled, BOOT);
        const allStats = agentEvalStats(learnedAll.flat(), BOOT);

        console.log(`${scenario} / ${split}: mean episode reward [95% CI] over ${EPISODES} episodes; diff = paired difference with hpa(tuned) (> 0: better)`);
        const table: string[][] = [['agent', 'reward', 'slo', 'cost', 'churn', 'slo-broken', 'diff vs hpa(tuned)', 'w/l']];
        table.push([`${LABEL} (all seeds)`, ci(allStats.reward), f(allStats.components.slo), f(allStats.components.cost), f(allStats.components.churn), `${f((allStats.sloViolationRate ?? 0) * 100, 1)}%`, `${ci(pooledPairs, s)} pooled`, '']);
        for (const r of rows) {
          const c = r.stats.components;
          table.push([r.label, ci(r.stats.reward), f(c.slo), f(c.cost), f(c.churn), `${f((r.stats.sloViolationRate ?? 0) * 100, 1)}%`, r.diff ? ci(r.diff.reward, s) : '', r.diff ? `${r.diff.wins}/${r.diff.losses}` : '']);
        }
        const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
        for (const r of table) console.log(`  ${r.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ')}`);
        const verdict = acrossSeeds.lo! > 0 ? 'WINS' : acrossSeeds.hi! < 0 ? 'loses' : 'no significant difference';
        console.log(`  ${LABEL} - hpa(tuned) over ${TRAIN_SEEDS.length} training seeds (bootstrap over seeds' mean differences): ${ci(acrossSeeds, s)}: ${verdict}`);
        out[`${scenario}/${split}`] = { tuned, staticN, rows, learned: { all: allStats, acrossSeeds, pooledPairs, perSeedDiff } };
      } finally {
        await e.close();
      }
    }
  }
  writeFileSync(join(root, 'heldout.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nfigures: ${join(root, 'heldout.json')}`);
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runHeldout().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
