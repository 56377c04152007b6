import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../env/errors.js';
import { HpaOptionsSchema, HpaScalingPolicySchema, HpaTargetUtilisationSchema, type HpaOptionsInput, type RangedHpaOptions } from './hpa-config.js';

/**
 * A real `autoscaling/v2` HorizontalPodAutoscaler manifest (YAML or JSON, one document) read
 * into the HPA agent's options, so a platform engineer tests the manifest they deploy.
 *
 * Read: spec.minReplicas (API default 1), spec.maxReplicas, the one CPU `Resource` metric's
 * `Utilization` target (API default 80% when `metrics` is absent), spec.behavior (both
 * directions: stabilizationWindowSeconds, selectPolicy, policies, tolerance).
 * Accepted and not used: metadata (the name labels the agent), spec.scaleTargetRef (the run's
 * deployment is the target), status (observed state, not configuration).
 * Anything else is an error naming its path: simenv models CPU utilisation only, so a memory,
 * Pods, Object, External or ContainerResource metric, or an AverageValue target, would be
 * silently dropped otherwise and the run would test another HPA than the manifest.
 */

/** What a manifest configures: the agent's options and the manifest's own name. */
export interface HpaManifest {
  /** metadata.name, or null. */
  name: string | null;
  /** spec.scaleTargetRef.name: the workload the manifest scales in production. */
  scaleTargetName: string | null;
  /** The HPA agent's options (createAgent's `hpa`). */
  options: HpaOptionsInput;
  /** The manifest as written and validated here (`--agent k8s-hpa` applies it to the cluster, `kube.hpa`). */
  document: Record<string, unknown>;
}

/** The API versions whose HorizontalPodAutoscaler has these fields (v2beta2 is v2's predecessor, same shape). */
const API_VERSIONS = ['autoscaling/v2', 'autoscaling/v2beta2'];

/** Kubernetes' default when `spec.metrics` is absent: 80% average CPU utilisation. */
export const DEFAULT_MANIFEST_TARGET_UTILISATION = 80;

/** `spec.behavior.*.tolerance` is a resource.Quantity: 0.1, "0.1" or "100m". */
const QuantitySchema = z.union([
  z.number().min(0),
  z
    .string()
    .regex(/^\d+(\.\d+)?m?$/, 'expected a quantity such as 0.1 or "100m"')
    .transform((s) => (s.endsWith('m') ? Number(s.slice(0, -1)) / 1000 : Number(s))),
]);

const RulesSchema = z.strictObject({
  stabilizationWindowSeconds: z.number().int().min(0).max(3600).optional(),
  selectPolicy: z.enum(['Max', 'Min', 'Disabled']).optional(),
  policies: z.array(HpaScalingPolicySchema).optional(),
  tolerance: QuantitySchema.optional(),
});

const SpecSchema = z.strictObject({
  scaleTargetRef: z.looseObject({ kind: z.string(), name: z.string(), apiVersion: z.string().optional() }),
  minReplicas: z.number().int().min(1).optional(),
  maxReplicas: z.number({ error: 'expected an integer >= 1 (required)' }).int().min(1),
  metrics: z.array(z.unknown()).optional(),
  behavior: z.strictObject({ scaleUp: RulesSchema.optional(), scaleDown: RulesSchema.optional() }).optional(),
});

const ManifestSchema = z.strictObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.looseObject({ name: z.string().optional() }).optional(),
  spec: SpecSchema,
  status: z.unknown().optional(),
});

/** `['spec', 'metrics', 0, 'type']` -> `spec.metrics[0].type`. */
function pathText(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(document)';
}

function fail(source: string, path: ReadonlyArray<PropertyKey>, message: string): never {
  throw new ConfigError(`${source}: ${pathText(path)}`, message, {
    hint: 'simenv reads minReplicas, maxReplicas, one CPU Utilization metric and behavior; see docs/agents.md',
  });
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Keys of `obj` outside `allowed` are an error at the first one. */
function onlyKeys(source: string, path: PropertyKey[], obj: Record<string, unknown>, allowed: string[], why: string): void {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) fail(source, [...path, k], `not supported (${why})`);
}

/** The CPU target of `spec.metrics`: exactly one Resource cpu Utilization metric. */
function cpuTarget(source: string, metrics: unknown[] | undefined): number {
  if (metrics === undefined) return DEFAULT_MANIFEST_TARGET_UTILISATION;
  if (metrics.length === 0) fail(source, ['spec', 'metrics'], 'expected one CPU Resource metric, got an empty list');
  if (metrics.length > 1) fail(source, ['spec', 'metrics', 1], `expected one metric (CPU utilisation, the only one simenv models), got ${metrics.length}`);
  const base: PropertyKey[] = ['spec', 'metrics', 0];
  const m = metrics[0];
  if (!isRecord(m)) fail(source, base, 'expected a metric object');
  if (m.type !== 'Resource') {
    fail(source, [...base, 'type'], `expected Resource (CPU utilisation, the only metric simenv models), got ${JSON.stringify(m.type)}`);
  }
  onlyKeys(source, base, m, ['type', 'resource'], 'a Resource metric has type and resource');
  const r = m.resource;
  if (!isRecord(r)) fail(source, [...base, 'resource'], 'expected {name: cpu, target: {...}}');
  onlyKeys(source, [...base, 'resource'], r, ['name', 'target'], 'a resource metric has name and target');
  if (r.name !== 'cpu') fail(source, [...base, 'resource', 'name'], `expected cpu (the only resource simenv models), got ${JSON.stringify(r.name)}`);
  const t = r.target;
  const tp: PropertyKey[] = [...base, 'resource', 'target'];
  if (!isRecord(t)) fail(source, tp, 'expected {type: Utilization, averageUtilization: N}');
  if (t.type !== 'Utilization') {
    fail(source, [...tp, 'type'], `expected Utilization (a percent of the CPU request; simenv does not model absolute CPU values), got ${JSON.stringify(t.type)}`);
  }
  onlyKeys(source, tp, t, ['type', 'averageUtilization'], 'a Utilization target has averageUtilization only; averageValue and value are absolute CPU targets simenv does not model');
  const u = HpaTargetUtilisationSchema.safeParse(t.averageUtilization);
  if (!u.success) {
    const got = t.averageUtilization === undefined ? 'nothing' : JSON.stringify(t.averageUtilization);
    fail(source, [...tp, 'averageUtilization'], `expected an integer percent in (0, 100], got ${got}`);
  }
  return u.data;
}

/** Parse a manifest's text (YAML or JSON, one document); `source` names it in errors (e.g. the file name). */
export function parseHpaManifest(text: string, source: string): HpaManifest {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: false });
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const first = err.message.split('\n')[0]!;
      const why = /multiple documents/.test(first) ? 'expected one document, got several (split the file)' : `expected YAML or JSON, got a syntax error: ${first}`;
      throw new ConfigError(source, why, { hint: 'pass one HorizontalPodAutoscaler manifest, as kubectl get hpa NAME -o yaml prints it' });
    }
    throw err;
  }
  if (!isRecord(doc)) fail(source, [], `expected a HorizontalPodAutoscaler object, got ${doc === null ? 'an empty document' : typeof doc}`);
  if (doc.kind !== 'HorizontalPodAutoscaler') fail(source, ['kind'], `expected HorizontalPodAutoscaler, got ${JSON.stringify(doc.kind)}`);
  if (!API_VERSIONS.includes(String(doc.apiVersion))) {
    fail(source, ['apiVersion'], `expected autoscaling/v2, got ${JSON.stringify(doc.apiVersion)}${doc.apiVersion === 'autoscaling/v1' ? ' (convert it: kubectl get hpa NAME -o yaml prints v2)' : ''}`);
  }
  const parsed = ManifestSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') fail(source, [...issue.path, issue.keys[0]!], 'not supported (not a HorizontalPodAutoscaler field simenv models)');
    fail(source, issue.path, issue.message);
  }
  const spec = parsed.data.spec;
  const targetUtilisation = cpuTarget(source, spec.metrics);
  const options: HpaOptionsInput = {
    targetUtilisation,
    minReplicas: spec.minReplicas ?? 1,
    maxReplicas: spec.maxReplicas,
  };
  if (options.minReplicas! > spec.maxReplicas) {
    fail(source, ['spec', 'minReplicas'], `expected minReplicas <= maxReplicas (${spec.maxReplicas}), got ${options.minReplicas}`);
  }
  if (spec.behavior) {
    const behavior: NonNullable<HpaOptionsInput['behavior']> = {};
    for (const dir of ['scaleUp', 'scaleDown'] as const) {
      const r = spec.behavior[dir];
      if (!r) continue;
      behavior[dir] = {
        ...(r.stabilizationWindowSeconds !== undefined ? { stabilizationWindowSeconds: r.stabilizationWindowSeconds } : {}),
        ...(r.selectPolicy !== undefined ? { selectPolicy: r.selectPolicy } : {}),
        ...(r.policies !== undefined ? { policies: r.policies } : {}),
        ...(r.tolerance !== undefined ? { tolerance: r.tolerance } : {}),
      };
      if (r.policies !== undefined && r.policies.length === 0 && r.selectPolicy !== 'Disabled') {
        fail(source, ['spec', 'behavior', dir, 'policies'], 'expected at least one policy (or selectPolicy: Disabled)');
      }
    }
    options.behavior = behavior;
  }
  // The agent's own schema has the last word (one definition of what an HPA option may be).
  const check = HpaOptionsSchema.safeParse(options);
  if (!check.success) fail(source, ['spec'], check.error.issues[0]!.message);
  return { name: parsed.data.metadata?.name ?? null, scaleTargetName: spec.scaleTargetRef.name, options, document: doc };
}

/** Read an HPA manifest file (YAML or JSON); ConfigError naming the file and the field otherwise. */
export function loadHpaManifest(path: string): HpaManifest {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError('hpa', `expected a readable HorizontalPodAutoscaler manifest (YAML or JSON), got "${path}" (${code})`, {
      hint: 'save one with kubectl get hpa NAME -o yaml > hpa.yaml, or start from examples/hpa/',
    });
  }
  return parseHpaManifest(text, basename(path));
}

/** What `formatHpaManifest` writes: the options and where the HPA points. */
export interface HpaManifestTarget {
  /** metadata.name and the Deployment's name (spec.scaleTargetRef.name). */
  name: string;
  /** metadata.namespace; omitted when null. */
  namespace: string | null;
  /** The HPA's settings; minReplicas and maxReplicas are required (a manifest must name its range). */
  options: RangedHpaOptions;
  /** Comment lines above the document (provenance); each is prefixed with `# `. */
  comment?: readonly string[];
}

/**
 * Write an `autoscaling/v2` HorizontalPodAutoscaler manifest (YAML) that `parseHpaManifest`
 * reads back to the same options, behavior spelled out in full (selectPolicy, windows and
 * policies of both directions), so what goes to a cluster is what was evaluated.
 */
export function formatHpaManifest(t: HpaManifestTarget): string {
  const o = HpaOptionsSchema.parse(t.options);
  if (o.minReplicas === undefined || o.maxReplicas === undefined || o.minReplicas < 1) {
    throw new ConfigError('hpa', `expected minReplicas >= 1 and maxReplicas in the options, got ${o.minReplicas} and ${o.maxReplicas}`);
  }
  // The process-wide flags (sync period, cluster tolerance) are not manifest fields: an HPA
  // tuned with other values would behave differently on a cluster that runs the defaults.
  const defaults = HpaOptionsSchema.parse({});
  const flags = [
    ['syncPeriodSeconds', o.syncPeriodSeconds, defaults.syncPeriodSeconds],
    ['tolerance', o.tolerance, defaults.tolerance],
    ...(o.behavior?.scaleDown?.stabilizationWindowSeconds === undefined ? [['downscaleStabilizationSeconds', o.downscaleStabilizationSeconds, defaults.downscaleStabilizationSeconds] as const] : []),
  ] as const;
  for (const [key, got, want] of flags) {
    if (got !== want) {
      throw new ConfigError(`hpa.${key}`, `expected the controller's default ${want} (a kube-controller-manager flag, not a manifest field), got ${got}`, {
        hint: 'set the per-direction behavior fields instead (stabilizationWindowSeconds, tolerance)',
      });
    }
  }
  const rules = (r: NonNullable<NonNullable<typeof o.behavior>['scaleUp']> | undefined): Record<string, unknown> | undefined => {
    if (!r) return undefined;
    return {
      ...(r.stabilizationWindowSeconds !== undefined ? { stabilizationWindowSeconds: r.stabilizationWindowSeconds } : {}),
      selectPolicy: r.selectPolicy,
      ...(r.policies !== undefined ? { policies: r.policies.map((p) => ({ type: p.type, value: p.value, periodSeconds: p.periodSeconds })) } : {}),
      ...(r.tolerance !== undefined ? { tolerance: r.tolerance } : {}),
    };
  };
  const behavior = o.behavior ? { ...(o.behavior.scaleUp ? { scaleUp: rules(o.behavior.scaleUp) } : {}), ...(o.behavior.scaleDown ? { scaleDown: rules(o.behavior.scaleDown) } : {}) } : undefined;
  const doc = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: t.name, ...(t.namespace !== null ? { namespace: t.namespace } : {}) },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: t.name },
      minReplicas: o.minReplicas,
      maxReplicas: o.maxReplicas,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: o.targetUtilisation } } }],
      ...(behavior && Object.keys(behavior).length > 0 ? { behavior } : {}),
    },
  };
  const head = (t.comment ?? []).map((l) => `# ${l}`.trimEnd()).join('\n');
  return `${head ? `${head}\n` : ''}${stringifyYaml(doc)}`;
}
