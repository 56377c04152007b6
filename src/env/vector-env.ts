import { ConfigError, EnvStateError, InvalidActionError } from './errors.js';
import { OBSERVATION_SIZE } from './observation.js';
import type { SimEnvOptionsInput } from './options.js';
import { SimEnv } from './sim-env.js';
import type { Box, Discrete } from './spaces.js';
import { emptyStepInfo, storeFinal, storeStep } from './step-info.js';
import { readTrace as readTraceFile } from './trace/trace-codec.js';
import type { ResetResult, StepInfo, StepResult } from './types.js';

export { copyStepInfo, emptyStepInfo } from './step-info.js';

/**
 * N SimEnvs stepping in lockstep, with batched observations for training throughput.
 *
 * `observations` is one Float32Array of N x obsDim (env i at offset i x obsDim), `rewards` a
 * Float64Array, `terminated`/`truncated` Uint8Arrays; all are reused every call.
 *
 * Autoreset (`autoreset` option):
 * - `next-step` (default, Gymnasium 1.x's default): when env i ends at step t, its slot shows
 *   the final observation and flags of step t. At step t+1 the action for env i is ignored,
 *   env i is reset instead, and its slot holds the reset observation with reward 0 and both
 *   flags false. (`info.step` is 0 for that slot, so loggers can tell.)
 * - `same-step`: env i is reset within step t itself; its slot holds the reset observation,
 *   the flags and reward of the ending step, and the final observation is copied into
 *   `finalObservations` (same layout) and the final info into `finalInfos[i]`, with
 *   `hasFinal[i] = 1`; `infos[i]` already describes the new episode.
 * - `disabled`: an ended env is not reset; stepping it again throws (reset the vector).
 *
 * Env i is created with seed `options.seed + i`, and `reset({seed})` resets env i with
 * `seed + i`, so the batch is reproducible and its members differ.
 */

export type AutoresetMode = 'next-step' | 'same-step' | 'disabled';

export interface VectorEnvOptions {
  /** Number of envs (ignored when `options` is an array, one per env). */
  numEnvs: number;
  autoreset?: AutoresetMode;
}

export interface VectorStepResult {
  observations: Float32Array;
  rewards: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  infos: StepInfo[];
}

export class VectorEnv {
  readonly numEnvs: number;
  readonly envs: readonly SimEnv[];
  readonly singleObservationSpace: Box;
  readonly singleActionSpace: Discrete;
  readonly autoreset: AutoresetMode;
  /** Observation length per env. */
  readonly obsDim = OBSERVATION_SIZE;
  readonly observations: Float32Array;
  readonly rewards: Float64Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** same-step mode: final observations of envs that ended in the last step. */
  readonly finalObservations: Float32Array;
  readonly hasFinal: Uint8Array;
  /** same-step mode: copies of the final step's info of envs that ended (valid where hasFinal[i] = 1). */
  readonly finalInfos: StepInfo[];
  readonly infos: StepInfo[];
  private readonly needsReset: Uint8Array;
  private readonly result: VectorStepResult;
  private started = false;

  /** Create `numEnvs` envs from one options object (or one env per options object). */
  static async create(options: SimEnvOptionsInput | SimEnvOptionsInput[], vectorOptions: VectorEnvOptions): Promise<VectorEnv> {
    const list = Array.isArray(options) ? options : Array.from({ length: vectorOptions.numEnvs }, () => options);
    if (list.length < 1 || !Number.isInteger(list.length)) {
      throw new ConfigError('numEnvs', `expected at least 1 env, got ${Array.isArray(options) ? list.length : vectorOptions.numEnvs}`);
    }
    // Decode a shared trace file once, not once per env.
    const traces = new Map<string, Awaited<ReturnType<typeof readTraceFile>>>();
    const envs: SimEnv[] = [];
    try {
      for (let i = 0; i < list.length; i++) {
        const o = list[i]!;
        let preloaded;
        if (typeof o.trace === 'string') {
          preloaded = traces.get(o.trace);
          if (!preloaded) {
            try {
              preloaded = await readTraceFile(o.trace);
              traces.set(o.trace, preloaded);
            } catch {
              preloaded = undefined; // SimEnv.create reports it with the right error
            }
          }
        }
        envs.push(await SimEnv.create({ ...o, seed: (o.seed ?? 0) + i }, preloaded !== undefined ? { preloadedTrace: preloaded } : undefined));
      }
    } catch (err) {
      await Promise.all(envs.map((e) => e.close()));
      throw err;
    }
    return new VectorEnv(envs, vectorOptions.autoreset ?? 'next-step');
  }

  constructor(envs: SimEnv[], autoreset: AutoresetMode = 'next-step') {
    if (envs.length === 0) throw new ConfigError('numEnvs', 'expected at least 1 env, got 0');
    const first = envs[0]!;
    for (const e of envs) {
      if (e.actionSpace.n !== first.actionSpace.n || e.actionSpace.start !== first.actionSpace.start) {
        throw new ConfigError('actionSpace', `expected every env to share one action space, got ${JSON.stringify(e.actionSpace.toJSON())} and ${JSON.stringify(first.actionSpace.toJSON())}`);
      }
    }
    this.envs = envs;
    this.numEnvs = envs.length;
    this.autoreset = autoreset;
    this.singleObservationSpace = first.observationSpace;
    this.singleActionSpace = first.actionSpace;
    const n = envs.length;
    this.observations = new Float32Array(n * OBSERVATION_SIZE);
    this.finalObservations = new Float32Array(n * OBSERVATION_SIZE);
    this.hasFinal = new Uint8Array(n);
    this.rewards = new Float64Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.needsReset = new Uint8Array(n);
    this.infos = new Array<StepInfo>(n);
    this.finalInfos = Array.from({ length: n }, () => emptyStepInfo());
    this.result = {
      observations: this.observations,
      rewards: this.rewards,
      terminated: this.terminated,
      truncated: this.truncated,
      infos: this.infos,
    };
  }

  /** Reset every env (env i with `seed + i` when a seed is given). */
  reset(opts?: { seed?: number }): { observations: Float32Array; infos: StepInfo[] } {
    for (let i = 0; i < this.numEnvs; i++) {
      const r = this.envs[i]!.reset(opts?.seed !== undefined ? { seed: opts.seed + i } : undefined);
      this.observations.set(r.observation, i * OBSERVATION_SIZE);
      this.infos[i] = r.info;
    }
    this.clearFlags();
    this.started = true;
    return { observations: this.observations, infos: this.infos };
  }

  /** Async reset (any backend); envs reset concurrently. */
  async resetAsync(opts?: { seed?: number }): Promise<{ observations: Float32Array; infos: StepInfo[] }> {
    const rs = await Promise.all(this.envs.map((e, i) => e.resetAsync(opts?.seed !== undefined ? { seed: opts.seed + i } : undefined)));
    rs.forEach((r, i) => {
      this.observations.set(r.observation, i * OBSERVATION_SIZE);
      this.infos[i] = r.info;
    });
    this.clearFlags();
    this.started = true;
    return { observations: this.observations, infos: this.infos };
  }

  /** Step every env with `actions[i]` (sync; memory backend). Buffers are reused. */
  step(actions: ArrayLike<number>): VectorStepResult {
    this.checkActions(actions);
    this.hasFinal.fill(0);
    for (let i = 0; i < this.numEnvs; i++) {
      const env = this.envs[i]!;
      if (this.endedLastStep(i)) {
        this.storeReset(i, env.reset());
      } else if (this.storeStepped(i, env.step(actions[i]!))) {
        this.observations.set(env.reset().observation, i * OBSERVATION_SIZE);
      }
    }
    return this.result;
  }

  /** Async step (any backend); envs step concurrently, same autoreset rules. */
  async stepAsync(actions: ArrayLike<number>): Promise<VectorStepResult> {
    this.checkActions(actions);
    this.hasFinal.fill(0);
    await Promise.all(
      this.envs.map(async (env, i) => {
        if (this.endedLastStep(i)) {
          this.storeReset(i, await env.resetAsync());
        } else if (this.storeStepped(i, await env.stepAsync(actions[i]!))) {
          this.observations.set((await env.resetAsync()).observation, i * OBSERVATION_SIZE);
        }
      }),
    );
    return this.result;
  }

  /** Observation of env i (a view into the batch; valid until the next step). */
  observationOf(i: number): Float32Array {
    return this.observations.subarray(i * OBSERVATION_SIZE, (i + 1) * OBSERVATION_SIZE);
  }

  /** Close every env. Idempotent. */
  async close(): Promise<void> {
    await Promise.all(this.envs.map((e) => e.close()));
  }

  /** Whether env i's episode ended in the last step and waits for its next-step reset (an error when autoreset is disabled). */
  private endedLastStep(i: number): boolean {
    if (this.needsReset[i] !== 1) return false;
    if (this.autoreset === 'disabled') throw new EnvStateError(`expected env ${i} to be running, got a step after its episode ended`, { hint: 'reset the vector env (autoreset is disabled)' });
    return true;
  }

  /** next-step autoreset: slot i shows env i's reset observation and info, reward 0 and both flags false. */
  private storeReset(i: number, r: ResetResult): void {
    this.needsReset[i] = 0;
    this.observations.set(r.observation, i * OBSERVATION_SIZE);
    this.infos[i] = r.info;
    this.rewards[i] = 0;
    this.terminated[i] = 0;
    this.truncated[i] = 0;
  }

  /**
   * Store env i's step in slot i. True when same-step autoreset must reset env i now (its final
   * observation and info are kept; the caller resets it and stores the reset observation).
   */
  private storeStepped(i: number, r: StepResult): boolean {
    const off = i * OBSERVATION_SIZE;
    const ended = storeStep(this, i, r);
    if (ended && this.autoreset === 'same-step') {
      storeFinal(this, i, off, r);
      return true;
    }
    this.observations.set(r.observation, off);
    if (ended) this.needsReset[i] = 1;
    return false;
  }

  private clearFlags(): void {
    this.rewards.fill(0);
    this.terminated.fill(0);
    this.truncated.fill(0);
    this.needsReset.fill(0);
    this.hasFinal.fill(0);
  }

  private checkActions(actions: ArrayLike<number>): void {
    if (!this.started) throw new EnvStateError('expected reset() before step(), got no episode yet', { hint: 'call vec.reset() first' });
    if (actions.length !== this.numEnvs) {
      throw new InvalidActionError(`expected ${this.numEnvs} actions (one per env), got ${actions.length}`);
    }
  }
}
