import { fmt, fmtMeanStd, fmtPercent } from '../number-format.js';
import { alignedTable } from './agent-format.js';
import type { LoadedApplicationRun } from './load-application-run.js';

/**
 * The per-deployment table of an application run (`simenv run --deploy a,b,c`): one row per
 * deployment, computed from the step.jsonl columns `<ns/name>.<field>`, sorted by mean demand
 * (busiest first). Figures over the after-step lines of every episode (reset lines excluded):
 *  - demand mean / peak: the `demand` column (requests/s seen at the step's end);
 *  - ready mean / peak: ready replicas at step ends;
 *  - SLO steps: share of steps whose window-mean latency (`latencyMs`) is above the SLO
 *    (`env.service.sloLatencyMs`). The env counts a window as violating when any instant is
 *    over (or demand goes unmet), which step.jsonl does not record per deployment, so this
 *    is a lower bound of the env's violation rate;
 *  - replica-h/ep: ready replicas x step length, hours per episode (the cost side; CPU-seconds
 *    per deployment are not in step.jsonl);
 *  - changes/ep: replicas added or removed per episode, sum |applied - previous desired| (what
 *    the env's churn penalty counts);
 *  - reward/ep: the deployment's own reward (`reward` column) summed per episode.
 */

/** One deployment's row. */
export interface DeploymentRow {
  deployment: string;
  /** After-step lines the figures are over. */
  steps: number;
  episodes: number;
  demandMean: number | null;
  demandPeak: number | null;
  readyMean: number | null;
  readyPeak: number | null;
  /** Share of steps with window-mean latency above the SLO (null without an SLO in config.json). */
  sloStepRate: number | null;
  replicaHoursPerEpisode: number | null;
  changesPerEpisode: number | null;
  rewardPerEpisode: number | null;
}

/** The run's figures per deployment, busiest (highest mean demand) first. */
export function deploymentRows(run: LoadedApplicationRun): DeploymentRow[] {
  const { episode, step } = run.steps;
  const episodes = new Set<number>();
  for (let i = 0; i < step.length; i++) if (step[i]! > 0) episodes.add(episode[i]!);
  const nEp = episodes.size;
  const perEp = (x: number, n: number): number | null => (n > 0 && nEp > 0 ? x / nEp : null);
  const rows: DeploymentRow[] = [];
  for (const d of run.deployments) {
    const c = run.columns.get(d)!;
    let n = 0;
    let demandSum = 0;
    let demandPeak = -Infinity;
    let readySum = 0;
    let readyPeak = -Infinity;
    let overSlo = 0;
    let changes = 0;
    let reward = 0;
    for (let i = 0; i < step.length; i++) {
      if (step[i]! === 0) continue;
      n++;
      const demand = c.demand[i]!;
      const ready = c.ready[i]!;
      demandSum += demand;
      demandPeak = Math.max(demandPeak, demand);
      readySum += ready;
      readyPeak = Math.max(readyPeak, ready);
      if (run.sloLatencyMs !== null && c.latencyMs[i]! > run.sloLatencyMs) overSlo++;
      // The line before is this episode's previous step (or its reset line): the change this step's action made.
      if (i > 0 && episode[i - 1] === episode[i]) changes += Math.abs(c.applied[i]! - c.desired[i - 1]!);
      reward += c.reward[i]!;
    }
    const finite = (x: number): number | null => (n > 0 && Number.isFinite(x) ? x : null);
    rows.push({
      deployment: d,
      steps: n,
      episodes: nEp,
      demandMean: finite(demandSum / n),
      demandPeak: finite(demandPeak),
      readyMean: finite(readySum / n),
      readyPeak: finite(readyPeak),
      sloStepRate: run.sloLatencyMs === null || n === 0 ? null : overSlo / n,
      replicaHoursPerEpisode: run.stepSeconds === null ? null : perEp((readySum * run.stepSeconds) / 3600, n),
      changesPerEpisode: perEp(changes, n),
      rewardPerEpisode: perEp(reward, n),
    });
  }
  // Busiest first; ties (and NaN) keep the run's order.
  return rows.sort((a, b) => (b.demandMean ?? -Infinity) - (a.demandMean ?? -Infinity));
}

/** Column headers and cell text of a row, in table order. */
export function deploymentCells(r: DeploymentRow): Record<string, string> {
  return {
    deployment: r.deployment,
    'demand mean': fmt(r.demandMean, 4),
    'demand peak': fmt(r.demandPeak, 4),
    'ready mean': fmt(r.readyMean, 3),
    'ready peak': fmt(r.readyPeak, 3),
    'SLO steps': fmtPercent(r.sloStepRate),
    'replica-h/ep': fmt(r.replicaHoursPerEpisode, 3),
    'changes/ep': fmt(r.changesPerEpisode, 3),
    'reward/ep': fmt(r.rewardPerEpisode, 4),
  };
}

/** The run's totals over its episodes: mean ± std of the return and the mean components. */
export function applicationTotals(run: LoadedApplicationRun): { episodes: number; rewardMean: number | null; rewardStd: number | null; slo: number | null; cost: number | null; churn: number | null } {
  const eps = run.episodes.filter((e) => e.complete);
  const n = eps.length;
  const mean = (f: (e: (typeof eps)[number]) => number): number | null => (n === 0 ? null : eps.reduce((s, e) => s + f(e), 0) / n);
  const m = mean((e) => e.return);
  const std = n < 2 || m === null ? null : Math.sqrt(eps.reduce((s, e) => s + (e.return - m) ** 2, 0) / (n - 1));
  return { episodes: n, rewardMean: m, rewardStd: std, slo: mean((e) => e.slo), cost: mean((e) => e.cost), churn: mean((e) => e.churn) };
}

/** The line that heads a run's table. */
export function applicationHeadline(run: LoadedApplicationRun): string {
  const t = applicationTotals(run);
  const requested = run.episodesRequested === null ? '' : `/${run.episodesRequested}`;
  return (
    `application run ${run.id} (${run.status}): agent ${run.agent}, ${run.deployments.length} deployments, ${t.episodes}${requested} episodes, ` +
    `return ${fmtMeanStd(t.rewardMean, t.rewardStd)} per episode (slo ${fmt(t.slo, 4)}, cost ${fmt(t.cost, 4)}, churn ${fmt(t.churn, 4)})`
  );
}

const NOTE = [
  'per deployment, busiest first, over all steps: demand (req/s) and ready replicas at step ends; SLO steps = steps whose mean',
  "latency is above the SLO (a lower bound of the env's violation rate); replica-h/ep = ready replicas x step length;",
  "changes/ep = replicas added or removed; reward/ep = the deployment's share of the return",
].join('\n');

const TEXT_COLUMNS = new Set(['deployment']);

/** The text report of application runs: per run, its headline and its per-deployment table. */
export function formatApplicationReport(runs: readonly LoadedApplicationRun[]): string {
  return runs
    .map((run) => {
      const cells = deploymentRows(run).map(deploymentCells);
      if (cells.length === 0 || run.steps.step.length === 0) return `${applicationHeadline(run)}\n(no step records: run with --log steps for the per-deployment table)`;
      return `${applicationHeadline(run)}\n${NOTE}\n${alignedTable(cells, TEXT_COLUMNS)}`;
    })
    .join('\n\n');
}
