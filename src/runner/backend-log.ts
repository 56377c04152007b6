/**
 * The backend's progress lines (kube: preflight warnings, settle time, retries, falling behind
 * the wall clock) on stderr, each prefixed `[backend] `, in human and --json mode alike, so
 * stdout stays the phases or the one JSON document; --quiet means errors only.
 */

/** Prefix of the backend's log lines on stderr. */
export const BACKEND_LOG_PREFIX = '[backend] ';

/** The backend's log function for a run, or undefined with --quiet; `before` runs first (e.g. clearing a progress bar). */
export function backendLogger(stderr: { write: (text: string) => unknown }, quiet: boolean, before?: () => void): ((message: string) => void) | undefined {
  if (quiet) return undefined;
  return (message: string): void => {
    before?.();
    stderr.write(message.split('\n').map((l) => `${BACKEND_LOG_PREFIX}${l}\n`).join(''));
  };
}
