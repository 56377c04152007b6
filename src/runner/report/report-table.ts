import type { LoadedRun } from './load-run.js';
import { fmt, fmtMeanStd, fmtPercent } from '../number-format.js';

/**
 * The comparison table of `simenv report`: one row per run, the figures that decide between
 * agents. Rows are plain data (also printed as JSON with `--json`); `formatTable` aligns them.
 */

/** One run's row. */
export interface ReportRow {
  run: string;
  agent: string;
  status: string;
  backend: string;
  episodes: number;
  steps: number;
  rewardMean: number | null;
  rewardStd: number | null;
  sloViolationRate: number | null;
  /** CPU-hours held by the controlled deployment over the run. */
  cpuHours: number;
  /** Replica changes per episode. */
  churn: number | null;
  stepsPerSecond: number | null;
}

/** The row of a loaded run. */
export function reportRow(run: LoadedRun): ReportRow {
  const s = run.summary;
  return {
    run: run.id,
    agent: s.agent.name,
    status: s.status,
    backend: s.backend,
    episodes: s.episodes,
    steps: s.steps,
    rewardMean: s.reward.mean,
    rewardStd: s.reward.std,
    sloViolationRate: s.slo.violationRate,
    cpuHours: s.cost.cpuHours,
    churn: s.churn.perEpisode,
    stepsPerSecond: s.stepsPerSecond,
  };
}

/** Column headers and cell text of a row, in table order. */
export function rowCells(r: ReportRow): Record<string, string> {
  return {
    run: r.run,
    agent: r.agent,
    status: r.status,
    episodes: String(r.episodes),
    'reward (mean ± std)': fmtMeanStd(r.rewardMean, r.rewardStd),
    'SLO viol.': fmtPercent(r.sloViolationRate),
    'cost (CPU-h)': fmt(r.cpuHours, 3),
    'churn/ep': fmt(r.churn, 3),
    'steps/s': r.stepsPerSecond === null ? '-' : r.stepsPerSecond >= 100 ? r.stepsPerSecond.toFixed(0) : fmt(r.stepsPerSecond, 3),
  };
}

const NUMERIC = new Set(['episodes', 'reward (mean ± std)', 'SLO viol.', 'cost (CPU-h)', 'churn/ep', 'steps/s']);

/** The first line of the default text output: which grouping (the other is `--by agent`). */
export const RUN_REPORT_HEADER = 'grouped by run (--by run): one row per run; reward = mean ± sample std (n-1) over its complete episodes; --by agent pools runs per agent over seeds';

/** Align rows as a plain-text table (numbers right-aligned). */
export function formatTable(rows: readonly ReportRow[]): string {
  if (rows.length === 0) return '(no runs)';
  const cells = rows.map(rowCells);
  const headers = Object.keys(cells[0]!);
  const widths = headers.map((h) => Math.max(h.length, ...cells.map((c) => c[h]!.length)));
  const pad = (text: string, i: number): string => (NUMERIC.has(headers[i]!) ? text.padStart(widths[i]!) : text.padEnd(widths[i]!));
  const lines = [
    headers.map((h, i) => pad(h, i)).join('  '),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.map((c) => headers.map((h, i) => pad(c[h]!, i)).join('  ')),
  ];
  return lines.map((l) => l.trimEnd()).join('\n');
}
