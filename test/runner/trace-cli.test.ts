import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/runner/cli.js';
import { MsgpackWriter } from '../../src/env/trace/msgpack-writer.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TRACES = join(ROOT, 'examples/traces');
const DSB = join(TRACES, 'dsb-scaling.sktrace');
const dir = mkdtempSync(join(tmpdir(), 'simenv-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI in-process, capturing what it prints. */
async function simenv(...args: string[]): Promise<Result> {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  });
  try {
    const code = await main(['node', 'simenv', ...args]);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

const STACK_LINE = /\n\s+at .+:\d+:\d+/;

describe('simenv trace inspect', () => {
  it('prints version, time span, events, kinds and each deployment timeline', async () => {
    const r = await simenv('trace', 'inspect', DSB);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('SimKube trace, format version 2 (msgpack, 67.3 kB)');
    expect(r.stdout).toContain('time span: 2024-03-19T23:48:58Z .. 2024-03-20T00:07:52Z (1134 s)');
    expect(r.stdout).toContain('events: 19 (46 objects applied, 0 deleted)');
    expect(r.stdout).toMatch(/apps\/v1\.Deployment\s+27 objects, 46 applies, 0 deletes/);
    expect(r.stdout).toMatch(/dsb\/nginx-thrift\s+\[cpu 1, mem 1Gi\]\s+1 \(0s\) -> 2 \(556s\) -> 4 \(797s\) -> 8 \(812s\) -> 10 \(827s\)\n/);
    expect(r.stdout).toMatch(/dsb\/compose-post-service\s+\[cpu 1, mem 1Gi\]\s+1 \(0s\) -> 4 \(548s\) -> 6 \(563s\) -> 2 \(1134s\)\n/);
  });

  it('--json prints one JSON document', async () => {
    const r = await simenv('trace', 'inspect', DSB, '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { version: number; durationS: number; events: number; workloads: Array<{ name: string; replicas: number[][] }> };
    expect(doc.version).toBe(2);
    expect(doc.durationS).toBe(1134);
    expect(doc.events).toBe(19);
    expect(doc.workloads.find((w) => w.name === 'dsb/nginx-thrift')!.replicas.map(([, n]) => n)).toEqual([1, 2, 4, 8, 10]);
  });

  it('reads the SimKube-shaped JSON traces and notes the approximate hashes', async () => {
    const r = await simenv('trace', 'inspect', join(TRACES, 'dsb-large.json'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(json,');
    expect(r.stdout).toContain('events: 89 (250 objects applied, 0 deleted)');
    expect(r.stdout).toMatch(/note: 27 index hashes were written as JSON numbers above 2\^53/);
  });

  it('fails with one line and exit 1 on a bad file', async () => {
    const path = join(dir, 'cut.sktrace');
    writeFileSync(path, readFileSync(DSB).subarray(0, 1000));
    const r = await simenv('trace', 'inspect', path);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^simenv: .*cut\.sktrace at events\[1\]\.applied_objs\[0\]\S*: truncated msgpack/);
  });
});

describe('simenv trace validate', () => {
  it.each(['dsb-scaling.sktrace', 'dsb-large.json', 'nginx-small.json'])('accepts %s', async (name) => {
    const r = await simenv('trace', 'validate', join(TRACES, name));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/: valid SimKube trace, format version 2/);
  });

  it('lists every problem and exits 1', async () => {
    const path = join(dir, 'many.sktrace');
    writeFileSync(
      path,
      new MsgpackWriter().encode({
        version: 2,
        config: { trackedObjects: { 'apps/v1.Deployment': { bogus: true } } },
        events: [
          { ts: 9, applied_objs: [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: {} }], deleted_objs: [] },
          { ts: 'later', applied_objs: [], deleted_objs: [] },
        ],
        index: {},
      }),
    );
    const r = await simenv('trace', 'validate', path);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('many.sktrace: 4 problems');
    expect(r.stderr).toContain('- config.trackedObjects["apps/v1.Deployment"]: expected only podSpecTemplatePaths, trackLifecycle and skipOwned, got "bogus"');
    expect(r.stderr).toContain('- events[0].applied_objs[0].metadata.name: expected a non-empty string, got none');
    expect(r.stderr).toContain('- events[1].ts: expected a Unix time in seconds (an integer), got a string ("later")');
    expect(r.stderr).toContain('- pod_lifecycles: expected the required field pod_lifecycles, got none');
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('reads events out of time order as SimKube does, and says it sorted them', async () => {
    const path = join(dir, 'unsorted.sktrace');
    const obj = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a', namespace: 'ns' } };
    writeFileSync(
      path,
      new MsgpackWriter().encode({
        version: 2,
        config: { trackedObjects: {} },
        events: [
          { ts: 9, applied_objs: [obj], deleted_objs: [] },
          { ts: 3, applied_objs: [], deleted_objs: [] },
        ],
        index: {},
        pod_lifecycles: {},
      }),
    );
    const r = await simenv('trace', 'validate', path);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('unsorted.sktrace: valid SimKube trace');
    expect(r.stdout).toContain('note: events were not in time order (first: events[1] (ts 3) came after events[0] (ts 9)); simenv sorted them by ts');
  });

  it('exits 2 on usage errors', async () => {
    expect((await simenv('trace', 'validate')).code).toBe(2);
    expect((await simenv('trace', 'validate', DSB, '--bogus')).code).toBe(2);
    expect((await simenv('trace', 'frobnicate')).code).toBe(2);
  });
});

describe('simenv trace convert', () => {
  it('msgpack -> JSON -> msgpack gives back the original bytes', async () => {
    const json = join(dir, 'dsb.json');
    const back = join(dir, 'dsb.sktrace');
    expect((await simenv('trace', 'convert', DSB, json)).code).toBe(0);
    const r = await simenv('trace', 'convert', json, back);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/dsb\.sktrace: wrote msgpack \(67\.3 kB, 19 events\) from .*dsb\.json \(json\)/);
    expect(readFileSync(back).equals(readFileSync(DSB))).toBe(true);
  });

  it('JSON -> msgpack -> JSON gives back the same JSON form, hashes exact', async () => {
    const mp = join(dir, 'large.sktrace');
    const json = join(dir, 'large.json');
    const json2 = join(dir, 'large2.json');
    expect((await simenv('trace', 'convert', join(TRACES, 'dsb-large.json'), mp)).code).toBe(0);
    expect((await simenv('trace', 'convert', mp, json)).code).toBe(0);
    expect((await simenv('trace', 'convert', json, mp)).code).toBe(0);
    expect((await simenv('trace', 'convert', mp, json2, '--compact')).code).toBe(0);
    const a = JSON.parse(readFileSync(json, 'utf8')) as { index: Record<string, Record<string, string>> };
    expect(JSON.parse(readFileSync(json2, 'utf8'))).toEqual(a);
    expect(a.index['apps/v1.Deployment']!['dsb/jaeger']).toBe('17146943970771433564');
    expect((await simenv('trace', 'validate', mp)).code).toBe(0);
  });

  it('exits 2 for an output extension it cannot tell, 1 for a bad input', async () => {
    const r = await simenv('trace', 'convert', DSB, join(dir, 'out.txt'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/expected an output file ending in \.json .* got ".*out\.txt"/);
    const wrong = join(dir, 'wrong.json');
    writeFileSync(wrong, readFileSync(DSB));
    const bad = await simenv('trace', 'convert', wrong, join(dir, 'x.sktrace'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/wrong\.json: expected JSON text \(the file name ends in \.json\), got msgpack binary data/);
  });
});

describe('simenv trace synth', () => {
  it('writes a valid trace, the same bytes for the same seed', async () => {
    const a = join(dir, 'a.sktrace');
    const b = join(dir, 'b.sktrace');
    const r = await simenv('trace', 'synth', '--deployments', '12', '--events', '80', '--seed', '3', '--out', a, '--pod-lifecycles');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/a\.sktrace: wrote a synthetic trace \(msgpack, .*, 12 deployments, 80 events, seed 3\)/);
    expect((await simenv('trace', 'synth', '--deployments', '12', '--events', '80', '--seed', '3', '--out', b, '--pod-lifecycles')).code).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    const v = await simenv('trace', 'validate', a);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('80 events');
    const inspect = await simenv('trace', 'inspect', a);
    expect(inspect.stdout).toMatch(/pod_lifecycles: 4 owners/);
  });

  it('writes the JSON form for a .json output', async () => {
    const out = join(dir, 's.json');
    expect((await simenv('trace', 'synth', '--deployments', '2', '--events', '3', '--seed', '1', '--out', out, '--namespace', 'demo')).code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).events[0].applied_objs[0].metadata.namespace).toBe('demo');
  });

  it.each([
    [['--deployments', 'abc', '--events', '3', '--seed', '1'], /--deployments: expected an integer, got "abc"/],
    [['--deployments', '0', '--events', '3', '--seed', '1'], /--deployments: expected number to be >=1, got 0/],
    [['--deployments', '2', '--events', '3', '--seed', '1', '--namespace', 'Not_OK'], /--namespace: expected a Kubernetes namespace name/],
  ])('exits 2 on bad flags %j', async (flags, message) => {
    const r = await simenv('trace', 'synth', ...flags, '--out', join(dir, 'never.sktrace'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(dir, 'never.sktrace'))).toBe(false);
  });

  it('exits 2 when a required flag is missing', async () => {
    const r = await simenv('trace', 'synth', '--deployments', '2', '--events', '3', '--out', join(dir, 'x.sktrace'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/required option '--seed <s>' not specified/);
  });
});

// --- the compiled bin, as `npx simenv` runs it -------------------------------------------

const run = promisify(execFile);

/** dist/runner/bin.js when it is newer than this command's sources, else a fresh compile. */
function compiledBin(): string {
  const dist = join(ROOT, 'dist/runner/bin.js');
  const sources = [join(ROOT, 'src/runner/commands/trace.ts'), ...readdirSync(join(ROOT, 'src/env/trace')).map((f) => join(ROOT, 'src/env/trace', f))];
  const fresh =
    existsSync(dist) &&
    sources.every((src) => {
      const out = src.replace(`${ROOT}src/`, `${ROOT}dist/`).replace(/\.ts$/, '.js');
      return existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs;
    });
  return fresh ? dist : join(ROOT, 'node_modules/.cache/simenv-trace-cli-test/runner/bin.js');
}

describe('the compiled simenv bin', () => {
  let bin = '';
  beforeAll(async () => {
    bin = compiledBin();
    if (!bin.includes('node_modules/.cache')) return;
    // Stale dist (a working tree): compile to a private directory, not over the shared dist/.
    // tsc emits even when unrelated files have type errors, so only the bin's presence matters.
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(ROOT, 'node_modules/.cache/simenv-trace-cli-test')], {
      cwd: ROOT,
    }).catch(() => undefined);
    expect(existsSync(bin)).toBe(true);
  }, 300_000);

  it('is what package.json points npx at', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin.simenv).toBe('dist/runner/bin.js');
  });

  it('validates a trace and exits 0', async () => {
    const r = await run(process.execPath, [bin, 'trace', 'validate', DSB], { cwd: ROOT });
    expect(r.stdout).toMatch(/valid SimKube trace, format version 2 \(msgpack, 19 events, 46 objects\)/);
  });

  it('prints one line and no stack trace on bad input, exit 1', async () => {
    const path = join(dir, 'random.sktrace');
    writeFileSync(path, Uint8Array.from({ length: 512 }, (_, i) => (i * 97 + 0xd3) & 0xff));
    const err = (await run(process.execPath, [bin, 'trace', 'inspect', path], { cwd: ROOT }).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).toBe(1);
    expect(err.stderr.trim().split('\n')).toHaveLength(1);
    expect(err.stderr).toMatch(/^simenv: .*random\.sktrace: expected a msgpack map at byte 0/);
    expect(err.stderr).not.toMatch(STACK_LINE);
  });
});
