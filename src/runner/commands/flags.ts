import { z } from 'zod';
import { UsageError } from '../../env/errors.js';
import { parse } from '../../env/parse.js';

/**
 * CLI flag validation shared by the runner's commands: commander parses the words, a zod
 * schema decides what they mean, and any problem becomes a one-line UsageError (exit 2) that
 * names the flag as the user typed it.
 */

/** `maxReplicas` -> `--max-replicas`. */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Parse commander's options with `schema`; UsageError naming the first bad flag otherwise. */
export function parseFlags<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  return parse(schema, raw, (issue) => {
    if (issue.code === 'unrecognized_keys') return new UsageError(`unknown option ${issue.keys.map(flagName).join(', ')}`);
    const key = issue.path.length > 0 ? flagName(String(issue.path[0])) : '';
    return new UsageError(key ? `${key}: ${issue.message}` : issue.message);
  });
}

/** An integer flag given as text (commander hands over strings), at least `min`. */
export function intFlag(min: number, max = Number.MAX_SAFE_INTEGER) {
  return z.string().transform((text, ctx): number => {
    const t = text.trim();
    const n = /^[+-]?\d+$/.test(t) ? Number(t) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}..${max}`;
      ctx.addIssue({ code: 'custom', message: `expected an integer ${range}, got "${text}"` });
      return z.NEVER;
    }
    return n;
  });
}

/** A decimal flag given as text, greater than `gt`. */
export function positiveNumberFlag(gt = 0) {
  return z.string().transform((text, ctx): number => {
    const n = text.trim() === '' ? Number.NaN : Number(text);
    if (!Number.isFinite(n) || n <= gt) {
      ctx.addIssue({ code: 'custom', message: `expected a number > ${gt}, got "${text}"` });
      return z.NEVER;
    }
    return n;
  });
}

/** Longest list `intListFlag` expands a range into. */
export const MAX_INT_LIST = 100_000;

/** A comma-separated list of integers and inclusive ranges (`1,2,3`, `1..10`, `1..3,7`). */
export function intListFlag(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
  return z.string().transform((text, ctx): number[] => {
    const parts = text.split(',').map((p) => p.trim()).filter((p) => p !== '');
    const out: number[] = [];
    const bad = (why: string): typeof z.NEVER => {
      ctx.addIssue({ code: 'custom', message: `expected comma-separated integers or ranges such as 1,2,3 or 1..10, got "${text}"${why}` });
      return z.NEVER;
    };
    if (parts.length === 0) return bad('');
    for (const p of parts) {
      const range = /^([+-]?\d+)\s*\.\.\s*([+-]?\d+)$/.exec(p);
      if (range) {
        const [a, b] = [Number(range[1]), Number(range[2])];
        if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) return bad('');
        if (b < a) return bad(` (range ${p} ends before it starts)`);
        if (out.length + (b - a + 1) > MAX_INT_LIST) return bad(` (more than ${MAX_INT_LIST} values)`);
        for (let i = a; i <= b; i++) out.push(i);
      } else if (/^[+-]?\d+$/.test(p) && Number.isSafeInteger(Number(p))) {
        if (out.length + 1 > MAX_INT_LIST) return bad(` (more than ${MAX_INT_LIST} values)`);
        out.push(Number(p));
      } else {
        return bad('');
      }
    }
    // Checked like a single --seed: out-of-range values would alias (the PRNG takes 32 bits).
    const outside = out.find((n) => n < min || n > max);
    if (outside !== undefined) return bad(` (${outside} is outside ${min}..${max})`);
    return out;
  });
}
