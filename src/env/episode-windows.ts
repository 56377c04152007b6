import { ConfigError } from './errors.js';
import type { SimEnvOptions } from './options.js';
import type { Rng } from './rng.js';

/**
 * Episode starts inside windows ([startS, endS] pairs of simulated seconds): the starts that
 * keep a whole episode of `spanS` inside one window, `alignS` apart from the window's start.
 * A scenario's split (training windows, held-out windows) resolves to these.
 */

/** How many aligned starts window [a, b] offers an episode of `spanS`. */
function startsIn(a: number, b: number, spanS: number, alignS: number): number {
  return b - a < spanS ? 0 : Math.floor((b - a - spanS) / alignS) + 1;
}

/** Check every window holds at least one whole episode; ConfigError naming the window otherwise. */
export function checkWindows(windows: ReadonlyArray<readonly [number, number]>, spanS: number, alignS: number, field = 'episodeStart.windows'): void {
  windows.forEach(([a, b], i) => {
    if (!(b > a)) throw new ConfigError(`${field}.${i}`, `expected [startS, endS] with startS < endS, got [${a}, ${b}]`);
    if (startsIn(a, b, spanS, alignS) === 0) {
      throw new ConfigError(`${field}.${i}`, `expected a window of at least one episode (${spanS} s = horizon x stepSeconds), got [${a}, ${b}] (${b - a} s)`, {
        hint: 'widen the window or shorten the horizon',
      });
    }
  });
}

/** Draw a start uniformly over every window's aligned starts (one Rng draw). */
function drawWindowStart(windows: ReadonlyArray<readonly [number, number]>, spanS: number, alignS: number, rng: Rng): number {
  let total = 0;
  for (const [a, b] of windows) total += startsIn(a, b, spanS, alignS);
  let k = rng.int(0, Math.max(0, total - 1));
  for (const [a, b] of windows) {
    const n = startsIn(a, b, spanS, alignS);
    if (k < n) return a + k * alignS;
    k -= n;
  }
  return windows[0]![0];
}

/** The latest simulated time an episode can reach (how far a looped load must be laid out). */
export function episodeReach(
  start: { type: string; seconds?: number; latestS?: number; windows?: ReadonlyArray<readonly [number, number]> },
  horizon: number | null,
  stepSeconds: number,
  pastTraceEnd: 'hold' | 'truncate',
  durationS: number,
): number {
  if (horizon === null || pastTraceEnd === 'truncate') return durationS;
  const span = horizon * stepSeconds;
  let latestStart = 0;
  if (start.type === 'offset') latestStart = start.seconds ?? 0;
  else if (start.type === 'random-window') latestStart = start.latestS ?? durationS;
  else if (start.type === 'windows') for (const [, b] of start.windows ?? []) latestStart = Math.max(latestStart, b - span);
  return Math.max(durationS, latestStart + span) + stepSeconds;
}

/** With a load that ends episodes (pastEnd "end"), every window must end by the load's end. */
export function checkWindowsWithinLoad(o: { episodeStart: { type: string; windows?: ReadonlyArray<readonly [number, number]> } }, loadEndS: number): void {
  if (loadEndS === Infinity || o.episodeStart.type !== 'windows') return;
  o.episodeStart.windows!.forEach(([a, b], i) => {
    if (b > loadEndS) {
      throw new ConfigError(`episodeStart.windows.${i}`, `expected a window within the load's end (${loadEndS} s with pastEnd "end"), got [${a}, ${b}]`, {
        hint: 'end the window earlier, or map the load with pastEnd "hold" or "loop"',
      });
    }
  });
}

/**
 * Where an episode starts and ends (simulated seconds): the start from `episodeStart` (a
 * random draw from `rng`, the episode's PRNG, for `random-window` and `windows`), the end
 * from the horizon, cut at the trace's end unless `pastTraceEnd` is `hold`, and at the load's
 * end `loadEndS`. Every env over a trace uses it, so they draw the same start from one seed.
 */
export function episodeWindow(
  o: {
    episodeStart: SimEnvOptions['episodeStart'];
    horizon: number | null;
    pastTraceEnd: 'hold' | 'truncate';
    stepSeconds: number;
  },
  durationS: number,
  loadEndS: number,
  rng: Rng,
): { startS: number; endS: number } {
  const stepSeconds = o.stepSeconds;
  const horizonSteps = o.horizon ?? Infinity;
  let start = 0;
  const es = o.episodeStart;
  if (es.type === 'offset') start = es.seconds;
  else if (es.type === 'random-window') {
    const earliest = es.earliestS ?? 0;
    const span = (o.horizon ?? 1) * stepSeconds;
    const latestDefault = Math.min(o.pastTraceEnd === 'truncate' ? durationS - span : durationS, loadEndS - span);
    const latest = Math.max(earliest, es.latestS ?? latestDefault);
    const align = es.alignS ?? stepSeconds;
    start = earliest + rng.int(0, Math.floor((latest - earliest) / align)) * align;
  } else if (es.type === 'windows') start = drawWindowStart(es.windows, horizonSteps * stepSeconds, es.alignS ?? stepSeconds, rng);
  let end = horizonSteps === Infinity ? Infinity : start + horizonSteps * stepSeconds;
  if (o.pastTraceEnd === 'truncate' && end > durationS) end = durationS;
  if (end > loadEndS) end = loadEndS;
  return { startS: start, endS: end };
}
