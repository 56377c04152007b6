import { ConfigError } from '../../errors.js';
import { RUN_LABEL } from './labels.js';

/**
 * The HorizontalPodAutoscaler a run applies when the real HPA controller scales the
 * controlled workload (`kube.hpa`): the user's autoscaling/v2 manifest, kept as written
 * (metrics, min/max, behavior), moved into the run's namespace, labelled with the run (so
 * teardown and the next reset delete it like every other object of the run) and pointed at
 * the controlled workload. Pure.
 */

/** The kind and version a run's HPA is created as. */
export const HPA_API_VERSION = 'autoscaling/v2';

export interface HpaTarget {
  namespace: string;
  runId: string;
  /** The controlled workload as the cluster has it. */
  apiVersion: string;
  kind: string;
  name: string;
}

/**
 * The manifest to apply. A `scaleTargetRef` naming another workload is refused (the run
 * compares replicas of the controlled one); a missing one is filled in.
 */
export function hpaManifestFor(manifest: Record<string, unknown>, target: HpaTarget): Record<string, unknown> {
  const meta = (manifest.metadata ?? {}) as { name?: unknown; labels?: Record<string, string>; annotations?: Record<string, string> };
  const spec = (manifest.spec ?? {}) as Record<string, unknown>;
  const ref = spec.scaleTargetRef as { kind?: unknown; name?: unknown } | undefined;
  if (ref?.name !== undefined && (ref.name !== target.name || (ref.kind !== undefined && ref.kind !== target.kind))) {
    throw new ConfigError(
      'kube.hpa.spec.scaleTargetRef',
      `expected the HPA to target the controlled ${target.kind} ${target.name}, got ${String(ref.kind ?? '?')} ${String(ref.name)}`,
      { hint: 'point scaleTargetRef at the deployment passed with --deploy, or leave scaleTargetRef out' },
    );
  }
  if (!Array.isArray(spec.metrics) && spec.metrics !== undefined) {
    throw new ConfigError('kube.hpa.spec.metrics', `expected a list of metrics, got ${typeof spec.metrics}`);
  }
  const name = typeof meta.name === 'string' && meta.name !== '' ? meta.name : `${target.name}-hpa`;
  return {
    apiVersion: HPA_API_VERSION,
    kind: 'HorizontalPodAutoscaler',
    metadata: {
      name,
      namespace: target.namespace,
      labels: { ...(meta.labels ?? {}), [RUN_LABEL]: target.runId },
      ...(meta.annotations ? { annotations: meta.annotations } : {}),
    },
    spec: { ...spec, scaleTargetRef: { apiVersion: target.apiVersion, kind: target.kind, name: target.name } },
  };
}
