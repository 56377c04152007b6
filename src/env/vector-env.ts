import type { ApplicationEnv } from './application/application-env.js';
import type { ApplicationOptionsInput } from './application/application-options.js';
import { ConfigError, EnvStateError, InvalidActionError } from './errors.js';
import type { SimEnvOptionsInput } from './options.js';
import { SimEnv } from './sim-env.js';
import { Box, MultiDiscrete, type ActionSpace } from './spaces.js';
import { infoCopierFor, storeFinal, storeStep, type InfoCopier } from './step-info.js';
import { readTrace } from './trace/trace-codec.js';
import type { AsyncEnv, InfoOf, MultiAction, ResetResult, StepInfo, StepResult, SyncEnv } from './types.js';

/**
 * N envs stepping in lockstep, with batched observations for training throughput. Any
 * `SyncEnv` will do (SimEnvs, ApplicationEnvs, wrapped envs, toy envs); `create` builds
 * SimEnvs, or ApplicationEnvs from options with `deployments`.
 *
 * Actions: with a `Discrete` action space, `step` takes one action per env; with a
 * `MultiDiscrete` one (an application: one component per deployment) it takes a flat array
 * of numEnvs x components, env i's vector at offset i x components (copied into a per-env
 * buffer the env reads, so the caller's array may be reused). `actionSpace` is that batch as
 * one flat `MultiDiscrete`, `observationSpace` the batch of observations as one flat `Box`.
 * Infos are whatever the envs return (StepInfo, ApplicationStepInfo, ...).
 *
 * `observations` is one Float32Array of N x obsDim (env i at offset i x obsDim), `rewards` a
 * Float64Array, `terminated`/`truncated` Uint8Arrays; all are reused every call. With
 * `copy: true` (Gymnasium's vector `copy`), reset and step instead return fresh arrays and
 * info copies the caller owns; the reused fields on the VectorEnv are filled either way.
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
 * `create` makes env i with seed `options.seed + i`, and `reset({seed})` resets env i with
 * `seed + i`, so the batch is reproducible and its members differ.
 */

export type AutoresetMode = 'next-step' | 'same-step' | 'disabled';

/** How the batch steps its envs. */
export interface VectorSettings {
  autoreset?: AutoresetMode;
  /** Return owned copies from reset/step instead of the reused buffers (default false: no allocation per step). */
  copy?: boolean;
}

export interface VectorEnvOptions extends VectorSettings {
  /** Number of envs (ignored when `options` is an array, one per env). */
  numEnvs: number;
}

export interface VectorStepResult<I = StepInfo> {
  observations: Float32Array;
  rewards: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  infos: I[];
}

export interface VectorResetResult<I = StepInfo> {
  observations: Float32Array;
  infos: I[];
}

/** Any env a batch can hold: one deployment (Discrete) or several (MultiDiscrete), any info. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type BatchableEnv = SyncEnv<ActionSpace, any>;

/**
 * Create one SimEnv per options object (an ApplicationEnv per options object with
 * `deployments`), env i with seed `seed + i`; a trace file shared by several envs is decoded
 * once. On a failure the envs already made are closed.
 */
export async function createSimEnvs(list: readonly ApplicationOptionsInput[]): Promise<ApplicationEnv[]>;
export async function createSimEnvs(list: readonly SimEnvOptionsInput[]): Promise<SimEnv[]>;
export async function createSimEnvs(list: readonly (SimEnvOptionsInput | ApplicationOptionsInput)[]): Promise<Array<SimEnv | ApplicationEnv>>;
export async function createSimEnvs(list: readonly (SimEnvOptionsInput | ApplicationOptionsInput)[]): Promise<Array<SimEnv | ApplicationEnv>> {
  if (list.length < 1) throw new ConfigError('numEnvs', `expected at least 1 env, got ${list.length}`);
  const traces = new Map<string, Awaited<ReturnType<typeof readTrace>>>();
  const envs: Array<SimEnv | ApplicationEnv> = [];
  try {
    for (let i = 0; i < list.length; i++) {
      const o = list[i]!;
      let preloaded;
      if (typeof o.trace === 'string') {
        preloaded = traces.get(o.trace);
        if (!preloaded) {
          try {
            preloaded = readTrace(o.trace);
            traces.set(o.trace, preloaded);
          } catch {
            preloaded = undefined; // SimEnv.create reports it with the right error
          }
        }
      }
      const internal = preloaded !== undefined ? { preloadedTrace: preloaded } : undefined;
      // SimEnv.create picks the env by `deployments`; its overloads want one input type at a time.
      envs.push(await SimEnv.create({ ...o, seed: (o.seed ?? 0) + i } as SimEnvOptionsInput, internal));
    }
  } catch (err) {
    await Promise.all(envs.map((e) => e.close()));
    throw err;
  }
  return envs;
}

/** Whether `env` offers the async surface (a SimEnv does; a plain SyncEnv is driven synchronously). */
function hasAsync<E extends BatchableEnv>(env: E): env is E & AsyncEnv<E['actionSpace'], InfoOf<E>> {
  const e = env as Partial<AsyncEnv<ActionSpace, unknown>>;
  return typeof e.resetAsync === 'function' && typeof e.stepAsync === 'function';
}

export class VectorEnv<E extends BatchableEnv = SyncEnv> {
  readonly numEnvs: number;
  readonly envs: readonly E[];
  readonly singleObservationSpace: Box;
  readonly singleActionSpace: E['actionSpace'];
  /** The batch's observations as one flat Box of numEnvs x obsDim (Gymnasium's batched observation_space). */
  readonly observationSpace: Box;
  /** The batch's actions as one flat MultiDiscrete of numEnvs x actionComponents (Gymnasium's batched action_space). */
  readonly actionSpace: MultiDiscrete;
  /** Action components per env: 1 for a Discrete space, the MultiDiscrete's length otherwise. */
  readonly actionComponents: number;
  readonly autoreset: AutoresetMode;
  /** Whether reset/step return owned copies (see the class comment). */
  readonly copy: boolean;
  /** Observation length per env. */
  readonly obsDim: number;
  readonly observations: Float32Array;
  readonly rewards: Float64Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** same-step mode: final observations of envs that ended in the last step. */
  readonly finalObservations: Float32Array;
  readonly hasFinal: Uint8Array;
  /** same-step mode: copies of the final step's info of envs that ended (valid where hasFinal[i] = 1). */
  readonly finalInfos: InfoOf<E>[];
  readonly infos: InfoOf<E>[];
  private readonly needsReset: Uint8Array;
  private readonly result: VectorStepResult<InfoOf<E>>;
  /** MultiDiscrete: env i's action vector (the env reads it during its step); empty for Discrete. */
  private readonly actionRows: Int32Array[];
  /** Copies infos of the envs' shape; chosen at the first reset, from the info an env returned. */
  private copyInfo: InfoCopier<InfoOf<E>> | null = null;
  private started = false;

  /** Create `numEnvs` ApplicationEnvs from one options object with `deployments` (or one env per options object). */
  static async create(options: ApplicationOptionsInput | ApplicationOptionsInput[], vectorOptions: VectorEnvOptions): Promise<VectorEnv<ApplicationEnv>>;
  /** Create `numEnvs` SimEnvs from one options object (or one env per options object). */
  static async create(options: SimEnvOptionsInput | SimEnvOptionsInput[], vectorOptions: VectorEnvOptions): Promise<VectorEnv<SimEnv>>;
  static async create(
    options: SimEnvOptionsInput | ApplicationOptionsInput | (SimEnvOptionsInput | ApplicationOptionsInput)[],
    vectorOptions: VectorEnvOptions,
  ): Promise<VectorEnv<SimEnv> | VectorEnv<ApplicationEnv>> {
    if (!Array.isArray(options) && !(Number.isInteger(vectorOptions.numEnvs) && vectorOptions.numEnvs >= 1)) {
      throw new ConfigError('numEnvs', `expected at least 1 env, got ${vectorOptions.numEnvs}`);
    }
    const list = Array.isArray(options) ? options : Array.from({ length: vectorOptions.numEnvs }, () => options);
    const envs = await createSimEnvs(list);
    return new VectorEnv(envs as SimEnv[], vectorOptions);
  }

  /** Batch `envs` (at least one; they must share one action space and observation shape). */
  constructor(envs: readonly E[], settings: VectorSettings = {}) {
    if (envs.length === 0) throw new ConfigError('numEnvs', 'expected at least 1 env, got 0');
    const first = envs[0]!;
    const space = JSON.stringify(first.actionSpace.toJSON());
    for (const e of envs) {
      if (JSON.stringify(e.actionSpace.toJSON()) !== space) {
        throw new ConfigError('actionSpace', `expected every env to share one action space, got ${JSON.stringify(e.actionSpace.toJSON())} and ${JSON.stringify(first.actionSpace.toJSON())}`);
      }
      if (e.observationSpace.shape[0] !== first.observationSpace.shape[0]) {
        throw new ConfigError('observationSpace', `expected every env to share one observation shape, got [${e.observationSpace.shape.join(', ')}] and [${first.observationSpace.shape.join(', ')}]`);
      }
    }
    this.envs = envs;
    this.numEnvs = envs.length;
    this.autoreset = settings.autoreset ?? 'next-step';
    this.copy = settings.copy ?? false;
    this.singleObservationSpace = first.observationSpace;
    this.singleActionSpace = first.actionSpace;
    const n = envs.length;
    const k = first.observationSpace.shape[0]!;
    this.obsDim = k;
    const s = first.actionSpace;
    const nvec = s instanceof MultiDiscrete ? Array.from(s.nvec) : [s.n];
    const start = s instanceof MultiDiscrete ? Array.from(s.start) : [s.start];
    this.actionComponents = nvec.length;
    this.actionSpace = new MultiDiscrete(tile(nvec, n), tile(start, n));
    this.observationSpace = new Box(tile(Array.from(first.observationSpace.low), n), tile(Array.from(first.observationSpace.high), n));
    this.actionRows = s instanceof MultiDiscrete ? envs.map(() => new Int32Array(nvec.length)) : [];
    this.observations = new Float32Array(n * k);
    this.finalObservations = new Float32Array(n * k);
    this.hasFinal = new Uint8Array(n);
    this.rewards = new Float64Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.needsReset = new Uint8Array(n);
    this.infos = new Array<InfoOf<E>>(n);
    // Filled with copies of the reset infos at the first reset (the shape is the env's).
    this.finalInfos = new Array<InfoOf<E>>(n);
    this.result = {
      observations: this.observations,
      rewards: this.rewards,
      terminated: this.terminated,
      truncated: this.truncated,
      infos: this.infos,
    };
  }

  /** Reset every env (env i with `seed + i` when a seed is given). */
  reset(opts?: { seed?: number }): VectorResetResult<InfoOf<E>> {
    for (let i = 0; i < this.numEnvs; i++) {
      const r = this.envs[i]!.reset(opts?.seed !== undefined ? { seed: opts.seed + i } : undefined);
      this.observations.set(r.observation, i * this.obsDim);
      this.infos[i] = r.info;
    }
    return this.afterReset();
  }

  /** Async reset (any env; a SyncEnv without the async surface is reset synchronously); envs reset concurrently. */
  async resetAsync(opts?: { seed?: number }): Promise<VectorResetResult<InfoOf<E>>> {
    const rs = await Promise.all(
      this.envs.map((e, i) => {
        const o = opts?.seed !== undefined ? { seed: opts.seed + i } : undefined;
        return hasAsync(e) ? e.resetAsync(o) : (e.reset(o) as ResetResult<InfoOf<E>>);
      }),
    );
    rs.forEach((r, i) => {
      this.observations.set(r.observation, i * this.obsDim);
      this.infos[i] = r.info;
    });
    return this.afterReset();
  }

  /**
   * Step every env with its action: `actions[i]` (Discrete), or the components at
   * `actions[i*C .. i*C+C)` (MultiDiscrete, C = actionComponents). Sync (memory backend).
   * Buffers are reused unless `copy`.
   */
  step(actions: ArrayLike<number>): VectorStepResult<InfoOf<E>> {
    this.checkActions(actions);
    this.hasFinal.fill(0);
    for (let i = 0; i < this.numEnvs; i++) {
      const env = this.envs[i]!;
      if (this.endedLastStep(i)) {
        this.storeReset(i, env.reset());
      } else if (this.storeStepped(i, env.step(this.actionOf(i, actions)))) {
        this.observations.set(env.reset().observation, i * this.obsDim);
      }
    }
    return this.copy ? this.ownedResult() : this.result;
  }

  /** Async step (any env); envs step concurrently, same autoreset rules. */
  async stepAsync(actions: ArrayLike<number>): Promise<VectorStepResult<InfoOf<E>>> {
    this.checkActions(actions);
    this.hasFinal.fill(0);
    await Promise.all(
      this.envs.map(async (env, i) => {
        const reset = (): Promise<ResetResult<InfoOf<E>>> | ResetResult<InfoOf<E>> => (hasAsync(env) ? env.resetAsync() : env.reset());
        const action = this.actionOf(i, actions);
        if (this.endedLastStep(i)) {
          this.storeReset(i, await reset());
        } else if (this.storeStepped(i, await (hasAsync(env) ? env.stepAsync(action) : env.step(action)))) {
          this.observations.set((await reset()).observation, i * this.obsDim);
        }
      }),
    );
    return this.copy ? this.ownedResult() : this.result;
  }

  /** Observation of env i (a view into the batch; valid until the next step). */
  observationOf(i: number): Float32Array {
    return this.observations.subarray(i * this.obsDim, (i + 1) * this.obsDim);
  }

  /** Close every env. Idempotent. */
  async close(): Promise<void> {
    await Promise.all(this.envs.map((e) => e.close()));
  }

  /** Env i's action: `actions[i]` (Discrete), or its components copied into env i's action buffer (MultiDiscrete). */
  private actionOf(i: number, actions: ArrayLike<number>): number & MultiAction {
    const row = this.actionRows[i];
    if (row === undefined) return actions[i]! as number & MultiAction;
    const c = this.actionComponents;
    for (let d = 0; d < c; d++) row[d] = actions[i * c + d]!;
    return row as unknown as number & MultiAction;
  }

  /** Whether env i's episode ended in the last step and waits for its next-step reset (an error when autoreset is disabled). */
  private endedLastStep(i: number): boolean {
    if (this.needsReset[i] !== 1) return false;
    if (this.autoreset === 'disabled') throw new EnvStateError(`expected env ${i} to be running, got a step after its episode ended`, { hint: 'reset the vector env (autoreset is disabled)' });
    return true;
  }

  /** next-step autoreset: slot i shows env i's reset observation and info, reward 0 and both flags false. */
  private storeReset(i: number, r: ResetResult<InfoOf<E>>): void {
    this.needsReset[i] = 0;
    this.observations.set(r.observation, i * this.obsDim);
    this.infos[i] = r.info;
    this.rewards[i] = 0;
    this.terminated[i] = 0;
    this.truncated[i] = 0;
  }

  /**
   * Store env i's step in slot i. True when same-step autoreset must reset env i now (its final
   * observation and info are kept; the caller resets it and stores the reset observation).
   */
  private storeStepped(i: number, r: StepResult<InfoOf<E>>): boolean {
    const off = i * this.obsDim;
    const ended = storeStep(this, i, r);
    if (ended && this.autoreset === 'same-step') {
      storeFinal(this, i, off, r, this.copyInfo!);
      return true;
    }
    this.observations.set(r.observation, off);
    if (ended) this.needsReset[i] = 1;
    return false;
  }

  private afterReset(): VectorResetResult<InfoOf<E>> {
    this.clearFlags();
    this.started = true;
    const copy = (this.copyInfo ??= infoCopierFor(this.infos[0]!));
    for (let i = 0; i < this.numEnvs; i++) if (this.finalInfos[i] === undefined) this.finalInfos[i] = copy(this.infos[i]!);
    if (this.copy) return { observations: this.observations.slice(), infos: this.infos.map((info) => copy(info)) };
    return { observations: this.observations, infos: this.infos };
  }

  /** `copy` mode: the step's batch in fresh arrays, infos copied (the env reuses its own). */
  private ownedResult(): VectorStepResult<InfoOf<E>> {
    return {
      observations: this.observations.slice(),
      rewards: this.rewards.slice(),
      terminated: this.terminated.slice(),
      truncated: this.truncated.slice(),
      infos: this.infos.map((info) => this.copyInfo!(info)),
    };
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
    const want = this.numEnvs * this.actionComponents;
    if (actions.length !== want) {
      throw new InvalidActionError(
        this.actionComponents === 1
          ? `expected ${this.numEnvs} actions (one per env), got ${actions.length}`
          : `expected ${want} action components (${this.numEnvs} envs x ${this.actionComponents}, env i's at offset i x ${this.actionComponents}), got ${actions.length}`,
      );
    }
  }
}

/** `values` repeated `times` times, one after another. */
function tile(values: readonly number[], times: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < times; t++) out.push(...values);
  return out;
}
