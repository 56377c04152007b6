import { describe, expect, it } from 'vitest';
import { countPods, matchesLabels, nodeCpu, nodeSchedulable, podCpuRequest, podPhase, type PodLike } from '../../../../src/env/cluster/kube/pod-state.js';

const pod = (over: Partial<PodLike> & { ready?: boolean }): PodLike => ({
  metadata: { name: 'p', ...over.metadata },
  spec: { nodeName: 'n', containers: [{ resources: { requests: { cpu: '500m' } } }], ...over.spec },
  status: over.status ?? { phase: 'Running', conditions: [{ type: 'Ready', status: over.ready === false ? 'False' : 'True' }] },
});

describe('podPhase', () => {
  it('classifies as the env snapshot counts pods', () => {
    expect(podPhase(pod({}))).toBe('ready');
    expect(podPhase(pod({ ready: false }))).toBe('starting');
    expect(podPhase(pod({ spec: { nodeName: undefined } }))).toBe('pending');
    expect(podPhase(pod({ metadata: { deletionTimestamp: '2024-01-01T00:00:00Z' } }))).toBe('terminating');
    expect(podPhase(pod({ status: { phase: 'Succeeded' } }))).toBe('finished');
  });

  it('counts by phase, ignoring finished pods', () => {
    const c = countPods([pod({}), pod({}), pod({ ready: false }), pod({ spec: { nodeName: '' } }), pod({ status: { phase: 'Failed' } })], {
      pending: 9,
      starting: 9,
      ready: 9,
      terminating: 9,
    });
    expect(c).toEqual({ pending: 1, starting: 1, ready: 2, terminating: 0 });
  });
});

describe('CPU and nodes', () => {
  it('sums container requests; a larger init container wins', () => {
    expect(podCpuRequest(pod({}))).toBe(0.5);
    expect(podCpuRequest(pod({ spec: { nodeName: 'n', containers: [{ resources: { requests: { cpu: '1' } } }, {}], initContainers: [{ resources: { requests: { cpu: '2' } } }] } }))).toBe(2);
  });

  it('counts a node when it is ready, not cordoned and matches the selector', () => {
    const node = { metadata: { labels: { type: 'virtual' } }, status: { allocatable: { cpu: '35' }, conditions: [{ type: 'Ready', status: 'True' }] } };
    expect(nodeCpu(node)).toBe(35);
    expect(nodeSchedulable(node, { type: 'virtual' })).toBe(true);
    expect(nodeSchedulable(node, { type: 'real' })).toBe(false);
    expect(nodeSchedulable({ ...node, spec: { unschedulable: true } }, {})).toBe(false);
    expect(nodeSchedulable({ ...node, status: { conditions: [{ type: 'Ready', status: 'False' }] } }, {})).toBe(false);
  });

  it('matches label selectors', () => {
    expect(matchesLabels({ service: 'a', x: '1' }, { service: 'a' })).toBe(true);
    expect(matchesLabels({ service: 'b' }, { service: 'a' })).toBe(false);
    expect(matchesLabels(undefined, { service: 'a' })).toBe(false);
  });
});
