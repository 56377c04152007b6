import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliArgs, cliInProcess, DSB_TRACE, REPO, tempDir } from './helpers.js';

/**
 * Files simenv writes whole (issue 14, defects 6 and 15): `report --html` never replaces what
 * is not a regular file, and a write that fails for real (a file-size limit, `ulimit -f`)
 * ends with one line naming the path and the fix, leaving no temporary file behind.
 */

let out: string;
let run: string;

beforeAll(async () => {
  out = tempDir('simenv-write-');
  const r = await cliInProcess(['run', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift', '--agent', 'hpa', '--step', '15', '--duration', '300', '--out', out, '--run-id', 'r', '--quiet']);
  expect(r.code).toBe(0);
  run = join(out, 'r');
});

/** The CLI in a child shell, with `prelude` (e.g. a ulimit) before it. */
function shell(prelude: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const cmd = `${prelude}; exec "${process.execPath}" ${cliArgs(args).map((a) => `'${a}'`).join(' ')}`;
  try {
    const stdout = execFileSync('bash', ['-c', cmd], { cwd: REPO, encoding: 'utf8', stdio: 'pipe', timeout: 60_000 });
    return { code: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('report --html replaces only a regular file', () => {
  it('refuses a symlink (exit 2), leaving it and its target as they were', async () => {
    const target = join(out, 'precious.txt');
    writeFileSync(target, 'keep me');
    const link = join(out, 'link.html');
    symlinkSync(target, link);
    const r = await cliInProcess(['report', run, '--html', link]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--html: expected a regular file \(or none\) to write, got a symbolic link at .*link\.html/);
    expect(readFileSync(target, 'utf8')).toBe('keep me');
  });

  it('refuses a FIFO and a device without opening them (no hang)', async () => {
    const fifo = join(out, 'fifo.html');
    execFileSync('mkfifo', [fifo]);
    expect((await cliInProcess(['report', run, '--html', fifo])).err).toMatch(/got a FIFO/);
    const dev = await cliInProcess(['report', run, '--html', '/dev/null']);
    expect(dev.code).toBe(2);
    expect(dev.err).toMatch(/got a device at \/dev\/null/);
    expect((await cliInProcess(['report', run, '--html', out])).err).toMatch(/got a directory/);
  });

  it('replaces a regular file', async () => {
    const html = join(out, 'ok.html');
    writeFileSync(html, 'old');
    expect((await cliInProcess(['report', run, '--html', html])).code).toBe(0);
    expect(readFileSync(html, 'utf8')).toMatch(/^<!doctype html>/i);
  });
});

describe('a write that fails for real', () => {
  it('report --html under `ulimit -f 8`: one line naming the file and EFBIG, exit 1, no temporary file left', () => {
    const dir = tempDir('simenv-efbig-');
    const r = shell('ulimit -f 8', ['report', run, '--html', join(dir, 'big.html')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')[0]).toMatch(/^simenv: cannot write .*big\.html: file too large .*\(EFBIG\)$/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(dir)).toEqual([]);
  }, 60_000);
});

describe('a run that cannot write its config (defect 15)', () => {
  it('under `ulimit -f 2` (config.json is ~3 KB): one line naming config.json, exit 1, no run directory left behind', () => {
    const dir = tempDir('simenv-noconfig-');
    const r = shell('ulimit -f 2', ['run', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift', '--target', '3', '--out', dir, '--run-id', 'x', '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^simenv: cannot write .*x\/config\.json: file too large .*\(EFBIG\)/);
    expect(readdirSync(dir)).toEqual([]);
  }, 60_000);
});
