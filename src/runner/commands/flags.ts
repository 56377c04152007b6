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

/** A comma-separated list of integers (`1,2,3`). */
export function intListFlag() {
  return z.string().transform((text, ctx): number[] => {
    const parts = text.split(',').map((p) => p.trim()).filter((p) => p !== '');
    const nums = parts.map((p) => (/^[+-]?\d+$/.test(p) ? Number(p) : Number.NaN));
    if (parts.length === 0 || nums.some((n) => !Number.isSafeInteger(n))) {
      ctx.addIssue({ code: 'custom', message: `expected comma-separated integers such as 1,2,3, got "${text}"` });
      return z.NEVER;
    }
    return nums;
  });
}
