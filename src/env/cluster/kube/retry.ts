import { isTransient, retryAfterMs } from './api-errors.js';
import type { Clock } from './wall-clock.js';

/** How often and how patiently to retry a request that failed transiently. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * The delay before retry number `retry` (1-based): exponential, capped, and never shorter
 * than the server's Retry-After. Deterministic (no jitter): runs are few and small, and a
 * reproducible schedule is easier to reason about in logs than a randomised one.
 */
export function backoffDelayMs(policy: RetryPolicy, retry: number, err?: unknown): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  const server = err !== undefined ? retryAfterMs(err) : undefined;
  return server !== undefined ? Math.min(Math.max(exp, server), Math.max(policy.maxDelayMs, exp)) : exp;
}

/**
 * Run `fn`, retrying transient failures (429, 5xx, reset/refused connections, our request
 * timeout) with backoff; anything else, or the last failure, is rethrown as is.
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  policy: RetryPolicy,
  clock: Clock,
  onRetry?: (err: unknown, retry: number, delayMs: number) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= policy.attempts || !isTransient(err)) throw err;
      const delay = backoffDelayMs(policy, attempt, err);
      onRetry?.(err, attempt, delay);
      await clock.sleep(delay);
    }
  }
}
