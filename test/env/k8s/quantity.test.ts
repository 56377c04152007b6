import { describe, expect, it } from 'vitest';
import { TraceFormatError } from '../../../src/env/errors.js';
import { parseMilli, parseQuantity, parseQuantityDecimal, parseQuantityExact, parseQuantityValue } from '../../../src/env/k8s/quantity.js';

const exact = (s: string | number | bigint) => {
  const q = parseQuantityExact(s);
  return `${q.num}/${q.den}`;
};

describe('parseQuantity: the values Kubernetes gives', () => {
  it.each([
    ['1', 1],
    ['500m', 0.5],
    ['1Gi', 1073741824],
    ['512Mi', 536870912],
    ['1e3', 1000],
    ['0.5', 0.5],
    ['1.5k', 1500],
    ['1.5Gi', 1610612736],
    ['250m', 0.25],
    ['1E', 1e18],
    ['2P', 2e15],
    ['1E-2', 0.01],
    ['1e+3', 1000],
    ['100u', 0.0001],
    ['+1', 1],
    ['1.', 1],
    ['.5', 0.5],
    ['1.G', 1e9],
    ['007', 7],
  ])('%s -> %d', (input, value) => {
    expect(parseQuantity(input)).toBe(value);
  });

  it('accepts numbers and bigints (JSON manifests may hold them) and trims whitespace as UnmarshalJSON does', () => {
    expect(parseQuantity(2)).toBe(2);
    expect(parseQuantity(0.5)).toBe(0.5);
    expect(parseQuantity(1e21)).toBe(1e21);
    expect(parseQuantity(5n)).toBe(5);
    expect(parseQuantity('  1Gi \n')).toBe(1073741824);
  });

  it('keeps values exact as a fraction over 10^scale', () => {
    expect(exact('0.1')).toBe('1/10');
    expect(exact('100n')).toBe('100/1000000000');
    expect(exact('123456789012345678901234567890')).toBe('123456789012345678901234567890/1');
    // Decimal quantities are not capped at 2^63-1.
    expect(exact('9223372036854775808')).toBe('9223372036854775808/1');
  });
});

describe('parseQuantity: apimachinery quirks', () => {
  it('rounds non-zero values finer than 1n away from zero, to 1n', () => {
    expect(exact('0.1n')).toBe('1/1000000000');
    expect(exact('1e-10')).toBe('1/1000000000');
    expect(exact('1.0000000001')).toBe('1000000001/1000000000');
    expect(exact('-0.1n')).toBe('-1/1000000000');
    expect(exact('1e-2000')).toBe('1/1000000000');
    expect(exact('0e-20')).toBe('0/1');
  });

  it('caps binary-SI values at 2^63-1 in magnitude, and only those', () => {
    expect(exact('8Ei')).toBe(`${2n ** 63n - 1n}/1`);
    expect(exact('16Ei')).toBe(`${2n ** 63n - 1n}/1`);
    expect(exact('-8Ei')).toBe(`${-(2n ** 63n - 1n)}/1`);
    expect(exact('7Ei')).toBe(`${7n * 2n ** 60n}/1`);
    expect(exact('10E')).toBe(`${10n ** 19n}/1`);
  });

  it('reads a bare sign, a bare dot and a bare suffix as zero, like the Go scanner', () => {
    for (const s of ['+', '-', '.', 'e3', 'Ki', 'm', '000']) expect(parseQuantity(s)).toBe(0);
  });

  it('truncates the decimal exponent to int32 like Go, and refuses one beyond int64', () => {
    expect(parseQuantity('1e4294967296')).toBe(1);
    expect(parseQuantity('1e4294967299')).toBe(1000);
    expect(() => parseQuantity('1e9223372036854775808')).toThrow(TraceFormatError);
  });

  it('labels the format as apimachinery does', () => {
    expect(parseQuantityDecimal('1Ki').format).toBe('BinarySI');
    expect(parseQuantityDecimal('1k').format).toBe('DecimalSI');
    expect(parseQuantityDecimal('1e3').format).toBe('DecimalExponent');
    expect(parseQuantityDecimal('0.0001Ki').format).toBe('DecimalSI');
  });
});

describe('parseQuantity: malformed input', () => {
  it.each(['', ' ', '1e', '1K', '1ki', '1 Gi', 'abc', '1.5.5', '1Mi5', '0x10', '1e3.5', '1ee3', '--1', '.e-10', '1e2000', 'Gi1'])(
    '%j is an error naming the path',
    (input) => {
      expect(() => parseQuantity(input, 'spec.containers[0].resources.requests.cpu')).toThrow(
        /^spec\.containers\[0\]\.resources\.requests\.cpu: expected a Kubernetes quantity such as "500m", "1", "1Gi" or "1e3", got/,
      );
    },
  );

  it('refuses non-finite numbers and other types', () => {
    expect(() => parseQuantity(Number.NaN)).toThrow(/not a finite number/);
    expect(() => parseQuantity(null as unknown as string)).toThrow(/a null, not a string/);
  });
});

describe('MilliValue and Value rounding', () => {
  it('parseMilli: exact millis, rounded up when finer (as Quantity.MilliValue)', () => {
    expect(parseMilli('1')).toBe(1000);
    expect(parseMilli('250m')).toBe(250);
    expect(parseMilli('1Ki')).toBe(1024000);
    expect(parseMilli('0.0001')).toBe(1);
    expect(parseMilli('1.0001')).toBe(1001);
    expect(parseMilli('-0.0001')).toBe(-1);
  });

  it('parseQuantityValue: integers rounded away from zero (as Quantity.Value)', () => {
    expect(parseQuantityValue('1.5')).toBe(2);
    expect(parseQuantityValue('0.1')).toBe(1);
    expect(parseQuantityValue('-1.5')).toBe(-2);
    expect(parseQuantityValue('1Gi')).toBe(1073741824);
    expect(parseQuantityValue('100m')).toBe(1);
  });
});
