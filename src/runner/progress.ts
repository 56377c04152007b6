import { formatDuration, formatRate } from './number-format.js';
/**
 * A one-line progress bar on stderr: episodes done, steps/s, ETA. It draws only when the
 * stream is a terminal (a log file or a pipe gets nothing), at most ten times a second, and
 * only once a run has lasted long enough to be worth watching.
 */

/** Where the loop reports progress. */
export interface ProgressUpdate {
  episodesDone: number;
  episodesTotal: number;
  steps: number;
  /** Steps of the current episode and its expected length, when known. */
  episodeSteps: number;
  episodeHorizon: number | null;
}

/** The writable side of a terminal (process.stderr in the CLI, a fake in tests). */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): boolean;
}

/** The text of the bar for `u` after `elapsedS` seconds, `width` columns wide at most. */
export function renderProgressLine(u: ProgressUpdate, elapsedS: number, width: number): string {
  const perEpisode = u.episodeHorizon && u.episodeHorizon > 0 ? Math.min(1, u.episodeSteps / u.episodeHorizon) : 0;
  const frac = u.episodesTotal > 0 ? Math.min(1, (u.episodesDone + perEpisode) / u.episodesTotal) : 0;
  const rate = elapsedS > 0 ? u.steps / elapsedS : 0;
  const eta = frac > 0 ? (elapsedS * (1 - frac)) / frac : Number.NaN;
  const text = ` ${u.episodesDone}/${u.episodesTotal} episodes  ${formatRate(rate)} steps/s  ETA ${formatDuration(eta)}  ${(frac * 100).toFixed(0)}%`;
  // The bar's width depends on the terminal only, so it does not jitter as the figures change.
  const barWidth = Math.max(10, Math.min(30, width - 62));
  const filled = Math.round(frac * barWidth);
  const line = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${text}`;
  return line.length > width - 1 ? line.slice(0, Math.max(0, width - 1)) : line;
}

/** Options of the bar; the clock is injectable so tests need no real time. */
export interface ProgressBarOptions {
  stream?: ProgressStream;
  /** Milliseconds since some origin (default performance.now). */
  now?: () => number;
  /** Draw nothing before this many ms into the run (short runs stay quiet). */
  delayMs?: number;
  /** Minimum ms between redraws. */
  intervalMs?: number;
  /** Force on or off; default: on exactly when the stream is a TTY. */
  enabled?: boolean;
}

/** The stderr progress bar. */
export class ProgressBar {
  private readonly stream: ProgressStream;
  private readonly now: () => number;
  private readonly delayMs: number;
  private readonly intervalMs: number;
  readonly enabled: boolean;
  private readonly start: number;
  private lastDraw = -Infinity;
  private shown = false;
  private last: ProgressUpdate | null = null;

  constructor(opts: ProgressBarOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.now = opts.now ?? (() => performance.now());
    this.delayMs = opts.delayMs ?? 500;
    this.intervalMs = opts.intervalMs ?? 100;
    this.enabled = opts.enabled ?? this.stream.isTTY === true;
    this.start = this.now();
  }

  /** Record progress; redraws when due. Cheap when disabled. */
  update(u: ProgressUpdate): void {
    if (!this.enabled) return;
    this.last = u;
    const t = this.now();
    if (t - this.start < this.delayMs || t - this.lastDraw < this.intervalMs) return;
    this.draw(t);
  }

  private draw(t: number): void {
    if (!this.last) return;
    this.lastDraw = t;
    const width = this.stream.columns && this.stream.columns > 20 ? this.stream.columns : 80;
    this.stream.write(`\r${renderProgressLine(this.last, (t - this.start) / 1000, width)}\x1b[K`);
    this.shown = true;
  }

  /** Erase the bar (before printing a line to the same terminal); the next update redraws it. */
  clear(): void {
    if (this.shown) {
      this.stream.write('\r\x1b[K');
      this.shown = false;
      this.lastDraw = -Infinity;
    }
  }

  /** Erase the bar for good. */
  done(): void {
    this.clear();
    this.last = null;
  }
}
