import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mkdirParents } from '../../src/runner/run-dir.js';
import { oneDecisionWarning } from '../../src/runner/run-warnings.js';
import { cliInProcess, DSB_TRACE, tempDir } from './helpers.js';

/** Issue 13's silent traps and the hang: each bad input is one line and exit 2, found before anything runs. */

const COMMON = ['--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift'];

async function refused(args: string[], message: RegExp): Promise<void> {
  const t0 = performance.now();
  const r = await cliInProcess(args);
  const ms = performance.now() - t0;
  expect(r.code, r.err).toBe(2);
  expect(r.out).toBe('');
  // The error line, and at most its `fix:` hint; no stack trace.
  const lines = r.err.trimEnd().split('\n').filter((l) => !l.startsWith('[backend]'));
  expect(lines.length, r.err).toBeLessThanOrEqual(2);
  if (lines.length === 2) expect(lines[1]).toMatch(/^ {2}fix: /);
  expect(lines[0]).toMatch(message);
  expect(ms).toBeLessThan(1000);
}

describe('run guards', () => {
  it('--out under /proc or /sys, or under a file, fails within a second with one line (no mkdir loop)', async () => {
    const base = tempDir();
    const file = join(base, 'a-file');
    writeFileSync(file, 'x');
    await refused(['run', ...COMMON, '--target', '3', '--out', '/proc/ro'], /^simenv: --out: expected a directory on a disk filesystem, got \/proc\/ro \(\/proc is the kernel's proc pseudo-filesystem\)/);
    await refused(['run', ...COMMON, '--target', '3', '--out', '/sys/ro/deeper'], /^simenv: --out: expected a directory on a disk filesystem, got \/sys\/ro\/deeper \(\/sys is the kernel's sysfs pseudo-filesystem\)/);
    await refused(['eval', ...COMMON, '--agent', 'hpa', '--step', '15', '--out', file], /^simenv: --out: expected a directory, got a file at /);
    expect(existsSync('/proc/ro')).toBe(false);
  });

  it('mkdirParents: a level the kernel refuses is one UsageError, not a retry loop', () => {
    const t0 = performance.now();
    expect(() => mkdirParents('/proc/ro/a/b', '/proc/ro/a/b')).toThrow(/^--out: expected a directory that can be created, got \/proc\/ro\/a\/b \(mkdir \/proc\/ro: ENOENT\)$/);
    expect(performance.now() - t0).toBeLessThan(1000);
    const base = tempDir();
    mkdirParents(join(base, 'x', 'y', 'z'));
    expect(readdirSync(join(base, 'x', 'y'))).toEqual(['z']);
    mkdirParents(join(base, 'x', 'y', 'z')); // existing: nothing to do
  });

  it('a static --target outside [minReplicas, maxReplicas] is a usage error naming the range', async () => {
    const out = tempDir();
    await refused(['run', ...COMMON, '--target', '50', '--out', out], /^simenv: --target: expected a replica count in \[1, 20\] \(minReplicas\.\.maxReplicas\), got 50$/);
    await refused(['run', ...COMMON, '--target', '3', '--min-replicas', '4', '--max-replicas', '8', '--out', out], /^simenv: --target: expected a replica count in \[4, 8\] \(minReplicas\.\.maxReplicas\), got 3$/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('an HPA --target outside (0, 100] is a usage error', async () => {
    const out = tempDir();
    await refused(['run', ...COMMON, '--agent', 'hpa', '--target', '600', '--step', '15', '--out', out], /^simenv: --target: expected the HPA's target CPU utilisation, an integer percent in \(0, 100\], got 600$/);
    await refused(['run', ...COMMON, '--agent', 'hpa', '--target', '0', '--step', '15', '--out', out], /^simenv: --target: expected the HPA's target CPU utilisation, an integer percent in \(0, 100\], got 0$/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('a one-step episode with a reactive agent warns that it makes one decision, and still runs', async () => {
    const out = tempDir();
    const r = await cliInProcess(['run', ...COMMON, '--agent', 'hpa', '--duration', '600', '--out', out]);
    expect(r.code, r.err).toBe(0);
    const warnings = r.err.split('\n').filter((l) => l.startsWith('simenv: warning:'));
    expect(warnings).toEqual(['simenv: warning: --agent hpa in a one-step episode makes one decision, at reset, and holds it for 600 s; pass --step SECONDS (15 for the HPA sync period) to let it react']);
    const multi = await cliInProcess(['run', ...COMMON, '--agent', 'hpa', '--step', '15', '--duration', '60', '--out', out]);
    expect(multi.err).not.toMatch(/warning/);
    expect(oneDecisionWarning({ mode: 'one-step', agent: { kind: 'baseline', name: 'static', target: 3 }, durationSeconds: 120 })).toBeNull();
  });
});
