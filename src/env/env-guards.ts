import { EnvStateError } from './errors.js';

/**
 * The lifecycle rules every env of this package enforces the same way (SimEnv and
 * ApplicationEnv): no call after close(), the synchronous calls only on a synchronous backend,
 * observe() only after reset(). One place, so the two envs' errors cannot drift apart.
 */

/** Throw unless the env is open: `what` is the call that was attempted. */
export function assertOpen(closed: boolean, what: string): void {
  if (closed) throw new EnvStateError(`expected an open env, got ${what}() after close()`, { hint: 'create a new env with SimEnv.create()' });
}

/** Throw unless the env is open and its backend synchronous (reset/step; the kube backend needs the Async forms). */
export function assertSync(closed: boolean, isAsync: boolean, backendKind: string, what: 'reset' | 'step'): void {
  assertOpen(closed, what);
  if (isAsync) {
    throw new EnvStateError(`expected ${what}Async() on the ${backendKind} backend, got ${what}()`, {
      hint: `the ${backendKind} backend does network IO: await env.${what}Async(...)`,
    });
  }
}

/** Throw unless an episode has started (observe before reset). */
export function assertStarted(started: boolean): void {
  if (!started) throw new EnvStateError('expected reset() before observe(), got no episode yet', { hint: 'call reset() first' });
}
