/**
 * A small inline-SVG chart renderer for the HTML report: line, step and bar series on one or
 * two y axes, nice ticks, grid, legend. The SVG is built as a string at report time, so the
 * page needs no script, no library and no network to show it.
 */

/** One series of a chart. */
export interface ChartSeries {
  name: string;
  color: string;
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  /** `line` (default), `step` (value holds until the next point), `points` (markers only), `bar`, or `band` (filled between `ys` and `ys2`). */
  kind?: 'line' | 'step' | 'points' | 'bar' | 'band';
  /** The band's upper edge (kind `band`). */
  ys2?: ArrayLike<number>;
  /** Leave the series out of the legend (e.g. a band drawn under its own mean line). */
  noLegend?: boolean;
  axis?: 'left' | 'right';
  dashed?: boolean;
  width?: number;
}

/** What to draw. */
export interface ChartSpec {
  /** Stable name, becomes `data-chart` (tests and CSS find charts by it). */
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  y2Label?: string;
  series: ChartSeries[];
  width?: number;
  height?: number;
  /** Include 0 in the left y range (default true). */
  yZero?: boolean;
  /** Only integer x ticks (episodes). */
  xIntegers?: boolean;
  /**
   * Tie the right axis to the left one: right = left x `rightScale` (e.g. replicas on the
   * left, their capacity in requests/s on the right), so the two can be compared by eye.
   */
  rightScale?: number;
  /** x values are simulated seconds: ticks at round times, labelled hh:mm (and the day past 24 h). */
  xTime?: boolean;
  /** Horizontal reference lines on the left axis (an SLO, a target), drawn dashed and named at the right end. */
  refLines?: Array<{ y: number; label: string; color: string }>;
}

/** Longest legend label shown whole (the full name is in the entry's tooltip). */
const LEGEND_MAX_CHARS = 64;

/** Seconds between time ticks, smallest first. */
const TIME_STEPS = [1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];

/** Round time ticks covering [lo, hi] seconds, about `count` of them. */
export function timeTicks(lo: number, hi: number, count = 8): number[] {
  const span = Math.max(1e-9, hi - lo);
  const step = TIME_STEPS.find((s) => span / s <= count) ?? Math.ceil(span / count / 604800) * 604800;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 && out.length < 60; v += step) out.push(v);
  return out;
}

/** Simulated seconds as `hh:mm` (`mm:ss` under an hour, `d2 hh:mm` past a day). */
export function timeLabel(seconds: number, span: number): string {
  const s = Math.round(seconds);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (span < 3600 && d === 0 && h === 0) return `${pad(m)}:${pad(s % 60)}`;
  return d > 0 || span >= 86400 ? `d${d} ${pad(h)}:${pad(m)}` : `${pad(h)}:${pad(m)}`;
}

/** Legend entries laid out in rows that fit `width`; returns each entry's offset and the row count. */
export function legendLayout(labels: readonly string[], width: number): { at: Array<[number, number]>; rows: number } {
  const at: Array<[number, number]> = [];
  let x = 0;
  let row = 0;
  for (const l of labels) {
    const w = 28 + Math.min(l.length, LEGEND_MAX_CHARS + 1) * 6.4;
    if (x > 0 && x + w > width) {
      row++;
      x = 0;
    }
    at.push([x, row]);
    x += w;
  }
  return { at, rows: labels.length === 0 ? 0 : row + 1 };
}

/** Escape text for XML content and attributes. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** About `count` round tick values covering [lo, hi] (1, 2, 5 x 10^k steps). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0];
  if (hi - lo < 1e-12) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const first = Math.floor(lo / step) * step;
  const ticks: number[] = [];
  for (let v = first; v <= hi + step * 0.5 && ticks.length < 50; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  if (ticks[ticks.length - 1]! < hi) ticks.push(ticks[ticks.length - 1]! + step);
  return ticks;
}

/** Tick label: compact, no float noise. */
export function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a === 0) return '0';
  if (a < 1e-3) return v.toExponential(0);
  return String(+v.toPrecision(4));
}

/**
 * Reduce a long series to at most ~`max` points keeping each bucket's first, min and max,
 * so spikes survive (a plain stride would drop them).
 */
export function decimate(xs: ArrayLike<number>, ys: ArrayLike<number>, max: number): { xs: number[]; ys: number[] } {
  const n = Math.min(xs.length, ys.length);
  if (n <= max) return { xs: Array.from(xs).slice(0, n), ys: Array.from(ys).slice(0, n) };
  const buckets = Math.max(1, Math.floor(max / 3));
  const size = n / buckets;
  const ox: number[] = [];
  const oy: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const s = Math.floor(b * size);
    const e = Math.min(n, Math.floor((b + 1) * size));
    let iMin = s;
    let iMax = s;
    for (let i = s; i < e; i++) {
      if (ys[i]! < ys[iMin]!) iMin = i;
      if (ys[i]! > ys[iMax]!) iMax = i;
    }
    for (const i of [s, ...(iMin < iMax ? [iMin, iMax] : [iMax, iMin])]) {
      if (ox.length > 0 && ox[ox.length - 1] === xs[i] && oy[oy.length - 1] === ys[i]) continue;
      ox.push(xs[i]!);
      oy.push(ys[i]!);
    }
  }
  ox.push(xs[n - 1]!);
  oy.push(ys[n - 1]!);
  return { xs: ox, ys: oy };
}

function extent(series: ChartSeries[], pick: (s: ChartSeries) => ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    const v = pick(s);
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      if (!Number.isFinite(x)) continue;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

const r2 = (x: number): string => String(Math.round(x * 100) / 100);

/** Render `spec` as an `<svg>` element string. */
export function renderChart(spec: ChartSpec): string {
  const W = spec.width ?? 980;
  const hasRight = spec.series.some((s) => s.axis === 'right');
  const legendSeries = spec.series.filter((s) => !s.noLegend);
  const legendLabels = legendSeries.map((s) => {
    const l = `${s.name}${hasRight ? (s.axis === 'right' ? ' (right)' : '') : ''}`;
    return l.length > LEGEND_MAX_CHARS ? `${l.slice(0, LEGEND_MAX_CHARS - 1)}…` : l;
  });
  const legend = legendLayout(legendLabels, W - 64 - 20);
  // The legend wraps into as many rows as it needs; the plot keeps its height below it.
  const legendH = Math.max(1, legend.rows) * 16;
  const H = (spec.height ?? 280) + legendH - 16;
  const m = { top: 28 + legendH, right: hasRight ? 64 : 20, bottom: 44, left: 64 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const left = spec.series.filter((s) => s.axis !== 'right');
  const right = spec.series.filter((s) => s.axis === 'right');
  const bars = spec.series.filter((s) => s.kind === 'bar');

  let [x0, x1] = extent(spec.series, (s) => s.xs);
  if (bars.length > 0) {
    x0 -= 0.5;
    x1 += 0.5;
  } else if (x1 - x0 < 1e-12) {
    x0 -= 1;
    x1 += 1;
  }
  const yTicks = (ss: ChartSeries[], zero: boolean): number[] => {
    let [lo, hi] = extent(ss, (s) => s.ys);
    const [blo, bhi] = extent(ss.filter((s) => s.ys2), (s) => s.ys2!);
    if (ss.some((s) => s.ys2)) {
      lo = Math.min(lo, blo);
      hi = Math.max(hi, bhi);
    }
    for (const r of spec.refLines ?? []) {
      lo = Math.min(lo, r.y);
      hi = Math.max(hi, r.y);
    }
    if (zero || bars.length > 0) {
      lo = Math.min(0, lo);
      hi = Math.max(0, hi);
    }
    return niceTicks(lo, hi, 5);
  };
  let lt: number[];
  let rt: number[];
  if (spec.rightScale !== undefined && right.length > 0) {
    const k = spec.rightScale;
    const [llo, lhi] = extent(left, (s) => s.ys);
    const [rlo, rhi] = extent(right, (s) => s.ys);
    lt = niceTicks(Math.min(0, llo, rlo / k), Math.max(lhi, rhi / k), 5);
    rt = lt.map((t) => t * k);
  } else {
    lt = yTicks(left.length > 0 ? left : spec.series, spec.yZero ?? true);
    rt = right.length > 0 ? yTicks(right, true) : [];
  }
  const integers = spec.xIntegers === true || bars.length > 0;
  const xt = (spec.xTime ? timeTicks(x0, x1, 8) : niceTicks(integers ? Math.ceil(x0) : x0, integers ? Math.floor(x1) : x1, 8)).filter(
    (v) => v >= x0 - 1e-9 && v <= x1 + 1e-9 && (!integers || Number.isInteger(v)),
  );
  const ly0 = lt[0]!;
  const ly1 = lt[lt.length - 1]!;
  const ry0 = rt[0] ?? 0;
  const ry1 = rt[rt.length - 1] ?? 1;
  const sx = (x: number): number => m.left + ((x - x0) / (x1 - x0)) * pw;
  const syL = (y: number): number => m.top + ph - ((y - ly0) / (ly1 - ly0 || 1)) * ph;
  const syR = (y: number): number => m.top + ph - ((y - ry0) / (ry1 - ry0 || 1)) * ph;

  const out: string[] = [];
  out.push(
    `<svg class="chart" data-chart="${escapeXml(spec.id)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(spec.title)}">`,
  );
  out.push(`<title>${escapeXml(spec.title)}</title>`);
  out.push(`<rect class="plot-bg" x="${m.left}" y="${m.top}" width="${pw}" height="${ph}"/>`);
  // Grid and y ticks.
  for (const t of lt) {
    const y = r2(syL(t));
    out.push(`<line class="grid" x1="${m.left}" x2="${m.left + pw}" y1="${y}" y2="${y}"/>`);
    out.push(`<text class="tick" x="${m.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${tickLabel(t)}</text>`);
  }
  for (const t of rt) {
    out.push(`<text class="tick" x="${m.left + pw + 6}" y="${r2(syR(t))}" text-anchor="start" dominant-baseline="middle">${tickLabel(t)}</text>`);
  }
  for (const t of xt) {
    const x = r2(sx(t));
    out.push(`<line class="xtick" x1="${x}" x2="${x}" y1="${m.top + ph}" y2="${m.top + ph + 4}"/>`);
    out.push(`<text class="tick" x="${x}" y="${m.top + ph + 16}" text-anchor="middle">${spec.xTime ? timeLabel(t, x1 - x0) : tickLabel(t)}</text>`);
  }
  if (ly0 < 0 && ly1 > 0) out.push(`<line class="zero" x1="${m.left}" x2="${m.left + pw}" y1="${r2(syL(0))}" y2="${r2(syL(0))}"/>`);
  for (const r of spec.refLines ?? []) {
    const y = r2(syL(r.y));
    out.push(`<line class="ref" x1="${m.left}" x2="${m.left + pw}" y1="${y}" y2="${y}" stroke="${escapeXml(r.color)}" stroke-width="1.5" stroke-dasharray="8 4"/>`);
    out.push(`<text class="ref-label" x="${m.left + pw - 4}" y="${r2(syL(r.y) - 4)}" text-anchor="end" fill="${escapeXml(r.color)}">${escapeXml(r.label)}</text>`);
  }
  out.push(`<rect class="frame" x="${m.left}" y="${m.top}" width="${pw}" height="${ph}"/>`);
  // Axis labels.
  out.push(`<text class="axis-label" x="${m.left + pw / 2}" y="${H - 6}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  out.push(`<text class="axis-label" transform="translate(14 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`);
  if (hasRight && spec.y2Label) {
    out.push(`<text class="axis-label" transform="translate(${W - 10} ${m.top + ph / 2}) rotate(90)" text-anchor="middle">${escapeXml(spec.y2Label)}</text>`);
  }
  out.push(`<text class="chart-title" x="${m.left}" y="16">${escapeXml(spec.title)}</text>`);

  // Series.
  const barWidth = bars.length > 0 ? Math.max(1, Math.min(48, (pw / Math.max(1, x1 - x0)) * 0.6)) / bars.length : 0;
  spec.series.forEach((s) => {
    const sy = s.axis === 'right' ? syR : syL;
    const color = escapeXml(s.color);
    if (s.kind === 'band') {
      const n = Math.min(s.xs.length, s.ys.length, s.ys2?.length ?? 0);
      let top = '';
      let bottom = '';
      for (let i = 0; i < n; i++) {
        if (!Number.isFinite(s.ys[i]!) || !Number.isFinite(s.ys2![i]!)) continue;
        top += `${top ? 'L' : 'M'}${r2(sx(s.xs[i]!))} ${r2(sy(s.ys2![i]!))}`;
        bottom = `L${r2(sx(s.xs[i]!))} ${r2(sy(s.ys[i]!))}${bottom}`;
      }
      out.push(`<path class="series band" data-series="${escapeXml(s.name)}" data-points="${n}" fill="${color}" fill-opacity="0.18" stroke="none" d="${top ? `${top}${bottom}Z` : ''}"/>`);
    } else if (s.kind === 'bar') {
      const bi = bars.indexOf(s);
      const n = Math.min(s.xs.length, s.ys.length);
      let d = '';
      for (let i = 0; i < n; i++) {
        const x = sx(s.xs[i]!) - (barWidth * bars.length) / 2 + bi * barWidth;
        const ya = sy(0);
        const yb = sy(s.ys[i]!);
        const top = Math.min(ya, yb);
        d += `M${r2(x)} ${r2(top)}h${r2(barWidth)}v${r2(Math.max(0.5, Math.abs(yb - ya)))}h${r2(-barWidth)}Z`;
      }
      out.push(`<path class="series bar" data-series="${escapeXml(s.name)}" data-points="${n}" fill="${color}" d="${d}"/>`);
    } else {
      const { xs, ys } = decimate(s.xs, s.ys, 1500);
      let d = '';
      let pen = false;
      let points = 0;
      for (let i = 0; i < xs.length; i++) {
        const y = ys[i]!;
        if (!Number.isFinite(y)) {
          pen = false;
          continue;
        }
        const px = sx(xs[i]!);
        const py = sy(y);
        if (!pen) d += `M${r2(px)} ${r2(py)}`;
        else if (s.kind === 'step') d += `H${r2(px)}V${r2(py)}`;
        else d += `L${r2(px)} ${r2(py)}`;
        pen = true;
        points++;
      }
      // A step series' last value holds to the end of the x range.
      if (s.kind === 'step' && pen) d += `H${r2(sx(x1))}`;
      const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
      // A points series keeps its path (tests and tools read the data from it) but strokes nothing.
      const stroke = s.kind === 'points' ? 'none' : color;
      out.push(
        `<path class="series" data-series="${escapeXml(s.name)}" data-points="${points}" fill="none" stroke="${stroke}" stroke-width="${s.width ?? 2}"${dash} stroke-linejoin="round" d="${d}"/>`,
      );
      if (s.kind === 'points' || (points > 0 && points <= 40)) {
        const r = s.kind === 'points' ? (s.width ?? 4) : 3;
        for (let i = 0; i < xs.length; i++) {
          if (!Number.isFinite(ys[i]!)) continue;
          out.push(`<circle class="marker" cx="${r2(sx(xs[i]!))}" cy="${r2(sy(ys[i]!))}" r="${r}" fill="${color}" fill-opacity="${s.kind === 'points' && (s.width ?? 4) > 4 ? 0.45 : 1}"/>`);
        }
      }
    }
  });
  legendSeries.forEach((s, i) => {
    const color = escapeXml(s.color);
    const [lx, row] = legend.at[i]!;
    const glyph =
      s.kind === 'points'
        ? `<circle cx="7" cy="0" r="4" fill="${color}"/>`
        : s.kind === 'band'
          ? `<rect x="0" y="-5" width="14" height="10" fill="${color}" fill-opacity="0.3"/>`
          : `<rect x="0" y="${s.kind === 'bar' ? -5 : -1.5}" width="14" height="${s.kind === 'bar' ? 10 : 3}" fill="${color}"${s.dashed ? ' fill-opacity="0.6"' : ''}/>`;
    out.push(
      `<g class="legend" transform="translate(${r2(m.left + lx)} ${30 + row * 16})"><title>${escapeXml(s.name)}</title>${glyph}<text x="18" y="0" dominant-baseline="middle">${escapeXml(legendLabels[i]!)}</text></g>`,
    );
  });
  out.push('</svg>');
  return out.join('');
}
