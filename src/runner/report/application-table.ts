import { fmt, fmtMeanStd, fmtPercent } from '../number-format.js';
import { alignedTable } from './agent-format.js';
import type { LoadedApplicationRun } from './load-application-run.js';

/**
 * The per-deployment table of an application run (`simenv run --deploy a,b,c`): one row per
 * deployment, sorted by mean demand (busiest first). Figures over the episodes that took a step
 * (reset lines excluded), from two sources:
 *  - summary.json (`perEpisode[].deployments`, exact sums the env reported; source 'summary'):
 *    SLO broken = the deployment's violation seconds / the episodes' simulated seconds (the env
 *    counts a second as violating when latency is over the SLO or demand goes unmet);
 *    CPU-h/ep = the CPU-hours its pods held; slo/cost/churn/reward per episode = its reward
 *    components. Runs whose summary is present and readable use these.
 *  - step.jsonl (the columns `<ns/name>.<field>`; source 'steps'), the fallback for a run killed
 *    before its summary: SLO steps = share of steps whose window-mean latency (`latencyMs`) is
 *    above the SLO, a lower bound of the share of steps the env counts as violating (the column
 *    does not say whether some instant was over or demand went unmet); replica-h/ep = ready replicas x step length
 *    (CPU-seconds are not in step.jsonl); reward/ep from the `reward` column; the components
 *    are not in step.jsonl per deployment.
 * Either way, from step.jsonl when it is there: demand and ready replicas at step ends (mean and
 * peak) and changes/ep = replicas added or removed per episode, sum |applied - previous desired|
 * (what the env's churn penalty counts). Without step.jsonl the means come from the summary.
 */

/** One deployment's row; a figure its source does not give is null. */
export interface DeploymentRow {
  deployment: string;
  /** Where the SLO, cost and reward figures come from: summary.json (exact) or step.jsonl (approximations). */
  source: 'summary' | 'steps';
  /** After-step lines in step.jsonl (0 without it). */
  steps: number;
  /** Episodes the per-episode figures are over. */
  episodes: number;
  demandMean: number | null;
  demandPeak: number | null;
  readyMean: number | null;
  readyPeak: number | null;
  /** summary: share of simulated time the deployment broke its SLO. */
  sloBrokenShare: number | null;
  /** summary: seconds per episode the deployment broke its SLO. */
  violationSecondsPerEpisode: number | null;
  /** summary: CPU-hours its pods held, per episode. */
  cpuHoursPerEpisode: number | null;
  /** steps: share of steps with window-mean latency above the SLO (null without an SLO in config.json). */
  sloStepRate: number | null;
  /** steps: ready replicas x step length, hours per episode. */
  replicaHoursPerEpisode: number | null;
  changesPerEpisode: number | null;
  /** summary: the deployment's reward components per episode. */
  sloPerEpisode: number | null;
  costPerEpisode: number | null;
  churnPerEpisode: number | null;
  rewardPerEpisode: number | null;
}

/** Sums over step.jsonl's after-step lines of one deployment. */
function stepFigures(run: LoadedApplicationRun, d: string) {
  const { episode, step } = run.steps;
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
  return { n, demandSum, demandPeak, readySum, readyPeak, overSlo, changes, reward };
}

/** The run's figures per deployment, busiest (highest mean demand) first. */
export function deploymentRows(run: LoadedApplicationRun): DeploymentRow[] {
  const stepEpisodes = new Set<number>();
  for (let i = 0; i < run.steps.step.length; i++) if (run.steps.step[i]! > 0) stepEpisodes.add(run.steps.episode[i]!);
  const summaryEpisodes = run.summary?.perEpisode.filter((e) => e.steps > 0) ?? null;
  const source: DeploymentRow['source'] = summaryEpisodes !== null ? 'summary' : 'steps';
  const nEp = summaryEpisodes?.length ?? stepEpisodes.size;
  const perEp = (x: number): number | null => (nEp > 0 && Number.isFinite(x) ? x / nEp : null);
  const simSeconds = summaryEpisodes?.reduce((s, e) => s + e.simSeconds, 0) ?? 0;
  const summarySteps = summaryEpisodes?.reduce((s, e) => s + e.steps, 0) ?? 0;
  const rows: DeploymentRow[] = run.deployments.map((d, di) => {
    const s = stepFigures(run, d);
    const finite = (x: number): number | null => (s.n > 0 && Number.isFinite(x) ? x : null);
    const row: DeploymentRow = {
      deployment: d,
      source,
      steps: s.n,
      episodes: nEp,
      demandMean: finite(s.demandSum / s.n),
      demandPeak: finite(s.demandPeak),
      readyMean: finite(s.readySum / s.n),
      readyPeak: finite(s.readyPeak),
      sloBrokenShare: null,
      violationSecondsPerEpisode: null,
      cpuHoursPerEpisode: null,
      sloStepRate: null,
      replicaHoursPerEpisode: null,
      changesPerEpisode: s.n > 0 && stepEpisodes.size > 0 ? s.changes / stepEpisodes.size : null,
      sloPerEpisode: null,
      costPerEpisode: null,
      churnPerEpisode: null,
      rewardPerEpisode: null,
    };
    if (summaryEpisodes === null) {
      row.sloStepRate = run.sloLatencyMs === null || s.n === 0 ? null : s.overSlo / s.n;
      row.replicaHoursPerEpisode = run.stepSeconds === null || s.n === 0 ? null : perEp((s.readySum * run.stepSeconds) / 3600);
      row.rewardPerEpisode = s.n === 0 ? null : perEp(s.reward);
      return row;
    }
    // summary.json lists the deployments in the run's order; match by name all the same.
    const parts = summaryEpisodes.map((e) => e.deployments.find((p) => p.name === d) ?? e.deployments[di]!);
    const sum = (f: (p: (typeof parts)[number]) => number): number => parts.reduce((a, p) => a + f(p), 0);
    row.sloBrokenShare = simSeconds > 0 ? sum((p) => p.violationSeconds) / simSeconds : null;
    row.violationSecondsPerEpisode = perEp(sum((p) => p.violationSeconds));
    row.cpuHoursPerEpisode = perEp(sum((p) => p.cpuSeconds) / 3600);
    row.sloPerEpisode = perEp(sum((p) => p.reward.slo));
    row.costPerEpisode = perEp(sum((p) => p.reward.cost));
    row.churnPerEpisode = perEp(sum((p) => p.reward.churn));
    row.rewardPerEpisode = perEp(sum((p) => p.reward.total));
    if (s.n === 0 && summarySteps > 0) {
      // No step.jsonl: the step-weighted means of the summary's per-episode means.
      row.demandMean = summaryEpisodes.reduce((a, e, i) => a + parts[i]!.meanDemand * e.steps, 0) / summarySteps;
      row.readyMean = summaryEpisodes.reduce((a, e, i) => a + parts[i]!.meanReady * e.steps, 0) / summarySteps;
    }
    return row;
  });
  // Busiest first; ties (and NaN) keep the run's order.
  return rows.sort((a, b) => (b.demandMean ?? -Infinity) - (a.demandMean ?? -Infinity));
}

/** Column headers and cell text of a row, in table order (the columns depend on the row's source). */
export function deploymentCells(r: DeploymentRow): Record<string, string> {
  const head = {
    deployment: r.deployment,
    'demand mean': fmt(r.demandMean, 4),
    'demand peak': fmt(r.demandPeak, 4),
    'ready mean': fmt(r.readyMean, 3),
    'ready peak': fmt(r.readyPeak, 3),
  };
  if (r.source === 'steps') {
    return {
      ...head,
      'SLO steps*': fmtPercent(r.sloStepRate),
      'replica-h/ep*': fmt(r.replicaHoursPerEpisode, 3),
      'changes/ep': fmt(r.changesPerEpisode, 3),
      'reward/ep': fmt(r.rewardPerEpisode, 4),
    };
  }
  return {
    ...head,
    'SLO broken': fmtPercent(r.sloBrokenShare),
    'CPU-h/ep': fmt(r.cpuHoursPerEpisode, 3),
    'changes/ep': fmt(r.changesPerEpisode, 3),
    'slo/ep': fmt(r.sloPerEpisode, 4),
    'cost/ep': fmt(r.costPerEpisode, 4),
    'churn/ep': fmt(r.churnPerEpisode, 4),
    'reward/ep': fmt(r.rewardPerEpisode, 4),
  };
}

/** The run's totals over its complete episodes: mean ± std of the return and the mean components. */
export function applicationTotals(run: LoadedApplicationRun): { episodes: number; rewardMean: number | null; rewardStd: number | null; slo: number | null; cost: number | null; churn: number | null } {
  const eps = run.episodes.filter((e) => e.complete);
  const n = eps.length;
  const mean = (f: (e: (typeof eps)[number]) => number): number | null => (n === 0 ? null : eps.reduce((s, e) => s + f(e), 0) / n);
  const m = mean((e) => e.reward.total);
  const std = n < 2 || m === null ? null : Math.sqrt(eps.reduce((s, e) => s + (e.reward.total - m) ** 2, 0) / (n - 1));
  return { episodes: n, rewardMean: m, rewardStd: std, slo: mean((e) => e.reward.slo), cost: mean((e) => e.reward.cost), churn: mean((e) => e.reward.churn) };
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

/** The note under a run's table: what the columns mean, and which source they come from. */
export function deploymentTableNote(source: DeploymentRow['source']): string {
  const common = 'per deployment, busiest first: demand (req/s) and ready replicas at step ends; changes/ep = replicas added or removed';
  if (source === 'summary') {
    return `${common};\nfrom summary.json (exact): SLO broken = share of time the deployment broke its SLO; CPU-h/ep = CPU-hours its pods held;\nslo/cost/churn/reward per episode = its reward components (reward/ep is its share of the return)`;
  }
  return `${common};\n* from step.jsonl (no summary.json with per-deployment figures: the run was cut short): SLO steps = steps whose mean latency\nis above the SLO (a lower bound of the share of steps the env counts as violating); replica-h/ep = ready replicas x step length;\nreward/ep = its share of the return`;
}

const TEXT_COLUMNS = new Set(['deployment']);

/** The text report of application runs: per run, its headline and its per-deployment table. */
export function formatApplicationReport(runs: readonly LoadedApplicationRun[]): string {
  return runs
    .map((run) => {
      const rows = deploymentRows(run);
      if (rows.length === 0 || (run.steps.step.length === 0 && run.summary === null)) return `${applicationHeadline(run)}\n(no step records and no summary: run with --log steps for the per-deployment table)`;
      return `${applicationHeadline(run)}\n${deploymentTableNote(rows[0]!.source)}\n${alignedTable(rows.map(deploymentCells), TEXT_COLUMNS)}`;
    })
    .join('\n\n');
}
