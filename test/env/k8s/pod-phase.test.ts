import { describe, expect, it } from 'vitest';
import { countPods, podPhase, type PodLike } from '../../../src/env/k8s/pod-phase.js';

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
