import { join } from 'node:path';
import { UsageError } from '../env/errors.js';
import { readPolicyInfo } from '../agents/registry.js';
import { agentLabel, baselineAgentSpec, loadBaselineRun, type BaselineRun } from './eval-baseline.js';
import { buildEvalRecord, evalLines, EVAL_FILE, type EvaluatedAgent } from './eval-report.js';
import { UnpairedEpisodesError } from './eval-stats.js';
import { executeRun, type RunIo } from './execute-run.js';
import { executeApplicationEval } from './application-eval.js';
import { fileSha256 } from './record-run.js';
import type { RunConfigRecord, SummaryRecord } from './records.js';
import { shownPath, writeFileAtomic } from './run-dir.js';
import { applyPolicyDefaults, type RunPlan } from './run-plan.js';

/**
 * `simenv eval`: the evaluation protocol (docs/runs.md, "Evaluation"). The agent runs on the
 * plan's episode seeds into its own run directory as before; with `--baseline`, a baseline
 * agent runs first on the very same seeds into a run directory of its own (or an earlier eval
 * run is read); then eval.json, in the agent's run directory, gives each agent's mean episode
 * reward with a bootstrap interval, its components, the paired differences against the
 * baseline, and the seeds whose episodes came out identical.
 */

/** What a finished run hands back to the eval (RunIo.onFinished). */
interface Finished {
  dir: string;
  summary: SummaryRecord;
  config: RunConfigRecord;
}

/** Run one plan, capturing its run directory and summary. */
async function runCapturing(plan: RunPlan, io: RunIo): Promise<{ code: number; finished: Finished | null }> {
  let finished: Finished | null = null;
  const code = await executeRun(plan, {
    ...io,
    onFinished: (dir, summary, config) => {
      finished = { dir, summary, config };
    },
  });
  return { code, finished };
}

/** The first key (dotted path) where two JSON values differ, or null. */
function firstDifference(a: unknown, b: unknown, path = ''): string | null {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of [...keys].sort()) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      if (d !== null) return d;
    }
    return null;
  }
  return Object.is(a, b) ? null : path || '(value)';
}

function valueAt(x: unknown, path: string): string {
  const v = path.split('.').reduce<unknown>((o, k) => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined), x);
  return JSON.stringify(v) ?? 'unset';
}

/**
 * An earlier run pairs only if its env was this eval's env (SimEnv's resolved options, the
 * run seed aside): a different replica range, say, changes the episodes before any action.
 * Known only once this eval's env exists, so checked after its run (whose directory stays).
 */
function checkSameEnv(baseline: BaselineRun, config: RunConfigRecord): void {
  const c = baseline.config;
  const diff = firstDifference({ ...c.env, seed: null }, { ...config.env, seed: null }) ?? (c.mode !== config.mode ? 'mode' : c.stepSeconds !== config.stepSeconds ? 'stepSeconds' : null);
  if (diff === null) return;
  const ours = diff === 'mode' || diff === 'stepSeconds' ? JSON.stringify(config[diff]) : valueAt(config.env, diff);
  const theirs = diff === 'mode' || diff === 'stepSeconds' ? JSON.stringify(c[diff]) : valueAt(c.env, diff);
  throw new UsageError(`--baseline: expected a run in the same env as this eval (${diff} ${ours}), got ${diff} ${theirs} in ${baseline.dir}`, {
    hint: `episodes pair only in the same env: give this eval the baseline's flags, or name a baseline agent to run it here (this eval's run ${config.run} is kept)`,
  });
}

/** Carry out `simenv eval`; resolves to the exit code. */
export async function executeEval(planned: RunPlan, io: RunIo): Promise<number> {
  // Several deployments (an application): the same protocol over ApplicationEnv runs.
  if (planned.deployment.includes(',')) return executeApplicationEval(planned, io);
  let plan = planned;
  // A policy's env defaults (action space, bounds, step) apply to the baseline's run too, so
  // both act in the same env. Applying them again inside executeRun changes nothing.
  if (plan.agent.kind === 'policy' && plan.baseline) plan = applyPolicyDefaults(plan, await readPolicyInfo(plan.agent.dir));
  const human = !plan.quiet && !plan.json;
  const say = (line: string): void => {
    if (human) io.stdout(`${line}\n`);
  };

  let baselineAgent: EvaluatedAgent | null = null;
  let baselineRun: BaselineRun | null = null;
  const spec = plan.baseline;
  if (spec?.kind === 'run') {
    let traceSha256 = '';
    try {
      traceSha256 = fileSha256(plan.tracePath).sha256;
    } catch {
      // executeRun reports the missing trace as the usage error it is
    }
    if (traceSha256) {
      baselineRun = loadBaselineRun(spec.dir, {
        seeds: plan.seeds,
        deployment: plan.deployment,
        traceSha256,
        mode: plan.mode,
        stepSeconds: plan.stepSeconds,
        durationSeconds: plan.durationSeconds,
      });
      baselineAgent = { label: baselineRun.label, run: baselineRun.dir, episodes: baselineRun.summary.perEpisode };
    }
  } else if (spec?.kind === 'agent') {
    const agent = baselineAgentSpec(spec);
    const label = agentLabel(agent);
    const b = await runCapturing({ ...plan, agent, runId: null, quiet: true, json: false, progress: false }, io);
    if (b.code !== 0 || !b.finished) return b.code;
    baselineAgent = { label, run: b.finished.dir, episodes: b.finished.summary.perEpisode };
    say(`[baseline] ${label}: ${b.finished.summary.episodes} episodes on the same seeds -> ${shownPath(b.finished.dir)}`);
  }

  const a = await runCapturing(plan, { ...io, printJson: false });
  if (a.code !== 0 || !a.finished) return a.code;
  const { dir, summary, config } = a.finished;
  if (baselineRun) checkSameEnv(baselineRun, config);
  let record;
  try {
    record = buildEvalRecord({ label: agentLabel(plan.agent), run: dir, episodes: summary.perEpisode }, baselineAgent, config.episodeSeeds, plan.seed);
  } catch (err) {
    if (err instanceof UnpairedEpisodesError) throw new UsageError(`--baseline: ${err.message}`);
    throw err;
  }
  const path = join(dir, EVAL_FILE);
  writeFileAtomic(path, `${JSON.stringify(record, null, 2)}\n`);
  if (plan.json) io.stdout(`${JSON.stringify({ dir, ...summary, eval: record }, null, 2)}\n`);
  for (const line of evalLines(record, shownPath(path))) say(line);
  return 0;
}
