import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StepRecordSchema, SummaryRecordSchema, type StepRecord } from '../../src/runner/records.js';
import { DSB_TRACE, spawnCli, tempDir, waitFor } from './helpers.js';

/**
 * A run killed or interrupted half-way: SIGKILL leaves a step.jsonl that parses line by line;
 * SIGINT/SIGTERM finish the current step, write summary.json with status interrupted and
 * exit 130/143. The runs are long multi-step runs (1-second steps, many episodes), stopped
 * once a few thousand lines are on disk.
 */

const LONG_RUN = ['run', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift', '--agent', 'random', '--step', '1', '--episodes', '100000', '--quiet'];

function lineCount(path: string): number {
  if (!existsSync(path)) return 0;
  const text = readFileSync(path, 'utf8');
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Parse every line; check episodes and steps run without gaps. */
function checkSteps(text: string): StepRecord[] {
  expect(text.endsWith('\n')).toBe(true);
  const records = text
    .slice(0, -1)
    .split('\n')
    .map((line, i) => {
      const parsed = StepRecordSchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`line ${i + 1} does not match the schema: ${parsed.error.message}`);
      return parsed.data;
    });
  let episode = 0;
  let step = 0;
  for (const [i, r] of records.entries()) {
    if (i === 0) {
      expect([r.episode, r.step]).toEqual([0, 0]);
    } else if (r.step === 0) {
      expect(r.episode).toBe(episode + 1);
    } else {
      expect([r.episode, r.step]).toEqual([episode, step + 1]);
    }
    episode = r.episode;
    step = r.step;
  }
  return records;
}

async function interrupt(signal: 'SIGINT' | 'SIGTERM', extra: string[] = []): Promise<{ code: number | null; dir: string; stderr: string }> {
  const out = tempDir();
  const child = spawnCli([...LONG_RUN, ...extra, '--out', out, '--run-id', 'r']);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const steps = join(out, 'r', 'step.jsonl');
  try {
    await waitFor(() => lineCount(steps) >= 3000, 'step.jsonl to fill');
    child.kill(signal);
    const code = await exited;
    return { code, dir: join(out, 'r'), stderr };
  } finally {
    child.kill('SIGKILL');
  }
}

/** SIGKILL a long run once `lines` lines are on disk; the step.jsonl text. */
async function killed(lines: number, extra: string[] = []): Promise<{ text: string; dir: string }> {
  const out = tempDir();
  const child = spawnCli([...LONG_RUN, ...extra, '--out', out, '--run-id', 'k']);
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, sig) => resolve(sig)));
  const steps = join(out, 'k', 'step.jsonl');
  try {
    await waitFor(() => lineCount(steps) >= lines, 'step.jsonl to fill');
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
  } finally {
    child.kill('SIGKILL');
  }
  return { text: readFileSync(steps, 'utf8'), dir: join(out, 'k') };
}

describe('killed and interrupted runs', () => {
  it('SIGKILL mid-run: every line of step.jsonl parses and the steps written are intact', async () => {
    const { text, dir } = await killed(5000);
    const records = checkSteps(text);
    expect(records.length).toBeGreaterThanOrEqual(5000);
    // Each episode of 1-second steps over the 1134 s trace has 1134 steps: several episodes were logged whole.
    expect(records.filter((r) => r.truncated).length).toBeGreaterThanOrEqual(3);
    expect(records.filter((r) => r.truncated).every((r) => r.step === 1134)).toBe(true);
    expect(existsSync(join(dir, 'summary.json'))).toBe(false);
    expect(existsSync(join(dir, 'config.json'))).toBe(true);
    expect(statSync(join(dir, 'step.jsonl')).size).toBeGreaterThan(0);
  });

  it('SIGINT: finishes the current step, writes status interrupted, exits 130', async () => {
    const { code, dir, stderr } = await interrupt('SIGINT');
    expect(code).toBe(130);
    expect(stderr).toBe(''); // --quiet: the notice is silent too
    const summary = SummaryRecordSchema.parse(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')));
    expect(summary.status).toBe('interrupted');
    expect(summary.signal).toBe('SIGINT');
    const records = checkSteps(readFileSync(join(dir, 'step.jsonl'), 'utf8'));
    // Nothing lost: the summary counts exactly the steps on disk.
    expect(summary.steps).toBe(records.filter((r) => r.step > 0).length);
    expect(summary.episodes).toBe(records.filter((r) => r.truncated || r.terminated).length);
    expect(summary.perEpisode.at(-1)!.complete).toBe(records.at(-1)!.truncated);
  });

  it('SIGTERM: status interrupted, exit 143', async () => {
    const { code, dir } = await interrupt('SIGTERM');
    expect(code).toBe(143);
    const summary = SummaryRecordSchema.parse(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')));
    expect(summary).toMatchObject({ status: 'interrupted', signal: 'SIGTERM' });
  });

  it('--log-flush batched, SIGINT: every step is on disk (the batch is written before the summary), status interrupted', async () => {
    const { code, dir } = await interrupt('SIGINT', ['--log-flush', 'batched']);
    expect(code).toBe(130);
    const summary = SummaryRecordSchema.parse(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')));
    expect(summary).toMatchObject({ status: 'interrupted', signal: 'SIGINT' });
    const records = checkSteps(readFileSync(join(dir, 'step.jsonl'), 'utf8'));
    expect(summary.steps).toBe(records.filter((r) => r.step > 0).length);
    expect(summary.perEpisode.reduce((a, e) => a + e.steps, 0)).toBe(summary.steps);
    // The cut-short episode's last step is on disk, not left in the buffer.
    const last = records.at(-1)!;
    expect([last.episode, last.step]).toEqual([summary.perEpisode.at(-1)!.episode, summary.perEpisode.at(-1)!.steps]);
  });

  it('--log-flush batched, SIGKILL: every line parses (a batch cut short ends at a line end)', async () => {
    const { text, dir } = await killed(5000, ['--log-flush', 'batched']);
    const records = checkSteps(text);
    expect(records.length).toBeGreaterThanOrEqual(5000);
    expect(records.filter((r) => r.truncated).every((r) => r.step === 1134)).toBe(true);
    expect(existsSync(join(dir, 'summary.json'))).toBe(false);
  });
});

