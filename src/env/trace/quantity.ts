import { TraceFormatError } from '../errors.js';

/**
 * Kubernetes resource quantities (`1`, `500m`, `1Gi`, `512Mi`, `1e3`, `0.5`, `1.5k`), parsed
 * the way apimachinery's resource.Quantity does: a signed decimal number with an optional
 * binary-SI suffix (Ki Mi Gi Ti Pi Ei), decimal-SI suffix (n u m "" k M G T P E) or decimal
 * exponent (e3, E-2). Values are kept exact as a rational of bigints until converted, so
 * `0.1` + `0.2` style rounding never creeps into requests.
 */

const BINARY: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const QUANTITY_RE = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E))?$/;

/** An exact quantity: numerator / denominator (denominator a power of ten). */
export interface ExactQuantity {
  num: bigint;
  den: bigint;
}

/** Parse a quantity exactly; throws TraceFormatError (with `path`) on malformed input. */
export function parseQuantityExact(input: string | number, path = ''): ExactQuantity {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new TraceFormatError(path, `expected a finite quantity, got ${input}`);
    input = String(input);
  }
  const s = input.trim();
  const m = QUANTITY_RE.exec(s);
  if (!m) {
    throw new TraceFormatError(path, `expected a Kubernetes quantity such as "500m", "1", "1Gi" or "1e3", got "${input}"`);
  }
  const [, sign, digits, binSuffix, exp, decSuffix] = m;
  const [intPart, fracPart = ''] = digits!.split('.');
  let num = BigInt((intPart || '0') + fracPart);
  let den = 10n ** BigInt(fracPart.length);
  if (binSuffix) {
    num *= BINARY[binSuffix]!;
  } else {
    const e = exp ? Number(exp.slice(1)) : DECIMAL[decSuffix ?? '']!;
    if (e >= 0) num *= 10n ** BigInt(e);
    else den *= 10n ** BigInt(-e);
  }
  if (sign === '-') num = -num;
  return { num, den };
}

/** Parse a quantity to a JS number (cores for CPU, bytes for memory). */
export function parseQuantity(input: string | number, path = ''): number {
  const { num, den } = parseQuantityExact(input, path);
  // Divide in bigint first to keep the integer part exact for large byte counts.
  const whole = num / den;
  const rest = num % den;
  return Number(whole) + Number(rest) / Number(den);
}

/** Parse a quantity to millis (as Kubernetes' MilliValue: rounded up to a whole milli). */
export function parseMilli(input: string | number, path = ''): number {
  const { num, den } = parseQuantityExact(input, path);
  const scaled = num * 1000n;
  let q = scaled / den;
  if (scaled % den !== 0n && scaled > 0n) q += 1n;
  return Number(q);
}
