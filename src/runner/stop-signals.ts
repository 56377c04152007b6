/**
 * The signals that stop a run or a training cleanly (finish the step in flight, write the
 * logs and an `interrupted` summary) and the exit code each ends with (128 + its number, as a
 * shell reports a process killed by it). SIGHUP: the terminal went away. SIGPIPE: the reader
 * of stdout or stderr went away; Node ignores the real signal, so the CLI's closed-pipe
 * handler (bin.ts) raises it on itself when a write fails with EPIPE.
 */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGPIPE'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

export const STOP_SIGNAL_EXIT: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129, SIGPIPE: 141 };

/** Exit code of a run interrupted by `signal` (130 when unknown). */
export function exitCodeOf(signal: string | null | undefined): number {
  return (STOP_SIGNAL_EXIT as Record<string, number>)[signal ?? ''] ?? 130;
}

/**
 * Call `handler` on every stop signal; returns the function that removes it. A second SIGPIPE
 * does not count as "again" (writes to a closed pipe keep failing): the handler sees it once.
 */
export function onStopSignals(handler: (sig: StopSignal) => void): () => void {
  let piped = false;
  const listeners = STOP_SIGNALS.map((sig) => {
    const l = (): void => {
      if (sig === 'SIGPIPE') {
        if (piped) return;
        piped = true;
      }
      handler(sig);
    };
    process.on(sig, l);
    return [sig, l] as const;
  });
  return () => {
    for (const [sig, l] of listeners) process.off(sig, l);
  };
}
