import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';

/** Largest whole file a report reads into memory (config, summary, eval.json, train.jsonl). */
export const MAX_REPORT_FILE_BYTES = 400 * 1024 * 1024;

/**
 * The text of `path`, read whole, only when it is a regular file of at most `maxBytes`: a
 * FIFO would block the reader forever, a device or a huge file would not end. Throws an
 * Error whose message says which (the loaders turn it into a noted problem).
 */
export function readRegularText(path: string, maxBytes = MAX_REPORT_FILE_BYTES): string {
  const st = statSync(path);
  if (!st.isFile()) throw new Error(`expected a regular file, got ${st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : 'a special file'}`);
  if (st.size > maxBytes) throw new Error(`expected at most ${maxBytes} bytes, got ${st.size}`);
  // A BOM (an editor's) is not JSON.
  return readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
}

/** `path` parsed as JSON, or null with `<file>: could not be read as JSON (why)` noted in `problems`. */
export function readJsonNoted(path: string, problems: string[]): unknown {
  try {
    return JSON.parse(readRegularText(path));
  } catch (err) {
    problems.push(`${basename(path)}: could not be read as JSON (${(err as Error).message})`);
    return null;
  }
}
