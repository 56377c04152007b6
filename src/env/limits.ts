import { ConfigError } from './errors.js';

/**
 * The sizes simenv accepts, stated once. Each bounds what one input can make a process
 * allocate: the memory backend keeps a record per pod and per node, a run a summary entry per
 * episode, a trace reader a frame per nesting level and an entry per event. They are checked
 * once, where the input is read (`trace validate`/`readTrace`, `SimEnv.create`, the runner's
 * flags), and every refusal names the limit and the value (docs/limits.md).
 */
export const LIMITS = {
  /** Largest replica count of one workload (a trace's spec.replicas, maxReplicas). */
  replicas: 100_000,
  /** Most pods the memory backend may have to hold at once (Kubernetes' own cluster limit). */
  pods: 150_000,
  /** Most nodes in a cluster (Kubernetes' own cluster limit). */
  nodes: 5_000,
  /** Most episodes in one run or evaluation. */
  episodes: 1_000_000,
  /** Most steps in one episode (the horizon). */
  stepsPerEpisode: 10_000_000,
  /** Deepest nesting of maps and arrays in a trace file, for every reader and the writer. */
  traceDepth: 512,
  /** Most events in one trace. */
  traceEvents: 1_000_000,
  /** Largest JSON trace file: the JSON reader decodes it into one string, which V8 caps at 2^29 - 24 characters. msgpack traces have no such cap. */
  jsonTraceBytes: 0x1fffffe8,
  /** Highest demand (requests/s) a load series may map to: above it, service figures overflow to Infinity. */
  demandRps: 1_000_000_000,
} as const;

export type LimitName = keyof typeof LIMITS;

/** What each limit counts, for messages. */
const WHAT: Record<LimitName, string> = {
  replicas: 'replicas of one workload',
  pods: 'pods at once',
  nodes: 'nodes',
  episodes: 'episodes per run',
  stepsPerEpisode: 'steps per episode',
  traceDepth: 'nesting levels in a trace',
  traceEvents: 'events in a trace',
  demandRps: 'requests/s of demand',
  jsonTraceBytes: 'bytes in a JSON trace file',
};

/** "expected at most N replicas of one workload (simenv's limit `replicas`), got V". */
export function limitMessage(name: LimitName, value: number | string): string {
  return `expected at most ${LIMITS[name].toLocaleString('en-US')} ${WHAT[name]} (simenv's limit "${name}", docs/limits.md), got ${value}`;
}

/** Throw a ConfigError for `field` when `value` is over the limit `name`. */
export function checkLimit(field: string, name: LimitName, value: number, hint?: string): void {
  if (value > LIMITS[name]) throw new ConfigError(field, limitMessage(name, value), hint !== undefined ? { hint } : undefined);
}

/**
 * The problem with a recorded replica count (spec.replicas, spec.parallelism), or undefined
 * when it is an integer in 0..LIMITS.replicas. Kubernetes stores them as int32: strings,
 * fractions and negatives are not replica counts.
 */
export function replicaCountProblem(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) {
    return value > LIMITS.replicas ? limitMessage('replicas', value) : undefined;
  }
  const got = typeof value === 'string' ? `the string ${JSON.stringify(value.slice(0, 40))}` : typeof value === 'number' ? `${value}` : typeof value;
  return `expected a replica count (an integer from 0 to ${LIMITS.replicas.toLocaleString('en-US')}), got ${got}`;
}
