import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './errors.js';
import { parseScenario, type Scenario } from './scenario.js';

/**
 * Scenario files on disk: the built-in ones shipped in examples/scenarios/ (found relative to
 * this module, so `src/env` under tsx and `dist/env` after a build both work), and any JSON or
 * YAML file a user names. Reading is synchronous: a scenario is read once, before an env or a
 * run exists.
 */

/** A scenario as read from a file (or given inline). */
export interface LoadedScenario {
  scenario: Scenario;
  /** The file it came from (absolute), or null for an inline object. */
  file: string | null;
  /** Directory that relative paths inside the scenario are resolved against. */
  baseDir: string;
}

const EXTENSIONS = ['.json', '.yaml', '.yml'];

/** Directory of the built-in scenarios. */
export function builtInScenarioDir(): string {
  return fileURLToPath(new URL('../../examples/scenarios/', import.meta.url));
}

/** Names of the built-in scenarios (file names without extension), sorted. */
export function builtInScenarioNames(): string[] {
  const dir = builtInScenarioDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => EXTENSIONS.includes(extname(f)))
    .map((f) => basename(f, extname(f)))
    .sort();
}

/** Parse a scenario file's text as YAML (.yaml/.yml) or JSON (anything else). */
function parseScenarioText(text: string, file: string): unknown {
  const ext = extname(file).toLowerCase();
  try {
    // YAML 1.2 is a superset of JSON, but JSON.parse gives the better message for .json files.
    return ext === '.yaml' || ext === '.yml' ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new ConfigError('scenario', `${file}: expected valid ${ext === '.json' ? 'JSON' : 'YAML'}, got ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Read and validate a scenario file. */
export function readScenarioFile(path: string): LoadedScenario {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('scenario', `expected a readable scenario file, got "${path}" (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, {
      hint: `pass a built-in name (${builtInScenarioNames().join(', ') || 'none installed'}) or a .json/.yaml file`,
    });
  }
  const scenario = parseScenario(parseScenarioText(text, file), path);
  return { scenario, file, baseDir: dirname(file) };
}

/** Whether `ref` names a file rather than a built-in scenario. */
function looksLikePath(ref: string): boolean {
  return ref.includes('/') || ref.includes('\\') || EXTENSIONS.includes(extname(ref).toLowerCase()) || (existsSync(ref) && statSync(ref).isFile());
}

/** Find a scenario by built-in name or file path. */
export function loadScenario(ref: string): LoadedScenario {
  if (looksLikePath(ref)) return readScenarioFile(ref);
  const dir = builtInScenarioDir();
  for (const ext of EXTENSIONS) {
    const f = join(dir, `${ref}${ext}`);
    if (existsSync(f)) return readScenarioFile(f);
  }
  throw new ConfigError('scenario', `expected a built-in scenario name or a scenario file, got "${ref}"`, {
    hint: `built-in scenarios: ${builtInScenarioNames().join(', ') || '(none installed)'}; or pass a path to a .json/.yaml file`,
  });
}
