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
import { withPolicyEpisodeShape, type RunPlan } from './run-plan.js';
import { SIMENV_VERSION } from './version.js';
import { runApplicationEpisodes, type ApplicationEpisodeSummary } from './application-episodes.js';
import type { ApplicationSummaryRecord } from './records.js';
import { backendLogger } from './backend-log.js';
import type { RunIo } from './execute-run.js';
import { kubeRunLabel, shownPath } from './run-dir.js';
import { exitCodeOf, onStopSignals, type StopSignal } from './stop-signals.js';

/**
 * `simenv run --deploy a,b,c`: episodes of a baseline in an env that scales several
 * deployments (ApplicationEnv), logged to a run directory: config.json, step.jsonl (one flat
 * JSON object per step: the step's totals and, per deployment, columns named
 * `<namespace/name>.<field>`, so `pandas.read_json(path, lines=True)` gives one column per
 * deployment and field) and summary.json (ApplicationSummaryRecordSchema in records.ts: per-episode totals and each deployment's part).
 */

/** Per-deployment fields of a step line, in order. */
export const APPLICATION_STEP_FIELDS = ['requested', 'applied', 'recorded', 'desired', 'ready', 'demand', 'served', 'latencyMs', 'reward'] as const;

/** What an application run hands back once its summary is written (RunIo.onApplicationFinished). */
export interface FinishedApplicationRun {
  dir: string;
  /** The seed of every episode, in order. */
  seeds: number[];
  episodes: ApplicationEpisodeSummary[];
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

/** Per deployment, the column name `<namespace/name>.<field>` of each step field. */
type StepColumns = Array<Record<(typeof APPLICATION_STEP_FIELDS)[number], string>>;

/** The step columns of `deployments`, built once per run rather than on every step line. */
function applicationStepColumns(deployments: readonly string[]): StepColumns {
  return deployments.map((name) => Object.fromEntries(APPLICATION_STEP_FIELDS.map((f) => [f, `${name}.${f}`])) as StepColumns[number]);
}

/** One step line: the step's totals and each deployment's columns (`columns` from applicationStepColumns, in the env's deployment order). */
export function applicationStepLine(run: string, columns: StepColumns, info: ApplicationStepInfo, reward: number, terminated: boolean, truncated: boolean): string {
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
  info.deployments.forEach((d, i) => {
    const c = columns[i]!;
    rec[c.requested] = d.action.requested;
    rec[c.applied] = d.action.applied;
    rec[c.recorded] = d.recordedReplicas;
    rec[c.desired] = d.observation.desired;
    rec[c.ready] = d.observation.ready;
    rec[c.demand] = d.observation.demand;
    rec[c.served] = d.service.served;
    rec[c.latencyMs] = d.service.latencyMs;
    rec[c.reward] = d.reward.total;
  });
  rec.terminated = terminated;
  rec.truncated = truncated;
  return `${JSON.stringify(rec)}
`;
}

/** The policy's action space (mode, max delta, bounds) and episode shape, for the flags not given (policy.json only, no TensorFlow.js). */
export async function withPolicyDefaults(plan: RunPlan): Promise<RunPlan> {
  if (plan.agent.kind !== 'policy') return plan;
  const meta = await readPolicyMetadata(resolvePolicyDir(plan.agent.dir));
  const trained = meta.envOptions as { maxDelta?: unknown; minReplicas?: unknown; maxReplicas?: unknown; stepSeconds?: number; oneStep?: { durationSeconds: number } | null };
  const env: Record<string, unknown> = { ...plan.envOptions };
  if (plan.given.actionMode === undefined) env.actionMode = meta.action.mode;
  if (plan.given.maxDelta === undefined && typeof trained.maxDelta === 'number') env.maxDelta = trained.maxDelta;
  if (plan.given.minReplicas === undefined && typeof trained.minReplicas === 'number') env.minReplicas = trained.minReplicas;
  // The resolved bound is one per deployment; one value for all is what the flag can say.
  const max = Array.isArray(trained.maxReplicas) ? trained.maxReplicas : [trained.maxReplicas];
  if (plan.given.maxReplicas === undefined && typeof max[0] === 'number' && max.every((m) => m === max[0])) env.maxReplicas = max[0];
  return withPolicyEpisodeShape({ ...plan, envOptions: env }, trained);
}

/**
 * ApplicationEnv options of `plan`: its flags, on top of its scenario's options when it has
 * one (the scenario's trace, deployments, call graph, windows), the deployments as given.
 */
export function applicationEnvOptions(plan: RunPlan, runId: string): ApplicationOptionsInput {
  const { deployment: _one, scenario: _s, split: _split, callGraph, ...flags } = plan.envOptions;
  const fromScenario: Record<string, unknown> = plan.scenario !== null ? { ...plan.scenario.options } : {};
  delete fromScenario.deployment;
  const options: Record<string, unknown> = { ...fromScenario, ...flags, deployments: plan.deployment.split(',') };
  if (typeof callGraph === 'string') options.callGraph = readCallGraphFlag(callGraph);
  if (plan.backend === 'kube' && kubeRunLabel(runId) !== null) options.kube = { ...(options.kube as Record<string, unknown> | undefined), runId };
  return options as ApplicationOptionsInput;
}

/** Run `plan` (whose deployment is `a,b,c`) and answer with the exit code (130/143 when interrupted). */
export async function executeApplicationRun(planned: RunPlan, io: RunIo, runId: string): Promise<number> {
  // A policy brings its action space and step unless a flag says otherwise; any other
  // mismatch is refused when it loads (checkApplicationPolicyFits names both sides).
  const plan = await withPolicyDefaults(planned);
  const human = !plan.quiet && !plan.json;
  const backendLog = backendLogger(io.stderr, plan.quiet);
  let env: ApplicationEnv;
  try {
    env = await SimEnv.create(applicationEnvOptions(plan, runId), backendLog ? { log: backendLog } : undefined);
  } catch (err) {
    throw usage(err);
  }
  let agent: ApplicationAgent | null = null;
  let removeSignals = (): void => {};
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
    const seeds = plan.seeds.length >= plan.episodes ? plan.seeds.slice(0, plan.episodes) : episodeSeeds(plan.seed, plan.episodes);
    const config = {
      run: runId,
      simenvVersion: SIMENV_VERSION,
      command: io.argv,
      createdAt: new Date().toISOString(),
      backend: env.backendKind,
      mode: plan.mode,
      stepSeconds: plan.stepSeconds,
      durationSeconds: plan.durationSeconds,
      deployments: env.options.deployments,
      // The scenario is recorded in env, where a single-deployment run's SimEnv puts it.
      env: plan.scenario !== null ? { ...env.options, scenario: plan.scenario.record } : env.options,
      observationNames: env.observationNames,
      agent: agent.describe?.() ?? { agent: agent.name },
      seed: plan.seed,
      seeds,
      episodeSeeds: seeds,
      seedBlocks: plan.seedBlocks,
    };
    writeFileAtomic(join(dir, RUN_FILES.config), `${JSON.stringify(config, null, 2)}\n`);
    if (human) io.stdout(`[create] ${env.describe()}\n[start] run ${runId}, agent ${agent.name}, ${seeds.length} episode(s), seed ${plan.seed}\n`);
    const stepsPath = join(dir, RUN_FILES.steps);
    const logSteps = plan.log === 'steps';
    if (logSteps) writeFileSync(stepsPath, '');
    // From the first line's deployments (the reset's), so the names are the ones each line carries.
    let columns: StepColumns | null = null;
    let lines: string[] = [];
    const controller = new AbortController();
    if (io.handleSignals !== false) {
      removeSignals = onStopSignals((sig: StopSignal) => {
        if (controller.signal.aborted) {
          io.stderr.write(`simenv: ${sig} again: stopping now; ${dir}/summary.json is not written\n`);
          process.exit(exitCodeOf(sig));
        }
        controller.abort(sig);
        if (!plan.quiet) io.stderr.write(`simenv: ${sig}: finishing the current step and writing the summary (send again to stop at once)\n`);
      });
    }
    const outcome = await runApplicationEpisodes({
      env,
      agent,
      seeds,
      signal: controller.signal,
      onStep: logSteps ? (info, reward, terminated, truncated) => lines.push(applicationStepLine(runId, (columns ??= applicationStepColumns(info.deployments.map((d) => d.name))), info, reward, terminated, truncated)) : undefined,
      onEpisodeEnd: (sum) => {
        if (logSteps) appendFileSync(stepsPath, lines.join(''));
        lines = [];
        const r = sum.reward;
        if (human) io.stdout(`[episode ${sum.episode}] seed ${sum.seed}: ${sum.steps} steps, return ${r.total.toFixed(3)} (slo ${r.slo.toFixed(3)}, cost ${r.cost.toFixed(3)}, churn ${r.churn.toFixed(3)})\n`);
      },
    });
    const complete = outcome.episodes.filter((e) => e.complete);
    const signal = outcome.status === 'interrupted' && typeof controller.signal.reason === 'string' ? controller.signal.reason : null;
    const summary: ApplicationSummaryRecord = {
      run: runId,
      status: outcome.status,
      signal,
      backend: env.backendKind,
      deployments: env.options.deployments,
      episodesRequested: seeds.length,
      episodes: complete.length,
      steps: outcome.steps,
      meanReturn: complete.reduce((a, x) => a + x.reward.total, 0) / Math.max(1, complete.length),
      perEpisode: outcome.episodes,
    };
    writeFileAtomic(join(dir, RUN_FILES.summary), `${JSON.stringify(summary, null, 2)}\n`);
    io.onApplicationFinished?.({ dir, seeds, episodes: outcome.episodes });
    if (plan.json && io.printJson !== false) io.stdout(`${JSON.stringify({ dir, ...summary }, null, 2)}\n`);
    else if (human) io.stdout(`[summary] mean return ${summary.meanReturn.toFixed(3)} over ${complete.length} episode(s); ${shownPath(dir)}\n`);
    return outcome.status === 'interrupted' ? exitCodeOf(signal) : 0;
  } finally {
    removeSignals();
    agent?.dispose?.();
    await env.close();
  }
}
