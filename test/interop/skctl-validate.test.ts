// Every kind of trace simenv writes, read by SimKube 2.7's own parser (`skctl validate`
// calls ExportedTrace::import, the call sk-driver makes), and a trace SimKube's skctl
// rewrites (`skctl transform`) read back by simenv.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildScenarioTrace, syntheticClusterTrace } from '../../src/env/scenario-trace.js';
import { upgradeLegacyTrace } from '../../src/env/trace/legacy-trace.js';
import type { Trace } from '../../src/env/trace/schema.js';
import { readTrace, writeTrace } from '../../src/env/trace/trace-codec.js';
import { synthesizeTrace } from '../../src/env/trace/trace-synth.js';
import { legacyTraceBytes } from '../env/trace/legacy-fixture.js';
import { skctl, validationFindings } from './skctl.js';

const EXAMPLES = new URL('../../examples/traces/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'simenv-interop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Write `trace` as msgpack and have skctl validate it; returns skctl's findings. */
async function skctlReads(name: string, trace: Trace): Promise<string[]> {
  const path = join(dir, `${name}.sktrace`);
  writeTrace(trace, path, { format: 'msgpack' });
  const r = await skctl(['validate', path]);
  expect(r.stderr + r.stdout, `skctl validate ${name}`).not.toContain('could not parse trace file');
  expect(r.code, `skctl validate ${name} exit code; stderr: ${r.stderr}`).toBe(0);
  expect(r.stdout).toContain('Validation errors found:');
  return validationFindings(r.stdout);
}

describe('SimKube 2.7 (skctl) reads every trace simenv writes', () => {
  it('skctl is the pinned version', async () => {
    const r = await skctl(['version']);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toContain('2.7.0');
  });

  it('msgpack -> JSON -> msgpack round trips of the bundled traces', async () => {
    for (const file of ['dsb-scaling.sktrace', 'dsb-large.json', 'nginx-small.json']) {
      const original = readTrace(join(EXAMPLES, file));
      const json = join(dir, `${file}.json`);
      writeTrace(original, json, { format: 'json' });
      const back = readTrace(json);
      expect(writeTrace(back)).toEqual(writeTrace(original));
      await skctlReads(`roundtrip-${file}`, back);
    }
  });

  it('trace synth at several sizes, with and without pod lifecycles', async () => {
    for (const [deployments, events] of [[1, 1], [3, 20], [50, 200], [500, 2000]] as const) {
      for (const podLifecycles of [false, true]) {
        const t = synthesizeTrace({ deployments, events, seed: deployments + events, podLifecycles });
        await skctlReads(`synth-${deployments}x${events}${podLifecycles ? '-lc' : ''}`, t);
      }
    }
  });

  it('scenario traces (deployments, StatefulSets, Jobs with lifecycles, bare Pods; the driver form without nodes)', async () => {
    const scenario = {
      deployments: [
        { name: 'web', namespace: 'shop', replicas: [[0, 2], [60, 5], [120, 1]] as Array<[number, number]>, updates: [[90, { cpu: '2' }]] as Array<[number, { cpu: string }]> },
        { name: 'db', namespace: 'shop', kind: 'StatefulSet' as const, replicas: [[0, 3]] as Array<[number, number]>, deletedAtS: 150 },
      ],
      jobs: [
        { name: 'etl', namespace: 'shop', createdAtS: 10, parallelism: 2, podRunSeconds: [30, 45, null] },
        { name: 'one-off', namespace: 'shop', kind: 'Pod' as const, createdAtS: 20, podRunSeconds: [5] },
      ],
      nodes: [{ name: 'n1', cpu: '16' }],
      durationS: 180,
    };
    await skctlReads('scenario', buildScenarioTrace(scenario));
    await skctlReads('scenario-driver', buildScenarioTrace(scenario, { forDriver: true }));
    await skctlReads('synthetic-cluster', syntheticClusterTrace(20, 3600, 300));
  });

  it('an edited and re-encoded trace', async () => {
    const t = readTrace(writeTrace(readTrace(join(EXAMPLES, 'dsb-scaling.sktrace'))));
    const last = t.events[t.events.length - 1]!;
    const dep = structuredClone(t.events.flatMap((e) => e.applied_objs)[0]!) as Trace['events'][number]['applied_objs'][number] & { spec: { replicas: number } };
    dep.spec.replicas = 7;
    t.events.push({ ts: last.ts + 60, applied_objs: [dep], deleted_objs: [] });
    t.events.push({ ts: last.ts + 120, applied_objs: [], deleted_objs: [dep] });
    await skctlReads('edited', readTrace(writeTrace(t)));
  });

  it('an upgraded SimKube 1.x trace', async () => {
    const old = legacyTraceBytes(readTrace(join(EXAMPLES, 'dsb-scaling.sktrace')));
    // SimKube 2.7 refuses the 1.x file itself, with the message simenv now explains...
    const oldPath = join(dir, 'v1.sktrace');
    writeFileSync(oldPath, old);
    const refused = await skctl(['validate', oldPath]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr + refused.stdout).toContain('older than version 2');
    // ...and reads the upgraded one.
    const up = upgradeLegacyTrace(old);
    expect(up.unrecovered).toEqual([]);
    await skctlReads('upgraded', up.trace);
  });
});

describe('simenv reads what SimKube writes', () => {
  it('a trace skctl transform rewrote (SKEL `remove(status)`)', async () => {
    const input = join(dir, 'transform-in.sktrace');
    const original = readTrace(join(EXAMPLES, 'dsb-scaling.sktrace'));
    writeTrace(original, input);
    const skel = join(dir, 'remove-status.skel');
    writeFileSync(skel, 'remove(status);\n');
    const output = join(dir, 'transform-out.sktrace');
    const r = await skctl(['transform', input, skel, '--output', output]);
    expect(r.code, r.stderr).toBe(0);
    const back = readTrace(output);
    // skctl writes its own event list (it may merge or drop empty events): compare the objects.
    expect(back.events.flatMap((e) => e.applied_objs).some((o) => 'status' in o)).toBe(false);
    const names = (t: Trace) => t.events.flatMap((e) => e.applied_objs.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`));
    expect(names(back)).toEqual(names(original));
    expect(Object.keys(back.index).sort()).toEqual(Object.keys(original.index).sort());
  });
});
