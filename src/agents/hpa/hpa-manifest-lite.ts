import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigError } from '../../env/errors.js';
import type { HpaOptionsInput } from './hpa-config.js';

/**
 * A minimal reader of an autoscaling/v2 HorizontalPodAutoscaler manifest (YAML or JSON) for
 * `--hpa FILE`: the object as written (the kube backend applies it to the cluster as is) and
 * its translation into the `hpa` agent's options (the port runs the same HPA in memory).
 * Kept small on purpose: the shared manifest parser (hpa-manifest.ts) replaces it at merge.
 */

/** The manifest as parsed; ConfigError('hpa') naming the file and what is wrong otherwise. */
export function readHpaManifestFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('hpa', `expected a readable HPA manifest file, got ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new ConfigError('hpa', `expected YAML or JSON in ${path}, got a parse error: ${(err as Error).message.split('\n')[0]}`);
  }
  const m = doc as { apiVersion?: unknown; kind?: unknown } | null;
  if (!m || typeof m !== 'object' || m.apiVersion !== 'autoscaling/v2' || m.kind !== 'HorizontalPodAutoscaler') {
    throw new ConfigError('hpa', `expected an autoscaling/v2 HorizontalPodAutoscaler in ${path}, got ${m && typeof m === 'object' ? `${String(m.apiVersion)} ${String(m.kind)}` : typeof doc}`, {
      hint: 'write apiVersion: autoscaling/v2 and kind: HorizontalPodAutoscaler (see examples/hpa/)',
    });
  }
  return doc as Record<string, unknown>;
}

interface ManifestSpec {
  minReplicas?: number;
  maxReplicas?: number;
  metrics?: Array<{ type?: string; resource?: { name?: string; target?: { type?: string; averageUtilization?: number } } }>;
  behavior?: HpaOptionsInput['behavior'];
}

/**
 * The `hpa` agent's options for a manifest: its CPU Utilization target, min/max replicas
 * (minReplicas defaults to 1 as in the API) and behavior, which use the same names.
 * The port models one metric, a Resource `cpu` metric with a Utilization target; anything else
 * is refused rather than silently dropped.
 */
export function hpaOptionsFromManifest(manifest: Record<string, unknown>): HpaOptionsInput {
  const spec = (manifest.spec ?? {}) as ManifestSpec;
  const metrics = spec.metrics ?? [];
  const cpu = metrics[0];
  if (metrics.length !== 1 || cpu?.type !== 'Resource' || cpu.resource?.name !== 'cpu' || cpu.resource.target?.type !== 'Utilization') {
    throw new ConfigError('hpa.spec.metrics', `expected exactly one Resource metric on cpu with a Utilization target, got ${JSON.stringify(metrics)}`, {
      hint: 'the hpa agent ports the CPU-utilisation HPA: metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}}]',
    });
  }
  if (typeof spec.maxReplicas !== 'number') throw new ConfigError('hpa.spec.maxReplicas', `expected maxReplicas (the API requires it), got ${String(spec.maxReplicas)}`);
  return {
    targetUtilisation: cpu.resource.target.averageUtilization,
    minReplicas: spec.minReplicas ?? 1,
    maxReplicas: spec.maxReplicas,
    ...(spec.behavior ? { behavior: spec.behavior } : {}),
  };
}
