import { join } from 'node:path';
import { UsageError } from '../env/errors.js';
import type { ApplicationEpisodeSummary } from './application-episodes.js';
import { withPolicyDefaults, type FinishedApplicationRun } from './application-run.js';
import { agentLabel, baselineAgentSpec } from './eval-baseline.js';
import { buildEvalRecord, evalLines, EVAL_FILE, num, signed, type DeploymentEval, type EvalRecord } from './eval-report.js';
import { bootstrapMeanCi, DEFAULT_LEVEL, DEFAULT_RESAMPLES, UnpairedEpisodesError } from './eval-stats.js';
import { executeRun, type RunIo } from './execute-run.js';
import { shownPath, writeFileAtomic } from './run-dir.js';
import { mean } from './stats.js';
import type { RunPlan } from './run-plan.js';

/**
 * `simenv eval --deploy a,b,c` (or a scenario of several deployments): the evaluation
 * protocol (docs/runs.md, "The evaluation protocol") for an application. The same seeds,
 * statistics and eval.json as one deployment's eval (eval-stats.ts, eval-report.ts): an
 * episode's reward is the sum over the deployments, and eval.json adds each deployment's part
 * (its mean reward with an interval and components, and with a baseline its paired
 * difference). The baseline is an agent run here on the same seeds (an HPA per deployment,
 * static, trace, random); an earlier run directory does not pair with an application yet.
 */

/** Run one plan of several deployments, capturing what it hands back. */
async function runCapturing(plan: RunPlan, io: RunIo): Promise<{ code: number; finished: FinishedApplicationRun | null }> {
  let finished: FinishedApplicationRun | null = null;
  const code = await executeRun(plan, {
    ...io,
    onApplicationFinished: (run) => {
      finished = run;
    },
  });
  return { code, finished };
}

/** Each deployment's mean episode reward (with its interval) and components, and its paired difference against the baseline. */
export function deploymentEvals(agent: readonly ApplicationEpisodeSummary[], baseline: readonly ApplicationEpisodeSummary[] | null, bootstrapSeed: number): { agent: DeploymentEval[]; baseline: DeploymentEval[] | null; difference: DeploymentEval[] | null } {
  const opts = { seed: bootstrapSeed, resamples: DEFAULT_RESAMPLES, level: DEFAULT_LEVEL };
  const complete = (eps: readonly ApplicationEpisodeSummary[]): ApplicationEpisodeSummary[] => eps.filter((e) => e.complete);
  const of = (eps: ApplicationEpisodeSummary[], other: ApplicationEpisodeSummary[] | null): DeploymentEval[] => {
    const names = eps[0]?.deployments.map((d) => d.name) ?? [];
    return names.map((name, i) => {
      const part = (e: ApplicationEpisodeSummary, j: number, f: 'total' | 'slo' | 'cost' | 'churn'): number => e.deployments[i]!.reward[f] - (other ? other[j]!.deployments[i]!.reward[f] : 0);
      return {
        name,
        reward: bootstrapMeanCi(eps.map((e, j) => part(e, j, 'total')), opts),
        components: { slo: mean(eps.map((e, j) => part(e, j, 'slo'))), cost: mean(eps.map((e, j) => part(e, j, 'cost'))), churn: mean(eps.map((e, j) => part(e, j, 'churn'))) },
      };
    });
  };
  const a = complete(agent);
  const b = baseline ? complete(baseline) : null;
  // buildEvalRecord has already checked that the complete episodes pair by seed.
  return { agent: of(a, null), baseline: b ? of(b, null) : null, difference: b ? of(a, b) : null };
}


/** The per-deployment `[eval]` lines: each deployment's reward and components, and its share of the difference. */
export function deploymentEvalLines(r: EvalRecord): string[] {
  const lines: string[] = [];
  const put = (who: string, ds: readonly DeploymentEval[] | undefined, show: (x: number | null) => string): void => {
    for (const d of ds ?? []) {
      const c = d.components;
      lines.push(`[eval]      ${who} ${d.name}: reward ${show(d.reward.mean)} (${show(d.reward.lo)}..${show(d.reward.hi)}) slo=${show(c.slo)} cost=${show(c.cost)} churn=${show(c.churn)}`);
    }
  };
  put(r.agent.label, r.agent.deployments, num);
  if (r.baseline) put(r.baseline.label, r.baseline.deployments, num);
  if (r.baseline && r.difference) put(`${r.agent.label} - ${r.baseline.label}`, r.difference.deployments, signed);
  return lines;
}

/** Carry out `simenv eval` of several deployments; resolves to the exit code. */
export async function executeApplicationEval(planned: RunPlan, io: RunIo): Promise<number> {
  // A policy's action space and step apply to the baseline's run too, so both act in the same env.
  const plan = await withPolicyDefaults(planned);
  const human = !plan.quiet && !plan.json;
  const say = (line: string): void => {
    if (human) io.stdout(`${line}\n`);
  };
  const spec = plan.baseline;
  if (spec?.kind === 'run') {
    throw new UsageError(`--baseline: expected a baseline agent with several deployments (hpa, hpa:FILE|DIR, static:N, trace, random), got the run directory "${spec.dir}"`, {
      hint: 'name the baseline agent: it runs here on the same seeds (e.g. --baseline hpa, or hpa:FILE|DIR with a manifest per deployment)',
    });
  }
  let baseline: FinishedApplicationRun | null = null;
  let baselineLabel = '';
  if (spec?.kind === 'agent') {
    const agent = baselineAgentSpec(spec);
    baselineLabel = agentLabel(agent);
    const b = await runCapturing({ ...plan, agent, runId: null, quiet: true, json: false, progress: false }, io);
    if (b.code !== 0 || !b.finished) return b.code;
    baseline = b.finished;
    say(`[baseline] ${baselineLabel}: ${baseline.episodes.length} episodes on the same seeds -> ${shownPath(baseline.dir)}`);
  }
  const a = await runCapturing(plan, { ...io, printJson: false });
  if (a.code !== 0 || !a.finished) return a.code;
  const run = a.finished;
  let record: EvalRecord;
  try {
    record = buildEvalRecord(
      { label: agentLabel(plan.agent), run: run.dir, episodes: run.episodes },
      baseline ? { label: baselineLabel, run: baseline.dir, episodes: baseline.episodes } : null,
      run.seeds,
      plan.seed,
    );
  } catch (err) {
    if (err instanceof UnpairedEpisodesError) throw new UsageError(`--baseline: ${err.message}`);
    throw err;
  }
  const parts = deploymentEvals(run.episodes, baseline?.episodes ?? null, plan.seed);
  record.agent.deployments = parts.agent;
  if (record.baseline && parts.baseline) record.baseline.deployments = parts.baseline;
  if (record.difference && parts.difference) record.difference.deployments = parts.difference;
  const path = join(run.dir, EVAL_FILE);
  writeFileAtomic(path, `${JSON.stringify(record, null, 2)}\n`);
  if (plan.json) io.stdout(`${JSON.stringify({ dir: run.dir, deployments: run.episodes[0]?.deployments.map((d) => d.name) ?? [], perEpisode: run.episodes, eval: record }, null, 2)}\n`);
  const lines = evalLines(record, shownPath(path));
  // Per-deployment lines go before the closing `-> eval.json` line.
  for (const line of [...lines.slice(0, -1), ...deploymentEvalLines(record), lines.at(-1)!]) say(line);
  return 0;
}
