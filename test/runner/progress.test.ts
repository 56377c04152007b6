import { describe, expect, it } from 'vitest';
import { formatDuration, formatRate } from '../../src/runner/number-format.js';
import { ProgressBar, renderProgressLine, type ProgressStream } from '../../src/runner/progress.js';

function fakeStream(isTTY: boolean): ProgressStream & { out: string[] } {
  const out: string[] = [];
  return { isTTY, columns: 100, out, write: (c: string) => out.push(c) > 0 };
}

const update = (episodesDone: number, steps: number) => ({ episodesDone, episodesTotal: 10, steps, episodeSteps: 0, episodeHorizon: 100 });

describe('progress bar', () => {
  it('draws nothing when stderr is not a terminal', () => {
    const s = fakeStream(false);
    let t = 0;
    const bar = new ProgressBar({ stream: s, now: () => t, delayMs: 0 });
    for (let i = 0; i < 50; i++) {
      t += 1000;
      bar.update(update(i % 10, i * 100));
    }
    bar.done();
    expect(bar.enabled).toBe(false);
    expect(s.out).toEqual([]);
  });

  it('on a terminal shows episodes, steps/s and ETA, throttled, and erases itself', () => {
    const s = fakeStream(true);
    let t = 0;
    const bar = new ProgressBar({ stream: s, now: () => t, delayMs: 500, intervalMs: 100 });
    t = 100;
    bar.update(update(0, 10));
    expect(s.out).toEqual([]); // too early: short runs stay quiet
    t = 2000;
    bar.update(update(4, 4000)); // 4 of 10 episodes in 2 s: 2000 steps/s, 3 s to go
    expect(s.out).toHaveLength(1);
    expect(s.out[0]).toMatch(/^\r\[#+-+\] 4\/10 episodes {2}2000 steps\/s {2}ETA 3s {2}40%\x1b\[K$/);
    t = 2050;
    bar.update(update(5, 5000));
    expect(s.out).toHaveLength(1); // throttled
    bar.clear();
    expect(s.out[1]).toBe('\r\x1b[K');
    t = 2060;
    bar.update(update(5, 5000)); // redraw right after a clear
    expect(s.out).toHaveLength(3);
    bar.done();
    expect(s.out[3]).toBe('\r\x1b[K');
  });

  it('fits the terminal width and formats rates and durations', () => {
    const line = renderProgressLine(update(1, 100), 1, 40);
    expect(line.length).toBeLessThanOrEqual(39);
    expect(formatRate(1234567)).toBe('1.23M');
    expect(formatRate(45678)).toBe('45.7k');
    expect(formatDuration(3725)).toBe('1h02m');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(Number.NaN)).toBe('?');
  });
});
