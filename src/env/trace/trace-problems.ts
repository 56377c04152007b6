import { TraceFormatError, TraceValidationError } from '../errors.js';
import { LIMITS } from '../limits.js';

/**
 * How trace problems are reported: the sink that throws the first or collects them all, the
 * path and value renderings every "expected X, got Y" message uses, and the depth guard the
 * readers share. The structural check itself is trace-validate.ts.
 */

/** Problems listed before `validate` stops counting them one by one. */
const PROBLEM_LIMIT = 100;
/** Where problems go: thrown at once (`throw`) or collected (`collect`). */
export class ProblemSink {
  readonly problems: TraceFormatError[] = [];
  /** Problems beyond PROBLEM_LIMIT, counted but not kept. */
  dropped = 0;
  /** Things worth telling the user that do not make the trace invalid. */
  readonly warnings: string[] = [];

  constructor(
    readonly mode: 'throw' | 'collect',
    readonly file?: string,
  ) {}

  /** Record a problem at `path` ("expected X, got Y ..."). */
  report(path: string, message: string): void {
    this.add(new TraceFormatError(path, message, { file: this.file }));
  }

  /** Record an already-built error (e.g. a TraceVersionError). */
  add(err: TraceFormatError): void {
    if (this.mode === 'throw') throw err;
    if (this.problems.length < PROBLEM_LIMIT) this.problems.push(err);
    else this.dropped++;
  }

  get ok(): boolean {
    return this.problems.length === 0 && this.dropped === 0;
  }

  /** Throw what was collected: the one problem itself, or all of them in a TraceValidationError. */
  throwCollected(): never {
    if (this.problems.length === 1 && this.dropped === 0) throw this.problems[0]!;
    throw new TraceValidationError(this.problems, this.file, this.dropped);
  }
}

/** Render a path such as `events[12].applied_objs[3].metadata` or `index["apps/v1.Deployment"]`. */
export function formatPath(segments: ReadonlyArray<string | number>): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** A short description of a value for "got ..." (never the whole value). */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'none (the field is missing)';
  if (v === null) return 'null';
  if (typeof v === 'string') return `a string (${v.length > 40 ? `${JSON.stringify(v.slice(0, 37)).slice(0, -1)}..."` : JSON.stringify(v)})`;
  if (typeof v === 'number') return Number.isInteger(v) ? `the integer ${v}` : `the number ${v}`;
  if (typeof v === 'bigint') return `the integer ${v}`;
  if (typeof v === 'boolean') return `${v}`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v instanceof Map) return `a map with non-string keys (${v.size} entr${v.size === 1 ? 'y' : 'ies'})`;
  if (typeof v === 'object') {
    const keys = Object.keys(v);
    const shown = keys.slice(0, 4).map((k) => JSON.stringify(k)).join(', ');
    return keys.length === 0 ? 'an empty map' : `a map with keys ${shown}${keys.length > 4 ? ', ...' : ''}`;
  }
  return `a ${typeof v}`;
}

/**
 * The path of the first value nested deeper than LIMITS.traceDepth levels (the root map is
 * level 1, as the msgpack reader counts), or undefined. Recursion stops at the limit.
 */
export function tooDeepPath(v: unknown, path: Array<string | number> = [], depth = 0): string | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  if (depth + 1 > LIMITS.traceDepth) return formatPath(path);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = tooDeepPath(v[i], [...path, i], depth + 1);
      if (p !== undefined) return p;
    }
  } else if (v instanceof Map) {
    for (const [k, x] of v) {
      const p = tooDeepPath(x, [...path, String(k)], depth + 1);
      if (p !== undefined) return p;
    }
  } else {
    for (const k in v as Record<string, unknown>) {
      const p = tooDeepPath((v as Record<string, unknown>)[k], [...path, k], depth + 1);
      if (p !== undefined) return p;
    }
  }
  return undefined;
}

/** True for a string-keyed map (what plain JS objects are in a decoded trace). */
export function isPlainMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map);
}

