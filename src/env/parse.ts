import type { z } from 'zod';
import type { SimEnvError } from './errors.js';

/**
 * Schema validation with simenv's errors: every zod schema is checked through `parse`, which
 * turns the first issue into the SimEnvError the caller phrases (which class, which field
 * name, which hint), so each call site says only what is particular to it.
 */

/** One problem zod found. */
export type SchemaIssue = z.core.$ZodIssue;

/** An issue's path as `a.b.0`; `root` when the issue is about the whole input. */
export function issuePath(issue: SchemaIssue, root = ''): string {
  return issue.path.length > 0 ? issue.path.map(String).join('.') : root;
}

/** `schema`'s output for `input`, or throws the SimEnvError `toError` makes of the first issue. */
export function parse<S extends z.ZodType>(schema: S, input: unknown, toError: (issue: SchemaIssue) => SimEnvError): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw toError(r.error.issues[0]!);
}
