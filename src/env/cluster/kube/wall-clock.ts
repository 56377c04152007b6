/**
 * Real time for the kube backend. The env's determinism rule (no wall clock) holds for the
 * memory backend; a real cluster runs in real time, so this module is the one place the kube
 * backend reads the clock and sleeps. Tests substitute a manual clock.
 */
export interface Clock {
  /** Milliseconds on a monotonic clock. */
  nowMs(): number;
  /** Resolve after `ms` (at once for ms <= 0); rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The process's monotonic clock and timers. */
export const wallClock: Clock = {
  nowMs: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      if (ms <= 0) return resolve();
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
