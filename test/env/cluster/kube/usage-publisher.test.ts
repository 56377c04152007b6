import { describe, expect, it } from 'vitest';
import type { ClusterObserver } from '../../../../src/env/cluster/kube/cluster-observer.js';
import type { KubeClient } from '../../../../src/env/cluster/kube/kube-client.js';
import { USAGE_CPU_ANNOTATION } from '../../../../src/env/cluster/kube/pod-usage.js';
import { UsagePublisher } from '../../../../src/env/cluster/kube/usage-publisher.js';
import { DemandSeries } from '../../../../src/env/demand.js';

interface FakePod {
  metadata: { name: string; namespace: string; annotations?: Record<string, string>; deletionTimestamp?: string };
  spec: { nodeName?: string; containers: unknown[] };
  status: { conditions: Array<{ type: string; status: string }> };
}

function pod(name: string, ready: boolean, extra: Partial<FakePod['metadata']> = {}): FakePod {
  return {
    metadata: { name, namespace: 'ns', ...extra },
    spec: { nodeName: 'kwok-node-0', containers: [{}] },
    status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

const now = { t: 100 };

function setup(pods: FakePod[], demandRps: number) {
  now.t = 100;
  const patches: Array<{ name: string; value: string }> = [];
  let fail: Error | undefined;
  const client = {
    call: async (_what: unknown, fn: (a: unknown) => Promise<unknown>) =>
      fn({
        objects: {
          patch: async (o: { metadata: { name: string; annotations: Record<string, string> } }) => {
            if (fail) throw fail;
            patches.push({ name: o.metadata.name, value: o.metadata.annotations[USAGE_CPU_ANNOTATION]! });
          },
        },
      }),
  } as unknown as KubeClient;
  const observer = {
    get controlled() {
      return { ready: pods.filter((p) => p.status.conditions[0]!.status === 'True' && !p.metadata.deletionTimestamp).length };
    },
    controlledPods: () => pods.values(),
  } as unknown as ClusterObserver;
  const logs: string[] = [];
  const publisher = new UsagePublisher({
    client,
    observer,
    load: { demand: new DemandSeries(Float64Array.from([0]), Float64Array.from([demandRps])), perReplicaRps: 10 },
    simNow: () => now.t,
    podCpuAt: () => 0.5,
    intervalMs: 1000,
    windowS: 15,
    log: (m) => logs.push(m),
  });
  return { publisher, patches, logs, setFail: (e: Error | undefined) => (fail = e) };
}

describe('UsagePublisher', () => {
  it('writes utilisation x request on Ready pods, 1m on starting ones, nothing on terminating ones', async () => {
    // 15 rps over 2 ready pods of 10 rps: rho 0.75, x 0.5 cores = 375m.
    const pods = [pod('a', true), pod('b', true), pod('c', false), pod('d', true, { deletionTimestamp: 'x' })];
    const { publisher, patches } = setup(pods, 15);
    await publisher.tick();
    expect(patches.sort((x, y) => x.name.localeCompare(y.name))).toEqual([
      { name: 'a', value: '375m' },
      { name: 'b', value: '375m' },
      { name: 'c', value: '1m' },
    ]);
  });

  it('patches only what changed; a change of the per-pod share is averaged over the metrics window', async () => {
    const pods = [pod('a', true), pod('b', false)];
    const { publisher, patches } = setup(pods, 5);
    await publisher.tick();
    expect(patches).toEqual([
      { name: 'a', value: '250m' },
      { name: 'b', value: '1m' },
    ]);
    await publisher.tick();
    expect(patches).toHaveLength(2);
    pods[1]!.status.conditions[0]!.status = 'True';
    // 5 s later the share halves (250m -> 125m): the 15-s mean is (5 x 250 + 0 x 125) / 5 at
    // the change, then (5 x 250 + 10 x 125) / 15 = 167m after 10 s more, 125m once it is all new.
    now.t = 105;
    await publisher.tick();
    expect(patches.at(-1)!.value).toBe('250m');
    now.t = 115;
    await publisher.tick();
    expect(patches.slice(-2).map((p) => p.value)).toEqual(['167m', '167m']);
    now.t = 121;
    await publisher.tick();
    expect(patches.slice(-2).sort((x, y) => x.name.localeCompare(y.name))).toEqual([
      { name: 'a', value: '125m' },
      { name: 'b', value: '125m' },
    ]);
    // A pod that already carries the right value (e.g. after a restart) is not patched.
    const sent = patches.length;
    pods.push(pod('c', false, { annotations: { [USAGE_CPU_ANNOTATION]: '1m' } }));
    await publisher.tick();
    expect(patches).toHaveLength(sent);
  });

  it('logs a failing patch and retries it on the next tick; a vanished pod is not an error', async () => {
    const pods = [pod('a', true)];
    const { publisher, patches, logs, setFail } = setup(pods, 5);
    setFail(new Error('forbidden: cannot patch pods'));
    await publisher.tick();
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/publishing CPU usage on pod ns\/a failed.*forbidden/);
    setFail(undefined);
    await publisher.tick();
    expect(patches).toEqual([{ name: 'a', value: '250m' }]);
    setFail(new Error('pods "a" not found'));
    pods[0]!.status.conditions[0]!.status = 'False';
    await publisher.tick();
    expect(logs).toHaveLength(1);
  });
});
