import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonlLog } from '../../src/runner/jsonl-log.js';
import { tempDir } from './helpers.js';

describe('JsonlLog (every run log: step.jsonl, train.jsonl)', () => {
  it('appends one parseable line per record, none crossing a 4 KiB page, and is on disk before close', () => {
    const path = join(tempDir(), 'train.jsonl');
    const log = JsonlLog.open(path);
    expect(log.flushMode).toBe('step');
    const records = Array.from({ length: 200 }, (_, i) => ({ update: i, loss: 1 / (i + 1), note: 'x'.repeat(i % 97) }));
    for (const r of records) log.append(r);
    // Step mode: each record reached the kernel when append returned.
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n').slice(0, -1);
    expect(lines.map((l) => JSON.parse(l))).toEqual(records);
    let offset = 0;
    for (const l of lines) {
      const end = offset + Buffer.byteLength(l) + 1;
      expect(Math.floor(offset / 4096)).toBe(Math.floor((end - 1) / 4096));
      offset = end;
    }
    log.close();
    log.close();
    expect(() => log.append({})).toThrow(/closed/);
  });

  it('batched: holds lines until the batch is full or flushed', () => {
    const path = join(tempDir(), 'step.jsonl');
    const log = JsonlLog.open(path, { flush: 'batched', batchLines: 3, batchMs: 1e9, clock: () => 0 });
    log.append({ a: 1 });
    log.append({ a: 2 });
    expect(readFileSync(path, 'utf8')).toBe('');
    log.append({ a: 3 });
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(3);
    log.append({ a: 4 });
    log.flush();
    expect(readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l).a)).toEqual([1, 2, 3, 4]);
    log.close();
  });
});
