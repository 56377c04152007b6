/**
 * The statistics every runner figure uses (summary.json, `simenv report`, training logs). One
 * convention for the spread: the sample standard deviation (Bessel's n - 1), because every
 * list it is applied to (episode rewards of a run, per-seed means of an agent) is a sample of
 * what the agent would do on more episodes or seeds, not the whole population. Below two
 * values there is no spread to estimate, so it is null, never 0.
 */

/** Arithmetic mean; null for an empty list. */
export function mean(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

/** Sample standard deviation (divisor n - 1); null below two values. */
export function sampleStd(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const m = mean(xs)!;
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (xs.length - 1));
}

/** Mean and sample standard deviation (see `sampleStd`). */
export function meanStd(xs: readonly number[]): { mean: number | null; std: number | null } {
  return { mean: mean(xs), std: sampleStd(xs) };
}

/**
 * Smallest and largest value; null for an empty list. A loop, never `Math.min(...xs)`: a
 * spread passes every value as a call argument and overflows the stack past ~125k values.
 */
export function minMax(xs: readonly number[]): { min: number | null; max: number | null } {
  if (xs.length === 0) return { min: null, max: null };
  let min = Infinity;
  let max = -Infinity;
  for (const x of xs) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { min, max };
}
