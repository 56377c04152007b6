import { episodeWindow } from './episode-windows.js';
import { ConfigError, EnvStateError } from './errors.js';
import type { SimEnvOptions } from './options.js';
import { Rng } from './rng.js';

/** The options an episode's clock reads (SimEnv's and ApplicationEnv's share them). */
export type EpisodeClockOptions = Pick<SimEnvOptions, 'seed' | 'episodeStart' | 'horizon' | 'pastTraceEnd' | 'stepSeconds'>;

/**
 * The lifecycle and simulated clock of one env's episodes, the part SimEnv and ApplicationEnv
 * run the same way: open/closed, started/done, the reset seeding (a seeder PRNG whose draws
 * seed each episode's PRNG), the episode window, the step's end time and the end-of-step
 * verdict (`terminated` at the controlled deployment's deletion, `truncated` at the horizon or
 * the episode's end), and the lifecycle errors (no call after close(), reset/step only on a
 * synchronous backend, observe/step only after reset), so the two envs' errors cannot drift apart.
 * The envs keep what differs: actions, backend calls, service model, observation.
 *
 * Fields are public for the envs to read on the step path without a call; only the clock
 * writes them, except `lastReward`, which the env sets. No method takes or returns a double:
 * V8 boxes one crossing a call it does not inline (see application-service.ts).
 */
export class EpisodeClock {
  /** The PRNG of the current episode (reseeded by every reset; the backend draws from it). */
  readonly rng: Rng;
  readonly isAsync: boolean;
  readonly backendKind: string;
  /** Index of the current episode (-1 before the first reset). */
  episode = -1;
  /** Steps taken in the current episode. */
  steps = 0;
  /** Simulated seconds now. */
  t = 0;
  /** Where the current episode ends (simulated seconds; Infinity without a horizon). */
  endS = 0;
  /** Where the step under way ends (set by beginStep). */
  stepEnd = 0;
  /** The last step's reward (0 right after reset). */
  lastReward = 0;
  started = false;
  done = false;
  closed = false;

  private readonly seeder: Rng;
  private readonly options: EpisodeClockOptions;
  private readonly stepSeconds: number;
  private readonly horizonSteps: number;

  /**
   * `durationS`: the trace's length; `loadEndS`: where the load ends (Infinity: never);
   * `deletedAtS`: when the trace deletes a controlled deployment (Infinity: never).
   */
  constructor(
    options: EpisodeClockOptions,
    private readonly durationS: number,
    private readonly loadEndS: number,
    private readonly deletedAtS: number,
    backend: { kind: string; synchronous: boolean },
  ) {
    this.options = options;
    this.stepSeconds = options.stepSeconds;
    this.horizonSteps = options.horizon ?? Infinity;
    this.seeder = new Rng(options.seed);
    this.rng = new Rng(options.seed);
    this.isAsync = !backend.synchronous;
    this.backendKind = backend.kind;
  }

  /** Throw unless the env is open: `what` is the call that was attempted. */
  assertOpen(what: string): void {
    if (this.closed) throw new EnvStateError(`expected an open env, got ${what}() after close()`, { hint: 'create a new env with SimEnv.create()' });
  }

  /** Throw unless the env is open and its backend synchronous (reset/step; the kube backend needs the Async forms). */
  assertSync(what: 'reset' | 'step'): void {
    this.assertOpen(what);
    if (this.isAsync) {
      const kind = this.backendKind;
      throw new EnvStateError(`expected ${what}Async() on the ${kind} backend, got ${what}()`, {
        hint: `the ${kind} backend does network IO: await env.${what}Async(...)`,
      });
    }
  }

  /** Throw unless the env is open and an episode has started (`what`: observe). */
  assertObservable(what: string): void {
    this.assertOpen(what);
    if (!this.started) throw new EnvStateError('expected reset() before observe(), got no episode yet', { hint: 'call reset() first' });
  }

  /** Mark the env closed; whether it was open (the env then releases its backend). */
  close(): boolean {
    if (this.closed) return false;
    this.closed = true;
    return true;
  }

  /** Seed the episode's PRNG (from `seed`, else the seeder's next draw) and place its window: `t` is its start. */
  beginReset(seed: number | undefined): void {
    if (seed !== undefined) {
      if (!Number.isFinite(seed)) throw new ConfigError('seed', `expected a finite number as reset seed, got ${seed}`);
      this.seeder.reseed(seed);
    }
    this.rng.reseed(this.seeder.nextUint32());
    const { startS, endS } = episodeWindow(this.options, this.durationS, this.loadEndS, this.rng);
    this.endS = endS;
    this.t = startS;
  }

  /** The backend has reset: a new episode at step 0. */
  finishReset(): void {
    this.episode++;
    this.steps = 0;
    this.started = true;
    this.done = false;
    this.lastReward = 0;
  }

  /** Throw unless an episode is running; set `stepEnd` (one step on, cut at the episode's end). */
  beginStep(): void {
    if (!this.started) throw new EnvStateError('expected reset() before step(), got no episode yet', { hint: 'call env.reset() first' });
    if (this.done) {
      throw new EnvStateError(`expected a running episode, got step() after the episode ended (step ${this.steps})`, {
        hint: 'call env.reset() to start a new episode',
      });
    }
    let end = this.t + this.stepSeconds;
    if (end > this.endS) end = this.endS;
    this.stepEnd = end;
  }

  /** The backend reached `stepEnd`: move the clock there, count the step, write the verdict into `result` and `done`. */
  finishStep(result: { terminated: boolean; truncated: boolean }): void {
    const t = this.stepEnd;
    this.t = t;
    const steps = ++this.steps;
    const terminated = t >= this.deletedAtS;
    const truncated = !terminated && (steps >= this.horizonSteps || t >= this.endS);
    this.done = terminated || truncated;
    result.terminated = terminated;
    result.truncated = truncated;
  }
}
