import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { EvalRecordSchema } from './eval-report.js';
import { EpisodeSummarySchema, recordJsonSchemas } from './records.js';

/** One line of episode.jsonl (`--log episodes`): an episode's summary figures and the run id. */
export const EpisodeLineSchema = z.strictObject({ run: z.string(), ...EpisodeSummarySchema.shape }).describe('one line of episode.jsonl');

/** The schemas of the files `--log episodes` and `simenv eval` add to a run directory. */
function extraJsonSchemas(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const entries: Array<[string, z.ZodType, string]> = [
    ['episode-record', EpisodeLineSchema, 'simenv episode.jsonl line'],
    ['eval', EvalRecordSchema, 'simenv eval eval.json'],
  ];
  for (const [name, schema, title] of entries) {
    out[`${name}.schema.json`] = { title, ...(z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>) };
  }
  return out;
}

/**
 * The JSON Schema files of the run records (`schemas/*.schema.json`), generated from the zod
 * schemas in records.ts. `npm run schemas` rewrites them; `npm run schemas -- --check` (and a
 * unit test) fails when the committed files are stale.
 */

/** The repository's `schemas/` directory. */
export const SCHEMAS_DIR = resolve(fileURLToPath(new URL('../../schemas/', import.meta.url)));

/** Each schema file's expected text. */
export function schemaFileTexts(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, schema] of Object.entries({ ...recordJsonSchemas(), ...extraJsonSchemas() })) out[name] = `${JSON.stringify(schema, null, 2)}\n`;
  return out;
}

/** Write every schema file into `dir`; returns the paths written. */
export function writeSchemaFiles(dir: string = SCHEMAS_DIR): string[] {
  mkdirSync(dir, { recursive: true });
  return Object.entries(schemaFileTexts()).map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  });
}

/** Names of schema files in `dir` that are missing or differ from the zod schemas. */
export function staleSchemaFiles(dir: string = SCHEMAS_DIR): string[] {
  return Object.entries(schemaFileTexts())
    .filter(([name, text]) => {
      try {
        return readFileSync(join(dir, name), 'utf8') !== text;
      } catch {
        return true;
      }
    })
    .map(([name]) => name);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--')) ?? SCHEMAS_DIR;
  if (args.includes('--check')) {
    const stale = staleSchemaFiles(dir);
    if (stale.length > 0) {
      console.error(`stale JSON Schema files in ${dir}: ${stale.join(', ')}; run \`npm run schemas\``);
      process.exit(1);
    }
    console.log(`JSON Schema files in ${dir} are up to date`);
  } else {
    for (const p of writeSchemaFiles(dir)) console.log(`wrote ${p}`);
  }
}
