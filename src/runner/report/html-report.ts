import type { StepRecord } from '../records.js';
import { SIMENV_VERSION } from '../version.js';
import type { LoadedRun } from './load-run.js';
import { fmt, fmtMeanStd, fmtPercent } from '../number-format.js';
import { APPLICATION_CSS, applicationSection } from './application-html.js';
import { scenarioSections, trainingSection } from './html-study.js';
import { reportRows, rowCells } from './report-table.js';
import type { Study } from './study.js';
import { escapeXml as esc, renderChart, type ChartSeries } from './svg-chart.js';

/**
 * The self-contained HTML report: one file, inline CSS and inline SVG, no script and no
 * external resource, so it opens offline, from a file:// URL or an e-mail attachment alike.
 * Episode tabs are radio buttons styled with CSS (again no script). The page follows the study:
 * a table of every run, one section per scenario (html-study.ts), the training curves, the
 * application runs (application-html.ts), then each run's own charts, folded (`<details>`)
 * so 50 runs stay a page one can scroll.
 */

const COLORS = {
  desired: '#2563eb',
  ready: '#16a34a',
  recorded: '#9ca3af',
  demand: '#f59e0b',
  total: '#111827',
  slo: '#dc2626',
  cost: '#7c3aed',
  churn: '#0891b2',
};

/** Episodes that get their own time-series tab: the first few and the last. */
const MAX_EPISODE_TABS = 6;

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #111827; background: #f3f4f6; }
header { background: #111827; color: #f9fafb; padding: 18px 28px; }
header h1 { margin: 0; font-size: 20px; font-weight: 600; }
header p { margin: 4px 0 0; color: #9ca3af; font-size: 13px; }
main { max-width: 1280px; margin: 0 auto; padding: 20px 24px 48px; }
section.card { background: #fff; border: 1px solid #e5e7eb; border-radius: 10px; padding: 18px 20px; margin: 18px 0; box-shadow: 0 1px 2px rgba(0,0,0,.04); }
h2 { margin: 0 0 10px; font-size: 17px; }
h2 .status { font-size: 12px; font-weight: 600; padding: 2px 8px; border-radius: 999px; margin-left: 8px; vertical-align: 2px; }
.status.completed { background: #dcfce7; color: #166534; }
.status.interrupted { background: #fef3c7; color: #92400e; }
.status.failed, .status.unfinished { background: #fee2e2; color: #991b1b; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 6px 10px; border-bottom: 1px solid #e5e7eb; text-align: left; white-space: nowrap; }
th { background: #f9fafb; font-weight: 600; color: #374151; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
/* The per-deployment table (12 columns) stays within 1280 px: narrower cells, wrapping headers. */
table.deployments th, table.deployments td { padding: 5px 6px; }
table.deployments th { white-space: normal; vertical-align: bottom; }
tr.best td.num.reward { font-weight: 700; color: #166534; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0 0 12px; font-size: 13px; }
dl.meta dt { color: #6b7280; }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.figures { display: flex; flex-wrap: wrap; gap: 10px; margin: 8px 0 14px; }
.figure { background: #f9fafb; border: 1px solid #e5e7eb; border-radius: 8px; padding: 8px 12px; min-width: 120px; }
.figure b { display: block; font-size: 16px; font-variant-numeric: tabular-nums; }
.figure span { color: #6b7280; font-size: 12px; }
.problems { color: #991b1b; font-size: 12px; }
.tabs > input { position: absolute; opacity: 0; pointer-events: none; }
.tabs > label { display: inline-block; padding: 4px 10px; margin: 0 4px 6px 0; border: 1px solid #d1d5db; border-radius: 6px; cursor: pointer; font-size: 12px; color: #374151; background: #fff; }
.tabs > .panel { display: none; }
svg.chart { width: 100%; height: auto; display: block; margin: 4px 0 10px; }
svg.chart .plot-bg { fill: #fcfcfd; }
svg.chart .frame { fill: none; stroke: #d1d5db; }
svg.chart .grid { stroke: #eef0f3; }
svg.chart .zero { stroke: #9ca3af; stroke-dasharray: 3 3; }
svg.chart .xtick { stroke: #9ca3af; }
svg.chart text { font: 11px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: #4b5563; }
svg.chart .chart-title { font-size: 13px; font-weight: 600; fill: #111827; }
svg.chart .axis-label { fill: #6b7280; }
svg.chart .legend text { fill: #374151; }
.note { color: #6b7280; font-size: 12px; margin: 0 0 8px; }
.scroll { overflow-x: auto; margin: 0 0 12px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: 0; }
svg.chart .row-label, svg.chart .row-note { font-size: 11px; }
svg.chart .row-note { fill: #6b7280; }
details.run { background: #fff; border: 1px solid #e5e7eb; border-radius: 10px; margin: 10px 0; }
details.run > summary { cursor: pointer; padding: 10px 16px; font-weight: 600; }
details.run > summary .sub { font-weight: 400; color: #6b7280; margin-left: 8px; }
details.run > section.card { border: 0; box-shadow: none; margin: 0; }
nav.toc { font-size: 13px; margin: 6px 0 0; }
nav.toc a { color: #93c5fd; margin-right: 12px; }
footer { color: #9ca3af; font-size: 12px; text-align: center; margin-top: 24px; }
`;

const TEXT_COLUMNS = new Set(['run', 'agent', 'scenario', 'split', 'deployment', 'status']);

function cellClass(header: string): string {
  return TEXT_COLUMNS.has(header) ? '' : header.startsWith('reward') ? 'num reward' : 'num';
}

function comparisonTable(runs: readonly LoadedRun[]): string {
  const rows = reportRows(runs);
  const cells = rows.map(rowCells);
  const headers = Object.keys(cells[0] ?? {});
  const head = `<tr>${headers.map((h) => `<th class="${cellClass(h)}">${esc(h)}</th>`).join('')}</tr>`;
  const body = cells
    .map((c) => `<tr>${headers.map((h) => (h === 'run' ? `<td><a href="#run-${runs.findIndex((r) => r.id === c.run)}">${esc(c[h]!)}</a></td>` : `<td class="${cellClass(h)}">${esc(c[h]!)}</td>`)).join('')}</tr>`)
    .join('');
  return `<div class="scroll"><table class="comparison"><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
}

/** Steps of one episode, in order. */
function byEpisode(steps: readonly StepRecord[]): Map<number, StepRecord[]> {
  const m = new Map<number, StepRecord[]>();
  for (const r of steps) {
    let list = m.get(r.episode);
    if (!list) m.set(r.episode, (list = []));
    list.push(r);
  }
  return m;
}

function perReplicaRps(run: LoadedRun): number | undefined {
  const service = run.config?.env.service as { perReplicaRps?: unknown } | undefined;
  return typeof service?.perReplicaRps === 'number' && service.perReplicaRps > 0 ? service.perReplicaRps : undefined;
}

/** Whether the run's demand came from the trace (else its recorded replicas answer another load and are not drawn). */
function demandFromTrace(run: LoadedRun): boolean {
  const demand = run.config?.env.demand as { source?: unknown } | undefined;
  return demand?.source === undefined || demand.source === 'trace';
}

function replicasChartOverTime(id: string, title: string, steps: readonly StepRecord[], rps: number | undefined, recorded: boolean): string {
  const xs = steps.map((r) => r.timeS);
  // Ready is wide and pale, desired thin and dashed on top: equal values stay readable as two.
  const series: ChartSeries[] = [
    { name: 'ready', color: COLORS.ready, xs, ys: steps.map((r) => r.observation.ready), kind: 'step', width: 5 },
    { name: 'desired', color: COLORS.desired, xs, ys: steps.map((r) => r.observation.desired), kind: 'step', width: 1.6, dashed: true },
    ...(recorded ? [{ name: 'recorded', color: COLORS.recorded, xs, ys: steps.map((r) => r.recorded), kind: 'step' as const, dashed: true, width: 1.5 }] : []),
    { name: 'demand (req/s)', color: COLORS.demand, xs, ys: steps.map((r) => r.observation.demand), axis: 'right' },
  ];
  return renderChart({
    id,
    title,
    xTime: true,
    xLabel: 'simulated time since trace start (hh:mm)',
    yLabel: 'replicas',
    y2Label: rps ? `demand, req/s (= replicas x ${rps})` : 'demand, req/s',
    series,
    rightScale: rps,
  });
}

function rewardChartOverTime(id: string, title: string, steps: readonly StepRecord[]): string {
  const rs = steps.filter((r) => r.reward !== null);
  const xs = rs.map((r) => r.timeS);
  const pick = (k: 'total' | 'slo' | 'cost' | 'churn'): number[] => rs.map((r) => r.reward![k]);
  return renderChart({
    id,
    title,
    xTime: true,
    xLabel: 'simulated time since trace start (hh:mm)',
    yLabel: 'reward per step',
    series: [
      { name: 'total', color: COLORS.total, xs, ys: pick('total'), width: 2.2 },
      { name: 'slo', color: COLORS.slo, xs, ys: pick('slo'), width: 1.5 },
      { name: 'cost', color: COLORS.cost, xs, ys: pick('cost'), width: 1.5 },
      { name: 'churn', color: COLORS.churn, xs, ys: pick('churn'), width: 1.5 },
    ],
  });
}

/** For one-step runs: each episode is one decision, so the x axis is the episode. */
function perEpisodeCharts(steps: readonly StepRecord[], rps: number | undefined, recorded: boolean): string {
  const last = [...byEpisode(steps).values()].map((list) => list[list.length - 1]!).filter((r) => r.reward !== null);
  const xs = last.map((r) => r.episode);
  const replicas = renderChart({
    id: 'replicas',
    title: 'Replicas against demand at the end of each episode',
    xLabel: 'episode',
    yLabel: 'replicas',
    y2Label: rps ? `demand, req/s (= replicas x ${rps})` : 'demand, req/s',
    rightScale: rps,
    series: [
      { name: 'ready', color: COLORS.ready, xs, ys: last.map((r) => r.observation.ready), kind: 'points', width: 7 },
      { name: 'applied', color: COLORS.desired, xs, ys: last.map((r) => r.applied ?? r.observation.desired), kind: 'points', width: 3.5 },
      ...(recorded ? [{ name: 'recorded', color: COLORS.recorded, xs, ys: last.map((r) => r.recorded), kind: 'step' as const, dashed: true, width: 1.5 }] : []),
      { name: 'mean demand (req/s)', color: COLORS.demand, xs, ys: last.map((r) => r.service!.demand), axis: 'right', kind: 'step' },
    ],
    xIntegers: true,
  });
  const pick = (k: 'total' | 'slo' | 'cost' | 'churn'): number[] => last.map((r) => r.reward![k]);
  const reward = renderChart({
    id: 'reward',
    title: 'Reward components per episode',
    xLabel: 'episode',
    yLabel: 'reward',
    xIntegers: true,
    series: [
      { name: 'total', color: COLORS.total, xs, ys: pick('total'), kind: 'points' },
      { name: 'slo', color: COLORS.slo, xs, ys: pick('slo'), kind: 'points' },
      { name: 'cost', color: COLORS.cost, xs, ys: pick('cost'), kind: 'points' },
      { name: 'churn', color: COLORS.churn, xs, ys: pick('churn'), kind: 'points' },
    ],
  });
  return replicas + reward;
}

function episodeTabs(runIndex: number, steps: readonly StepRecord[], rps: number | undefined, recorded: boolean): string {
  const episodes = byEpisode(steps);
  const keys = [...episodes.keys()];
  const shown = keys.length <= MAX_EPISODE_TABS ? keys : [...keys.slice(0, MAX_EPISODE_TABS - 1), keys[keys.length - 1]!];
  const group = `ep-${runIndex}`;
  const inputs: string[] = [];
  const panels: string[] = [];
  const rules: string[] = [];
  shown.forEach((ep, i) => {
    const id = `${group}-${ep}`;
    const list = episodes.get(ep)!;
    inputs.push(`<input type="radio" name="${group}" id="${id}"${i === 0 ? ' checked' : ''}><label for="${id}">episode ${ep}</label>`);
    panels.push(
      `<div class="panel" data-episode="${ep}">` +
        replicasChartOverTime('replicas', `Replicas against demand, episode ${ep}`, list, rps, recorded) +
        rewardChartOverTime('reward', `Reward components per step, episode ${ep}`, list) +
        '</div>',
    );
    rules.push(`#${id}:checked ~ .panel[data-episode="${ep}"] { display: block; }`, `#${id}:checked + label { background: #111827; color: #fff; border-color: #111827; }`);
  });
  const note = keys.length > shown.length ? `<p class="note">Showing ${shown.length} of ${keys.length} episodes (the first ${shown.length - 1} and the last).</p>` : '';
  return `${note}<style>${rules.join('\n')}</style><div class="tabs">${inputs.join('')}${panels.join('')}</div>`;
}

function episodeRewardChart(run: LoadedRun): string {
  // A partial episode (interrupted, failed, killed) covers less time: its reward is not drawn as a bar, it is named in the note.
  const eps = run.summary.perEpisode.filter((e) => e.complete);
  const partial = run.summary.perEpisode.filter((e) => !e.complete);
  const xs = eps.map((e) => e.episode);
  return renderChart({
    id: 'episode-rewards',
    title: 'Episode rewards',
    xLabel: 'episode',
    yLabel: 'episode reward',
    height: 240,
    xIntegers: true,
    series: [{ name: 'episode reward', color: '#475569', xs, ys: eps.map((e) => e.reward.total), kind: eps.length <= 120 ? 'bar' : 'line' }],
  }) + (partial.length > 0 ? `<p class="note partial">Partial episode${partial.length === 1 ? '' : 's'} ${partial.map((e) => `${e.episode} (${e.steps} steps)`).join(', ')} not drawn: cut short (${esc(run.summary.status)}), not comparable.</p>` : '');
}

/** `key=value` pairs of an agent's settings (its name excluded: it has its own row). */
function paramsText(params: Record<string, unknown>): string {
  return Object.entries(params)
    .filter(([k]) => k !== 'agent')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('  ');
}

function runSection(run: LoadedRun, index: number): string {
  const s = run.summary;
  const c = run.config;
  const meta: Array<[string, string]> = [
    ['agent', s.agent.name],
    ...(paramsText(s.agent.params) ? [['agent settings', paramsText(s.agent.params)] as [string, string]] : []),
    ['deployment', s.deployment],
    ['backend', s.backend],
    ['trace', `${s.trace ?? '(in memory)'}${c?.trace.sha256 ? ` (sha256 ${c.trace.sha256.slice(0, 12)}...)` : ''}`],
    ['mode', c ? `${c.mode}, ${c.mode === 'one-step' ? `${c.durationSeconds}s per episode` : `${c.stepSeconds}s steps`}` : s.mode],
    ['seed', String(s.seed)],
    ['directory', run.dir],
  ];
  if (c) meta.push(['simenv', `${c.simenvVersion}, started ${c.createdAt}`]);
  if (s.error) meta.push(['error', `${s.error.code}: ${s.error.message}`]);
  if (s.signal) meta.push(['interrupted by', s.signal]);
  const figures: Array<[string, string]> = [
    [fmtMeanStd(s.reward.mean, s.reward.std), 'episode reward (mean ± std)'],
    [`${s.episodes}/${s.episodesRequested}`, 'episodes'],
    [String(s.steps), 'steps'],
    [fmtPercent(s.slo.violationRate), 'SLO violation rate'],
    [fmt(s.cost.cpuHours, 3), 'cost, CPU-hours'],
    [fmt(s.churn.perEpisode, 3), 'replica changes / episode'],
    [s.stepsPerSecond === null ? '-' : s.stepsPerSecond.toFixed(0), 'steps/s'],
  ];
  const steps = run.steps ?? [];
  const maxStep = steps.reduce((m, r) => Math.max(m, r.step), 0);
  const rps = perReplicaRps(run);
  const recorded = demandFromTrace(run);
  const charts = steps.length === 0 ? '<p class="note">No step records.</p>' : maxStep <= 1 ? perEpisodeCharts(steps, rps, recorded) : episodeTabs(index, steps, rps, recorded);
  const problems = run.problems.length > 0 ? `<ul class="problems">${run.problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul>` : '';
  return (
    `<details class="run" id="run-${index}" data-run="${esc(run.id)}"><summary>${esc(run.id)}<span class="status ${esc(s.status)}">${esc(s.status)}</span><span class="sub">${esc(s.agent.name)} · ${s.episodes}/${s.episodesRequested} episodes · reward ${esc(fmtMeanStd(s.reward.mean, s.reward.std))}</span></summary>` +
    `<section class="card run" data-run="${esc(run.id)}">` +
    `<h2>${esc(run.id)}<span class="status ${esc(s.status)}">${esc(s.status)}</span></h2>` +
    `<dl class="meta">${meta.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>` +
    `<div class="figures">${figures.map(([v, k]) => `<div class="figure"><b>${esc(v)}</b><span>${esc(k)}</span></div>`).join('')}</div>` +
    problems +
    charts +
    (s.perEpisode.length > 0 ? episodeRewardChart(run) : '') +
    '</section></details>'
  );
}

/** The whole page for a study (runs loaded with their steps), or for a list of runs. */
export function renderHtmlReport(input: Study | readonly LoadedRun[], opts: { generatedAt?: Date } = {}): string {
  const study: Study = Array.isArray(input) ? { runs: [...(input as readonly LoadedRun[])], evals: new Map(), trainings: [], applications: [] } : (input as Study);
  const runs = study.runs;
  const when = (opts.generatedAt ?? new Date()).toISOString().replace('T', ' ').slice(0, 19);
  const scenarios = runs.length > 0 ? scenarioSections(study) : '';
  const nScenarios = (scenarios.match(/<section class="card scenario"/g) ?? []).length;
  const overview = runs.length > 0 ? `<section class="card" id="runs"><h2>Runs</h2>${comparisonTable(runs)}</section>` : '';
  const toc = [
    ...(runs.length > 0 ? ['<a href="#runs">runs</a>'] : []),
    ...Array.from({ length: nScenarios }, (_, i) => `<a href="#scenario-${i}">scenario ${i + 1}</a>`),
    ...(study.trainings.length > 0 ? ['<a href="#training">training</a>'] : []),
    ...study.applications.map((a, i) => `<a href="#application-${i}">application ${esc(a.id)}</a>`),
    ...(runs.length > 0 ? ['<a href="#run-details">run details</a>'] : []),
  ].join('');
  const title = [...runs.map((r) => r.id), ...study.applications.map((a) => a.id), ...study.trainings.map((t) => t.id)].join(', ').slice(0, 120);
  const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>simenv report: ${esc(title)}</title>
<link rel="icon" href="data:,">
<style>${CSS}${study.applications.length > 0 ? APPLICATION_CSS : ''}</style>
</head>
<body>
<header><h1>simenv report</h1><p>${plural(runs.length, 'run')} in ${plural(nScenarios, 'scenario')}, ${study.applications.length > 0 ? `${plural(study.applications.length, 'application run')}, ` : ''}${plural(study.trainings.length, 'training run')} &middot; generated ${esc(when)} UTC by simenv ${esc(SIMENV_VERSION)}</p><nav class="toc">${toc}</nav></header>
<main>
${overview}
${scenarios}
${trainingSection(study.trainings)}
${study.applications.map(applicationSection).join('\n')}
${runs.length > 0 ? `<h2 id="run-details">Run details</h2><p class="note">Each run's own charts (click to open).</p>` : ''}
${runs.map(runSection).join('\n')}
<footer>Self-contained page: no scripts, no external resources. Reward is larger-is-better; components are already weighted.</footer>
</main>
</body>
</html>
`;
}
