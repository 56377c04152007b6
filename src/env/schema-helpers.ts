import { z } from 'zod';

/**
 * Zod building blocks whose messages read "expected X, got Y" (the input as JSON), for the
 * schemas users write by hand: scenario files, load mappings, the synthetic generator.
 */

/** An error function: `expected <what>, got <input>`. */
export const expected = (what: string) => (i: { input?: unknown }): string => `expected ${what}, got ${JSON.stringify(i.input)}`;
/** A positive integer with an "expected ..., got ..." message. */
export const positiveInt = () =>
  z.number({ error: expected('a positive integer') }).int({ error: expected('a positive integer') }).positive({ error: expected('a positive integer') });
/** A positive number with an "expected ..., got ..." message. */
export const positiveNumber = () => z.number({ error: expected('a positive number') }).positive({ error: expected('a positive number') });
/** A number >= 0 with an "expected ..., got ..." message. */
export const nonNegativeNumber = () => z.number({ error: expected('a number >= 0') }).nonnegative({ error: expected('a number >= 0') });

