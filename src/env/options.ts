import { z } from 'zod';
import { ConfigError } from './errors.js';
import { issuePath, parse } from './parse.js';
import { LoadMappingSchema, type LoadResolution } from './load-mapping.js';
import { LoadFormatSchema } from './load-series.js';
import { SyntheticLoadSchema } from './synthetic-load.js';
import type { Trace } from './trace/schema.js';

/**
 * The options of `SimEnv.create`, as zod schemas: the input type (what a user writes, every
 * field but `trace` and `deployment` optional) and the resolved type (defaults filled). Each
 * option's meaning and default is documented here and in docs/env.md; keep the two in step.
 */

/** Kubernetes taint as written in a node spec. */
export const TaintSchema = z.strictObject({
  key: z.string(),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
});
export type Taint = z.infer<typeof TaintSchema>;

/** Kubernetes toleration as written in a pod spec. */
export const TolerationSchema = z.strictObject({
  key: z.string().optional(),
  operator: z.enum(['Exists', 'Equal']).optional(),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute', '']).optional(),
  tolerationSeconds: z.number().optional(),
});

const quantity = z.union([z.string().min(1), z.number().nonnegative()]);

/** One pool of identical virtual nodes (KWOK-like). */
export const NodePoolSchema = z.strictObject({
  /** Node names are `<name>-<i>`; default `virtual`. */
  name: z.string().min(1).default('virtual'),
  count: z.number().int().nonnegative(),
  /** Allocatable CPU, cores (quantity accepted: `35`, `35000m`). */
  cpu: quantity.default(35),
  /** Allocatable memory (quantity: `71Gi`, or bytes). */
  memory: quantity.default('71Gi'),
  /** Allocatable pod slots. */
  pods: z.number().int().positive().default(110),
  labels: z.record(z.string(), z.string()).default({ type: 'virtual' }),
  taints: z.array(TaintSchema).default([{ key: 'kwok-provider', value: 'true', effect: 'NoSchedule' }]),
});
export type NodePoolOptions = z.infer<typeof NodePoolSchema>;

/** What SimKube's driver adds to every simulated pod so it lands on the virtual nodes. */
export const DEFAULT_INJECTED_PLACEMENT = {
  nodeSelector: { type: 'virtual' },
  tolerations: [{ key: 'kwok-provider', operator: 'Exists' as const, effect: 'NoSchedule' as const }],
};

export const DEFAULT_NODE_COUNT = 4;

export const NodesSchema = z.strictObject({
  /**
   * `auto` (default): the trace's Node objects when it has any, else virtual nodes.
   * `trace`: only the trace's nodes (none is a ConfigError). `virtual`: only `pools`.
   */
  source: z.enum(['auto', 'trace', 'virtual']).default('auto'),
  /**
   * Virtual node pools. Default: one pool of 4 SimKube-shaped nodes (35 cpu, 71Gi, 110 pods,
   * label type=virtual, taint kwok-provider=true:NoSchedule): 140 cores, enough for
   * dsb-scaling's 52-core peak plus the controlled deployment's growth.
   */
  pools: z.array(NodePoolSchema).min(1).optional(),
  /**
   * Added to every pod's nodeSelector and tolerations, as SimKube's driver does, so trace
   * pods fit tainted virtual nodes. Default: SimKube's pair when the nodes are virtual,
   * nothing on trace nodes; `null` disables it.
   */
  inject: z
    .strictObject({
      nodeSelector: z.record(z.string(), z.string()).default({}),
      tolerations: z.array(TolerationSchema).default([]),
    })
    .nullable()
    .optional(),
});

export const StartupLatencySchema = z.discriminatedUnion('type', [
  /**
   * Lognormal start-up delay (bind to Ready). Default: median 2 s, p99 5 s, the Kubernetes
   * pod-startup SLO (p99 <= 5 s for stateless pods with pre-pulled images); draws are capped
   * at `maxS` so a replay settles within a known bound.
   */
  z.strictObject({
    type: z.literal('lognormal'),
    medianS: z.number().positive().default(2),
    p99S: z.number().positive().default(5),
    maxS: z.number().positive().default(20),
  }),
  z.strictObject({ type: z.literal('fixed'), seconds: z.number().nonnegative() }),
  z.strictObject({ type: z.literal('uniform'), minS: z.number().nonnegative(), maxS: z.number().nonnegative() }),
]);
export type StartupLatency = z.infer<typeof StartupLatencySchema>;

export const DemandSchema = z.discriminatedUnion('source', [
  /**
   * Demand from the trace: the recorded replicas of `of` (default: the controlled deployment)
   * x `service.perReplicaRps` x `targetUtilisation`, i.e. the load that production's replica
   * count was sized for, assuming it ran at the target utilisation.
   */
  z.strictObject({
    source: z.literal('trace'),
    targetUtilisation: z.number().gt(0).lte(1).default(0.6),
    of: z.string().min(1).optional(),
  }),
  /**
   * A load series file: CSV (`time,rps` with an optional header) or JSON (`[[t, rps], ...]` or
   * `[{time|t|ts, rps|value}]`). Times are seconds since the trace start, or Unix seconds when
   * `time: 'unix'` (default `auto`: Unix when the first time is past year 2001). The series
   * holds each value until the next point (step interpolation), and its last value after it.
   */
  z.strictObject({
    source: z.literal('file'),
    path: z.string().min(1),
    time: z.enum(['auto', 'relative', 'unix']).default('auto'),
    scale: z.number().positive().default(1),
  }),
  /** An inline series of [seconds since trace start, rps] points, same semantics as `file`. */
  z.strictObject({
    source: z.literal('series'),
    points: z.array(z.tuple([z.number(), z.number().nonnegative()])).min(1),
    scale: z.number().positive().default(1),
  }),
  /**
   * A real load series (Autothrottle one-number-per-line, NAB `timestamp,value`, `time,rps`
   * CSV or JSON) mapped onto the service by `mapping` (see load-mapping.ts, docs/scenarios.md).
   * `intervalS`: source seconds per line of a one-number-per-line file.
   */
  z.strictObject({
    source: z.literal('load'),
    path: z.string().min(1, 'expected a load file path'),
    format: LoadFormatSchema.default('auto'),
    intervalS: z.number().positive().default(1),
    mapping: LoadMappingSchema.prefault({}),
  }),
  /** A seeded synthetic series (daily and weekly cycles, bursts, noise, drift), mapped like `load`. */
  z.strictObject({
    source: z.literal('synthetic'),
    synthetic: SyntheticLoadSchema.prefault({}),
    mapping: LoadMappingSchema.prefault({}),
  }),
]);
export type DemandOptions = z.infer<typeof DemandSchema>;

export const ServiceSchema = z.strictObject({
  /** Requests/s one ready replica serves at 100% utilisation (the M/M/1 service rate mu). */
  perReplicaRps: z.number().positive().default(100),
  /** Latency SLO, milliseconds: above it the window counts as violating. */
  sloLatencyMs: z.number().positive().default(100),
  /** Latency when saturated (a request timeout), milliseconds; caps the queueing estimate. */
  maxLatencyMs: z.number().positive().default(1000),
});
export type ServiceOptions = z.infer<typeof ServiceSchema>;

export const RewardWeightsSchema = z.strictObject({
  /** Per second of full SLO violation (latency at the cap, or all requests unmet). */
  slo: z.number().nonnegative().default(0.1),
  /** Per CPU-second held by the controlled deployment's scheduled pods. */
  cost: z.number().nonnegative().default(0.002),
  /** Per replica added or removed by an action. */
  churn: z.number().nonnegative().default(0.05),
});
export type RewardWeights = z.infer<typeof RewardWeightsSchema>;

export const EpisodeStartSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('trace-start') }),
  z.strictObject({ type: z.literal('offset'), seconds: z.number().nonnegative() }),
  /**
   * A start drawn at reset from the episode's seed, uniform over [earliestS, latestS]
   * (default: 0 .. the last start that still leaves a full horizon), rounded down to a
   * multiple of `alignS` (default stepSeconds).
   */
  z.strictObject({
    type: z.literal('random-window'),
    earliestS: z.number().nonnegative().optional(),
    latestS: z.number().nonnegative().optional(),
    alignS: z.number().positive().optional(),
  }),
  /**
   * A start drawn at reset from the episode's seed among the starts that keep a whole episode
   * (horizon x stepSeconds) inside one of `windows` ([startS, endS] pairs), uniform over those
   * starts, aligned to `alignS` (default stepSeconds) from each window's start. A scenario's
   * split resolves to this.
   */
  z.strictObject({
    type: z.literal('windows'),
    windows: z.array(z.tuple([z.number().nonnegative(), z.number().nonnegative()])).min(1, 'expected at least one [startS, endS] window'),
    alignS: z.number().positive().optional(),
  }),
]);
export type EpisodeStart = z.infer<typeof EpisodeStartSchema>;

const deploymentName = z.string().min(1, 'expected a deployment as NAMESPACE/NAME or NAME');

/** A decoded trace object (validated by the codec that produced it). */
const traceObject = z.custom<Trace>(
  (v) => typeof v === 'object' && v !== null && 'version' in v && Array.isArray((v as { events?: unknown }).events),
  { message: 'expected a trace file path or a decoded trace object' },
);

export const SimEnvOptionsSchema = z.strictObject({
  /** Trace file path (`.sktrace` msgpack) or a decoded `Trace`. */
  trace: z.union([z.string().min(1, 'expected a trace file path'), traceObject]),
  /** The deployment the agent controls: `namespace/name`, or a bare name when unambiguous. */
  deployment: deploymentName,
  backend: z.enum(['memory', 'kube']).default('memory'),
  /** `absolute`: the action is the replica count; `delta`: a change in {-maxDelta..+maxDelta}. */
  actionMode: z.enum(['absolute', 'delta']).default('absolute'),
  minReplicas: z.number().int().nonnegative().default(1),
  /** Default: max(10, 2 x the controlled deployment's recorded peak). */
  maxReplicas: z.number().int().positive().optional(),
  maxDelta: z.number().int().positive().default(2),
  /** Simulated seconds per step. */
  stepSeconds: z.number().positive().default(15),
  /** Steps per episode; default: until the end of the trace. Episodes also end at the trace's end. */
  horizon: z.number().int().positive('expected a horizon of at least 1 step').optional(),
  /** `truncate` (default): an episode ends at the trace's end; `hold`: the trace's last state holds and only `horizon` ends it. */
  pastTraceEnd: z.enum(['truncate', 'hold']).default('truncate'),
  episodeStart: EpisodeStartSchema.default({ type: 'trace-start' }),
  /** One action held for `durationSeconds`, reward over the window: a one-step episode. */
  oneStep: z.strictObject({ durationSeconds: z.number().positive() }).optional(),
  /** Controlled replicas at reset: `recorded` (the trace's value at the start, clipped) or a number. */
  initialReplicas: z.union([z.literal('recorded'), z.number().int().nonnegative()]).default('recorded'),
  reward: RewardWeightsSchema.default(RewardWeightsSchema.parse({})),
  demand: DemandSchema.default({ source: 'trace', targetUtilisation: 0.6 }),
  service: ServiceSchema.default(ServiceSchema.parse({})),
  nodes: NodesSchema.default({ source: 'auto' }),
  startupLatency: StartupLatencySchema.default({ type: 'lognormal', medianS: 2, p99S: 5, maxS: 20 }),
  /** Default seed of `reset()` when none is given (episode k without a seed uses seed + k). */
  seed: z.number().int().default(0),
  /** Options of the kube backend (validated by it). */
  kube: z.unknown().optional(),
});

/** What a user passes to `SimEnv.create`. */
export type SimEnvOptionsInput = z.input<typeof SimEnvOptionsSchema>;
/** Parsed options (defaults filled, before trace-dependent resolution). */
export type ParsedSimEnvOptions = z.output<typeof SimEnvOptionsSchema>;

/** Fully resolved options: every default filled, trace-dependent ones too; JSON-serialisable. */
export interface SimEnvOptions extends Omit<ParsedSimEnvOptions, 'trace' | 'maxReplicas' | 'horizon' | 'nodes' | 'kube'> {
  /** The trace file path, or `(in-memory trace)`. */
  trace: string;
  /** `namespace/name` of the controlled deployment. */
  deployment: string;
  maxReplicas: number;
  /** Steps per episode (null: until the trace ends). */
  horizon: number | null;
  nodes: {
    source: 'trace' | 'virtual';
    pools: NodePoolOptions[];
    inject: { nodeSelector: Record<string, string>; tolerations: z.infer<typeof TolerationSchema>[] } | null;
  };
  kube?: unknown;
  /** How a `load` or `synthetic` demand was mapped (factor, spans, peak): set by create(). */
  demandMapping?: LoadResolution;
  /** The scenario these options came from, and the split, when one was used. */
  scenario?: { name: string; file: string | null; split: string | null };
}

/** Validate `SimEnv.create` input; a ConfigError names the first offending field. */
export function parseOptions(input: unknown): ParsedSimEnvOptions {
  return parse(SimEnvOptionsSchema, input, (issue) => {
    const field = issuePath(issue, '(options)');
    if (issue.code !== 'unrecognized_keys') return new ConfigError(field, issue.message);
    const keys = (issue as { keys?: string[] }).keys ?? [];
    const message = `unknown option${keys.length === 1 ? '' : 's'} ${keys.map((k) => `"${k}"`).join(', ')}`;
    return new ConfigError(field, message, { hint: 'check the spelling against docs/env.md' });
  });
}
