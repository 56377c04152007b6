import type { SimEnvOptions } from './options.js';
import type { Rng } from './rng.js';

/**
 * Where an episode starts and ends in the trace (simulated seconds): the start from
 * `episodeStart` (a random window draws from `rng`, the episode's PRNG), the end from the
 * horizon, cut at the trace's end unless `pastTraceEnd` is `hold`. Shared by every env
 * over a trace, so they draw the same start from the same seed.
 */
export function episodeWindow(
  o: Pick<SimEnvOptions, 'episodeStart' | 'horizon' | 'pastTraceEnd' | 'stepSeconds'>,
  durationS: number,
  rng: Rng,
): { startS: number; endS: number } {
  const stepSeconds = o.stepSeconds;
  let start = 0;
  const es = o.episodeStart;
  if (es.type === 'offset') start = es.seconds;
  else if (es.type === 'random-window') {
    const earliest = es.earliestS ?? 0;
    const span = (o.horizon ?? 1) * stepSeconds;
    const latestDefault = o.pastTraceEnd === 'truncate' ? durationS - span : durationS;
    const latest = Math.max(earliest, es.latestS ?? latestDefault);
    const align = es.alignS ?? stepSeconds;
    start = earliest + rng.int(0, Math.floor((latest - earliest) / align)) * align;
  }
  let end = o.horizon === null ? Infinity : start + o.horizon * stepSeconds;
  if (o.pastTraceEnd === 'truncate' && end > durationS) end = durationS;
  return { startS: start, endS: end };
}
