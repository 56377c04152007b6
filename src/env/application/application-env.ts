import {
  ADVANCE_T0,
  ADVANCE_T1,
  ADVANCE_TARGET,
  emptyControlledState,
  emptySnapshot,
  type ClusterBackend,
  type ClusterSnapshot,
  type ControlledState,
} from '../cluster/backend.js';
import { createBackend } from '../cluster/create-backend.js';
import { loadDemand, traceDemand, type DemandSeries } from '../demand.js';
import { EpisodeClock } from '../episode-clock.js';
import { ConfigError, EnvStateError, InvalidActionError } from '../errors.js';
import { emptyNamedObservation, ObservationEncoder, observationBox } from '../observation.js';
import { computeReward, emptyReward, zeroReward } from '../reward.js';
import type { Rng } from '../rng.js';
import { emptyServiceReport, instantUtilisation, zeroServiceReport } from '../service-model.js';
import { Box, MultiDiscrete } from '../spaces.js';
import type { Trace } from '../trace/schema.js';
import type { TraceModel, Workload } from '../trace/trace-model.js';
import type { DualEnv, MultiAction, ResetResult, StepResult } from '../types.js';
import { initialReplicasOf, setupApplication, type ApplicationOptions, type ApplicationOptionsInput } from './application-options.js';
import { ApplicationService, CLOCK_AT, CLOCK_T0, CLOCK_T1 } from './application-service.js';
import {
  CLUSTER_OBSERVATION_FIELDS,
  DEPLOYMENT_OBSERVATION_FIELDS,
  type ApplicationContext,
  type ApplicationStepInfo,
  type DeploymentStepInfo,
} from './application-types.js';

/** Observation components per deployment (the cluster's two follow the last deployment's block). */
const PER_DEPLOYMENT = DEPLOYMENT_OBSERVATION_FIELDS.length;
const CLUSTER = CLUSTER_OBSERVATION_FIELDS.length;

/**
 * A Gym-style env that controls several deployments of one application at once, as gym-hpa's
 * Redis and Online Boutique envs do: the action is a `MultiDiscrete` vector (component i: the
 * replicas, or the change, of deployment i), the observation the per-deployment blocks of
 * SimEnv's features followed by the cluster's, the reward the sum of the deployments' rewards
 * (per-deployment components in `info.deployments[i].reward`). Demand comes from the trace per
 * deployment, or from entry load flowing through a call graph (`callGraph`).
 *
 * Same semantics as SimEnv (seeding, truncation, reused buffers, no allocation per `step` on
 * the memory backend); `terminated` when the trace deletes any controlled deployment. Build
 * it with `SimEnv.create({ deployments: [...] })` or `ApplicationEnv.create`.
 */
export class ApplicationEnv implements DualEnv<MultiDiscrete, ApplicationStepInfo> {
  readonly observationSpace: Box;
  readonly actionSpace: MultiDiscrete;
  readonly options: ApplicationOptions;
  readonly agentContext: ApplicationContext;
  readonly backendKind: 'memory' | 'kube';
  readonly isAsync: boolean;
  readonly model: TraceModel;
  /** The controlled deployments as the trace records them, in action order. */
  readonly controlled: readonly Workload[];
  readonly backend: ClusterBackend;
  /** Name of each observation component, `<namespace/name>.<field>` then `freeCpu`, `traceProgress`. */
  readonly observationNames: readonly string[];

  private readonly n: number;
  /** Each deployment's recorded replicas as a step series (a cursor walk per step, not a search). */
  private readonly recorded: DemandSeries[];
  private readonly service: ApplicationService;
  private readonly encoders: ObservationEncoder[];
  /** Lifecycle, seeding and simulated clock of the episodes (shared with SimEnv). */
  private readonly ep: EpisodeClock;
  private readonly snap: ClusterSnapshot = emptySnapshot();
  private readonly obs: Float32Array;
  private readonly info: ApplicationStepInfo;
  private readonly stepResult: StepResult<ApplicationStepInfo>;
  private readonly resetResult: ResetResult<ApplicationStepInfo>;
  private readonly sink: (t0: number, t1: number) => void;
  /** The sink of `advanceControlled` and its times (target, segment start, segment end). */
  private readonly controlledSink: () => void;
  private readonly advanceTimes = new Float64Array(3);
  /** Each deployment's service report (the objects in info.deployments), for the service model. */
  private readonly reports: DeploymentStepInfo['service'][];
  private readonly minReplicas: number;
  private readonly maxReplicas: Int32Array;
  private readonly absolute: boolean;
  private readonly stepSeconds: number;
  private readonly desired: Int32Array;
  private readonly applied: Int32Array;
  private readonly requested: Int32Array;
  private readonly ready: Int32Array;
  private readonly held: Int32Array;
  /** Each controlled deployment's counts and pod CPU as the last step (or reset) ended. */
  private readonly state: ControlledState;
  private readonly demandNow: Float64Array;
  private readonly lastDemand: Float64Array;

  /** Validate `options`, load the trace, build the backend: a ready env (call reset next). */
  static async create(options: ApplicationOptionsInput, internal?: { preloadedTrace?: Trace; log?: (message: string) => void }): Promise<ApplicationEnv> {
    const setup = await setupApplication(options, internal?.preloadedTrace);
    const o = setup.options;
    const log = internal?.log ?? ((_message: string): void => {});
    const mu = o.service.perReplicaRps;
    const own = setup.controlled.map((w) => traceDemand(w, mu, o.demand.source === 'trace' ? o.demand.targetUtilisation : 0.6));
    let graph = null;
    if (setup.graph !== null) {
      const g = setup.graph;
      const entries: DemandSeries[] = [];
      for (const e of g.entries) entries.push(await loadDemand(e.demand, setup.model, g.workloads[e.service]!, mu, setup.findDeployment));
      graph = { compiled: g, entries, controlledKeys: o.deployments, sloLatencyMs: o.callGraph!.sloLatencyMs };
    }
    const service = new ApplicationService(o.service, own, graph);
    const backend = await createBackend(
      {
        model: setup.model,
        controlled: setup.controlled[0]!,
        controlledAll: setup.controlled,
        log,
        ...(setup.tracePath !== undefined ? { tracePath: setup.tracePath } : {}),
      },
      { ...o, deployment: o.deployments[0]!, maxReplicas: o.maxReplicas[0]! },
    );
    if (backend.readControlled === undefined) {
      await backend.close();
      throw new ConfigError('backend', `expected a backend that controls several deployments, got the ${backend.kind} backend`, { hint: 'use backend "memory"' });
    }
    const loadEndS = Math.min(Infinity, ...own.map((s) => s.endS), ...(graph?.entries ?? []).map((s) => s.endS));
    return new ApplicationEnv(o, setup.model, setup.controlled, backend, service, loadEndS);
  }

  private constructor(
    options: ApplicationOptions,
    model: TraceModel,
    controlled: Workload[],
    backend: ClusterBackend,
    service: ApplicationService,
    loadEndS: number,
  ) {
    this.options = options;
    this.model = model;
    this.controlled = controlled;
    this.backend = backend;
    this.backendKind = backend.kind;
    this.isAsync = !backend.synchronous;
    const n = controlled.length;
    this.n = n;
    this.recorded = controlled.map((w) => traceDemand(w, 1, 1));
    this.service = service;
    this.minReplicas = options.minReplicas;
    this.maxReplicas = Int32Array.from(options.maxReplicas);
    this.absolute = options.actionMode === 'absolute';
    this.stepSeconds = options.stepSeconds;
    // The loads end where the earliest series ends; the episode at the first deletion.
    this.ep = new EpisodeClock(options, model.durationS, loadEndS, Math.min(...controlled.map((w) => w.deletedAtS ?? Infinity)), backend);
    const one = observationBox();
    const low: number[] = [];
    const high: number[] = [];
    for (let i = 0; i < n; i++) {
      low.push(...one.low.subarray(0, PER_DEPLOYMENT));
      high.push(...one.high.subarray(0, PER_DEPLOYMENT));
    }
    low.push(...one.low.subarray(PER_DEPLOYMENT));
    high.push(...one.high.subarray(PER_DEPLOYMENT));
    this.observationSpace = new Box(low, high);
    this.obs = new Float32Array(low.length);
    this.observationNames = [
      ...options.deployments.flatMap((d) => DEPLOYMENT_OBSERVATION_FIELDS.map((f) => `${d}.${f}`)),
      ...CLUSTER_OBSERVATION_FIELDS,
    ];
    this.actionSpace = this.absolute
      ? new MultiDiscrete(options.maxReplicas.map((m) => m - options.minReplicas + 1), options.maxReplicas.map(() => options.minReplicas))
      : new MultiDiscrete(options.maxReplicas.map(() => 2 * options.maxDelta + 1), options.maxReplicas.map(() => -options.maxDelta));
    this.agentContext = {
      observationSpace: this.observationSpace,
      actionSpace: this.actionSpace,
      actionMode: options.actionMode,
      deployments: options.deployments,
      minReplicas: options.minReplicas,
      maxReplicas: options.maxReplicas,
      stepSeconds: options.stepSeconds,
      observationNames: this.observationNames,
    };
    this.encoders = options.maxReplicas.map((m) => new ObservationEncoder(m, options.service.perReplicaRps));
    this.desired = new Int32Array(n);
    this.applied = new Int32Array(n);
    this.requested = new Int32Array(n);
    this.ready = new Int32Array(n);
    this.held = new Int32Array(n);
    this.state = emptyControlledState(n);
    this.demandNow = new Float64Array(n);
    this.lastDemand = new Float64Array(n);
    const readControlled = backend.readControlled!.bind(backend);
    const ready = this.ready;
    const held = this.held;
    const clock = service.clock;
    // The backend calls the sink before any controlled deployment changes: the counts read
    // now held over the whole segment.
    this.sink = (t0, t1) => {
      readControlled(ready, held);
      clock[CLOCK_T0] = t0;
      clock[CLOCK_T1] = t1;
      service.add(ready, held);
    };
    const times = this.advanceTimes;
    this.controlledSink = () => {
      readControlled(ready, held);
      clock[CLOCK_T0] = times[ADVANCE_T0]!;
      clock[CLOCK_T1] = times[ADVANCE_T1]!;
      service.add(ready, held);
    };
    const deployments: DeploymentStepInfo[] = options.deployments.map((name) => ({
      name,
      action: { requested: 0, applied: 0 },
      recordedReplicas: 0,
      observation: emptyNamedObservation(),
      reward: emptyReward(),
      service: emptyServiceReport(),
    }));
    this.info = {
      episode: 0,
      step: 0,
      timeS: 0,
      traceTs: model.startTs,
      reward: emptyReward(),
      deployments,
      endToEnd: options.callGraph !== null ? { demand: 0, completed: 1, latencyMs: 0, violationS: 0 } : null,
    };
    this.reports = deployments.map((d) => d.service);
    this.stepResult = { observation: this.obs, reward: 0, terminated: false, truncated: false, info: this.info };
    this.resetResult = { observation: this.obs, info: this.info };
  }

  /** One line: backend, trace, deployments, action mode, demand. */
  describe(): string {
    const o = this.options;
    const actions =
      o.actionMode === 'absolute' ? `absolute ${o.minReplicas}..max` : `delta -${o.maxDelta}..+${o.maxDelta} within ${o.minReplicas}..max`;
    const demand = o.callGraph ? `call-graph demand (${o.callGraph.edges.length} edges, entries ${o.callGraph.entries.map((e) => e.service).join(', ')})` : 'per-deployment trace demand';
    const names = this.n <= 4 ? o.deployments.join(', ') : `${o.deployments.slice(0, 3).join(', ')}, ... (${this.n})`;
    return `${this.backendKind} backend, trace ${o.trace} (${this.model.workloads.length} workloads, ${this.model.durationS} s), ${this.n} deployments [${names}], ${actions} replicas, ${demand}, step ${o.stepSeconds} s`;
  }

  /** Start an episode (sync; memory backend). */
  reset(opts?: { seed?: number }): ResetResult<ApplicationStepInfo> {
    this.ep.assertSync('reset');
    const r = this.backend.reset(this.beginReset(opts?.seed));
    if (r !== undefined) throw new EnvStateError('expected a synchronous backend reset, got a Promise', { hint: 'use resetAsync()' });
    return this.finishReset();
  }

  /** Start an episode (any backend). */
  async resetAsync(opts?: { seed?: number }): Promise<ResetResult<ApplicationStepInfo>> {
    this.ep.assertOpen('resetAsync');
    await this.backend.reset(this.beginReset(opts?.seed));
    return this.finishReset();
  }

  /** Hold `action` (one component per deployment) for one step (sync; memory backend). */
  step(action: MultiAction): StepResult<ApplicationStepInfo> {
    this.ep.assertSync('step');
    this.beginStep(action);
    const backend = this.backend;
    for (let i = 0; i < this.n; i++) if (this.applied[i] !== this.desired[i]) backend.setDesiredReplicas(this.applied[i]!, i);
    if (backend.advanceControlled !== undefined) {
      this.advanceTimes[ADVANCE_TARGET] = this.ep.stepEnd;
      backend.advanceControlled(this.advanceTimes, this.controlledSink);
    } else backend.advanceTo(this.ep.stepEnd, this.sink);
    return this.finishStep();
  }

  /** Hold `action` for one step (any backend). */
  async stepAsync(action: MultiAction): Promise<StepResult<ApplicationStepInfo>> {
    this.ep.assertOpen('stepAsync');
    this.beginStep(action);
    for (let i = 0; i < this.n; i++) if (this.applied[i] !== this.desired[i]) await this.backend.setDesiredReplicas(this.applied[i]!, i);
    await this.backend.advanceTo(this.ep.stepEnd, this.sink);
    return this.finishStep();
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

  private beginReset(seed: number | undefined): { startTimeS: number; initialReplicas: number; initialReplicasOf: Int32Array; rng: Rng } {
    const ep = this.ep;
    ep.beginReset(seed);
    const startS = ep.t;
    for (let i = 0; i < this.n; i++) this.desired[i] = initialReplicasOf(this.options, this.controlled[i]!, this.maxReplicas[i]!, startS);
    return { startTimeS: startS, initialReplicas: this.desired[0]!, initialReplicasOf: this.desired, rng: ep.rng };
  }

  private finishReset(): ResetResult<ApplicationStepInfo> {
    const ep = this.ep;
    ep.finishReset();
    const info = this.info;
    info.episode = ep.episode;
    info.step = 0;
    zeroReward(info.reward);
    this.readState();
    this.service.clock[CLOCK_AT] = ep.t - this.stepSeconds;
    this.service.demandNow(this.state.ready, this.lastDemand);
    this.service.clock[CLOCK_AT] = ep.t;
    this.service.demandNow(this.state.ready, this.demandNow);
    for (let i = 0; i < this.n; i++) {
      const d = info.deployments[i]!;
      d.action.requested = this.desired[i]!;
      d.action.applied = this.desired[i]!;
      zeroReward(d.reward);
      zeroServiceReport(d.service);
      d.service.demand = this.demandNow[i]!;
    }
    if (info.endToEnd !== null) {
      info.endToEnd.demand = 0;
      info.endToEnd.completed = 1;
      info.endToEnd.latencyMs = 0;
      info.endToEnd.violationS = 0;
    }
    this.observeNow(true);
    return this.resetResult;
  }

  /** Validate the action, compute the replicas it applies and open the step's window. */
  private beginStep(action: MultiAction): void {
    this.ep.beginStep();
    const space = this.actionSpace;
    if (!space.contains(action)) throw invalidAction(space, action, this.absolute);
    for (let i = 0; i < this.n; i++) {
      const a = action[i]!;
      let applied = this.absolute ? a : this.desired[i]! + a;
      const max = this.maxReplicas[i]!;
      if (applied < this.minReplicas) applied = this.minReplicas;
      else if (applied > max) applied = max;
      this.requested[i] = a;
      this.applied[i] = applied;
    }
    // The state read at the end of the last step (or reset) still holds: pod CPU per deployment.
    this.service.begin(this.state.podCpu);
  }

  private finishStep(): StepResult<ApplicationStepInfo> {
    const ep = this.ep;
    const res = this.stepResult;
    ep.finishStep(res);
    const info = this.info;
    this.service.finish(this.reports, info.endToEnd);
    const total = info.reward;
    zeroReward(total);
    const weights = this.options.reward;
    for (let i = 0; i < this.n; i++) {
      const d = info.deployments[i]!;
      const r = computeReward(d.service, this.applied[i]! - this.desired[i]!, weights, d.reward);
      total.slo += r.slo;
      total.cost += r.cost;
      total.churn += r.churn;
      total.total += r.total;
      d.action.requested = this.requested[i]!;
      d.action.applied = this.applied[i]!;
      this.desired[i] = this.applied[i]!;
    }
    ep.lastReward = total.total;
    info.step = ep.steps;
    this.readState();
    this.service.clock[CLOCK_AT] = ep.t;
    this.service.demandNow(this.state.ready, this.demandNow);
    this.observeNow(false);
    res.reward = total.total;
    return res;
  }

  /** Read every controlled deployment's state now (cluster-wide fields into `snap`). */
  private readState(): void {
    const backend = this.backend;
    const st = this.state;
    const snap = this.snap;
    if (backend.readControlledState !== undefined) backend.readControlledState(st);
    else {
      for (let i = 0; i < this.n; i++) {
        backend.snapshot(snap, i);
        st.desired[i] = snap.desired;
        st.ready[i] = snap.ready;
        st.pending[i] = snap.pending;
        st.starting[i] = snap.starting;
        st.terminating[i] = snap.terminating;
        st.podCpu[i] = snap.podCpu;
      }
    }
    backend.snapshot(snap, 0);
  }

  /** Fill every deployment's named observation, the clock fields and the normalised buffer (after readState). */
  private observeNow(atReset: boolean): void {
    const info = this.info;
    const t = this.ep.t;
    const d = this.model.durationS;
    const progress = d > 0 ? (t < d ? t / d : 1) : 1;
    const st = this.state;
    const snap = this.snap;
    const clusterCpu = snap.clusterCpu;
    const freeCpu = snap.clusterCpu - snap.clusterCpuRequested;
    for (let i = 0; i < this.n; i++) {
      const dep = info.deployments[i]!;
      const o = dep.observation;
      const demand = this.demandNow[i]!;
      o.desired = st.desired[i]!;
      o.ready = st.ready[i]!;
      o.pending = st.pending[i]!;
      o.terminating = st.terminating[i]!;
      // Not a conditional expression: one that picks a call's result or a double boxes the double.
      o.utilisation = dep.service.utilisation;
      if (atReset) o.utilisation = instantUtilisation(demand, st.ready[i]!, this.options.service.perReplicaRps);
      o.demand = demand;
      o.demandTrend = demand - this.lastDemand[i]!;
      o.freeCpu = freeCpu;
      o.traceProgress = progress;
      this.lastDemand[i] = demand;
      const rec = this.recorded[i]!;
      dep.recordedReplicas = rec.values[rec.pieceAt(t)]!; // not at(): a returned double may be boxed
      // Each block is encoded at its offset; the encoder also writes the two cluster
      // components after it, which the next block overwrites and the last one leaves in place.
      this.encoders[i]!.encode(o, clusterCpu, this.obs, i * PER_DEPLOYMENT);
    }
    info.timeS = t;
    info.traceTs = this.model.startTs + t;
  }
}

function invalidAction(space: MultiDiscrete, action: unknown, absolute: boolean): InvalidActionError {
  const n = space.nvec.length;
  const range = `[${space.start[0]}, ${space.end(0)}]`;
  const got =
    action instanceof Int32Array || Array.isArray(action)
      ? `${action.length === n ? '' : `${action.length} components: `}[${Array.from(action as ArrayLike<unknown>).slice(0, 8).map(String).join(', ')}${(action as ArrayLike<unknown>).length > 8 ? ', ...' : ''}]`
      : `${typeof action} ${JSON.stringify(action)}`;
  return new InvalidActionError(
    `expected ${n} integer action components (${absolute ? 'replicas' : 'replica changes'}; component 0 in ${range}), got ${got}`,
    { hint: 'pass an Int32Array or number[] with one component per deployment: sample from env.actionSpace or clip each to its range' },
  );
}
