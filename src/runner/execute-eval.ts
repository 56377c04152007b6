import { relative, join } from 'node:path';
import { UsageError } from '../env/errors.js';
import { readPolicyInfo } from '../agents/registry.js';
import { agentLabel, loadBaselineRun, type BaselineRun } from './eval-baseline.js';
import { buildEvalRecord, evalLines, EVAL_FILE, type EvaluatedAgent } from './eval-report.js';
import { UnpairedEpisodesError } from './eval-stats.js';
import { executeRun, type RunIo } from './execute-run.js';
import { fileSha256 } from './record-run.js';
import type { RunConfigRecord, SummaryRecord } from './records.js';
import { writeFileAtomic } from './run-dir.js';
import { applyPolicyDefaults, type AgentSpec, type RunPlan } from './run-plan.js';

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

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && rel.length < path.length ? rel : path;
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

/** Carry out `simenv eval`; resolves to the exit code. */
export async function executeEval(planned: RunPlan, io: RunIo): Promise<number> {
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
    const agent: AgentSpec = {
      kind: 'baseline',
      name: spec.name,
      ...(spec.target !== undefined ? { target: spec.target } : {}),
      ...(spec.hpa ? { hpa: spec.hpa } : {}),
    };
    const label = agentLabel(agent);
    const b = await runCapturing({ ...plan, agent, runId: null, quiet: true, json: false, progress: false }, io);
    if (b.code !== 0 || !b.finished) return b.code;
    baselineAgent = { label, run: b.finished.dir, episodes: b.finished.summary.perEpisode };
    say(`[baseline] ${label}: ${b.finished.summary.episodes} episodes on the same seeds -> ${shown(b.finished.dir)}`);
  }

  const a = await runCapturing(plan, { ...io, printJson: false });
  if (a.code !== 0 || !a.finished) return a.code;
  const { dir, summary, config } = a.finished;
  if (baselineRun) {
    const c = baselineRun.config;
    if (c.mode !== config.mode || c.stepSeconds !== config.stepSeconds || c.durationSeconds !== config.durationSeconds) {
      throw new UsageError(`--baseline: expected a run with the same episode shape as this eval (${config.mode}, step ${config.stepSeconds} s), got ${c.mode}, step ${c.stepSeconds} s in ${baselineRun.dir}`);
    }
  }
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
  for (const line of evalLines(record, shown(path))) say(line);
  return 0;
}
