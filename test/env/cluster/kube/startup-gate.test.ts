import { describe, expect, it } from 'vitest';
import type { ClusterObserver } from '../../../../src/env/cluster/kube/cluster-observer.js';
import type { KubeClient } from '../../../../src/env/cluster/kube/kube-client.js';
import { clusterManifest } from '../../../../src/env/cluster/kube/manifests.js';
import { READY_AT_ANNOTATION, STARTUP_LATENCY_ANNOTATION, StartupGate } from '../../../../src/env/cluster/kube/startup-gate.js';
import { StartupLatencyDraw } from '../../../../src/env/cluster/memory/startup-latency.js';
import { Rng } from '../../../../src/env/rng.js';

const LOGNORMAL = { type: 'lognormal', medianS: 2, p99S: 5, maxS: 20 } as const;

function pod(name: string, bound: boolean, optIn = true) {
  return {
    metadata: { name, namespace: 'ns', annotations: optIn ? { [STARTUP_LATENCY_ANNOTATION]: 'drawn' } : {} },
    spec: { ...(bound ? { nodeName: 'kwok-node-0' } : {}), containers: [{}] },
    status: { conditions: [{ type: 'Ready', status: 'False' }] },
  };
}

function setup(pods: ReturnType<typeof pod>[], speed = 1) {
  const patches: Array<{ name: string; at: number }> = [];
  const listeners: Array<() => void> = [];
  const client = {
    call: async (_w: unknown, fn: (a: unknown) => Promise<unknown>) =>
      fn({ objects: { patch: async (o: { metadata: { name: string; annotations: Record<string, string> } }) => patches.push({ name: o.metadata.name, at: Date.parse(o.metadata.annotations[READY_AT_ANNOTATION]!) }) } }),
  } as unknown as KubeClient;
  const observer = {
    controlledPods: () => pods.values(),
    onChange: (l: () => void) => {
      listeners.push(l);
      return () => listeners.splice(listeners.indexOf(l), 1);
    },
  } as unknown as ClusterObserver;
  const gate = new StartupGate({ client, observer, latency: LOGNORMAL, speed, log: () => {} });
  return { gate, patches, fire: () => listeners.forEach((l) => l()), listeners };
}

describe('StartupGate', () => {
  it('opts the controlled pod template in through an annotation', () => {
    const dep = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { metadata: {}, spec: { containers: [] } } } };
    const m = clusterManifest(dep as never, { namespace: 'n', runId: 'r', nodeSelector: {}, kwokToleration: true, drawnStartup: true }) as unknown as { spec: { template: { metadata: { annotations: Record<string, string> } } } };
    expect(m.spec.template.metadata.annotations[STARTUP_LATENCY_ANNOTATION]).toBe('drawn');
  });

  it('releases reset pods at once, then draws each bound pod a delay from the memory sampler and the episode seed', async () => {
    const pods = [pod('a', true), pod('b', false), pod('c', true, false)];
    const { gate, patches, fire } = setup(pods, 2);
    gate.start();
    gate.beginReset();
    const t0 = Date.now();
    fire();
    await gate.release();
    expect(patches.map((p) => p.name)).toEqual(['a']);
    expect(gate.delays.get('ns/a')).toBe(0);
    expect(patches[0]!.at).toBeGreaterThanOrEqual(t0 - 5);
    expect(patches[0]!.at).toBeLessThanOrEqual(Date.now() + 5);

    const episode = new Rng(42);
    const expected = new StartupLatencyDraw(LOGNORMAL);
    const stream = new Rng(new Rng(42).nextUint32());
    gate.beginEpisode(episode);
    pods[1]!.spec.nodeName = 'kwok-node-0';
    pods.push(pod('d', true));
    const before = Date.now();
    fire();
    await gate.release();
    const d1 = expected.draw(stream);
    const d2 = expected.draw(stream);
    expect(gate.delays.get('ns/b')).toBe(d1);
    expect(gate.delays.get('ns/d')).toBe(d2);
    expect(d1).toBeGreaterThan(0);
    // Ready time = seen + latency / speed (wall clock, ms).
    const b = patches.find((p) => p.name === 'b')!;
    expect(b.at - before).toBeGreaterThanOrEqual(Math.floor((d1 / 2) * 1000) - 5);
    expect(b.at - Date.now()).toBeLessThanOrEqual(Math.ceil((d1 / 2) * 1000) + 5);
    // Each pod is drawn once.
    fire();
    await gate.release();
    expect(patches).toHaveLength(3);
    gate.stop();
  });
});
