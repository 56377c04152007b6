import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/env/errors.js';
import { RunConfigRecordSchema } from '../../src/runner/records.js';
import { checkRunTarget, newRunId, RUN_FILES, RunWriter, writeFileAtomic } from '../../src/runner/run-dir.js';
import { configRecord, tempDir } from './helpers.js';

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
    const a = newRunId('hpa', new Date('2025-03-01T10:00:00Z'));
    const b = newRunId('hpa', new Date('2025-03-01T10:00:01Z'));
    expect(a).toMatch(/^20250301-100000-hpa-[0-9a-f]{4}$/);
    expect(a < b).toBe(true);
    expect(newRunId('weird name/..')).toMatch(/^\d{8}-\d{6}-weird_name_\.\.-[0-9a-f]{4}$/);
    expect(() => checkRunTarget(tempDir(), newRunId('weird name/..'))).not.toThrow();
  });
});
