import { describe, expect, it } from 'vitest';
import { TraceFormatError } from '../../../../src/env/errors.js';
import { nodeCpu, nodeSchedulable, podCpuRequest } from '../../../../src/env/cluster/kube/pod-state.js';
import type { PodLike } from '../../../../src/env/k8s/pod-phase.js';

const pod = (spec: PodLike['spec']): PodLike => ({ metadata: { name: 'p', namespace: 'ns' }, spec: { nodeName: 'n', ...spec } });

describe('CPU and nodes', () => {
  it('counts a pod as the scheduler does: containers, a larger init container, sidecars, overhead', () => {
    expect(podCpuRequest(pod({ containers: [{ resources: { requests: { cpu: '500m' } } }] }))).toBe(0.5);
    expect(podCpuRequest(pod({ containers: [{ resources: { requests: { cpu: '1' } } }, {}], initContainers: [{ resources: { requests: { cpu: '2' } } }] }))).toBe(2);
    const sidecar = { restartPolicy: 'Always', resources: { requests: { cpu: '250m' } } };
    expect(podCpuRequest(pod({ containers: [{ resources: { requests: { cpu: '1' } } }], initContainers: [sidecar], overhead: { cpu: '100m' } }))).toBe(1.35);
  });

  it('names the pod and field of a malformed quantity instead of counting it as 0', () => {
    const bad = pod({ containers: [{ resources: { requests: { cpu: 'lots' } } }] });
    expect(() => podCpuRequest(bad)).toThrow(TraceFormatError);
    expect(() => podCpuRequest(bad)).toThrow(/ns\/p spec\.containers\[0\]\.resources\.requests\.cpu/);
  });

  it('counts a node when it is ready, not cordoned and matches the selector', () => {
    const node = { metadata: { labels: { type: 'virtual' } }, status: { allocatable: { cpu: '35' }, conditions: [{ type: 'Ready', status: 'True' }] } };
    expect(nodeCpu(node)).toBe(35);
    expect(nodeCpu({ status: { allocatable: { cpu: '3500m' } } })).toBe(3.5);
    expect(nodeCpu({})).toBe(0);
    expect(nodeSchedulable(node, { type: 'virtual' })).toBe(true);
    expect(nodeSchedulable(node, { type: 'real' })).toBe(false);
    expect(nodeSchedulable({ ...node, spec: { unschedulable: true } }, {})).toBe(false);
    expect(nodeSchedulable({ ...node, status: { conditions: [{ type: 'Ready', status: 'False' }] } }, {})).toBe(false);
  });
});
