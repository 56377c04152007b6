import { Rng } from './rng.js';
import { Box, Discrete, MultiDiscrete, type ActionSpace } from './spaces.js';
import type { Action, AsyncEnv, MultiAction } from './types.js';

/**
 * An env checker in the spirit of Gymnasium's `check_env`: it drives any `AsyncEnv` through
 * reset and step and reports every broken promise: observations outside the observation space
 * or not finite, rewards not finite, flags not booleans, observe()/reward() disagreeing with
 * the last result, the same seed not giving the same episode, out-of-space actions accepted,
 * stepping past the end of an episode or after close not failing clearly. It uses the async
 * methods, so it checks SimEnv on every backend (kube included).
 */

export interface CheckEnvOptions {
  /** Steps per episode the checker takes at most (default 200). */
  maxSteps?: number;
  /** Seeds compared for determinism (default [0, 1, 2]). */
  seeds?: number[];
  /** Close the env at the end and check that step/reset then fail (default true). */
  checkClose?: boolean;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  /** What went wrong (empty when ok). */
  message: string;
}

export interface EnvCheckReport {
  ok: boolean;
  checks: CheckResult[];
  /** Messages of the failed checks, "name: message". */
  failures: string[];
}

interface Episode {
  observations: Float32Array[];
  rewards: number[];
  ended: boolean;
}

function describeValue(v: unknown): string {
  if (v instanceof Float32Array) return `Float32Array(${v.length}) [${Array.from(v.slice(0, 12)).join(', ')}${v.length > 12 ? ', ...' : ''}]`;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Run every check on `env`; never throws for a failed check (see the report). */
export async function checkEnv(env: AsyncEnv<ActionSpace, unknown>, options: CheckEnvOptions = {}): Promise<EnvCheckReport> {
  const maxSteps = options.maxSteps ?? 200;
  const seeds = options.seeds ?? [0, 1, 2];
  const checks: CheckResult[] = [];
  const check = (name: string, ok: boolean, message: string): boolean => {
    const prior = checks.find((c) => c.name === name);
    if (prior) {
      if (prior.ok && !ok) {
        prior.ok = false;
        prior.message = message;
      }
    } else checks.push({ name, ok, message: ok ? '' : message });
    return ok;
  };
  const guard = async (name: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      check(name, false, `threw ${(err as Error)?.name ?? 'error'}: ${(err as Error)?.message ?? String(err)}`);
    }
  };

  check('spaces', env.observationSpace instanceof Box, `expected observationSpace to be a Box, got ${describeValue(env.observationSpace)}`);
  const discrete = env.actionSpace instanceof Discrete;
  check('spaces', discrete || env.actionSpace instanceof MultiDiscrete, `expected actionSpace to be a Discrete or a MultiDiscrete, got ${describeValue(env.actionSpace)}`);
  if (!(env.observationSpace instanceof Box) || !(discrete || env.actionSpace instanceof MultiDiscrete)) {
    return finish(checks);
  }
  const obsSpace = env.observationSpace;
  const actSpace: ActionSpace = env.actionSpace;
  /** A valid action: the lowest value (of every component). */
  const lowest: Action | MultiAction = actSpace instanceof Discrete ? actSpace.start : Int32Array.from(actSpace.start);
  /** Actions outside the space: past either end, fractional, NaN (and of the wrong length, for MultiDiscrete). */
  const outside: Array<Action | MultiAction> =
    actSpace instanceof Discrete
      ? [actSpace.end + 1, actSpace.start - 1, actSpace.start + 0.5, Number.NaN]
      : [
          Int32Array.from(actSpace.start, (s, i) => (i === 0 ? actSpace.end(0) + 1 : s)),
          Int32Array.from(actSpace.start, (s, i) => (i === actSpace.nvec.length - 1 ? s - 1 : s)),
          Array.from(actSpace.start, (s, i) => (i === 0 ? s + 0.5 : s)),
          Array.from(actSpace.start, (s, i) => (i === 0 ? Number.NaN : s)),
          Int32Array.from(actSpace.start).subarray(1),
        ];
  const show = (a: Action | MultiAction): string => (typeof a === 'number' ? String(a) : `[${Array.from(a).join(', ')}]`);

  const checkObservation = (where: string, obs: unknown): void => {
    if (!check('observation type', obs instanceof Float32Array && obs.length === obsSpace.shape[0], `${where}: expected a Float32Array of length ${obsSpace.shape[0]}, got ${describeValue(obs)}`)) return;
    const arr = obs as Float32Array;
    let finite = true;
    for (let i = 0; i < arr.length; i++) if (!Number.isFinite(arr[i]!)) finite = false;
    check('observation finite', finite, `${where}: expected finite observations, got ${describeValue(arr)}`);
    check('observation in space', obsSpace.contains(arr), `${where}: expected an observation within the observation space, got ${describeValue(arr)}`);
  };

  /** Play one episode from `seed` with seeded random actions; record copies. */
  const play = async (seed: number, actionSeed: number): Promise<Episode> => {
    const ep: Episode = { observations: [], rewards: [], ended: false };
    const reset = await env.resetAsync({ seed });
    check('reset result', typeof reset === 'object' && reset !== null && typeof reset.info === 'object', `expected reset to return { observation, info }, got ${describeValue(reset)}`);
    checkObservation(`reset(seed ${seed})`, reset.observation);
    ep.observations.push(Float32Array.from(reset.observation));
    const o = env.observe();
    check('observe', o.length === reset.observation.length && o.every((v, i) => Object.is(v, reset.observation[i])), 'expected observe() after reset to equal the reset observation');
    const rng = new Rng(actionSeed);
    for (let i = 0; i < maxSteps; i++) {
      const action = actSpace.sample(rng);
      check('action sample', actSpace.contains(action), `expected actionSpace.sample() to be in the space, got ${show(action)}`);
      const r = await env.stepAsync(action);
      const where = `step ${i + 1} (seed ${seed})`;
      checkObservation(where, r.observation);
      check('reward finite', typeof r.reward === 'number' && Number.isFinite(r.reward), `${where}: expected a finite number reward, got ${describeValue(r.reward)}`);
      check('flags', typeof r.terminated === 'boolean' && typeof r.truncated === 'boolean', `${where}: expected boolean terminated/truncated, got ${describeValue(r.terminated)}/${describeValue(r.truncated)}`);
      check('info', typeof r.info === 'object' && r.info !== null, `${where}: expected an info object, got ${describeValue(r.info)}`);
      const o = env.observe();
      check('observe', o.every((v, k) => Object.is(v, r.observation[k])), `${where}: expected observe() to equal the last step's observation`);
      check('reward()', Object.is(env.reward(), r.reward), `${where}: expected reward() to equal the last step's reward ${r.reward}, got ${describeValue(env.reward())}`);
      ep.observations.push(Float32Array.from(r.observation));
      ep.rewards.push(r.reward);
      if (r.terminated || r.truncated) {
        ep.ended = true;
        break;
      }
    }
    return ep;
  };

  const same = (a: Episode, b: Episode): string => {
    if (a.observations.length !== b.observations.length) return `episode lengths differ: ${a.observations.length} vs ${b.observations.length} observations`;
    for (let i = 0; i < a.observations.length; i++) {
      const x = a.observations[i]!;
      const y = b.observations[i]!;
      for (let k = 0; k < x.length; k++) {
        if (!Object.is(x[k], y[k])) return `observation ${i} differs at component ${k}: ${x[k]} vs ${y[k]}`;
      }
    }
    for (let i = 0; i < a.rewards.length; i++) {
      if (!Object.is(a.rewards[i], b.rewards[i])) return `reward ${i + 1} differs: ${a.rewards[i]} vs ${b.rewards[i]}`;
    }
    return '';
  };

  let lastEnded = false;
  for (const seed of seeds) {
    await guard('episode', async () => {
      const a = await play(seed, 1000 + seed);
      const b = await play(seed, 1000 + seed);
      const diff = same(a, b);
      check('determinism', diff === '', `seed ${seed}: expected the same seed and actions to give the same episode, got ${diff}`);
      lastEnded = b.ended;
    });
  }
  check('episode', true, '');

  // The env is now at the end of an episode (if it ended within maxSteps): stepping must fail.
  if (lastEnded) {
    await guard('step after end', async () => {
      const threw = await throwsAsync(() => env.stepAsync(lowest));
      check('step after end', threw !== null && threw.message.length > 0, 'expected step after the episode ended to throw a clear error, got no error');
    });
  }

  await guard('invalid action', async () => {
    await env.resetAsync({ seed: seeds[0] ?? 0 });
    for (const a of outside) {
      const threw = await throwsAsync(() => env.stepAsync(a));
      check('invalid action', threw !== null, `expected an action outside the space (${show(a)}) to throw, got no error`);
    }
  });

  if (options.checkClose ?? true) {
    await guard('close', async () => {
      await env.close();
      await env.close();
      const s = await throwsAsync(() => env.stepAsync(lowest));
      check('step after close', s !== null && /close/i.test(s.message), `expected step after close to throw an error mentioning close, got ${s ? s.message : 'no error'}`);
      const r = await throwsAsync(() => env.resetAsync());
      check('reset after close', r !== null && /close/i.test(r.message), `expected reset after close to throw an error mentioning close, got ${r ? r.message : 'no error'}`);
    });
  }
  return finish(checks);
}

async function throwsAsync(fn: () => Promise<unknown>): Promise<Error | null> {
  try {
    await fn();
    return null;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

function finish(checks: CheckResult[]): EnvCheckReport {
  const failures = checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.message}`);
  return { ok: failures.length === 0, checks, failures };
}
