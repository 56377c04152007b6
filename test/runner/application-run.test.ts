import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APPLICATION_STEP_FIELDS } from '../../src/runner/application-run.js';
import { cliInProcess, DSB_TRACE, readJsonl, tempDir } from './helpers.js';

const MANIFEST = (name: string, max: number): string => `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: ${name} }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: ${name} }
  minReplicas: 1
  maxReplicas: ${max}
`;

describe('simenv run --deploy a,b,c (an application run)', () => {
  it('logs a step line per step with one column per deployment and field, and a summary', async () => {
    const out = tempDir();
    const r = await cliInProcess(['run', '--trace', DSB_TRACE, '--deploy', 'nginx-thrift,compose-post-service,text-service', '--ns', 'dsb', '--agent', 'hpa', '--step', '15', '--episodes', '2', '--out', out, '--run-id', 'app']);
    expect(r.err).toBe('');
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
    const summary = JSON.parse(readFileSync(join(out, 'app', 'summary.json'), 'utf8')) as { status: string; perEpisode: Array<{ steps: number; return: number }> };
    expect(summary.status).toBe('completed');
    expect(summary.perEpisode.map((e) => e.steps)).toEqual([76, 76]);
    const total = rows.filter((x) => x.episode === 0).reduce((s, x) => s + x.reward!, 0);
    expect(summary.perEpisode[0]!.return).toBeCloseTo(total, 9);
  });

  it('hpa takes one manifest per deployment (multi-document --hpa)', async () => {
    const out = tempDir();
    const file = join(out, 'hpas.yaml');
    writeFileSync(file, `${MANIFEST('nginx-thrift', 3)}---\n${MANIFEST('text-service', 2)}`);
    const r = await cliInProcess(['run', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift,dsb/text-service', '--agent', 'hpa', '--hpa', file, '--step', '15', '--out', out, '--run-id', 'm']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rows = readJsonl(join(out, 'm', 'step.jsonl')) as Array<Record<string, number>>;
    expect(Math.max(...rows.map((x) => x['dsb/nginx-thrift.applied']!))).toBe(3); // the manifest's maxReplicas
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
});
