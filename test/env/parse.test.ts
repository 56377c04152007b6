import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, SimEnvError } from '../../src/env/errors.js';
import { issuePath, parse } from '../../src/env/parse.js';

const Schema = z.strictObject({ a: z.strictObject({ b: z.array(z.int().positive()) }) });

describe('parse', () => {
  it('returns the parsed value', () => {
    expect(parse(Schema, { a: { b: [1, 2] } }, () => new SimEnvError('X', 'unused'))).toEqual({ a: { b: [1, 2] } });
  });

  it('throws the caller-made error of the first issue, with its path', () => {
    const err = (() => {
      try {
        parse(Schema, { a: { b: [1, -2] } }, (i) => new ConfigError(issuePath(i, 'options'), i.message));
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/^a\.b\.1: /);
  });

  it('names the root when the issue has no path', () => {
    expect(() => parse(Schema, 7, (i) => new SimEnvError('X', `at ${issuePath(i, '(root)')}`))).toThrow('at (root)');
  });
});
