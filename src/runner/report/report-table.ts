import { basename } from 'node:path';
import type { LoadedRun } from './load-run.js';
import { fmt, fmtMeanStd, fmtPercent } from '../number-format.js';
import { shortAgentLabels } from './agent-labels.js';
import { policyDirsOf } from './agent-stats.js';
import { policyName } from './load-training.js';

/**
 * The comparison table of `simenv report`: one row per run, the figures that decide between
 * agents. Rows are plain data (also printed as JSON with `--json`); `formatTable` aligns them.
 */

/** One run's row. */
export interface ReportRow {
  run: string;
  /** The agent name. */
  agent: string;
  /** The agent and the settings that set it apart from the other runs' agents (agent-labels.ts). */
  label: string;
  /** The scenario name (`--scenario`), else the trace file name (and the load file's, with `--load`). */
  scenario: string;
  /** The scenario split (`--split`), null without one. */
  split: string | null;
  deployment: string;
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

/** Where a run ran, as the report names it: scenario (or trace and load file), split, deployment. */
export function runPlace(run: LoadedRun): { scenario: string; split: string | null; deployment: string } {
  const env = run.config?.env;
  const sc = env?.scenario as { name?: unknown; split?: unknown } | undefined;
  const split = typeof sc?.split === 'string' ? sc.split : null;
  const deployment = run.config?.deployment ?? run.summary.deployment;
  if (typeof sc?.name === 'string') return { scenario: sc.name, split, deployment };
  const trace = run.config?.trace.path ?? run.summary.trace;
  const demand = env?.demand as { source?: unknown; path?: unknown } | undefined;
  const load = demand?.source === 'load' && typeof demand.path === 'string' ? ` + ${basename(demand.path)}` : '';
  return { scenario: `${trace ? basename(trace) : '(decoded trace)'}${load}`, split, deployment };
}

/** The row of a loaded run, labelled with its agent's name (`reportRows` labels runs against each other). */
export function reportRow(run: LoadedRun, label?: string): ReportRow {
  const s = run.summary;
  return {
    run: run.id,
    agent: s.agent.name,
    label: label ?? s.agent.name,
    ...runPlace(run),
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

/** The rows of `runs`, each labelled with only the agent settings that differ between them. */
export function reportRows(runs: readonly LoadedRun[]): ReportRow[] {
  const labels = shortAgentLabels(
    runs.map((r) => {
      const agent = r.config?.agent ?? r.summary.agent;
      return { name: agent.name, params: agent.params, policies: policyDirsOf([r]).map(policyName) };
    }),
  );
  return runs.map((r, i) => reportRow(r, labels[i]));
}

/** Column headers and cell text of a row, in table order. */
export function rowCells(r: ReportRow): Record<string, string> {
  return {
    run: r.run,
    agent: r.label,
    scenario: r.scenario,
    split: r.split ?? '-',
    deployment: r.deployment,
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
