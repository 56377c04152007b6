import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SummaryRecordSchema } from '../../src/runner/records.js';
import { DSB_TRACE, spawnCli, tempDir, waitFor } from './helpers.js';

/**
 * Faults caused for real on a running `simenv run` (issue 14): a reader that closes the pipe
 * (defect 4) and a hang-up (SIGHUP, defect 15). Each run must end with its logs on disk and an
 * `interrupted` summary that counts exactly the steps in step.jsonl, and a non-zero exit.
 */

const RUN = ['run', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift', '--agent', 'hpa', '--step', '1', '--episodes', '2000'];

/** Steps (lines after a reset) in a step.jsonl; every line must parse. */
function stepsOnDisk(path: string): number {
  const text = readFileSync(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .filter((l) => (JSON.parse(l) as { step: number }).step > 0).length;
}

function summaryOf(dir: string) {
  return SummaryRecordSchema.parse(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')));
}

describe('a closed pipe and a hang-up stop a run cleanly', () => {
  it('stdout closed by its reader (`| head -1`): summary interrupted by SIGPIPE, every counted step on disk, exit 141', async () => {
    const out = tempDir();
    const child = spawnCli([...RUN, '--out', out, '--run-id', 'p']);
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.stderr.resume();
    // Read the first chunk, then close our end as `head -1` does.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await Promise.race([exited, new Promise<'hang'>((r) => setTimeout(() => r('hang'), 60_000))]);
    child.kill('SIGKILL');
    expect(code).toBe(141);
    const s = summaryOf(join(out, 'p'));
    expect(s.status).toBe('interrupted');
    expect(s.signal).toBe('SIGPIPE');
    expect(s.steps).toBe(stepsOnDisk(join(out, 'p', 'step.jsonl')));
    expect(s.episodes).toBeLessThan(2000);
  }, 90_000);

  it.each([['step'], ['batched']])('SIGHUP (--log-flush %s): summary interrupted by SIGHUP, the batch written, exit 129', async (flush) => {
    const out = tempDir();
    const child = spawnCli([...RUN, '--quiet', '--log-flush', flush, '--out', out, '--run-id', 'h']);
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const steps = join(out, 'h', 'step.jsonl');
    try {
      await waitFor(() => existsSync(steps) && readFileSync(steps).length > 200_000, 'step.jsonl to fill');
      child.kill('SIGHUP');
      expect(await exited).toBe(129);
    } finally {
      child.kill('SIGKILL');
    }
    const s = summaryOf(join(out, 'h'));
    expect([s.status, s.signal]).toEqual(['interrupted', 'SIGHUP']);
    expect(s.steps).toBe(stepsOnDisk(steps));
  }, 90_000);
});

describe('a write that fails mid-run (ulimit -f): the summary counts only what is on disk (defect 9)', () => {
  it.each([['step'], ['batched']])('--log-flush %s: status failed naming step.jsonl, steps = steps on disk, no torn line', async (flush) => {
    const { execFileSync } = await import('node:child_process');
    const { cliArgs, REPO } = await import('./helpers.js');
    const out = tempDir();
    const args = [...RUN, '--quiet', '--log-flush', flush, '--out', out, '--run-id', 'f'];
    let code = 0;
    let stderr = '';
    try {
      // 200 KiB per file: step.jsonl hits it mid-batch; config and summary stay small.
      execFileSync('bash', ['-c', `ulimit -f 200; exec "${process.execPath}" ${cliArgs(args).map((a) => `'${a}'`).join(' ')}`], { cwd: REPO, stdio: 'pipe', timeout: 60_000 });
    } catch (err) {
      code = (err as { status: number }).status;
      stderr = String((err as { stderr: Buffer }).stderr);
    }
    expect(code).toBe(1);
    expect(stderr).toMatch(/^simenv: cannot write .*step\.jsonl: file too large .*\(EFBIG\)/);
    const s = summaryOf(join(out, 'f'));
    expect(s.status).toBe('failed');
    expect(s.steps).toBeGreaterThan(0);
    expect(s.steps).toBe(stepsOnDisk(join(out, 'f', 'step.jsonl')));
    expect(s.perEpisode.reduce((n, e) => n + e.steps, 0)).toBe(s.steps);
  }, 90_000);
});
