import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/env/errors.js';
import { readTrace, writeTrace } from '../../../src/env/trace/trace-codec.js';
import { buildTraceModel, workloadsOfKind } from '../../../src/env/trace/trace-model.js';
import { synthesizeTrace } from '../../../src/env/trace/trace-synth.js';
import { problemsOf } from './fixtures.js';

describe('synthesizeTrace', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = writeTrace(synthesizeTrace({ deployments: 20, events: 300, seed: 11 }));
    const b = writeTrace(synthesizeTrace({ deployments: 20, events: 300, seed: 11 }));
    const c = writeTrace(synthesizeTrace({ deployments: 20, events: 300, seed: 12 }));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it('writes a valid v2 trace with the requested shape', () => {
    const t = synthesizeTrace({ deployments: 40, events: 500, seed: 1, namespace: 'load', startTs: 1_000 });
    expect(problemsOf(t)).toEqual([]);
    expect(t.events).toHaveLength(500);
    expect(t.events[0]!.ts).toBe(1_000);
    expect(t.events[0]!.applied_objs).toHaveLength(40);
    for (let i = 1; i < t.events.length; i++) {
      expect(t.events[i]!.ts).toBeGreaterThanOrEqual(t.events[i - 1]!.ts);
      expect(t.events[i]!.applied_objs.length + t.events[i]!.deleted_objs.length).toBe(1);
    }
    const model = buildTraceModel(t);
    const deployments = workloadsOfKind(model);
    expect(new Set(deployments.map((w) => w.key)).size).toBe(40);
    expect(deployments.every((w) => w.namespace === 'load')).toBe(true);
    // Every live deployment has an index entry with a u64 hash.
    const live = [...model.objects.get('apps/v1.Deployment')!.keys()].sort();
    expect(Object.keys(t.index['apps/v1.Deployment']!).sort()).toEqual(live);
    expect(deployments.every((w) => w.versions.every((v) => v.template.cpu > 0 && v.template.memory > 0))).toBe(true);
    expect(t.pod_lifecycles).toEqual([]);
  });

  it('adds pod_lifecycles with tuple keys, hashes above 2^53 and all three variants on request', () => {
    const t = synthesizeTrace({ deployments: 30, events: 100, seed: 5, podLifecycles: true });
    expect(t.config.trackedObjects['apps/v1.Deployment']!.trackLifecycle).toBe(true);
    expect(t.pod_lifecycles.length).toBeGreaterThan(0);
    const hashes = t.pod_lifecycles.flatMap((o) => o.pods.map((p) => p.hash));
    expect(hashes.some((h) => h > 2n ** 53n)).toBe(true);
    expect(hashes.some((h) => h < 2n ** 32n)).toBe(true);
    const states = new Set(t.pod_lifecycles.flatMap((o) => o.pods.flatMap((p) => p.lifecycles.map((l) => l.state))));
    expect(states).toEqual(new Set(['Running', 'Finished', 'Empty']));
    expect(readTrace(writeTrace(t))).toEqual(t);
  });

  it('names more deployments than the DSB list uniquely and keeps replicas within bounds', () => {
    const t = synthesizeTrace({ deployments: 100, events: 2000, seed: 9, maxReplicas: 8 });
    const model = buildTraceModel(t);
    expect(new Set(model.workloads.map((w) => w.key)).size).toBe(100);
    const replicas = model.workloads.flatMap((w) => w.versions.map((v) => v.replicas));
    expect(Math.min(...replicas)).toBe(1);
    expect(Math.max(...replicas)).toBe(8);
  });

  it('refuses invalid options with the field name', () => {
    expect(() => synthesizeTrace({ deployments: 0, events: 1, seed: 1 })).toThrow(ConfigError);
    expect(() => synthesizeTrace({ deployments: 1, events: 1.5, seed: 1 })).toThrow(/^events: /);
    expect(() => synthesizeTrace({ deployments: 1, events: 1, seed: 1, namespace: 'Bad_NS' })).toThrow(/^namespace: expected a Kubernetes namespace name/);
  });
});
