import { PreflightError } from '../../errors.js';

/**
 * The reports of `simenv preflight` and `simenv setup` and how they print. Kept apart from
 * the modules that produce them so programs can format a report (and the public index can
 * export these) without loading @kubernetes/client-node.
 */

/** `ok`; `warn`: works but deserves a look (never a silent pass); `fail`: the run would fail; `skip`: not checked. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** One preflight check: what it found and, when it did not pass, the fix. */
export interface CheckResult {
  check: string;
  status: CheckStatus;
  message: string;
  fix?: string;
}

/** Every check of one preflight run. */
export interface PreflightReport {
  /** API server address, when the kubeconfig resolved. */
  server?: string;
  context?: string;
  namespace?: string;
  /** Who the credentials authenticate as (SelfSubjectReview), when the server says. */
  user?: string;
  results: CheckResult[];
  /** No check failed (warnings allowed). */
  ok: boolean;
}

/** What setup did with one object (`missing`: a Secret it could neither find nor copy). */
export type SetupAction = 'created' | 'updated' | 'unchanged' | 'missing';

/** One object setup ensured. */
export interface SetupItem {
  kind: string;
  name: string;
  namespace?: string;
  action: SetupAction;
  note?: string;
}

/** Everything one setup run ensured. */
export interface SetupReport {
  server: string;
  serviceAccount: string;
  items: SetupItem[];
  /** Something was created or updated. */
  changed: boolean;
  /** A Secret to require could not be found or copied. */
  incomplete: boolean;
}

/** The report as the CLI prints it: one line per check, the fix indented under failures and warnings. */
export function formatPreflightReport(report: PreflightReport): string {
  const tag: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' };
  const lines: string[] = [];
  const indent = ' '.repeat(24);
  const block = (text: string): string => text.split('\n').map((l, i) => (i === 0 ? l : `${indent}${l}`)).join('\n');
  for (const r of report.results) {
    lines.push(`${tag[r.status]} ${r.check.padEnd(18)} ${block(r.message)}`);
    if (r.fix && (r.status === 'fail' || r.status === 'warn')) lines.push(`${indent}fix: ${block(r.fix)}`);
  }
  const fails = report.results.filter((r) => r.status === 'fail').length;
  const warns = report.results.filter((r) => r.status === 'warn').length;
  lines.push(fails === 0 ? `preflight passed${warns ? ` with ${warns} warning${warns === 1 ? '' : 's'}` : ''}` : `preflight failed: ${fails} check${fails === 1 ? '' : 's'} failed`);
  return lines.join('\n');
}

/** The first failure of a report as a PreflightError (naming the others), or undefined when it passed. */
export function preflightError(report: PreflightReport): PreflightError | undefined {
  const fails = report.results.filter((r) => r.status === 'fail');
  if (fails.length === 0) return undefined;
  const first = fails[0]!;
  const more = fails.length > 1 ? ` (also failing: ${fails.slice(1).map((f) => f.check).join(', ')}; run \`simenv preflight\` for the full report)` : '';
  return new PreflightError(first.check, `${first.message}${more}`, first.fix ?? 'run `simenv preflight` for details');
}

/** The setup report as the CLI prints it: one line per object, then the verdict. */
export function formatSetupReport(r: SetupReport): string {
  const lines = r.items.map((i) => `${i.action.padEnd(9)} ${i.kind} ${i.namespace ? `${i.namespace}/` : ''}${i.name}${i.note ? `  (${i.note})` : ''}`);
  lines.push(
    r.incomplete
      ? 'setup incomplete: some Secrets are missing (see above)'
      : r.changed
        ? `setup done at ${r.server}: ServiceAccount ${r.serviceAccount} has exactly the run's permissions (no cluster-admin)`
        : `setup unchanged at ${r.server}: everything was already in place`,
  );
  return lines.join('\n');
}

/** What kubeTeardown deleted. */
export interface TeardownReport {
  /** Objects found per resource before deleting (ReplicaSets: left to the garbage collector). */
  deleted: Record<string, number>;
  /** Milliseconds until nothing labelled was left. */
  elapsedMs: number;
}
