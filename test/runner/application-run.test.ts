import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APPLICATION_STEP_FIELDS } from '../../src/runner/application-run.js';
import { cliInProcess, DSB_TRACE, readJsonl, spawnCli, tempDir, waitFor } from './helpers.js';
import { hpaManifest } from '../helpers/hpa-manifest.js';

const MANIFEST = (name: string, max: number): string => hpaManifest(name, { min: 1, max });

/** stderr without the backend's [backend] lines (memory: its nodes and workloads). */
const errors = (err: string): string[] => err.split('\n').filter((l) => l !== '' && !l.startsWith('[backend] '));

const DEPLOY3 = 'nginx-thrift,compose-post-service,text-service';

describe('simenv run --deploy a,b,c (an application run)', () => {
  it('logs a step line per step with one column per deployment and field, and a summary', async () => {
    const out = tempDir();
    const r = await cliInProcess(['run', '--trace', DSB_TRACE, '--deploy', 'nginx-thrift,compose-post-service,text-service', '--ns', 'dsb', '--agent', 'hpa', '--step', '15', '--episodes', '2', '--out', out, '--run-id', 'app']);
    expect(errors(r.err)).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('3 deployments [dsb/nginx-thrift, dsb/compose-post-service, dsb/text-service]');
    const rows = readJsonl(join(out, 'app', 'step.jsonl')) as Array<Record<string, number>>;
    expect(rows).toHaveLength(2 * 77); // a reset line and 76 steps per episode
    for (const d of ['dsb/nginx-thrift', 'dsb/compose-post-service', 'dsb/text-service']) {
      for (const f of APPLICATION_STEP_FIELDS) expect(rows[1]![`${d}.${f}`], `${d}.${f}`).toBeTypeOf('number');
    }
    const sumOfParts = ['dsb/nginx-thrift', 'dsb/compose-post-service', 'dsb/text-service'].reduce((s, d) => s + rows[5]![`${d}.reward`]!, 0);
    expect(rows[5]!.reward).toBeCloseTo(sumOfParts, 9);
    expect(Math.max(...rows.map((x) => x['dsb/nginx-thrift.applied']!))).toBeGreaterThan(1); // the HPA scaled up
    const summary = JSON.parse(readFileSync(join(out, 'app', 'summary.json'), 'utf8')) as { status: string; perEpisode: Array<{ steps: number; reward: { total: number } }> };
    expect(summary.status).toBe('completed');
    expect(summary.perEpisode.map((e) => e.steps)).toEqual([76, 76]);
    const total = rows.filter((x) => x.episode === 0).reduce((s, x) => s + x.reward!, 0);
    expect(summary.perEpisode[0]!.reward.total).toBeCloseTo(total, 9);
  });

  it('hpa takes one manifest per deployment (multi-document --hpa)', async () => {
    const out = tempDir();
    const file = join(out, 'hpas.yaml');
    writeFileSync(file, `${MANIFEST('nginx-thrift', 3)}---\n${MANIFEST('text-service', 2)}`);
    const r = await cliInProcess(['run', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift,dsb/text-service', '--agent', 'hpa', '--hpa', file, '--step', '15', '--out', out, '--run-id', 'm']);
    expect(errors(r.err)).toEqual([]);
    expect(r.code).toBe(0);
    const rows = readJsonl(join(out, 'm', 'step.jsonl')) as Array<Record<string, number>>;
    expect(Math.max(...rows.map((x) => x['dsb/nginx-thrift.applied']!))).toBe(3); // the manifest's maxReplicas
  });

  it('--call-graph routes demand through the graph and logs the end-to-end columns', async () => {
    const out = tempDir();
    const r = await cliInProcess(['run', '--trace', DSB_TRACE, '--deploy', 'nginx-thrift,home-timeline-service,compose-post-service', '--ns', 'dsb', '--call-graph', 'dsb-social-network', '--agent', 'trace', '--step', '15', '--out', out, '--run-id', 'cg']);
    expect(errors(r.err)).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('call-graph demand (27 edges, entries dsb/nginx-thrift)');
    const rows = readJsonl(join(out, 'cg', 'step.jsonl')) as Array<Record<string, number>>;
    // At reset: 60 requests/s enter; home-timeline gets 0.6 x 60 + 0.1 x 60 (its compose-post writes).
    expect(rows[0]!['dsb/home-timeline-service.demand']).toBeCloseTo(42, 9);
    expect(rows[1]!.e2eLatencyMs).toBeGreaterThan(0);
    expect(rows[1]!.e2eCompleted).toBeGreaterThan(0);
    const file = join(out, 'graph.yaml');
    writeFileSync(file, 'graph:\n  edges:\n    - { from: nginx-thrift, to: text-service, ratio: 3 }\nentries:\n  - { service: nginx-thrift, demand: { source: series, points: [[0, 50]] } }\n');
    const own = await cliInProcess(['run', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift,dsb/text-service', '--call-graph', file, '--agent', 'static', '--target', '2', '--step', '15', '--out', out, '--run-id', 'own']);
    expect(own.code, own.err).toBe(0);
    const first = (readJsonl(join(out, 'own', 'step.jsonl')) as Array<Record<string, number>>)[2]!;
    expect(first['dsb/text-service.demand']).toBeCloseTo(150, 9);
    const one = await cliInProcess(['run', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift', '--call-graph', 'dsb-social-network', '--agent', 'static', '--out', out]);
    expect(one.code).toBe(2);
    expect(one.err).toMatch(/--call-graph: expected several deployments/);
  });

  it('bad input: a usage error naming the problem, exit 2, no run directory', async () => {
    const out = tempDir();
    const unknown = await cliInProcess(['run', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift,dsb/nope', '--agent', 'static', '--step', '15', '--out', out, '--run-id', 'x']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/got "dsb\/nope"/);
    const empty = await cliInProcess(['run', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift,', '--agent', 'static', '--step', '15', '--out', out, '--run-id', 'y']);
    expect(empty.code).toBe(2);
    expect(empty.err).toMatch(/without empty names/);
    expect(existsSync(join(out, 'x'))).toBe(false);
  });

  it('SIGINT finishes the step in flight, writes an interrupted summary of whole episodes and exits 130', async () => {
    const out = tempDir();
    const child = spawnCli(['run', '--trace', DSB_TRACE, '--deploy', DEPLOY3, '--ns', 'dsb', '--agent', 'hpa', '--step', '15', '--episodes', '100000', '--log', 'none', '--out', out, '--run-id', 'sig']);
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      await waitFor(() => stdout.includes('[episode 3]'), 'four episodes');
      child.kill('SIGINT');
      expect(await exited).toBe(130);
    } finally {
      child.kill('SIGKILL');
    }
    const summary = JSON.parse(readFileSync(join(out, 'sig', 'summary.json'), 'utf8')) as { status: string; signal: string; episodes: number; episodesRequested: number; perEpisode: Array<{ complete: boolean; steps: number }> };
    expect(summary).toMatchObject({ status: 'interrupted', signal: 'SIGINT', episodesRequested: 100000 });
    expect(summary.episodes).toBeGreaterThanOrEqual(4);
    expect(summary.perEpisode.filter((e) => e.complete)).toHaveLength(summary.episodes);
    expect(summary.perEpisode.length - summary.episodes).toBeLessThanOrEqual(1); // at most the episode cut short
  }, 60_000);
});
