import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildReplayPlan, firstOpAfter, stateAt } from '../../../../src/env/cluster/kube/replay-plan.js';
import { ConfigError } from '../../../../src/env/errors.js';
import { readTrace } from '../../../../src/env/trace/trace-codec.js';
import type { Trace } from '../../../../src/env/trace/schema.js';
import { buildTraceModel, findWorkload } from '../../../../src/env/trace/trace-model.js';

const trace = readTrace(readFileSync(new URL('../../../../examples/traces/dsb-scaling.sktrace', import.meta.url)));
const model = buildTraceModel(trace);
const nginx = findWorkload(model, 'nginx-thrift')!;

function replicasOf(m: unknown): unknown {
  return (m as { spec?: { replicas?: unknown } }).spec?.replicas;
}

describe('buildReplayPlan on dsb-scaling', () => {
  const plan = buildReplayPlan(model, nginx, { workloads: 'all' });

  it('replays all 27 deployments and marks the controlled one', () => {
    expect(plan.targets).toHaveLength(27);
    expect(plan.controlled.name).toBe('nginx-thrift');
    expect(plan.targets.filter((t) => t.controlled)).toHaveLength(1);
    expect(plan.skipped).toEqual([]);
  });

  it('leaves the controlled deployment\'s replica changes to the agent', () => {
    const ops = plan.ops.filter((o) => o.target.controlled);
    // recorded: 1 -> 2 -> 4 -> 8 -> 10, all replica-only changes: only the creation is replayed
    expect(ops).toHaveLength(1);
    expect(ops[0]!.timeS).toBe(0);
  });

  it('keeps the other deployments\' recorded changes at their times, in order', () => {
    const compose = plan.ops.filter((o) => o.target.name === 'compose-post-service').map((o) => [o.timeS, replicasOf(o.manifest)]);
    expect(compose).toEqual([
      [0, 1],
      [548, 4],
      [563, 6],
      [1134, 2],
    ]);
    const times = plan.ops.map((o) => o.timeS);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('gives the state at a time (ops at exactly that time included) and where replay resumes', () => {
    const at548 = stateAt(plan, 548);
    expect(at548).toHaveLength(27);
    expect(replicasOf(at548.find((s) => s.target.name === 'compose-post-service')!.manifest)).toBe(4);
    expect(replicasOf(at548.find((s) => s.target.name === 'text-service')!.manifest)).toBe(1);
    const i = firstOpAfter(plan, 548);
    expect(plan.ops[i]!.timeS).toBe(551);
    expect(plan.ops[i - 1]!.timeS).toBe(548);
    expect(firstOpAfter(plan, 10_000)).toBe(plan.ops.length);
  });

  it('replays only the listed workloads (plus the controlled one)', () => {
    const small = buildReplayPlan(model, nginx, { workloads: ['compose-post-service', 'dsb/text-service'] });
    expect(small.targets.map((t) => t.name).sort()).toEqual(['compose-post-service', 'nginx-thrift', 'text-service']);
    expect(small.skipped.length).toBe(24);
  });
});

describe('buildReplayPlan with several controlled deployments', () => {
  const names = ['nginx-thrift', 'compose-post-service', 'text-service'];
  const plan = buildReplayPlan(model, names.map((n) => findWorkload(model, n)!), { workloads: 'all' });

  it('marks each controlled one with its action index and leaves its replica changes to the agent', () => {
    expect(plan.targets).toHaveLength(27);
    expect(plan.controlled.name).toBe('nginx-thrift');
    expect(plan.controlledAll.map((t) => [t.name, t.controlledIndex])).toEqual(names.map((n, i) => [n, i]));
    expect(plan.targets.filter((t) => t.controlled)).toHaveLength(3);
    expect(plan.targets.filter((t) => !t.controlled).every((t) => t.controlledIndex === -1)).toBe(true);
    // compose-post-service's recorded 1 -> 4 -> 6 -> 2 are replica-only changes: only its creation is replayed.
    const compose = plan.ops.filter((o) => o.target.name === 'compose-post-service');
    expect(compose.map((o) => o.timeS)).toEqual([0]);
  });

  it('a single workload and a list of one plan the same', () => {
    const one = buildReplayPlan(model, nginx, { workloads: 'all' });
    const list = buildReplayPlan(model, [nginx], { workloads: 'all' });
    expect(list.ops.length).toBe(one.ops.length);
    expect(list.controlledAll.map((t) => t.name)).toEqual(['nginx-thrift']);
  });
});

describe('buildReplayPlan edge cases', () => {
  const dep = (ns: string, name: string, replicas: number, image = 'i') => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } } },
  });
  const mk = (events: Trace['events']): Trace => ({ version: 2, config: { trackedObjects: {} }, events, index: {}, pod_lifecycles: [] });

  it('replays template changes of the controlled deployment, skips its deletion, and deletes others', () => {
    const t = mk([
      { ts: 100, applied_objs: [dep('a', 'web', 1), dep('a', 'db', 1), { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } }], deleted_objs: [] },
      { ts: 110, applied_objs: [dep('a', 'web', 3)], deleted_objs: [] },
      { ts: 120, applied_objs: [dep('a', 'web', 3, 'i2')], deleted_objs: [dep('a', 'db', 1)] },
      { ts: 130, applied_objs: [], deleted_objs: [dep('a', 'web', 3, 'i2')] },
    ]);
    const m = buildTraceModel(t);
    const plan = buildReplayPlan(m, findWorkload(m, 'web')!, { workloads: 'all' });
    expect(plan.ops.map((o) => `${o.timeS}:${o.type}:${o.target.name}`)).toEqual(['0:apply:web', '0:apply:db', '20:apply:web', '20:delete:db']);
    expect(plan.skipped.some((s) => s.includes('Node n1'))).toBe(true);
    expect(plan.skipped.some((s) => s.includes('deletion of the controlled'))).toBe(true);
    expect(stateAt(plan, 25).map((s) => s.target.name)).toEqual(['web']);
  });

  it('refuses two objects of one kind and name from different trace namespaces (they would collide)', () => {
    const t = mk([{ ts: 0, applied_objs: [dep('a', 'web', 1), dep('b', 'web', 1), dep('a', 'ctl', 1)], deleted_objs: [] }]);
    const m = buildTraceModel(t);
    expect(() => buildReplayPlan(m, findWorkload(m, 'ctl')!, { workloads: 'all' })).toThrow(ConfigError);
    expect(() => buildReplayPlan(m, findWorkload(m, 'ctl')!, { workloads: 'all' })).toThrow(/Deployment "web" in both "a" and "b"/);
  });
});
