import { escapeXml, niceTicks, tickLabel } from './svg-chart.js';

/**
 * Horizontal row charts for the HTML report: one labelled row per agent (or run), values on
 * the x axis. A row shows a mean with its interval as a bar with whiskers, and/or the single
 * values (episodes) as a dot strip. Rows, not an x axis of episode numbers, so 6-episode and
 * 485-episode runs sit side by side without squashing each other.
 */

/** One row. */
export interface ChartRow {
  label: string;
  color: string;
  /** The mean, drawn as a dot with its interval [lo, hi] as a bar (either may be missing). */
  mean?: number | null;
  lo?: number | null;
  hi?: number | null;
  /** Single values, drawn as small dots along the row. */
  values?: readonly number[];
  /** Text at the right of the row (`n=3 seeds`, `2 partial episodes not drawn`). */
  note?: string;
}

export interface RowChartSpec {
  id: string;
  title: string;
  xLabel: string;
  rows: readonly ChartRow[];
  /** Draw a vertical line at 0 (paired differences). */
  zeroLine?: boolean;
  width?: number;
}

const ROW_H = 18;
const LABEL_CHARS = 44;
/** Longest note shown whole; a longer one is cut with an ellipsis (the row's tooltip has it all) so it stays inside the chart. */
const NOTE_CHARS = 36;

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Render `spec` as an `<svg>` element string (class `chart`, `data-chart` = id). */
export function renderRowChart(spec: RowChartSpec): string {
  const W = spec.width ?? 980;
  const labelW = Math.min(360, 16 + Math.max(8, ...spec.rows.map((r) => Math.min(r.label.length, LABEL_CHARS))) * 6.4);
  const noteW = 12 + Math.max(0, ...spec.rows.map((r) => Math.min(NOTE_CHARS, (r.note ?? '').length))) * 6.2;
  const m = { top: 30, right: 16 + noteW, bottom: 40, left: labelW };
  const pw = W - m.left - m.right;
  const ph = Math.max(1, spec.rows.length) * ROW_H;
  const H = m.top + ph + m.bottom;
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of spec.rows) {
    for (const v of [r.mean, r.lo, r.hi, ...(r.values ?? [])]) {
      if (typeof v === 'number' && Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  if (!(lo <= hi)) [lo, hi] = [0, 1];
  if (spec.zeroLine) [lo, hi] = [Math.min(lo, 0), Math.max(hi, 0)];
  const ticks = niceTicks(lo, hi, 6);
  const x0 = ticks[0]!;
  const x1 = ticks[ticks.length - 1]!;
  const sx = (x: number): number => m.left + ((x - x0) / (x1 - x0 || 1)) * pw;
  const r2 = (x: number): string => String(Math.round(x * 100) / 100);
  const out: string[] = [];
  out.push(`<svg class="chart rows" data-chart="${escapeXml(spec.id)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(spec.title)}">`);
  out.push(`<title>${escapeXml(spec.title)}</title>`);
  out.push(`<text class="chart-title" x="8" y="16">${escapeXml(spec.title)}</text>`);
  out.push(`<rect class="plot-bg" x="${m.left}" y="${m.top}" width="${pw}" height="${ph}"/>`);
  for (const t of ticks) {
    const x = r2(sx(t));
    out.push(`<line class="grid" x1="${x}" x2="${x}" y1="${m.top}" y2="${m.top + ph}"/>`);
    out.push(`<text class="tick" x="${x}" y="${m.top + ph + 14}" text-anchor="middle">${tickLabel(t)}</text>`);
  }
  if (spec.zeroLine && x0 < 0 && x1 > 0) out.push(`<line class="zero" x1="${r2(sx(0))}" x2="${r2(sx(0))}" y1="${m.top}" y2="${m.top + ph}"/>`);
  out.push(`<rect class="frame" x="${m.left}" y="${m.top}" width="${pw}" height="${ph}"/>`);
  out.push(`<text class="axis-label" x="${m.left + pw / 2}" y="${H - 6}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  spec.rows.forEach((r, i) => {
    const cy = m.top + i * ROW_H + ROW_H / 2;
    const color = escapeXml(r.color);
    const label = clip(r.label, LABEL_CHARS);
    out.push(`<g class="row" data-row="${escapeXml(r.label)}"><title>${escapeXml(r.note ? `${r.label}: ${r.note}` : r.label)}</title>`);
    out.push(`<text class="row-label" x="${m.left - 8}" y="${r2(cy)}" text-anchor="end" dominant-baseline="middle">${escapeXml(label)}</text>`);
    let drawn = 0;
    let d = '';
    for (const v of r.values ?? []) {
      if (!Number.isFinite(v)) continue;
      d += `M${r2(sx(v) - 1.5)} ${r2(cy)}h3`;
      drawn++;
    }
    if (drawn > 0) out.push(`<path class="series values" data-series="${escapeXml(r.label)}" data-points="${drawn}" stroke="${color}" stroke-opacity="0.45" stroke-width="7" stroke-linecap="round" fill="none" d="${d}"/>`);
    if (typeof r.lo === 'number' && typeof r.hi === 'number' && Number.isFinite(r.lo) && Number.isFinite(r.hi)) {
      out.push(`<path class="series interval" data-series="${escapeXml(r.label)}" data-points="2" stroke="${color}" stroke-width="2.5" fill="none" d="M${r2(sx(r.lo))} ${r2(cy)}H${r2(sx(r.hi))}M${r2(sx(r.lo))} ${r2(cy - 5)}v10M${r2(sx(r.hi))} ${r2(cy - 5)}v10"/>`);
    }
    if (typeof r.mean === 'number' && Number.isFinite(r.mean)) {
      out.push(`<circle class="mean" cx="${r2(sx(r.mean))}" cy="${r2(cy)}" r="4.5" fill="${color}" stroke="#fff" stroke-width="1"/>`);
    }
    if (r.note) out.push(`<text class="row-note" x="${m.left + pw + 8}" y="${r2(cy)}" dominant-baseline="middle">${escapeXml(clip(r.note, NOTE_CHARS))}</text>`);
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('');
}
