import { describe, expect, it } from 'vitest';
import { OBSERVATION_FIELDS } from '../../src/env/types.js';
import { recordJsonSchemas, StepRecordSchema } from '../../src/runner/records.js';
import { schemaFileTexts, staleSchemaFiles, SCHEMAS_DIR } from '../../src/runner/schema-files.js';

describe('record schemas', () => {
  it('the committed schemas/*.schema.json match the zod schemas (run `npm run schemas` when this fails)', () => {
    expect(staleSchemaFiles(SCHEMAS_DIR)).toEqual([]);
    expect(Object.keys(schemaFileTexts()).sort()).toEqual(['episode-record.schema.json', 'eval.schema.json', 'run-config.schema.json', 'run-summary.schema.json', 'step-record.schema.json']);
  });

  it('exports JSON Schema that names every observation field and forbids unknown ones', () => {
    const step = recordJsonSchemas()['step-record.schema.json'] as {
      properties: { observation: { required: string[]; additionalProperties: boolean }; reward: unknown };
      required: string[];
    };
    expect(step.properties.observation.required).toEqual([...OBSERVATION_FIELDS]);
    expect(step.properties.observation.additionalProperties).toBe(false);
    expect(step.required).toContain('reward');
  });

  it('rejects a step record with a missing or extra field', () => {
    const ok = {
      run: 'r',
      episode: 0,
      step: 0,
      timeS: 0,
      traceTs: 1,
      action: null,
      requested: null,
      applied: null,
      recorded: 1,
      observation: Object.fromEntries(OBSERVATION_FIELDS.map((f) => [f, 0])),
      reward: null,
      service: null,
      terminated: false,
      truncated: false,
    };
    expect(StepRecordSchema.safeParse(ok).success).toBe(true);
    expect(StepRecordSchema.safeParse({ ...ok, extra: 1 }).success).toBe(false);
    const { recorded: _dropped, ...missing } = ok;
    expect(StepRecordSchema.safeParse(missing).success).toBe(false);
    expect(StepRecordSchema.safeParse({ ...ok, step: 1.5 }).success).toBe(false);
  });
});
