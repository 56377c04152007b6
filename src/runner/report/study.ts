import type { EvalRecord } from '../eval-report.js';
import { groupByAgent, type AgentReport } from './agent-grouping.js';
import { findReportDirs } from './find-dirs.js';
import { deploymentRows, applicationTotals, type DeploymentRow } from './application-table.js';
import { applicationDeployments, loadApplicationRun, type LoadedApplicationRun } from './load-application-run.js';
import { loadEvalRecord } from './load-eval.js';
import { loadRun, type LoadedRun } from './load-run.js';
import { loadTraining, policyName, type LoadedTraining } from './load-training.js';
import { reportRows, runPlace, type ReportRow } from './report-table.js';

/**
 * A study as `simenv report` sees it: every run directory (with its eval.json, if `simenv eval`
 * wrote one) and every training directory below the paths given, and the tables made of them.
 * The same tables are the text report, `--json` and the HTML page.
 */

export interface Study {
  runs: LoadedRun[];
  /** eval.json by run directory (absolute). */
  evals: Map<string, EvalRecord>;
  trainings: LoadedTraining[];
  /** Application runs (`simenv run --deploy a,b,c`): their own tables, per deployment (application-table.ts). */
  applications: LoadedApplicationRun[];
}

/** Find and load what `dirs` stand for (find-dirs.ts). */
export function loadStudy(dirs: readonly string[], opts: { withSteps?: boolean } = {}): Study {
  const found = findReportDirs(dirs);
  const runs: LoadedRun[] = [];
  const applications: LoadedApplicationRun[] = [];
  for (const d of found.runs) {
    const deployments = applicationDeployments(d);
    if (deployments) applications.push(loadApplicationRun(d, deployments));
    else runs.push(loadRun(d, { withSteps: opts.withSteps === true }));
  }
  const evals = new Map<string, EvalRecord>();
  for (const r of runs) {
    const e = loadEvalRecord(r);
    if (e) evals.set(r.dir, e);
  }
  return { runs, evals, trainings: found.trainings.map(loadTraining), applications };
}

/** A paired difference of an eval (eval.json `difference`): the agent minus its baseline, episode by episode on the same seeds. */
export interface DifferenceRow {
  run: string;
  dir: string;
  scenario: string;
  split: string | null;
  deployment: string;
  agent: string;
  baseline: string;
  baselineRun: string;
  pairs: number;
  /** Confidence level of the intervals (0.95). */
  level: number;
  /** Mean of (agent - baseline) episode reward and its bootstrap interval; > 0: the agent is better. */
  reward: { mean: number | null; lo: number | null; hi: number | null };
  components: { slo: number | null; cost: number | null; churn: number | null };
  wins: number;
  losses: number;
  ties: number;
  /** The agent's and the baseline's own mean episode reward with their intervals. */
  agentReward: { mean: number | null; lo: number | null; hi: number | null };
  baselineReward: { mean: number | null; lo: number | null; hi: number | null };
}

/** An eval label with its policy path shortened: `policy(runs/train/ppo-1/policy)` -> `policy(ppo-1)`. */
export function shortEvalLabel(label: string): string {
  return label.replace(/^policy\((.*)\)$/, (_, dir: string) => `policy(${policyName(dir)})`);
}

/** The paired differences of the study's evals, in run order. */
export function differenceRows(study: Study): DifferenceRow[] {
  const out: DifferenceRow[] = [];
  for (const r of study.runs) {
    const e = study.evals.get(r.dir);
    if (!e?.difference || !e.baseline) continue;
    const ci = (m: { mean: number | null; lo: number | null; hi: number | null }) => ({ mean: m.mean, lo: m.lo, hi: m.hi });
    out.push({
      run: r.id,
      dir: r.dir,
      ...runPlace(r),
      agent: shortEvalLabel(e.agent.label),
      baseline: shortEvalLabel(e.baseline.label),
      baselineRun: e.baseline.run,
      pairs: e.difference.pairs,
      level: e.bootstrap.level,
      reward: ci(e.difference.reward),
      components: e.difference.components,
      wins: e.difference.wins,
      losses: e.difference.losses,
      ties: e.difference.ties,
      agentReward: ci(e.agent.reward),
      baselineReward: ci(e.baseline.reward),
    });
  }
  return out;
}

/** One training directory's row. */
export interface TrainingRow {
  training: string;
  dir: string;
  agent: string;
  status: string;
  scenario: string | null;
  split: string | null;
  seed: number | null;
  steps: number | null;
  stepsPlanned: number | null;
  updates: number | null;
  episodes: number | null;
  stepsPerSecond: number | null;
  /** Mean return of the last (up to) 20 training episodes. */
  finalEpisodeReward: number | null;
  policyDir: string | null;
  /** train.jsonl lines (the learning curve's points). */
  logLines: number;
}

export function trainingRows(study: Study): TrainingRow[] {
  return study.trainings.map((t) => {
    const last = t.log[t.log.length - 1];
    return {
      training: t.id,
      dir: t.dir,
      agent: t.config?.agent ?? t.summary?.agent ?? '?',
      status: t.status,
      scenario: t.scenario,
      split: t.split,
      seed: t.config?.seed ?? null,
      steps: t.summary?.steps ?? last?.step ?? null,
      stepsPlanned: t.config?.steps ?? null,
      updates: t.summary?.updates ?? last?.update ?? null,
      episodes: t.summary?.episodes ?? last?.episodes ?? null,
      stepsPerSecond: t.summary?.stepsPerSecond ?? last?.stepsPerSecond ?? null,
      finalEpisodeReward: t.summary?.finalEpisodeReward ?? null,
      policyDir: t.summary?.policyDir ?? null,
      logLines: t.log.length,
    };
  });
}

/** `simenv report --json`: every table, whatever `--by` says (it only picks the text table). */
export interface StudyJson {
  by: 'run' | 'agent';
  runs: ReportRow[];
  scenarios: AgentReport['scenarios'];
  std: AgentReport['std'];
  differences: DifferenceRow[];
  trainings: TrainingRow[];
  /** Application runs: totals and one row per deployment (application-table.ts). */
  applications: ApplicationJson[];
  html: string | null;
}

/** An application run in `--json`. */
export interface ApplicationJson {
  run: string;
  dir: string;
  agent: string;
  status: string;
  deployments: string[];
  totals: ReturnType<typeof applicationTotals>;
  perDeployment: DeploymentRow[];
}

export function studyJson(study: Study, by: 'run' | 'agent', html: string | null): StudyJson {
  const agents = groupByAgent(study.runs);
  return { by, runs: reportRows(study.runs), scenarios: agents.scenarios, std: agents.std, differences: differenceRows(study), trainings: trainingRows(study), applications: study.applications.map((a) => ({ run: a.id, dir: a.dir, agent: a.agent, status: a.status, deployments: a.deployments, totals: applicationTotals(a), perDeployment: deploymentRows(a) })), html };
}
