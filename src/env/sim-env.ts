import { emptySnapshot, type ClusterBackend, type ClusterSnapshot } from './cluster/backend.js';
import { createBackend } from './cluster/create-backend.js';
import { DemandSeries, loadDemand } from './demand.js';
import { ApplicationEnv } from './application/application-env.js';
import { isApplicationInput, type ApplicationOptionsInput } from './application/application-options.js';
import { setupEnv } from './env-setup.js';
import { EpisodeClock } from './episode-clock.js';
import { EnvStateError, InvalidActionError } from './errors.js';
import { emptyNamedObservation, ObservationEncoder, OBSERVATION_SIZE, observationBox } from './observation.js';
import type { SimEnvOptions, SimEnvOptionsInput } from './options.js';
import { computeReward, emptyReward, zeroReward } from './reward.js';
import type { Rng } from './rng.js';
import { checkWindowsWithinLoad } from './episode-windows.js';
import { emptyServiceReport, instantUtilisation, ServiceAccumulator, zeroServiceReport } from './service-model.js';
import { Box, Discrete } from './spaces.js';
import type { Trace } from './trace/schema.js';
import type { TraceModel, Workload } from './trace/trace-model.js';
import { replicasAt } from './trace/trace-model.js';
import type { AgentContext, DualEnv, ResetResult, StepInfo, StepResult } from './types.js';
import { resolveScenarioInput, type ScenarioEnvInput } from './scenario-resolve.js';

export type { SimEnvOptions, SimEnvOptionsInput } from './options.js';
export type { ScenarioEnvInput } from './scenario-resolve.js';

/** See `SimEnv.onSegment`. */
export type SegmentListener = (t0: number, t1: number, ready: number, desired: number, held: number, pending: number) => void;

/**
 * The Gym-style environment: one controlled deployment in a trace-replay cluster.
 *
 * Semantics follow Gymnasium: `reset({seed})` starts an episode and returns the first
 * observation; `step(action)` holds the action for `stepSeconds` of simulated time and returns
 * the observation at the end, the reward over the window, `terminated` (the trace deleted the
 * controlled deployment) and `truncated` (the horizon or the trace's end was reached). After
 * either, `step` throws until the next `reset`.
 *
 * Buffers are reused: the observation `Float32Array`, the `info` object and the result object
 * returned by `step`/`reset` are the same objects every call (valid until the next call);
 * copy what you keep. On the memory backend `step` is synchronous and allocates nothing.
 */
export class SimEnv implements DualEnv {
  readonly observationSpace: Box;
  readonly actionSpace: Discrete;
  readonly options: SimEnvOptions;
  readonly agentContext: AgentContext;
  readonly backendKind: 'memory' | 'kube';
  readonly isAsync: boolean;
  /** The trace model (read-only; shared with the backend). */
  readonly model: TraceModel;
  /** The controlled deployment as the trace records it. */
  readonly controlled: Workload;
  /** The cluster backend (tests and tools inspect a memory backend with inspectMemoryBackend(env)). */
  readonly backend: ClusterBackend;

  private readonly demand: DemandSeries;
  private readonly service: ServiceAccumulator;
  private readonly encoder: ObservationEncoder;
  /** Lifecycle, seeding and simulated clock of the episodes. */
  private readonly ep: EpisodeClock;
  private readonly snap: ClusterSnapshot = emptySnapshot();
  private readonly obs = new Float32Array(OBSERVATION_SIZE);
  private readonly info: StepInfo;
  private readonly stepResult: StepResult;
  private readonly resetResult: ResetResult;
  private readonly sink: (t0: number, t1: number, ready: number, desired: number, held?: number, pending?: number) => void;
  private segmentListener: SegmentListener | undefined;
  private readonly minReplicas: number;
  private readonly maxReplicas: number;
  private readonly absolute: boolean;
  private readonly stepSeconds: number;

  private desired = 0;
  private lastDemand = 0;
  private pendingChange = 0;
  private pendingRequested = 0;

  /**
   * Validate `options`, load the trace, build the backend: a ready env (call reset next).
   * `internal.preloadedTrace` is the already decoded content of `options.trace` (a path), so
   * batches of envs decode a file once; `internal.log` receives the backend's progress lines
   * (default: dropped).
   */
  static create(options: SimEnvOptionsInput | ScenarioEnvInput, internal?: { preloadedTrace?: Trace; log?: (message: string) => void }): Promise<SimEnv>;
  /** With `deployments` (several): an ApplicationEnv, the env that scales an application (MultiDiscrete actions). */
  static create(options: ApplicationOptionsInput, internal?: { preloadedTrace?: Trace; log?: (message: string) => void }): Promise<ApplicationEnv>;
  static async create(
    options: SimEnvOptionsInput | ScenarioEnvInput | ApplicationOptionsInput,
    internal?: { preloadedTrace?: Trace; log?: (message: string) => void },
  ): Promise<SimEnv | ApplicationEnv> {
    if (isApplicationInput(options)) return ApplicationEnv.create(options, internal);
    const resolved = 'scenario' in options && options.scenario !== undefined ? await resolveScenarioInput(options as ScenarioEnvInput) : null;
    const setup = await setupEnv(resolved?.options ?? options, internal?.preloadedTrace);
    if (resolved) setup.options.scenario = resolved.record;
    const log = internal?.log ?? ((_message: string): void => {});
    const demand = await loadDemand(
      setup.options.demand,
      setup.model,
      setup.controlled,
      setup.options.service.perReplicaRps,
      setup.findDeployment,
      setup.reachS,
    );
    if (demand.mapping) setup.options.demandMapping = demand.mapping;
    checkWindowsWithinLoad(setup.options, demand.endS);
    // The backend comes after the demand: the kube backend publishes pod CPU usage from it.
    const load = { demand, perReplicaRps: setup.options.service.perReplicaRps };
    const backend = await createBackend(
      { model: setup.model, controlled: setup.controlled, log, load, startupLatency: setup.options.startupLatency, ...(setup.tracePath !== undefined ? { tracePath: setup.tracePath } : {}) },
      setup.options,
    );
    return new SimEnv(setup.options, setup.model, setup.controlled, backend, demand);
  }

  private constructor(options: SimEnvOptions, model: TraceModel, controlled: Workload, backend: ClusterBackend, demand: DemandSeries) {
    this.options = options;
    this.model = model;
    this.controlled = controlled;
    this.backend = backend;
    this.backendKind = backend.kind;
    this.isAsync = !backend.synchronous;
    this.demand = demand;
    this.minReplicas = options.minReplicas;
    this.maxReplicas = options.maxReplicas;
    this.absolute = options.actionMode === 'absolute';
    this.stepSeconds = options.stepSeconds;
    this.ep = new EpisodeClock(options, model.durationS, demand.endS, controlled.deletedAtS ?? Infinity, backend);
    this.observationSpace = observationBox();
    this.actionSpace = this.absolute
      ? new Discrete(options.maxReplicas - options.minReplicas + 1, options.minReplicas)
      : new Discrete(2 * options.maxDelta + 1, -options.maxDelta);
    this.agentContext = {
      observationSpace: this.observationSpace,
      actionSpace: this.actionSpace,
      actionMode: options.actionMode,
      minReplicas: options.minReplicas,
      maxReplicas: options.maxReplicas,
      stepSeconds: options.stepSeconds,
    };
    this.encoder = new ObservationEncoder(options.maxReplicas, options.service.perReplicaRps);
    this.service = new ServiceAccumulator(options.service, demand);
    const service = this.service;
    this.sink = (t0, t1, ready, desired, held, pending) => {
      service.add(t0, t1, ready, held ?? ready);
      const listener = this.segmentListener;
      if (listener !== undefined) listener(t0, t1, ready, desired, held ?? ready, pending ?? 0);
    };
    this.info = {
      episode: 0,
      step: 0,
      timeS: 0,
      traceTs: model.startTs,
      action: { requested: 0, applied: 0 },
      recordedReplicas: 0,
      observation: emptyNamedObservation(),
      reward: emptyReward(),
      service: emptyServiceReport(),
    };
    this.stepResult = { observation: this.obs, reward: 0, terminated: false, truncated: false, info: this.info };
    this.resetResult = { observation: this.obs, info: this.info };
  }

  /** One line: backend, trace, deployment, action mode (what the runner prints). */
  describe(): string {
    const o = this.options;
    const actions =
      o.actionMode === 'absolute' ? `absolute ${o.minReplicas}..${o.maxReplicas}` : `delta -${o.maxDelta}..+${o.maxDelta} within ${o.minReplicas}..${o.maxReplicas}`;
    const episode = o.oneStep ? `one step of ${o.oneStep.durationSeconds} s` : `step ${o.stepSeconds} s${o.horizon !== null ? `, horizon ${o.horizon}` : ''}`;
    return `${this.backendKind} backend, trace ${o.trace} (${this.model.workloads.length} workloads, ${this.model.durationS} s), deployment ${o.deployment}, ${actions} replicas, ${episode}`;
  }

  /** Start an episode (sync; on an async backend use resetAsync). */
  reset(opts?: { seed?: number }): ResetResult {
    this.ep.assertSync('reset');
    const r = this.backend.reset(this.beginReset(opts?.seed));
    if (r !== undefined) throw new EnvStateError('expected a synchronous backend reset, got a Promise', { hint: 'use resetAsync()' });
    return this.finishReset();
  }

  /** Start an episode (any backend). */
  async resetAsync(opts?: { seed?: number }): Promise<ResetResult> {
    this.ep.assertOpen('resetAsync');
    await this.backend.reset(this.beginReset(opts?.seed));
    return this.finishReset();
  }

  /** Hold `action` for one step (sync; on an async backend use stepAsync). */
  step(action: number): StepResult {
    this.ep.assertSync('step');
    const applied = this.beginStep(action);
    const backend = this.backend;
    if (applied !== this.desired) backend.setDesiredReplicas(applied);
    backend.advanceTo(this.ep.stepEnd, this.sink);
    return this.finishStep(applied);
  }

  /** Hold `action` for one step (any backend). */
  async stepAsync(action: number): Promise<StepResult> {
    this.ep.assertOpen('stepAsync');
    const applied = this.beginStep(action);
    if (applied !== this.desired) await this.backend.setDesiredReplicas(applied);
    await this.backend.advanceTo(this.ep.stepEnd, this.sink);
    return this.finishStep(applied);
  }

  /**
   * Receive every interval [t0, t1) over which the controlled deployment's ready, desired,
   * held and pending counts were constant, as the backend reports them (exact times, between
   * step ends too); `undefined` stops. For timelines (`simenv run --timeline`, compare).
   */
  onSegment(listener: SegmentListener | undefined): void {
    this.segmentListener = listener;
  }

  /** The current observation (the env's reused buffer), without advancing time. */
  observe(): Float32Array {
    this.ep.assertObservable('observe');
    return this.obs;
  }

  /** The last step's reward (0 right after reset). */
  reward(): number {
    return this.ep.lastReward;
  }

  /** Release the backend. Idempotent; step/reset afterwards throw EnvStateError. */
  async close(): Promise<void> {
    if (this.ep.close()) await this.backend.close();
  }

  /** Whether close() was called. */
  get isClosed(): boolean {
    return this.ep.closed;
  }

  /** Whether the current episode has ended (step would throw). */
  get episodeDone(): boolean {
    return this.ep.done;
  }

  // --- internals ---

  private beginReset(seed: number | undefined): { startTimeS: number; initialReplicas: number; rng: Rng } {
    const ep = this.ep;
    ep.beginReset(seed);
    const start = ep.t;
    const o = this.options;
    const initial =
      o.initialReplicas === 'recorded' ? replicasAt(this.controlled, start) : o.initialReplicas;
    this.desired = Math.min(this.maxReplicas, Math.max(this.minReplicas, initial));
    return { startTimeS: start, initialReplicas: this.desired, rng: ep.rng };
  }

  private finishReset(): ResetResult {
    const ep = this.ep;
    ep.finishReset();
    const info = this.info;
    info.episode = ep.episode;
    info.step = 0;
    info.action.requested = this.desired;
    info.action.applied = this.desired;
    zeroReward(info.reward);
    zeroServiceReport(info.service);
    info.service.demand = this.demand.at(ep.t);
    this.backend.snapshot(this.snap);
    this.lastDemand = this.demand.at(ep.t - this.stepSeconds);
    const util = instantUtilisation(this.demand.at(ep.t), this.snap.ready, this.options.service.perReplicaRps);
    this.observeNow(util);
    return this.resetResult;
  }

  /** Validate the action; return the replicas it applies and set up the step's window. */
  private beginStep(action: number): number {
    const ep = this.ep;
    ep.beginStep();
    const space = this.actionSpace;
    if (!space.contains(action)) {
      throw new InvalidActionError(
        `expected an integer action in [${space.start}, ${space.end}] (${this.absolute ? 'replicas' : 'replica change'}), got ${typeof action === 'number' ? String(action) : `${typeof action} ${JSON.stringify(action)}`}`,
        { hint: `sample from env.actionSpace or clip to [${space.start}, ${space.end}]` },
      );
    }
    let applied = this.absolute ? action : this.desired + action;
    if (applied < this.minReplicas) applied = this.minReplicas;
    else if (applied > this.maxReplicas) applied = this.maxReplicas;
    this.pendingRequested = action;
    this.pendingChange = applied - this.desired;
    // The snapshot taken at the end of the last step (or reset) is still current.
    this.service.begin(ep.t, this.snap.podCpu);
    return applied;
  }

  private finishStep(applied: number): StepResult {
    this.desired = applied;
    const ep = this.ep;
    const res = this.stepResult;
    ep.finishStep(res);
    const info = this.info;
    this.backend.snapshot(this.snap);
    this.service.finish(info.service);
    const reward = computeReward(info.service, this.pendingChange, this.options.reward, info.reward);
    ep.lastReward = reward.total;
    info.step = ep.steps;
    info.action.requested = this.pendingRequested;
    info.action.applied = applied;
    this.observeNow(info.service.utilisation);
    res.reward = reward.total;
    return res;
  }

  /** Fill the named observation, info's clock fields and the normalised buffer at time t. */
  private observeNow(utilisation: number): void {
    const snap = this.snap;
    const info = this.info;
    const t = this.ep.t;
    const n = info.observation;
    const demand = this.demand.at(t);
    n.desired = snap.desired;
    n.ready = snap.ready;
    n.pending = snap.pending;
    n.terminating = snap.terminating;
    n.utilisation = utilisation;
    n.demand = demand;
    n.demandTrend = demand - this.lastDemand;
    n.freeCpu = snap.clusterCpu - snap.clusterCpuRequested;
    const d = this.model.durationS;
    n.traceProgress = d > 0 ? (t < d ? t / d : 1) : 1;
    this.lastDemand = demand;
    info.timeS = t;
    info.traceTs = this.model.startTs + t;
    info.recordedReplicas = replicasAt(this.controlled, t);
    this.encoder.encode(n, snap.clusterCpu, this.obs);
  }
}
