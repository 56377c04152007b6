import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunConfigRecordSchema, StepRecordSchema, SummaryRecordSchema } from '../../src/runner/records.js';
import { DSB_TRACE, readJsonl, runCli, tempDir } from './helpers.js';

/** `simenv run` end to end, as a user runs it: a child process, its output and its run directory. */

function onlyRunDir(out: string): string {
  const dirs = readdirSync(out);
  expect(dirs).toHaveLength(1);
  return join(out, dirs[0]!);
}

describe('simenv run', () => {
  it('the README command: a one-step episode that prints the six phases and writes a run directory', async () => {
    const out = tempDir();
    const r = await runCli(['run', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift', '--target', '3', '--out', out]);
    // stderr: the backend's own line and nothing else (no progress bar on a pipe).
    expect(r.stderr).toMatch(/^\[backend\] memory backend: 4 virtual node\(s\), 27 workload\(s\), \d+ trace action\(s\)\n$/);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.match(/^\[(\w+)\]/)?.[1])).toEqual(['start', 'create', 'observe', 'action', 'reward', 'summary']);
    expect(lines[1]).toMatch(/memory backend.*deployment dsb\/nginx-thrift.*one step of 120 s/);
    expect(lines[3]).toMatch(/action=3 requested=3 applied=3 replicas, held 120s/);

    const dir = onlyRunDir(out);
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'step.jsonl', 'summary.json']);
    const config = RunConfigRecordSchema.parse(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')));
    expect(config.trace.sha256).toBe(createHash('sha256').update(readFileSync(DSB_TRACE)).digest('hex'));
    expect(config.mode).toBe('one-step');
    expect(config.durationSeconds).toBe(120);
    expect(config.env).toMatchObject({ oneStep: { durationSeconds: 120 }, deployment: 'dsb/nginx-thrift', backend: 'memory' });
    expect(config.command).toEqual(['run', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift', '--target', '3', '--out', out]);
    expect(config.agent).toMatchObject({ name: 'static' });

    const steps = readJsonl(join(dir, 'step.jsonl')).map((x) => StepRecordSchema.parse(x));
    expect(steps.map((s) => [s.step, s.timeS])).toEqual([
      [0, 0],
      [1, 120],
    ]);
    expect(steps[1]!.applied).toBe(3);
    const summary = SummaryRecordSchema.parse(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')));
    expect(summary.status).toBe('completed');
    expect(summary.reward.total).toBe(steps[1]!.reward!.total);
    // The printed reward is the logged one.
    expect(lines[4]).toContain(`reward=${String(Number(steps[1]!.reward!.total.toPrecision(4)))}`);
    expect(lines[5]).toContain(`-> `);
    expect(lines[5]).toContain(summary.run);
  });

  it('--json prints exactly one JSON document; --ns with a bare --deploy; multi-step with --step', async () => {
    const out = tempDir();
    const r = await runCli(['run', '--trace', DSB_TRACE, '--deploy', 'nginx-thrift', '--ns', 'dsb', '--agent', 'hpa', '--step', '30', '--duration', '600', '--episodes', '2', '--seed', '5', '--out', out, '--run-id', 'hpa-json', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { dir: string; status: string; steps: number; episodes: number; deployment: string; seed: number };
    expect(doc.dir).toBe(join(out, 'hpa-json'));
    expect(doc).toMatchObject({ status: 'completed', episodes: 2, steps: 40, deployment: 'dsb/nginx-thrift', seed: 5 });
    const steps = readJsonl(join(out, 'hpa-json', 'step.jsonl')).map((x) => StepRecordSchema.parse(x));
    expect(steps).toHaveLength(42);
    expect(steps.filter((s) => s.step > 0).every((s) => s.timeS % 30 === 0)).toBe(true);
  });

  it("--json: the backend's lines go to stderr, stdout stays one JSON document", async () => {
    const out = tempDir();
    const r = await runCli(['run', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift', '--target', '2', '--out', out, '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { status: string }).status).toBe('completed');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.startsWith('[backend] '))).toBe(true);
    expect(r.stderr).toContain('[backend] memory backend: ');
  });

  it('--quiet prints nothing and still writes the run', async () => {
    const out = tempDir();
    const r = await runCli(['run', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift', '--agent', 'random', '--out', out, '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toBe('');
    expect(existsSync(join(onlyRunDir(out), 'summary.json'))).toBe(true);
  });

  it('bad input: a one-line error naming the problem, exit 2, and no run directory left behind', async () => {
    const base = tempDir();
    const existing = join(base, 'existing');
    mkdirSync(join(existing, 'taken'), { recursive: true });
    writeFileSync(join(existing, 'taken', 'marker'), 'keep');
    const aFile = join(base, 'a-file');
    writeFileSync(aFile, 'x');
    const common = ['--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift'];
    const cases: Array<{ name: string; args: string[]; out: string; message: RegExp }> = [
      { name: 'unknown flag', args: ['run', ...common, '--target', '3', '--bogus'], out: join(base, 'o1'), message: /unknown option '--bogus'/ },
      { name: 'unknown deployment', args: ['run', '--trace', DSB_TRACE, '--deploy', 'dsb/nope', '--target', '3'], out: join(base, 'o2'), message: /expected a deployment the trace has, got "dsb\/nope"/ },
      { name: 'missing trace', args: ['run', '--trace', join(base, 'missing.sktrace'), '--deploy', 'x', '--target', '3'], out: join(base, 'o3'), message: /--trace: expected a readable trace file, got ".*missing\.sktrace" \(no such file\)/ },
      { name: 'unwritable --out', args: ['run', ...common, '--target', '3'], out: join(aFile, 'runs'), message: /--out: expected a directory, got a file/ },
      { name: 'existing run id', args: ['run', ...common, '--target', '3', '--run-id', 'taken'], out: existing, message: /--run-id: expected a new run id, got "taken"/ },
      { name: 'bad number', args: ['run', ...common, '--target', 'three'], out: join(base, 'o6'), message: /--target: expected an integer >= 0, got "three"/ },
    ];
    const results = await Promise.all(cases.map((c) => runCli([...c.args, '--out', c.out])));
    results.forEach((r, i) => {
      const c = cases[i]!;
      expect(r.code, `${c.name}: ${r.stderr}`).toBe(2);
      expect(r.stdout, c.name).toBe('');
      const first = r.stderr.split('\n')[0]!;
      expect(first, c.name).toMatch(c.message);
      expect(r.stderr, c.name).not.toMatch(/\n\s+at /); // no stack trace
      if (c.out === existing) expect(readdirSync(existing)).toEqual(['taken']);
      else expect(existsSync(c.out) && readdirSync(c.out).length > 0, `${c.name} left ${c.out}`).toBe(false);
    });
    expect(readFileSync(join(existing, 'taken', 'marker'), 'utf8')).toBe('keep');
  });

  it('a runtime failure (a corrupt trace) exits 1 with one line and creates no run directory', async () => {
    const base = tempDir();
    const bad = join(base, 'bad.sktrace');
    writeFileSync(bad, Buffer.from([0x93, 0x01, 0x02]));
    const out = join(base, 'runs');
    const r = await runCli(['run', '--trace', bad, '--deploy', 'dsb/nginx-thrift', '--target', '3', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^simenv: .*bad\.sktrace/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });

  it('simenv eval: one run directory, --episodes per seed, each episode reset with its logged seed', async () => {
    const out = tempDir();
    const r = await runCli(['eval', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift', '--agent', 'random', '--step', '60', '--duration', '300', '--episodes', '2', '--seeds', '1,2,3', '--out', out, '--run-id', 'ev', '--json']);
    expect(r.code).toBe(0);
    const config = RunConfigRecordSchema.parse(JSON.parse(readFileSync(join(out, 'ev', 'config.json'), 'utf8')));
    const summary = SummaryRecordSchema.parse(JSON.parse(readFileSync(join(out, 'ev', 'summary.json'), 'utf8')));
    expect(config.episodes).toBe(6);
    expect(config.episodeSeeds.filter((_, i) => i % 2 === 0)).toEqual([1, 2, 3]);
    expect(summary.perEpisode.map((e) => e.seed)).toEqual(config.episodeSeeds);
    expect(summary.episodes).toBe(6);
    expect(summary.steps).toBe(30);
    expect(statSync(join(out, 'ev', 'step.jsonl')).size).toBeGreaterThan(0);
  });
});
