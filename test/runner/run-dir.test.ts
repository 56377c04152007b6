import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/env/errors.js';
import { RunConfigRecordSchema } from '../../src/runner/records.js';
import { BATCH_LINES, checkRunTarget, newRunDirName, RUN_FILES, RunWriter, writeFileAtomic } from '../../src/runner/run-dir.js';
import { configRecord, REPO, tempDir, TSX_LOADER } from './helpers.js';

describe('run directory', () => {
  it('creates <parent>/<run-id>/ with config.json and appends whole lines to step.jsonl', () => {
    const parent = join(tempDir(), 'not', 'yet');
    const w = RunWriter.create(parent, configRecord('r1'));
    expect(w.dir).toBe(join(parent, 'r1'));
    const config = JSON.parse(readFileSync(join(w.dir, RUN_FILES.config), 'utf8')) as unknown;
    expect(RunConfigRecordSchema.parse(config).run).toBe('r1');
    w.appendStepLine('{"a":1}\n');
    // Visible to a reader at once: nothing is held in a user-space buffer.
    expect(readFileSync(join(w.dir, RUN_FILES.steps), 'utf8')).toBe('{"a":1}\n');
    w.appendStepLine(`{"b":"${'é'.repeat(20000)}"}\n`);
    const lines = readFileSync(join(w.dir, RUN_FILES.steps), 'utf8').split('\n');
    expect(lines).toHaveLength(3);
    expect((JSON.parse(lines[1]!) as { b: string }).b).toHaveLength(20000);
    expect(existsSync(join(w.dir, RUN_FILES.summary))).toBe(false);
  });

  it('never reuses a run id: an existing directory is a usage error and is left untouched', () => {
    const parent = tempDir();
    const w = RunWriter.create(parent, configRecord('same'));
    w.appendStepLine('{"keep":true}\n');
    w.closeSteps();
    expect(() => RunWriter.create(parent, configRecord('same', { seed: 9 }))).toThrow(UsageError);
    expect(() => checkRunTarget(parent, 'same')).toThrow(/expected a new run id, got "same"/);
    expect(readFileSync(join(parent, 'same', RUN_FILES.steps), 'utf8')).toBe('{"keep":true}\n');
    expect((JSON.parse(readFileSync(join(parent, 'same', RUN_FILES.config), 'utf8')) as { seed: number }).seed).toBe(0);
  });

  it('refuses an --out that cannot hold directories, before creating anything', () => {
    const parent = tempDir();
    const file = join(parent, 'a-file');
    writeFileSync(file, 'x');
    expect(() => checkRunTarget(file, 'r')).toThrow(/--out: expected a directory, got a file/);
    expect(() => checkRunTarget(join(file, 'sub'), 'r')).toThrow(/--out: expected a directory, got a file at .*a-file/);
    // A missing --out under a writable directory is fine, and checking it creates nothing.
    expect(() => checkRunTarget(join(parent, 'new', 'runs'), 'r')).not.toThrow();
    expect(readdirSync(parent)).toEqual(['a-file']);
  });

  it('refuses run ids that are not plain directory names', () => {
    for (const bad of ['../escape', 'a/b', '', '.hidden', 'x'.repeat(200)]) {
      expect(() => checkRunTarget(tempDir(), bad), bad).toThrow(/--run-id: expected letters/);
    }
  });

  it('writes summary.json atomically, once, and leaves no temporary file', () => {
    const w = RunWriter.create(tempDir(), configRecord('r2'));
    const summary = { status: 'completed' } as unknown as Parameters<RunWriter['finish']>[0];
    w.finish(summary);
    w.finish({ status: 'failed' } as unknown as Parameters<RunWriter['finish']>[0]);
    expect(JSON.parse(readFileSync(join(w.dir, RUN_FILES.summary), 'utf8'))).toEqual({ status: 'completed' });
    expect(readdirSync(w.dir).sort()).toEqual(['config.json', 'step.jsonl', 'summary.json']);
    expect(() => w.appendStepLine('{}\n')).toThrow(/closed/);
  });

  it('writeFileAtomic replaces a file whole', () => {
    const dir = tempDir();
    const p = join(dir, 'f.json');
    writeFileAtomic(p, 'old');
    writeFileAtomic(p, 'new');
    expect(readFileSync(p, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['f.json']);
  });

  it('makes run ids that sort by time and name the agent', () => {
    const a = newRunDirName('hpa', new Date('2025-03-01T10:00:00Z'));
    const b = newRunDirName('hpa', new Date('2025-03-01T10:00:01Z'));
    expect(a).toMatch(/^20250301-100000-hpa-[0-9a-f]{8}$/);
    expect(a < b).toBe(true);
    expect(newRunDirName('weird name/..')).toMatch(/^\d{8}-\d{6}-weird_name_\.\.-[0-9a-f]{8}$/);
    expect(() => checkRunTarget(tempDir(), newRunDirName('weird name/..'))).not.toThrow();
  });
});

describe('run directory, --log-flush batched', () => {
  const stepsOf = (w: RunWriter): string => readFileSync(join(w.dir, RUN_FILES.steps), 'utf8');
  const line = (i: number): string => `${JSON.stringify({ i, pad: 'x'.repeat(i % 50) })}\n`;

  it('holds lines until 256 have come, then writes them at once; flush() and finish() write the rest first', () => {
    const clock = { now: 0 }; // frozen: only the line count can trigger a write
    const w = RunWriter.create(tempDir(), configRecord('b1'), { flush: 'batched', clock: () => clock.now });
    expect(w.flushMode).toBe('batched');
    for (let i = 0; i < BATCH_LINES - 1; i++) w.appendStepLine(line(i));
    expect(stepsOf(w)).toBe('');
    w.appendStepLine(line(BATCH_LINES - 1));
    const first = stepsOf(w).split('\n').filter((l) => l !== '');
    expect(first).toHaveLength(BATCH_LINES);
    expect(first.map((l) => (JSON.parse(l) as { i: number }).i)).toEqual([...Array(BATCH_LINES).keys()]);
    w.appendStepLine(line(1000));
    w.appendStepLine(line(1001));
    expect(stepsOf(w).split('\n').filter((l) => l !== '')).toHaveLength(BATCH_LINES);
    w.flush();
    expect(stepsOf(w).split('\n').filter((l) => l !== '')).toHaveLength(BATCH_LINES + 2);
    w.appendStepLine(line(1002));
    w.finish({ status: 'completed' } as unknown as Parameters<RunWriter['finish']>[0]);
    const all = stepsOf(w).split('\n');
    expect(all.at(-1)).toBe('');
    expect(JSON.parse(all.at(-2)!)).toEqual({ i: 1002, pad: 'x'.repeat(2) });
    expect(existsSync(join(w.dir, RUN_FILES.summary))).toBe(true);
  });

  it('writes the batch when a line comes 200 ms of wall time after the last write (no timer)', () => {
    const clock = { now: 1000 };
    const w = RunWriter.create(tempDir(), configRecord('b2'), { flush: 'batched', clock: () => clock.now });
    w.appendStepLine(line(0));
    clock.now += 199;
    w.appendStepLine(line(1));
    expect(stepsOf(w)).toBe('');
    // Time passing alone writes nothing: the check runs when a line arrives.
    clock.now += 1;
    expect(stepsOf(w)).toBe('');
    w.appendStepLine(line(2));
    expect(stepsOf(w).split('\n').filter((l) => l !== '')).toHaveLength(3);
    // The 200 ms count from that write.
    clock.now += 150;
    w.appendStepLine(line(3));
    expect(stepsOf(w).split('\n').filter((l) => l !== '')).toHaveLength(3);
    clock.now += 50;
    w.appendStepLine(line(4));
    expect(stepsOf(w).split('\n').filter((l) => l !== '')).toHaveLength(5);
    w.closeSteps();
  });

  it.each(['batched', 'step'] as const)('%s mode pads lines so none crosses a 4 KiB page boundary (a write cut short by SIGKILL ends at a line end)', (flush) => {
    const w = RunWriter.create(tempDir(), configRecord(`b3-${flush}`), { flush, batchLines: 37 });
    const records = Array.from({ length: 3000 }, (_, i) => ({ i, text: 'é'.repeat(100 + ((i * 7919) % 500)) }));
    for (const r of records) w.appendStepLine(`${JSON.stringify(r)}\n`);
    w.closeSteps();
    const bytes = readFileSync(join(w.dir, RUN_FILES.steps));
    let start = 0;
    let padded = 0;
    const parsed: unknown[] = [];
    for (let end = bytes.indexOf(0x0a); end >= 0; end = bytes.indexOf(0x0a, start)) {
      expect(Math.floor(start / 4096), `line at ${start}..${end}`).toBe(Math.floor(end / 4096));
      const text = bytes.subarray(start, end).toString('utf8');
      if (text.endsWith(' ')) {
        padded++;
        expect((end + 1) % 4096).toBe(0); // padding only ever fills a page
      }
      parsed.push(JSON.parse(text));
      start = end + 1;
    }
    expect(start).toBe(bytes.length);
    expect(parsed).toEqual(records);
    expect(padded).toBeGreaterThan(100);
  });

  it('writes the buffered lines when the process exits without closing the writer', () => {
    const dir = tempDir();
    const script = join(dir, 'exit.mts');
    writeFileSync(
      script,
      `import { RunWriter } from ${JSON.stringify(pathToFileURL(join(REPO, 'src/runner/run-dir.ts')).href)};
const config = ${JSON.stringify(configRecord('on-exit'))};
const w = RunWriter.create(${JSON.stringify(dir)}, config, { flush: 'batched', clock: () => 0 });
for (let i = 0; i < 10; i++) w.appendStepLine(JSON.stringify({ i }) + '\\n');
process.exit(3);
`,
    );
    const r = spawnSync(process.execPath, ['--import', TSX_LOADER, script], { cwd: REPO, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(3);
    const lines = readFileSync(join(dir, 'on-exit', RUN_FILES.steps), 'utf8').split('\n').filter((l) => l !== '');
    expect(lines.map((l) => (JSON.parse(l) as { i: number }).i)).toEqual([...Array(10).keys()]);
  });
});

