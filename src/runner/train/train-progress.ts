import { formatDuration, formatRate } from '../number-format.js';
import type { ProgressStream } from '../progress.js';
import type { TrainProgress } from './train-loop.js';

/**
 * Training progress on stderr: a redrawn line on a terminal (steps, steps/s, episode reward,
 * ETA), or on a pipe or log file a plain line every `plainEverySeconds` (default 30 s), so CI
 * logs show that training is alive without a flood.
 */
export class TrainProgressPrinter {
  private lastDraw = -Infinity;
  private lastPlain = 0;
  private shown = false;
  private readonly tty: boolean;

  constructor(
    private readonly stream: ProgressStream,
    private readonly opts: { enabled?: boolean; plainEverySeconds?: number; intervalMs?: number } = {},
  ) {
    this.tty = stream.isTTY === true;
  }

  /** The text of one progress line. */
  static render(p: TrainProgress): string {
    const pct = p.totalSteps > 0 ? Math.min(100, (100 * p.steps) / p.totalSteps) : 0;
    const reward = p.recentEpisodeReward === null ? '-' : p.recentEpisodeReward.toFixed(3);
    const loss = p.loss === null ? '-' : p.loss.toPrecision(3);
    return `step ${p.steps}/${p.totalSteps} (${pct.toFixed(0)}%)  ${formatRate(p.stepsPerSecond)} steps/s  episode reward ${reward}  loss ${loss}  updates ${p.updates}  ETA ${formatDuration(p.etaS)}`;
  }

  /** Report progress; draws when due. */
  update(p: TrainProgress): void {
    if (this.opts.enabled === false) return;
    if (this.tty) {
      const t = p.elapsedS * 1000;
      if (t - this.lastDraw < (this.opts.intervalMs ?? 200)) return;
      this.lastDraw = t;
      const width = this.stream.columns && this.stream.columns > 20 ? this.stream.columns : 120;
      this.stream.write(`\r${TrainProgressPrinter.render(p).slice(0, width - 1)}\x1b[K`);
      this.shown = true;
    } else if (p.elapsedS - this.lastPlain >= (this.opts.plainEverySeconds ?? 30)) {
      this.lastPlain = p.elapsedS;
      this.stream.write(`${TrainProgressPrinter.render(p)}\n`);
    }
  }

  /** Erase the line before other output on a terminal. */
  clear(): void {
    if (this.shown) {
      this.stream.write('\r\x1b[K');
      this.shown = false;
    }
  }
}
