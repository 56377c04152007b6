import { fmt, fmtMeanStd } from '../number-format.js';
import { applicationTotals, deploymentCells, deploymentRows, deploymentTableNote, type DeploymentRow } from './application-table.js';
import type { LoadedApplicationRun } from './load-application-run.js';
import { renderRowChart } from './row-chart.js';
import { escapeXml as esc, renderChart } from './svg-chart.js';

/**
 * The HTML section of an application run (`simenv run --deploy a,b,c`): its totals, the
 * per-deployment table (application-table.ts), each deployment's reward per episode as a row
 * chart, and small multiples of ready replicas against demand over the first episode, one per
 * deployment, busiest first. The first SHOWN_CHARTS are open; the rest of a 27-deployment
 * application sits folded below them, so the page stays one a reader can scan.
 */

/** Small multiples shown open; the others are in a folded `<details>`. */
export const SHOWN_CHARTS = 12;

const COLORS = { ready: '#16a34a', applied: '#2563eb', demand: '#f59e0b' };

/** CSS of the section (appended to the page's). */
export const APPLICATION_CSS = `
.multiples { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 4px 14px; }
.multiples svg.chart { margin: 0; }
.legend-line { font-size: 12px; color: #374151; margin: 6px 0; }
.legend-line span { margin-right: 14px; }
details.more > summary { cursor: pointer; color: #374151; font-size: 13px; margin: 8px 0; }
`;

function perReplicaRps(run: LoadedApplicationRun): number | undefined {
  const service = (run.config?.env as { service?: { perReplicaRps?: unknown } } | undefined)?.service;
  return typeof service?.perReplicaRps === 'number' && service.perReplicaRps > 0 ? service.perReplicaRps : undefined;
}

/** The step lines of the first episode that has steps after its reset: their indices. */
function firstEpisodeLines(run: LoadedApplicationRun): { episode: number | null; lines: number[] } {
  const { episode, step } = run.steps;
  const first = episode.find((_, i) => step[i]! > 0);
  if (first === undefined) return { episode: null, lines: [] };
  const lines: number[] = [];
  for (let i = 0; i < episode.length; i++) if (episode[i] === first) lines.push(i);
  return { episode: first, lines };
}

function smallMultiple(run: LoadedApplicationRun, row: DeploymentRow, lines: readonly number[], rps: number | undefined): string {
  const c = run.columns.get(row.deployment)!;
  const xs = lines.map((i) => run.steps.timeS[i]!);
  const span = xs.length > 0 ? xs[xs.length - 1]! - xs[0]! : 0;
  const pick = (f: 'ready' | 'applied' | 'demand'): number[] => lines.map((i) => c[f][i]!);
  return renderChart({
    id: 'deployment-replicas',
    title: row.deployment,
    xTime: true,
    xLabel: `simulated time (${span < 3600 ? 'mm:ss' : 'hh:mm'})`,
    yLabel: 'replicas',
    // No rotated right-axis label: at this width it would touch the edge; the legend line above the grid names the right axis.
    width: 340,
    height: 190,
    rightScale: rps,
    series: [
      { name: 'demand (req/s)', color: COLORS.demand, xs, ys: pick('demand'), axis: 'right', noLegend: true, width: 1.6 },
      { name: 'ready', color: COLORS.ready, xs, ys: pick('ready'), kind: 'step', noLegend: true, width: 3 },
      { name: 'applied', color: COLORS.applied, xs, ys: pick('applied'), kind: 'step', dashed: true, noLegend: true, width: 1.2 },
    ],
  }).replace('<svg class="chart"', `<svg class="chart multiple" data-deployment="${esc(row.deployment)}"`);
}

function table(rows: readonly DeploymentRow[]): string {
  const cells = rows.map(deploymentCells);
  const headers = Object.keys(cells[0] ?? {});
  const head = `<tr>${headers.map((h, i) => `<th class="${i === 0 ? '' : 'num'}">${esc(h)}</th>`).join('')}</tr>`;
  const body = cells.map((c, r) => `<tr data-deployment="${esc(rows[r]!.deployment)}">${headers.map((h, i) => `<td class="${i === 0 ? '' : 'num'}">${esc(c[h]!)}</td>`).join('')}</tr>`).join('');
  return `<div class="scroll"><table class="deployments"><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
}

/** One application run's section (`id` = `application-<index>`). */
export function applicationSection(run: LoadedApplicationRun, index: number): string {
  const rows = deploymentRows(run);
  const t = applicationTotals(run);
  const rps = perReplicaRps(run);
  const { episode, lines } = firstEpisodeLines(run);
  const figures: Array<[string, string]> = [
    [fmtMeanStd(t.rewardMean, t.rewardStd), 'return per episode (mean ± std)'],
    [`${t.episodes}${run.episodesRequested === null ? '' : `/${run.episodesRequested}`}`, 'episodes'],
    [String(run.deployments.length), 'deployments'],
    [fmt(t.slo, 4), 'slo per episode'],
    [fmt(t.cost, 4), 'cost per episode'],
    [fmt(t.churn, 4), 'churn per episode'],
  ];
  const problems = run.problems.length > 0 ? `<ul class="problems">${run.problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul>` : '';
  let charts = '<p class="note">No step records: run with --log steps for the per-deployment charts.</p>';
  if (lines.length > 0) {
    const open = rows.slice(0, SHOWN_CHARTS).map((r) => smallMultiple(run, r, lines, rps));
    const folded = rows.slice(SHOWN_CHARTS).map((r) => smallMultiple(run, r, lines, rps));
    const scale = rps ? ` The right axis is tied to the left: ${rps} req/s per replica, so demand above the ready line is more than the replicas serve at full utilisation.` : '';
    charts =
      `<h3>Replicas against demand per deployment, episode ${episode}</h3>` +
      `<p class="note">Busiest first (mean demand over the run).${scale}${folded.length > 0 ? ` Showing ${open.length} of ${rows.length} deployments; the other ${folded.length} are folded below.` : ''}</p>` +
      `<p class="legend-line"><span><i class="swatch" style="background:${COLORS.ready}"></i>ready replicas (left)</span><span><i class="swatch" style="background:${COLORS.applied};opacity:.6"></i>applied (dashed, left)</span><span><i class="swatch" style="background:${COLORS.demand}"></i>demand, req/s (right)</span></p>` +
      `<div class="multiples">${open.join('')}</div>` +
      (folded.length > 0 ? `<details class="more"><summary>the other ${folded.length} deployments</summary><div class="multiples">${folded.join('')}</div></details>` : '');
  }
  const rewardChart =
    rows.some((r) => r.rewardPerEpisode !== null)
      ? renderRowChart({
          id: 'deployment-rewards',
          title: "Each deployment's reward per episode (its share of the run's return), busiest first",
          xLabel: 'reward per episode (larger is better)',
          zeroLine: true,
          rows: rows.map((r) => ({ label: r.deployment, color: '#475569', mean: r.rewardPerEpisode, note: `ready ${fmt(r.readyMean, 3)}, demand ${fmt(r.demandMean, 4)}` })),
        })
      : '';
  return (
    `<section class="card application" id="application-${index}" data-run="${esc(run.id)}">` +
    `<h2>Application run ${esc(run.id)}<span class="status ${esc(run.status)}">${esc(run.status)}</span></h2>` +
    `<dl class="meta"><dt>agent</dt><dd>${esc(run.agent)}</dd><dt>deployments</dt><dd>${esc(run.deployments.join(', '))}</dd><dt>directory</dt><dd>${esc(run.dir)}</dd></dl>` +
    `<div class="figures">${figures.map(([v, k]) => `<div class="figure"><b>${esc(v)}</b><span>${esc(k)}</span></div>`).join('')}</div>` +
    problems +
    (rows.length > 0 ? `<p class="note" data-source="${rows[0]!.source}">${esc(deploymentTableNote(rows[0]!.source).replace(/\n/g, ' '))}</p>` : '') +
    table(rows) +
    charts +
    rewardChart +
    '</section>'
  );
}
