import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { join, resolve } from 'node:path';
import { createApplicationAgent, type ApplicationAgent } from '../agents/application/application-agent.js';
import { loadHpaManifests } from '../agents/application/hpa-manifests.js';
import { loadApplicationPolicyAgent } from '../agents/learned/application-policy-agent.js';
import { readPolicyMetadata, resolvePolicyDir } from '../agents/learned/policy-metadata.js';
import type { ApplicationEnv } from '../env/application/application-env.js';
import type { ApplicationOptionsInput } from '../env/application/application-options.js';
import type { ApplicationStepInfo } from '../env/application/application-types.js';
import { ConfigError, UnknownWorkloadError, UsageError } from '../env/errors.js';
import { SimEnv } from '../env/sim-env.js';
import { mkdirParents, RUN_FILES, writeFileAtomic } from './run-dir.js';
import { episodeSeeds } from './run-loop.js';
import type { RunPlan } from './run-plan.js';
import { SIMENV_VERSION } from './version.js';

/**
 * `simenv run --deploy a,b,c`: episodes of a baseline in an env that scales several
 * deployments (ApplicationEnv), logged to a run directory: config.json, step.jsonl (one flat
 * JSON object per step: the step's totals and, per deployment, columns named
 * `<namespace/name>.<field>`, so `pandas.read_json(path, lines=True)` gives one column per
 * deployment and field) and summary.json (per-episode return and components).
 */

/** Per-deployment fields of a step line, in order. */
export const APPLICATION_STEP_FIELDS = ['requested', 'applied', 'recorded', 'desired', 'ready', 'demand', 'served', 'latencyMs', 'reward'] as const;

/** Where the run's output goes. */
export interface ApplicationRunIo {
  stdout: (text: string) => void;
  stderr: { write: (text: string) => unknown };
  argv: string[];
}

function usage(err: unknown): unknown {
  if (err instanceof ConfigError || err instanceof UnknownWorkloadError) return new UsageError(err.message, err.hint ? { hint: err.hint } : undefined);
  return err;
}

/** `--call-graph NAME|FILE`: a built-in graph by name, or a JSON/YAML file of `{ graph, entries }` (validated by the env). */
export function readCallGraphFlag(value: string): unknown {
  if (value === 'dsb-social-network') return { graph: value };
  let text: string;
  try {
    text = readFileSync(value, 'utf8');
  } catch (err) {
    throw new UsageError(`--call-graph: expected dsb-social-network or a readable JSON/YAML file, got "${value}" (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return parseYaml(text);
  } catch (err) {
    throw new UsageError(`--call-graph: expected JSON or YAML in ${value}, got a syntax error: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** One step line: the step's totals and each deployment's columns. */
export function applicationStepLine(run: string, info: ApplicationStepInfo, reward: number, terminated: boolean, truncated: boolean): string {
  const rec: Record<string, unknown> = {
    run,
    episode: info.episode,
    step: info.step,
    timeS: info.timeS,
    reward,
    slo: info.reward.slo,
    cost: info.reward.cost,
    churn: info.reward.churn,
  };
  if (info.endToEnd !== null) {
    rec.e2eDemand = info.endToEnd.demand;
    rec.e2eCompleted = info.endToEnd.completed;
    rec.e2eLatencyMs = info.endToEnd.latencyMs;
  }
  for (const d of info.deployments) {
    rec[`${d.name}.requested`] = d.action.requested;
    rec[`${d.name}.applied`] = d.action.applied;
    rec[`${d.name}.recorded`] = d.recordedReplicas;
    rec[`${d.name}.desired`] = d.observation.desired;
    rec[`${d.name}.ready`] = d.observation.ready;
    rec[`${d.name}.demand`] = d.observation.demand;
    rec[`${d.name}.served`] = d.service.served;
    rec[`${d.name}.latencyMs`] = d.service.latencyMs;
    rec[`${d.name}.reward`] = d.reward.total;
  }
  rec.terminated = terminated;
  rec.truncated = truncated;
  return `${JSON.stringify(rec)}\n`;
}

/** The policy's actionMode and maxDelta, for the flags not given (policy.json only, no TensorFlow.js). */
async function policyActionDefaults(plan: RunPlan): Promise<Record<string, unknown>> {
  if (plan.agent.kind !== 'policy') return {};
  const meta = await readPolicyMetadata(resolvePolicyDir(plan.agent.dir));
  const out: Record<string, unknown> = {};
  const trained = meta.envOptions;
  if (plan.given.actionMode === undefined) out.actionMode = meta.action.mode;
  if (plan.given.maxDelta === undefined && typeof trained.maxDelta === 'number') out.maxDelta = trained.maxDelta;
  return out;
}

/** Run `plan` (whose deployment is `a,b,c`) and answer with the exit code. */
export async function executeApplicationRun(plan: RunPlan, io: ApplicationRunIo, runId: string): Promise<number> {
  if (plan.scenario !== null) throw new UsageError('--deploy: several deployments do not combine with --scenario yet; pass --trace and --deploy a,b,c');
  if (plan.backend !== 'memory') throw new UsageError('--backend: several deployments run on the memory backend only for now', { hint: 'use --backend memory' });
  const { deployment, callGraph, ...rest } = plan.envOptions;
  // A policy brings its action space (mode, max delta) unless a flag says otherwise; any other
  // mismatch is refused when it loads (checkApplicationPolicyFits names both sides).
  const trained = plan.agent.kind === 'policy' ? await policyActionDefaults(plan) : {};
  const envOptions = {
    ...rest,
    ...trained,
    deployments: String(deployment).split(','),
    ...(typeof callGraph === 'string' ? { callGraph: readCallGraphFlag(callGraph) } : {}),
  } as ApplicationOptionsInput;
  let env: ApplicationEnv;
  try {
    env = await SimEnv.create(envOptions);
  } catch (err) {
    throw usage(err);
  }
  let agent: ApplicationAgent | null = null;
  try {
    try {
      if (plan.agent.kind === 'policy') {
        agent = await loadApplicationPolicyAgent(plan.agent.dir, env.agentContext);
      } else {
        const hpa = plan.agent.hpa !== undefined ? loadHpaManifests(plan.agent.hpa.file) : undefined;
        agent = createApplicationAgent(plan.agent.name, env.agentContext, {
          seed: plan.seed,
          ...(plan.agent.target !== undefined ? { target: plan.agent.target } : {}),
          ...(hpa !== undefined ? { hpaByDeployment: hpa } : {}),
        });
      }
    } catch (err) {
      throw usage(err);
    }
    const dir = resolve(plan.out, runId);
    mkdirParents(dir);
    const seeds = plan.seeds.length >= plan.episodes ? plan.seeds : episodeSeeds(plan.seed, plan.episodes);
    const config = {
      run: runId,
      simenvVersion: SIMENV_VERSION,
      command: io.argv,
      createdAt: new Date().toISOString(),
      env: env.options,
      observationNames: env.observationNames,
      agent: agent.describe?.() ?? { agent: agent.name },
      seed: plan.seed,
      seeds: seeds.slice(0, plan.episodes),
    };
    writeFileAtomic(join(dir, RUN_FILES.config), `${JSON.stringify(config, null, 2)}\n`);
    const human = !plan.quiet && !plan.json;
    if (human) io.stdout(`[create] ${env.describe()}\n[start] run ${runId}, agent ${agent.name}, ${plan.episodes} episode(s), seed ${plan.seed}\n`);
    const stepsPath = join(dir, RUN_FILES.steps);
    const logSteps = plan.log === 'steps';
    if (logSteps) writeFileSync(stepsPath, '');
    const episodes: Array<{ episode: number; seed: number; steps: number; return: number; slo: number; cost: number; churn: number }> = [];
    for (let e = 0; e < plan.episodes; e++) {
      const seed = seeds[e]!;
      let r = env.reset({ seed });
      agent.reset?.(seed);
      const lines: string[] = logSteps ? [applicationStepLine(runId, r.info, 0, false, false)] : [];
      const sum = { episode: e, seed, steps: 0, return: 0, slo: 0, cost: 0, churn: 0 };
      for (;;) {
        const s = env.step(agent.act(r.observation, r.info));
        sum.steps++;
        sum.return += s.reward;
        sum.slo += s.info.reward.slo;
        sum.cost += s.info.reward.cost;
        sum.churn += s.info.reward.churn;
        if (logSteps) lines.push(applicationStepLine(runId, s.info, s.reward, s.terminated, s.truncated));
        r = s;
        if (s.terminated || s.truncated) break;
      }
      if (logSteps) appendFileSync(stepsPath, lines.join(''));
      episodes.push(sum);
      if (human) io.stdout(`[episode ${e}] seed ${seed}: ${sum.steps} steps, return ${sum.return.toFixed(3)} (slo ${sum.slo.toFixed(3)}, cost ${sum.cost.toFixed(3)}, churn ${sum.churn.toFixed(3)})\n`);
    }
    const summary = {
      run: runId,
      status: 'completed',
      deployments: env.options.deployments,
      episodes: episodes.length,
      meanReturn: episodes.reduce((a, x) => a + x.return, 0) / Math.max(1, episodes.length),
      perEpisode: episodes,
    };
    writeFileAtomic(join(dir, RUN_FILES.summary), `${JSON.stringify(summary, null, 2)}\n`);
    if (plan.json) io.stdout(`${JSON.stringify({ dir, ...summary }, null, 2)}\n`);
    else if (human) io.stdout(`[summary] mean return ${summary.meanReturn.toFixed(3)} over ${episodes.length} episode(s); ${dir}\n`);
    return 0;
  } finally {
    agent?.dispose?.();
    await env.close();
  }
}
