import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildScenarioTrace } from '../../src/env/scenario-trace.js';
import { readTrace, writeTrace } from '../../src/env/trace/trace-codec.js';
import { legacyTraceBytes } from '../env/trace/legacy-fixture.js';
import { cliInProcess, DSB_TRACE, tempDir } from './helpers.js';

const dir = tempDir('simenv-upgrade-');

describe('simenv trace upgrade and validate --for-driver', () => {
  it('a SimKube 1.x trace: inspect names it, upgrade writes the v2 original back', async () => {
    const old = join(dir, 'dsb-v1.sktrace');
    writeFileSync(old, legacyTraceBytes(readTrace(DSB_TRACE)));
    const inspect = await cliInProcess(['trace', 'inspect', old]);
    expect(inspect.code).toBe(1);
    expect(inspect.err).toContain('a pre-version-2 SimKube trace (SimKube <= 1.1.1, a msgpack array of 4)');
    expect(inspect.err).toContain('convert it with `simenv trace upgrade OLD NEW`');
    expect(inspect.err.trim().split('\n')).toHaveLength(1);

    const out = join(dir, 'dsb-v2.sktrace');
    const up = await cliInProcess(['trace', 'upgrade', old, out]);
    expect(up.err).toBe('');
    expect(up.code).toBe(0);
    expect(up.out).toContain(`${out}: wrote a version-2 trace (msgpack, 19 events)`);
    expect(readFileSync(out)).toEqual(readFileSync(DSB_TRACE));
  });

  it('stops on what it cannot recover, and writes nothing, unless told to drop it', async () => {
    const old = join(dir, 'gone-v1.sktrace');
    writeFileSync(old, legacyTraceBytes(buildScenarioTrace({ deployments: [{ name: 'web', replicas: [[0, 1]] }] }), { index: { 'default/gone': 3n } }));
    const out = join(dir, 'gone-v2.sktrace');
    const refused = await cliInProcess(['trace', 'upgrade', old, out]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('1 entry whose GVK cannot be recovered (nothing written)');
    expect(refused.err).toContain('index entry default/gone: no object of that name in the events');
    expect(refused.err).toContain('--drop-unrecoverable');
    expect(existsSync(out)).toBe(false);
    const dropped = await cliInProcess(['trace', 'upgrade', old, out, '--drop-unrecoverable']);
    expect(dropped.code).toBe(0);
    expect(dropped.out).toContain('dropped: index entry default/gone');
    expect((await cliInProcess(['trace', 'validate', out])).code).toBe(0);
  });

  it('--for-driver lists every object without a namespace with its path', async () => {
    const scenario = {
      deployments: [{ name: 'web', replicas: [[0, 1]] as Array<[number, number]> }],
      nodes: [{ name: 'n1' }, { name: 'n2', addedAtS: 30, removedAtS: 60 }],
      durationS: 90,
    };
    const withNodes = join(dir, 'nodes.sktrace');
    writeTrace(buildScenarioTrace(scenario), withNodes);
    expect((await cliInProcess(['trace', 'validate', withNodes])).code).toBe(0);
    const r = await cliInProcess(['trace', 'validate', '--for-driver', withNodes]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('3 problems');
    expect(r.err).toContain('- events[0].applied_objs[0]: expected only namespaced objects in a trace for sk-driver, got a cluster-scoped object (v1.Node n1)');
    expect(r.err).toContain('- events[1].applied_objs[0]: ');
    expect(r.err).toContain('- events[2].deleted_objs[0]: ');
    const forDriver = join(dir, 'driver.sktrace');
    writeTrace(buildScenarioTrace(scenario, { forDriver: true }), forDriver);
    const ok = await cliInProcess(['trace', 'validate', '--for-driver', forDriver]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('sk-driver can replay it (only namespaced objects)');
  });
});
