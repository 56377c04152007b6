/**
 * How the runner writes numbers for people (the phase lines, `simenv report`, the HTML report,
 * progress bars): one place, so a figure reads the same wherever it appears.
 */

/** A number with `digits` significant digits, trimmed (`-` for null). */
export function fmt(x: number | null, digits = 4): string {
  if (x === null || !Number.isFinite(x)) return '-';
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 1e6 || abs < 1e-3) return x.toExponential(2);
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(abs)));
  return String(Number(x.toFixed(Math.min(decimals, 6))));
}

/** `mean ± std` of episode rewards. */
export function fmtMeanStd(mean: number | null, std: number | null): string {
  if (mean === null) return '-';
  return std === null ? fmt(mean) : `${fmt(mean)} ± ${fmt(std, 2)}`;
}

/** A rate as a percentage. */
export function fmtPercent(x: number | null): string {
  return x === null || !Number.isFinite(x) ? '-' : `${(x * 100).toFixed(1)}%`;
}

/** Format seconds as `1h02m`, `3m05s` or `12s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** Format a rate compactly: 1234567 -> `1.23M`. */
export function formatRate(x: number): string {
  if (!Number.isFinite(x)) return '?';
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  if (x >= 100) return x.toFixed(0);
  return x.toFixed(1);
}
