import { describe, expect, it } from 'vitest';
import { TraceFormatError } from '../../../src/env/errors.js';
import { buildScenarioTrace } from '../../../src/env/scenario-trace.js';
import { isLegacyTrace, LEGACY_TRACE_MESSAGE, upgradeLegacyTrace } from '../../../src/env/trace/legacy-trace.js';
import { readTrace, writeTrace } from '../../../src/env/trace/trace-codec.js';
import { legacyTraceBytes } from './legacy-fixture.js';
import { DSB_SCALING, NGINX_SMALL_JSON } from './fixtures.js';

/** A small 1.x-shaped trace: a Deployment and a Service of the same name, and a Job with lifecycles. */
function jobScenario() {
  const t = buildScenarioTrace({
    deployments: [{ name: 'web', namespace: 'shop', replicas: [[0, 2], [60, 4]] }],
    jobs: [{ name: 'batch', namespace: 'shop', createdAtS: 10, podRunSeconds: [30, null] }],
    durationS: 120,
  });
  t.events[0]!.applied_objs.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { ports: [{ port: 80 }] } });
  return t;
}

describe('pre-version-2 SimKube traces (SimKube <= 1.1.1)', () => {
  it('are named as such by every reader, with the command that converts them', () => {
    const bytes = legacyTraceBytes(buildScenarioTrace({ deployments: [{ name: 'web', replicas: [[0, 1]] }] }));
    expect(bytes[0]).toBe(0x94);
    expect(isLegacyTrace(bytes)).toBe(true);
    expect(() => readTrace(bytes, { file: 'old.sktrace' })).toThrow(LEGACY_TRACE_MESSAGE);
    expect(() => readTrace(bytes)).toThrow('simenv trace upgrade OLD NEW');
    expect(() => readTrace(bytes)).not.toThrow('0x94');
    // A v2 trace and other arrays are not mistaken for one.
    expect(isLegacyTrace(writeTrace(jobScenario()))).toBe(false);
    expect(isLegacyTrace(Uint8Array.of(0x94, 0x01, 0x02, 0x03, 0x04))).toBe(false);
  });

  it('upgrade the bundled traces to exactly the version-2 original', async () => {
    for (const file of [DSB_SCALING, NGINX_SMALL_JSON]) {
      const original = readTrace(file);
      const up = upgradeLegacyTrace(legacyTraceBytes(original), 'old.sktrace');
      expect(up.unrecovered).toEqual([]);
      expect(writeTrace(up.trace)).toEqual(writeTrace(original));
    }
  });

  it('recover GVKs from the objects: shared names go to every kind (noted), lifecycles to the tracked owner', () => {
    const original = jobScenario();
    original.index['v1.Service'] = { 'shop/web': original.index['apps/v1.Deployment']!['shop/web']! };
    const up = upgradeLegacyTrace(legacyTraceBytes(original));
    expect(up.trace.index['v1.Service']).toEqual({ 'shop/web': original.index['apps/v1.Deployment']!['shop/web'] });
    expect(up.trace.index['apps/v1.Deployment']!['shop/web']).toBe(original.index['apps/v1.Deployment']!['shop/web']);
    expect(up.trace.pod_lifecycles).toEqual(original.pod_lifecycles);
    expect(up.trace.pod_lifecycles[0]!.owner).toEqual(['batch/v1.Job', 'shop/batch']);
    expect(up.notes.join('\n')).toContain('index entry shop/web: objects of 2 kinds carry that name (apps/v1.Deployment, v1.Service)');
    expect(up.notes.join('\n')).toContain('podSpecTemplatePath (1.x) became podSpecTemplatePaths');
    expect(up.unrecovered).toEqual([]);
    // What it wrote is a valid v2 trace.
    expect(readTrace(writeTrace(up.trace))).toEqual(up.trace);
  });

  it('report what cannot be recovered instead of guessing', () => {
    const bytes = legacyTraceBytes(jobScenario(), {
      index: { 'shop/gone': 7n },
      lifecycles: { 'shop/web': [[5n, ['Empty']]], 'shop/nobody': [[6n, [{ Running: 1_700_000_001 }]]] },
    });
    const up = upgradeLegacyTrace(bytes);
    expect(up.unrecovered).toEqual([
      'index entry shop/gone: no object of that name in the events, so its GVK is unknown',
      'pod lifecycles of shop/nobody: no object of a tracked kind has that name, so the owner\'s GVK is unknown',
    ]);
    // shop/web is a Deployment (tracked) and a Service (not tracked): the owner is the Deployment.
    expect(up.trace.pod_lifecycles.find((l) => l.owner[1] === 'shop/web')!.owner[0]).toBe('apps/v1.Deployment');
    expect(Object.values(up.trace.index).some((m) => 'shop/gone' in m)).toBe(false);
  });

  it('refuse objects whose GVK is missing, naming the path', () => {
    const t = jobScenario();
    delete (t.events[0]!.applied_objs[0] as { kind?: string }).kind;
    const err = (() => {
      try {
        upgradeLegacyTrace(legacyTraceBytes(t), 'old.sktrace');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(TraceFormatError);
    expect((err as Error).message).toBe(
      "old.sktrace at [1][0].applied_objs[0].kind: expected the object's kind (its GVK cannot be recovered without it), got nothing (the field is missing)",
    );
  });
});
