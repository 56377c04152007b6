import { describe, expect, it } from 'vitest';
import { hpaManifestFor } from '../../../../src/env/cluster/kube/hpa-manifest-apply.js';
import { parseKubeOptions } from '../../../../src/env/cluster/kube/kube-options.js';
import { readyPodCpu, usageAnnotationValue } from '../../../../src/env/cluster/kube/pod-usage.js';
import { DemandSeries } from '../../../../src/env/demand.js';
import { ConfigError } from '../../../../src/env/errors.js';
import { instantUtilisation } from '../../../../src/env/service-model.js';

const load = { demand: new DemandSeries(Float64Array.from([0, 60]), Float64Array.from([30, 120])), perReplicaRps: 20 };

describe('pod CPU usage from the demand model', () => {
  it('is utilisation x request: the rho the memory HPA agent reads, times the pod request', () => {
    // 30 rps over 3 ready pods of 20 rps: rho 0.5; 0.25 cores requested -> 125m each.
    expect(readyPodCpu(load, 10, 3, 0.25)).toBeCloseTo(0.125, 12);
    expect(readyPodCpu(load, 10, 3, 0.25)).toBe(instantUtilisation(30, 3, 20) * 0.25);
    // Saturated (120 rps > 3 x 20): capped at the request, as the service model caps rho at 1.
    expect(readyPodCpu(load, 60, 3, 0.25)).toBe(0.25);
    // No ready pod: rho is 1 by the service model's rule, but no pod publishes it (see the publisher).
    expect(readyPodCpu(load, 10, 0, 0.25)).toBe(0.25);
  });

  it('annotates millicores per container (KWOK evaluates the annotation once per container)', () => {
    expect(usageAnnotationValue(0.125, 1)).toBe('125m');
    expect(usageAnnotationValue(0.3, 2)).toBe('150m');
    expect(usageAnnotationValue(0, 1)).toBe('0m');
    expect(usageAnnotationValue(0.0004, 1)).toBe('0m');
    expect(usageAnnotationValue(-1, 0)).toBe('0m');
  });
});

describe('the run HPA manifest', () => {
  const target = { namespace: 'hpa-a', runId: 'r1', apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
  const manifest = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'prod', labels: { team: 'a' } },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 120 } },
    },
  };

  it('keeps the spec as written, moves it into the run namespace and labels it with the run', () => {
    const m = hpaManifestFor(manifest, target) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
    expect(m.metadata).toEqual({ name: 'web', namespace: 'hpa-a', labels: { team: 'a', 'simenv.io/run': 'r1' } });
    expect(m.spec).toEqual(manifest.spec);
  });

  it('fills a missing scaleTargetRef and name; refuses a target other than the controlled workload', () => {
    const m = hpaManifestFor({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', spec: { maxReplicas: 4 } }, target) as {
      metadata: { name: string };
      spec: { scaleTargetRef: unknown };
    };
    expect(m.metadata.name).toBe('web-hpa');
    expect(m.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' });
    const other = { ...manifest, spec: { ...manifest.spec, scaleTargetRef: { kind: 'Deployment', name: 'api' } } };
    expect(() => hpaManifestFor(other, target)).toThrow(/expected the HPA to target the controlled Deployment web, got Deployment api/);
  });

  it('kube options: an HPA manifest needs replay mode at speed 1', () => {
    const field = (input: unknown): string => {
      try {
        parseKubeOptions(input);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return `${(err as ConfigError).field} | ${(err as Error).message}`;
      }
      return 'no error';
    };
    expect(parseKubeOptions({ hpa: manifest }).hpa).toEqual(manifest);
    expect(field({ hpa: manifest, speed: 10 })).toMatch(/^kube\.speed \| .*expected speed 1 with an HPA manifest.*got 10/);
    expect(field({ hpa: manifest, mode: 'simkube' })).toMatch(/^kube\.hpa \| .*expected replay mode/);
    expect(field({ hpa: { ...manifest, apiVersion: 'autoscaling/v1' } })).toMatch(/^kube\.hpa\.apiVersion \| /);
  });
});
