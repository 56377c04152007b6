import { TraceFormatError } from '../errors.js';

/**
 * Kubernetes resource quantities (`1`, `500m`, `1Gi`, `512Mi`, `1e3`, `0.5`), parsed the way
 * apimachinery's `resource.ParseQuantity` does, quirks included, so a request means here what
 * it means to the API server:
 *  - grammar: optional sign, digits with an optional `.` (`1.`, `.5` are fine), then one
 *    suffix: binary SI (Ki Mi Gi Ti Pi Ei), decimal SI (n u m "" k M G T P E) or a decimal
 *    exponent (`e3`, `E-2`, `e+3`); `K`, `ki`, `1e` and spaces inside are errors;
 *  - leading and trailing whitespace is trimmed (Quantity.UnmarshalJSON does that for
 *    manifests); a bare sign or `.` is zero, as in apimachinery's scanner;
 *  - values keep full precision down to 1n (1e-9); finer non-zero values round away from
 *    zero to the next nano (`0.1n` is `1n`);
 *  - binary-SI values are capped at 2^63-1 in magnitude (`8Ei` parses as 2^63-1); decimal
 *    ones are not capped;
 *  - the exponent is read as an int64 and truncated to int32, as Go's `int32(parsed)` does.
 * One deliberate difference: a value above 10^1000 is refused (apimachinery keeps it
 * symbolically; no request is that large and its exact form would not fit in memory).
 */

/** An exact quantity: numerator / denominator (denominator a power of ten, at most 10^9). */
export interface ExactQuantity {
  num: bigint;
  den: bigint;
}

/** apimachinery's three formats (which suffix family the input used). */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** A parsed quantity: value = unscaled * 10^-scale (an inf.Dec, as apimachinery holds it). */
export interface ParsedQuantity {
  unscaled: bigint;
  scale: number;
  format: QuantityFormat;
}

const MAX_INT64_FACTORS = 18;
const NANO_SCALE = 9;
const MAX_INT64 = (1n << 63n) - 1n;
const MIN_INT64 = -(1n << 63n);
const MAX_DECIMAL_EXPONENT = 1000;

const SUFFIXES: Record<string, { base: 2 | 10; exponent: number; format: QuantityFormat }> = {
  '': { base: 10, exponent: 0, format: 'DecimalSI' },
  n: { base: 10, exponent: -9, format: 'DecimalSI' },
  u: { base: 10, exponent: -6, format: 'DecimalSI' },
  m: { base: 10, exponent: -3, format: 'DecimalSI' },
  k: { base: 10, exponent: 3, format: 'DecimalSI' },
  M: { base: 10, exponent: 6, format: 'DecimalSI' },
  G: { base: 10, exponent: 9, format: 'DecimalSI' },
  T: { base: 10, exponent: 12, format: 'DecimalSI' },
  P: { base: 10, exponent: 15, format: 'DecimalSI' },
  E: { base: 10, exponent: 18, format: 'DecimalSI' },
  Ki: { base: 2, exponent: 10, format: 'BinarySI' },
  Mi: { base: 2, exponent: 20, format: 'BinarySI' },
  Gi: { base: 2, exponent: 30, format: 'BinarySI' },
  Ti: { base: 2, exponent: 40, format: 'BinarySI' },
  Pi: { base: 2, exponent: 50, format: 'BinarySI' },
  Ei: { base: 2, exponent: 60, format: 'BinarySI' },
};

const SUFFIX_CHARS = 'eEinumkKMGTP';

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

interface Scanned {
  positive: boolean;
  /** The signed number text (what inf.Dec.SetString gets on the slow path). */
  value: string;
  /** Integer digits without leading zeros ("0" if none). */
  num: string;
  /** Fraction digits. */
  denom: string;
  suffix: string;
}

/** A port of apimachinery's parseQuantityString; undefined means ErrFormatWrong. */
function scan(str: string): Scanned | undefined {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (str[0] === '-') {
    positive = false;
    pos++;
  } else if (str[0] === '+') {
    pos++;
  }
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, value: '0', num: '0', denom: '', suffix: '' };
  let i = pos;
  while (i < end && isDigit(str[i])) i++;
  let num = str.slice(pos, i);
  if (i >= end) return { positive, value: str, num, denom: '', suffix: '' };
  pos = i;
  if (num.length === 0) num = '0';
  let denom = '';
  if (str[pos] === '.') {
    pos++;
    i = pos;
    while (i < end && isDigit(str[i])) i++;
    denom = str.slice(pos, i);
    if (i >= end) return { positive, value: str, num, denom, suffix: '' };
    pos = i;
  }
  const value = str.slice(0, pos);
  const suffixStart = pos;
  i = pos;
  while (i < end && SUFFIX_CHARS.includes(str[i]!)) i++;
  if (i >= end) return { positive, value, num, denom, suffix: str.slice(suffixStart) };
  pos = i;
  if (str[pos] === '-' || str[pos] === '+') pos++;
  for (i = pos; i < end; i++) if (!isDigit(str[i])) return undefined;
  return { positive, value, num, denom, suffix: str.slice(suffixStart) };
}

/** A port of the suffixer's interpret; undefined means ErrSuffix. */
function interpret(suffix: string): { base: 2 | 10; exponent: number; format: QuantityFormat } | undefined {
  const known = SUFFIXES[suffix];
  if (known) return known;
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E')) {
    const digits = suffix.slice(1);
    if (!/^[+-]?\d+$/.test(digits)) return undefined;
    const parsed = BigInt(digits);
    // strconv.ParseInt(..., 64) fails outside int64; Go then truncates with int32(parsed).
    if (parsed > MAX_INT64 || parsed < MIN_INT64) return undefined;
    return { base: 10, exponent: Number(BigInt.asIntN(32, parsed)), format: 'DecimalExponent' };
  }
  return undefined;
}

/** Round |unscaled| * 10^-scale to `target` fraction digits, away from zero. */
function roundAwayFromZero(unscaled: bigint, scale: number, target: number): { unscaled: bigint; scale: number } {
  if (scale <= target || unscaled === 0n) return { unscaled, scale };
  const drop = scale - target;
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().length;
  // Dropping more digits than the number has leaves a non-zero value below one unit: 1.
  if (drop > digits) return { unscaled: unscaled < 0n ? -1n : 1n, scale: target };
  const div = 10n ** BigInt(drop);
  let q = unscaled / div;
  if (unscaled % div !== 0n) q += unscaled < 0n ? -1n : 1n;
  return { unscaled: q, scale: target };
}

function fail(path: string, input: unknown, why: string): never {
  throw new TraceFormatError(
    path,
    `expected a Kubernetes quantity such as "500m", "1", "1Gi" or "1e3", got ${JSON.stringify(String(input))} (${why})`,
  );
}

/** Parse a quantity as apimachinery does; throws TraceFormatError (with `path`) when malformed. */
export function parseQuantityDecimal(input: string | number | bigint, path = ''): ParsedQuantity {
  if (typeof input === 'number' && !Number.isFinite(input)) fail(path, input, 'not a finite number');
  if (typeof input !== 'string' && typeof input !== 'number' && typeof input !== 'bigint') {
    fail(path, input, `a ${input === null ? 'null' : typeof input}, not a string`);
  }
  const str = String(input).trim();
  if (str.length === 0) fail(path, input, 'empty');
  if (str === '0') return { unscaled: 0n, scale: 0, format: 'DecimalSI' };
  const s = scan(str);
  if (!s) fail(path, input, 'the suffix must be one of n u m k M G T P E Ki Mi Gi Ti Pi Ei or an exponent like e3');
  const suffix = interpret(s.suffix);
  if (!suffix) fail(path, input, `unknown suffix ${JSON.stringify(s.suffix)}`);
  const { base, exponent, format } = suffix;

  // apimachinery's int64 fast path, kept so that exactly the same inputs succeed and fail.
  let precision: number;
  if (base === 10) precision = MAX_INT64_FACTORS - (s.num.length + s.denom.length);
  else if (exponent >= 0 && s.denom.length === 0) precision = 15 - s.num.length - Math.trunc((exponent * 3) / 10) - 1;
  else precision = -1;
  const fastScale = (base === 10 ? exponent : 0) - s.denom.length;
  const fast = precision >= 0 && fastScale >= -NANO_SCALE;
  if (!fast && !/\d/.test(s.value)) fail(path, input, 'no digits');

  const sign = s.positive ? 1n : -1n;
  let unscaled = BigInt(s.num + s.denom) * sign;
  // inf.Dec scale: fraction digits minus the decimal exponent.
  let scale = s.denom.length - (base === 10 ? exponent : 0);
  if (base === 2) unscaled *= 1n << BigInt(exponent);
  if (-scale > MAX_DECIMAL_EXPONENT && unscaled !== 0n) fail(path, input, 'larger than 1e1000, beyond what simenv evaluates');
  ({ unscaled, scale } = roundAwayFromZero(unscaled, scale, NANO_SCALE));
  // Zero is zero at any scale (apimachinery leaves its scale; the value is what matters).
  if (unscaled === 0n) scale = 0;
  let fmt = format;
  if (base === 2) {
    // The cap compares |value| with 2^63-1, at the value's scale.
    const unit = 10n ** BigInt(Math.max(scale, 0));
    const cap = MAX_INT64 * unit;
    if (unscaled > cap) unscaled = cap;
    else if (unscaled < -cap) unscaled = -cap;
    // A binary-SI value strictly between 0 and 1 is re-labelled decimal, as apimachinery does.
    const abs = unscaled < 0n ? -unscaled : unscaled;
    if (abs > 0n && abs < unit) fmt = 'DecimalSI';
  }
  return { unscaled, scale, format: fmt };
}

/** Parse a quantity exactly as numerator / denominator; throws TraceFormatError when malformed. */
export function parseQuantityExact(input: string | number | bigint, path = ''): ExactQuantity {
  const q = parseQuantityDecimal(input, path);
  if (q.scale >= 0) return { num: q.unscaled, den: 10n ** BigInt(q.scale) };
  return { num: q.unscaled * 10n ** BigInt(-q.scale), den: 1n };
}

/** Parse a quantity to a JS number (cores for CPU, bytes for memory). */
export function parseQuantity(input: string | number | bigint, path = ''): number {
  const { num, den } = parseQuantityExact(input, path);
  if (den === 1n) return Number(num);
  // Integer part first, so large byte counts stay exact; the fraction is < 1.
  const whole = num / den;
  const rest = num % den;
  return Number(whole) + Number(rest) / Number(den);
}

/**
 * Millis, as Quantity.MilliValue: exact when whole, otherwise rounded up (toward +inf for
 * positive values, away from zero for negative ones, as apimachinery's int64 path does).
 */
export function parseMilli(input: string | number | bigint, path = ''): number {
  const { num, den } = parseQuantityExact(input, path);
  const scaled = num * 1000n;
  let q = scaled / den;
  if (scaled % den !== 0n) q += scaled > 0n ? 1n : -1n;
  return Number(q);
}

/** Quantity.Value: the value rounded to an integer away from zero. */
export function parseQuantityValue(input: string | number | bigint, path = ''): number {
  const { num, den } = parseQuantityExact(input, path);
  let q = num / den;
  if (num % den !== 0n) q += num > 0n ? 1n : -1n;
  return Number(q);
}
