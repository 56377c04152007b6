import { z } from 'zod';

/**
 * The typed shape of a SimKube trace (format version 2), as simenv holds it in memory.
 *
 * Field names mirror the file (snake_case at the top level, camelCase inside `config`) so
 * that an error path such as `events[12].applied_objs[3].metadata` points at the same place
 * in the file and in the object. Two things differ from a naive msgpack decode:
 *  - u64 hashes (`index` values, `pod_lifecycles` pod-spec hashes) are always `bigint`;
 *  - `pod_lifecycles`, whose keys in the file are 2-tuples and integers, is an ordered list
 *    of `{ owner: [gvk, "ns/name"], pods: [{ hash, lifecycles }] }`, because a JS object
 *    cannot have a tuple or a bigint as key and a Map would lose nothing but be awkward to
 *    validate and serialise.
 */

export const TRACE_FORMAT_VERSION = 2;

/** A u64 hash: read as number or bigint, held as bigint. */
export const HashSchema = z
  .union([z.bigint(), z.number().int()])
  .transform((v) => (typeof v === 'bigint' ? v : BigInt(v)))
  .refine((v) => v >= 0n && v < 1n << 64n, { message: 'expected an unsigned 64-bit integer' });

/** Unix time in seconds (SimKube's i64; held as a number, so limited to +-2^53). */
export const TimestampSchema = z.int();

export const ObjectMetaSchema = z.looseObject({
  name: z.string().min(1, 'expected a non-empty name'),
  namespace: z.string().optional(),
});

/** A full Kubernetes manifest; everything beyond apiVersion/kind/metadata passes through untouched. */
export const KubeObjectSchema = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  metadata: ObjectMetaSchema,
});
export type KubeObject = z.infer<typeof KubeObjectSchema>;

export const TraceEventSchema = z.object({
  ts: TimestampSchema,
  applied_objs: z.array(KubeObjectSchema),
  deleted_objs: z.array(KubeObjectSchema),
});
export type TraceEvent = z.infer<typeof TraceEventSchema>;

/**
 * One tracked-object entry of `config.trackedObjects`. SimKube parses it with unknown
 * fields denied, so the schema is strict too: a field we do not know would make the file
 * unreadable to SimKube.
 */
export const TrackedObjectConfigSchema = z.strictObject({
  /** SimKube writes nil when it has none (an `Option` without skip), so null is kept. */
  podSpecTemplatePaths: z.array(z.string()).nullable().optional(),
  trackLifecycle: z.boolean().optional(),
  skipOwned: z.boolean().optional(),
});
export type TrackedObjectConfig = z.infer<typeof TrackedObjectConfigSchema>;

export const TraceConfigSchema = z.object({
  trackedObjects: z.record(z.string(), TrackedObjectConfigSchema),
});
export type TraceConfig = z.infer<typeof TraceConfigSchema>;

/** A pod lifecycle: SimKube's externally tagged enum, as a discriminated union. */
export const PodLifecycleSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('Empty') }),
  z.object({ state: z.literal('Running'), start: TimestampSchema }),
  z.object({ state: z.literal('Finished'), start: TimestampSchema, end: TimestampSchema }),
]);
export type PodLifecycle = z.infer<typeof PodLifecycleSchema>;

export const PodLifecyclesByHashSchema = z.object({
  hash: HashSchema,
  lifecycles: z.array(PodLifecycleSchema),
});

export const OwnerLifecyclesSchema = z.object({
  /** The tuple key: [owner GVK, owner "namespace/name"]. */
  owner: z.tuple([z.string(), z.string()]),
  pods: z.array(PodLifecyclesByHashSchema),
});
export type OwnerLifecycles = z.infer<typeof OwnerLifecyclesSchema>;

export const TraceSchema = z.object({
  version: z.literal(TRACE_FORMAT_VERSION),
  config: TraceConfigSchema,
  events: z.array(TraceEventSchema),
  /** GVK (e.g. `apps/v1.Deployment`) -> "namespace/name" -> u64 hash. */
  index: z.record(z.string(), z.record(z.string(), HashSchema)),
  pod_lifecycles: z.array(OwnerLifecyclesSchema),
});
export type Trace = z.infer<typeof TraceSchema>;

/** The GVK string SimKube uses as a key, e.g. `apps/v1.Deployment` or `v1.Pod`. */
export function gvkOf(obj: { apiVersion: string; kind: string }): string {
  return `${obj.apiVersion}.${obj.kind}`;
}

/** `namespace/name` (cluster-scoped objects: just `name`). */
export function namespacedName(obj: { metadata: { name: string; namespace?: string } }): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name;
}
