import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRun } from '../../src/runner/report/load-run.js';
import { readStepFile } from '../../src/runner/report/step-reader.js';
import { cliInProcess, DSB_TRACE, tempDir } from './helpers.js';

/**
 * step.jsonl read line by line (issue 14, defects 3 and 14): any size, FIFOs and directories
 * named step.jsonl, duplicated lines, a BOM, a NUL tail, a torn last line.
 */

let out: string;
let good: string;
let lines: string[];

beforeAll(async () => {
  out = tempDir('simenv-steps-');
  // 1-second steps: ~6,800 lines, several MiB, so lines cross the reader's 1 MiB chunks.
  const r = await cliInProcess(['run', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift', '--agent', 'hpa', '--step', '1', '--episodes', '6', '--out', out, '--run-id', 'good', '--quiet']);
  expect(r.code).toBe(0);
  good = join(out, 'good');
  lines = readFileSync(join(good, 'step.jsonl'), 'utf8').split('\n').slice(0, -1);
});

/** A copy of the good run without summary.json, whose step.jsonl is `text`. */
function unfinished(name: string, text: string | Buffer): string {
  const dir = join(out, name);
  mkdirSync(dir);
  copyFileSync(join(good, 'config.json'), join(dir, 'config.json'));
  writeFileSync(join(dir, 'step.jsonl'), text);
  return dir;
}

describe('readStepFile', () => {
  it('reads every record of a multi-MiB file in order, across chunk boundaries', () => {
    expect(readFileSync(join(good, 'step.jsonl')).length).toBeGreaterThan(2 * (1 << 20));
    let n = 0;
    let last = '';
    const problems: string[] = [];
    const stats = readStepFile(join(good, 'step.jsonl'), (r) => {
      n++;
      last = `${r.episode}:${r.step}`;
    }, problems);
    expect(problems).toEqual([]);
    expect(n).toBe(lines.length);
    expect(stats.records).toBe(lines.length);
    const tail = JSON.parse(lines[lines.length - 1]!) as { episode: number; step: number };
    expect(last).toBe(`${tail.episode}:${tail.step}`);
  });

  it('the recomputed summary of an unfinished run equals the written one, and duplicated lines are not counted twice', () => {
    const written = loadRun(good).summary;
    const copy = loadRun(unfinished('copy', `${lines.join('\n')}\n`)).summary;
    expect(copy.steps).toBe(written.steps);
    expect(copy.reward.mean).toBeCloseTo(written.reward.mean!, 9);
    // The whole log appended twice, and one line repeated in place.
    const doubled = [...lines.slice(0, 100), lines[99]!, ...lines.slice(100), ...lines];
    const run = loadRun(unfinished('doubled', `${doubled.join('\n')}\n`));
    expect(run.summary.steps).toBe(written.steps);
    expect(run.summary.episodes).toBe(written.episodes);
    expect(run.problems.join('\n')).toMatch(new RegExp(`${lines.length + 1} duplicated line`));
  });

  it('a BOM, a NUL tail and a torn last line are noted, the rest read', () => {
    const bom = loadRun(unfinished('bom', `\uFEFF${lines.join('\n')}\n`));
    expect(bom.summary.steps).toBe(loadRun(good).summary.steps);
    const nul = loadRun(unfinished('nul', Buffer.concat([Buffer.from(`${lines.slice(0, 50).join('\n')}\n`), Buffer.alloc(4096)])));
    expect(nul.problems.join('\n')).toMatch(/4096 NUL byte\(s\) at the end/);
    const torn = loadRun(unfinished('torn', `${lines.slice(0, 50).join('\n')}\n${lines[50]!.slice(0, 100)}`));
    expect(torn.problems.join('\n')).toMatch(/last line has no newline \(100 bytes\)/);
    // Garbage is noted line by line, then only counted: the problem list stays short.
    const garbage = loadRun(unfinished('garbage', `${'x\n'.repeat(5000)}`));
    expect(garbage.problems.length).toBeLessThanOrEqual(22);
    expect(garbage.problems.join('\n')).toMatch(/4980 more problem line/);
  });

  it('report survives a FIFO named step.jsonl (no hang) and a directory named step.jsonl in a multi-run report', async () => {
    const fifoRun = join(out, 'fifo');
    mkdirSync(fifoRun);
    copyFileSync(join(good, 'config.json'), join(fifoRun, 'config.json'));
    execFileSync('mkfifo', [join(fifoRun, 'step.jsonl')]);
    const dirRun = join(out, 'dirrun');
    mkdirSync(join(dirRun, 'step.jsonl'), { recursive: true });
    copyFileSync(join(good, 'config.json'), join(dirRun, 'config.json'));
    const r = await cliInProcess(['report', good, fifoRun, dirRun]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/step\.jsonl: expected a regular file, got a FIFO/);
    expect(r.err).toMatch(/step\.jsonl: expected a regular file, got a directory/);
    expect(r.out.split('\n').filter((l) => /unfinished|completed/.test(l))).toHaveLength(3);
  });

  it('FIFOs named summary.json, config.json or eval.json are noted, not opened (no hang)', async () => {
    const dir = join(out, 'fifos');
    mkdirSync(dir);
    copyFileSync(join(good, 'step.jsonl'), join(dir, 'step.jsonl'));
    for (const f of ['summary.json', 'config.json', 'eval.json']) execFileSync('mkfifo', [join(dir, f)]);
    const r = await cliInProcess(['report', dir, '--by', 'agent']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/summary\.json: could not be read as JSON \(expected a regular file, got a FIFO\)/);
  });
});
