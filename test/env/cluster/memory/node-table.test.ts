import { describe, expect, it } from 'vitest';
import type { ClusterBackend } from '../../../../src/env/cluster/backend.js';
import { inspectMemoryBackend } from '../../../../src/env/cluster/memory/memory-inspector.js';
import { NodeTable, type NodeFacts } from '../../../../src/env/cluster/memory/node-table.js';
import { TemplateTable } from '../../../../src/env/cluster/memory/scheduler.js';
import { EnvStateError } from '../../../../src/env/errors.js';

const node = (name: string, labels: Record<string, string>, cpuMilli = 4000): NodeFacts => ({
  name,
  cpuMilli,
  memBytes: 8 * 2 ** 30,
  pods: 110,
  labels,
  taints: [],
  unschedulable: false,
});

function tables(): { nodes: NodeTable; templates: TemplateTable; gpu: number } {
  const nodes = new NodeTable([node('b', { pool: 'cpu' }), node('a', { pool: 'gpu' }, 2000)]);
  const templates = new TemplateTable(null);
  const gpu = templates.idOf({ cpu: 1, cpuMilli: 1000, memory: 2 ** 30, nodeSelector: { pool: 'gpu' }, tolerations: [], terminationGracePeriodS: 30 });
  nodes.present.fill(1);
  return { nodes, templates, gpu };
}

describe('memory node table and the scheduler node lists', () => {
  it('a node version applies once; a new version changes the facts and marks the lists stale', () => {
    const { nodes, templates, gpu } = tables();
    templates.refreshCompat(nodes);
    expect([...templates.compat[gpu]!]).toEqual([nodes.indexOf('a')]);
    const lists = templates.compat;
    const before = templates.compat[gpu];
    templates.refreshCompat(nodes); // nothing changed: the lists stay (no rebuild)
    expect(templates.compat[gpu]).toBe(before);

    nodes.applyVersion(nodes.indexOf('b'), 0, node('b', { pool: 'gpu' }, 6000));
    const epoch = nodes.factsEpoch;
    nodes.applyVersion(nodes.indexOf('b'), 0, node('b', { pool: 'cpu' })); // same version: ignored
    expect(nodes.factsEpoch).toBe(epoch);
    templates.refreshCompat(nodes);
    expect([...lists[gpu]!]).toEqual([nodes.indexOf('a'), nodes.indexOf('b')]);
    expect(nodes.schedulableCpu()).toBe(8000);

    nodes.present[nodes.indexOf('a')] = 0;
    templates.refreshCompat(nodes);
    expect([...templates.compat[gpu]!]).toEqual([nodes.indexOf('b')]);
    expect(nodes.schedulableCpu()).toBe(6000);
  });

  it('inspectMemoryBackend names the backend it got instead', () => {
    const backend = { kind: 'kube' } as unknown as ClusterBackend;
    expect(() => inspectMemoryBackend({ backend })).toThrow(EnvStateError);
    expect(() => inspectMemoryBackend({ backend })).toThrow('expected an env on the memory backend, got the kube backend');
  });
});
