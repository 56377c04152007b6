import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SummaryRecordSchema } from '../../src/runner/records.js';
import { REPO, TSX_LOADER, tempDir } from './helpers.js';

/**
 * The examples run as a user runs them (`npx tsx examples/X.ts`), with the package name
 * `simenv` resolved to the source (CI runs them against the build too: scripts/ci/examples.sh).
 */

const FROM_SOURCE = pathToFileURL(join(REPO, 'test/runner/fixtures/simenv-from-source.mjs')).href;

function runExample(file: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX_LOADER, '--import', FROM_SOURCE, join(REPO, 'examples', file), ...args], { cwd: tempDir() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('examples', () => {
  it('one-step.ts prints the observation, the action and the reward', async () => {
    const r = await runExample('one-step.ts', ['6']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^memory backend, .*deployment dsb\/nginx-thrift, .*one step of 120 s$/);
    expect(lines[1]).toBe('observe: desired=1 ready=1 demand=60.0 req/s');
    expect(lines[2]).toMatch(/^action: 6 replicas held for 120 s \(applied 6, ready at the end 6\)$/);
    const m = /^reward: (-?\d+\.\d{4}) \(slo (-?\d+\.\d{4}), cost (-?\d+\.\d{4}), churn (-?\d+\.\d{4})\)$/.exec(lines[3]!);
    expect(m).not.toBeNull();
    const [total, slo, cost, churn] = m!.slice(1).map(Number);
    expect(total).toBeCloseTo(slo! + cost! + churn!, 3);
    expect(cost).toBeLessThan(0); // six replicas for two minutes cost something
  });

  it('multi-step.ts runs its own agent over the trace and writes a run directory', async () => {
    const out = tempDir();
    const r = await runExample('multi-step.ts', [out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^episode 0: 76 steps, reward -\d+\.\d{3}, SLO broken \d+ s, \d+ replica changes$/m);
    const [dir] = readdirSync(out);
    expect(dir).toMatch(/-proportional-[0-9a-f]{8}$/);
    const summary = SummaryRecordSchema.parse(JSON.parse(readFileSync(join(out, dir!, 'summary.json'), 'utf8')));
    expect(summary).toMatchObject({ status: 'completed', episodes: 2, steps: 152, agent: { name: 'proportional', params: { targetUtilisation: 0.6 } } });
    expect(r.stdout).toContain(`mean episode reward: ${summary.reward.mean!.toFixed(3)}`);
  });
});
