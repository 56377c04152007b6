/**
 * Every error simenv raises on purpose is a SimEnvError, so callers (and the CLI) can tell a
 * user-facing problem from a bug. Messages read "expected X, got Y" and say what to do.
 */
export class SimEnvError extends Error {
  /** A stable machine-readable code, e.g. `TRACE_FORMAT`. */
  readonly code: string;
  /** What the user can do about it, when there is something to say. */
  readonly hint?: string;

  constructor(code: string, message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.code = code;
    this.hint = options?.hint;
  }

  /** The one-line (or few-line) text the CLI prints: message plus hint. */
  userMessage(): string {
    return this.hint ? `${this.message}\n  fix: ${this.hint}` : this.message;
  }
}

/** A trace file or object that does not match SimKube's v2 format; `path` points into it. */
export class TraceFormatError extends SimEnvError {
  readonly path: string;
  readonly file?: string;
  /** The message without the file and path in front ("expected X, got Y ..."). */
  readonly detail: string;

  constructor(path: string, message: string, options?: { hint?: string; cause?: unknown; file?: string }) {
    const where = [options?.file, path].filter((s) => s !== undefined && s !== '').join(' at ');
    super('TRACE_FORMAT', where ? `${where}: ${message}` : message, options);
    this.path = path;
    this.file = options?.file;
    this.detail = message;
  }
}

/** A trace whose `version` is not the one simenv (and SimKube) reads. */
export class TraceVersionError extends TraceFormatError {
  readonly version: unknown;

  constructor(version: unknown, message: string, options?: { hint?: string; file?: string }) {
    super('version', message, options);
    this.version = version;
  }
}

/**
 * Several trace problems found in one pass, each named by its path (`readTrace` collects
 * them all). A TraceFormatError, so callers catching one catch both.
 */
export class TraceValidationError extends TraceFormatError {
  readonly problems: TraceFormatError[];

  constructor(problems: TraceFormatError[], file?: string, omitted = 0) {
    const head = `${problems.length + omitted} problem${problems.length + omitted === 1 ? '' : 's'}`;
    const lines = problems.map((p) => `  - ${p.path ? `${p.path}: ${p.detail}` : p.detail}`);
    if (omitted > 0) lines.push(`  - ... and ${omitted} more problems (only the first ${problems.length} are listed)`);
    super('', [head, ...lines].join('\n'), { file });
    this.problems = problems;
  }
}

/** Options that fail validation; `field` names the offending option. */
export class ConfigError extends SimEnvError {
  readonly field: string;

  constructor(field: string, message: string, options?: { hint?: string; cause?: unknown }) {
    super('CONFIG', field ? `${field}: ${message}` : message, options);
    this.field = field;
  }
}

/** An action outside the env's action space. */
export class InvalidActionError extends SimEnvError {
  constructor(message: string, options?: { hint?: string }) {
    super('INVALID_ACTION', message, options);
  }
}

/** A call that the env's state does not allow (step after close, step after the episode ended). */
export class EnvStateError extends SimEnvError {
  constructor(message: string, options?: { hint?: string }) {
    super('ENV_STATE', message, options);
  }
}

/** The controlled deployment (or another named object) is not in the trace. */
export class UnknownWorkloadError extends SimEnvError {
  readonly available: string[];

  constructor(name: string, available: string[], options?: { hint?: string }) {
    const list = available.length > 0 ? available.join(', ') : '(none)';
    super('UNKNOWN_WORKLOAD', `expected a deployment the trace has, got "${name}"; the trace has: ${list}`, {
      hint: options?.hint ?? 'pass one of the listed names as NAMESPACE/NAME',
    });
    this.available = available;
  }
}

/** A kube-backend check that failed before anything was created; `fix` says what to do. */
export class PreflightError extends SimEnvError {
  readonly check: string;
  readonly fix: string;

  constructor(check: string, message: string, fix: string, options?: { cause?: unknown }) {
    super('PREFLIGHT', `preflight ${check}: ${message}`, { hint: fix, cause: options?.cause });
    this.check = check;
    this.fix = fix;
  }
}

/** The Kubernetes API answered with an error or not at all. */
export class ClusterError extends SimEnvError {
  readonly status?: number;

  constructor(message: string, options?: { hint?: string; cause?: unknown; status?: number }) {
    super('CLUSTER', message, options);
    this.status = options?.status;
  }
}

/** A bounded wait ran out. */
export class TimeoutError extends SimEnvError {
  constructor(what: string, timeoutMs: number, options?: { hint?: string }) {
    super('TIMEOUT', `timed out after ${Math.round(timeoutMs / 100) / 10}s waiting for ${what}`, options);
  }
}

/** A saved policy or checkpoint that cannot be loaded. */
export class PolicyError extends SimEnvError {
  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super('POLICY', message, options);
  }
}

/** A CLI usage problem (unknown flag, missing argument): exit code 2. */
export class UsageError extends SimEnvError {
  constructor(message: string, options?: { hint?: string }) {
    super('USAGE', message, options);
  }
}

/** Render any thrown value as the text a CLI user should see. */
export function describeError(err: unknown): string {
  if (err instanceof SimEnvError) return err.userMessage();
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
