import { describe, expect, it } from 'vitest';
import { podCpuRequest } from '../../../src/env/cluster/kube/pod-state.js';
import type { PodLike } from '../../../src/env/k8s/pod-phase.js';
import type { KubeObject } from '../../../src/env/trace/schema.js';
import { buildTraceModel, findWorkload } from '../../../src/env/trace/trace-model.js';
import { traceWith } from '../trace/fixtures.js';

/**
 * The memory backend accounts a pod through the trace model's template facts; the kube
 * backend through `podCpuRequest` on the live Pod. Fed the same pod templates, both must
 * count the same CPU (issue 9: they used to disagree on sidecars, limits, overhead and
 * rounding).
 */

const c = (requests?: Record<string, string>, limits?: Record<string, string>, restartPolicy?: string) => ({
  name: 'c',
  image: 'x',
  ...(restartPolicy ? { restartPolicy } : {}),
  resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) },
});

/** Pod specs that exercise every rule, with the CPU the scheduler counts (millicores). */
const TEMPLATES: Array<[string, Record<string, unknown>, number]> = [
  ['one container', { containers: [c({ cpu: '250m' })] }, 250],
  ['two containers', { containers: [c({ cpu: '1' }), c({ cpu: '500m' })] }, 1500],
  ['no request at all', { containers: [c()] }, 0],
  ['limits only (defaulting copies them)', { containers: [c(undefined, { cpu: '2' })] }, 2000],
  ['requests win over limits', { containers: [c({ cpu: '100m' }, { cpu: '2' })] }, 100],
  ['a larger init container', { containers: [c({ cpu: '1' })], initContainers: [c({ cpu: '3' })] }, 3000],
  ['a sidecar adds to the app', { containers: [c({ cpu: '1' })], initContainers: [c({ cpu: '250m' }, undefined, 'Always')] }, 1250],
  [
    'an init container after a sidecar runs beside it',
    { containers: [c({ cpu: '100m' })], initContainers: [c({ cpu: '500m' }, undefined, 'Always'), c({ cpu: '1' })] },
    1500,
  ],
  ['overhead', { containers: [c({ cpu: '1' })], overhead: { cpu: '120m' } }, 1120],
  ['sub-millicore rounds up', { containers: [c({ cpu: '0.0001' })] }, 1],
  ['decimal exponent', { containers: [c({ cpu: '5e-1' })] }, 500],
];

function deploymentWith(name: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'ns' },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec } },
  };
}

/** The Pod the ReplicaSet controller would create from the Deployment's template. */
function podFrom(obj: KubeObject): PodLike {
  const tpl = (obj.spec as { template: { metadata: PodLike['metadata']; spec: PodLike['spec'] } }).template;
  return { metadata: { ...tpl.metadata, name: `${obj.metadata.name}-abc`, namespace: 'ns' }, spec: { ...structuredClone(tpl.spec), nodeName: 'n' } };
}

describe('both backends count a pod template the same way', () => {
  const objs = TEMPLATES.map(([, spec], i) => deploymentWith(`d${i}`, spec));
  const model = buildTraceModel(traceWith([{ ts: 0, applied_objs: objs, deleted_objs: [] }]));

  it.each(TEMPLATES.map(([what, , milli], i) => [what, i, milli] as const))('%s', (_what, i, milli) => {
    const memory = findWorkload(model, `ns/d${i}`)!.versions[0]!.template;
    const kube = podCpuRequest(podFrom(objs[i]!));
    expect(memory.cpuMilli).toBe(milli);
    expect(memory.cpu).toBe(milli / 1000);
    expect(kube).toBe(memory.cpu);
  });
});
