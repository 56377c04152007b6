import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/env/rng.js';
import { SummaryRecordSchema } from '../../src/runner/records.js';
import { readTrace } from '../../src/env/trace/trace-codec.js';
import { traceToJson } from '../../src/env/trace/trace-json.js';
import { cliInProcess, DSB_TRACE, REPO, tempDir } from '../runner/helpers.js';

/**
 * The standing fuzz and fault suite (issue 14, item 5): seeded random mutations of traces,
 * load series, HPA manifests, scenario files and run directories, fed to `trace validate`,
 * `run`, `eval`, `report` and `compare` through the CLI's own entry point. Every case must
 * end with a result or a typed error, within a time and memory bound: exit 0, 1 or 2; on
 * failure a first line `simenv: ...` that is a SimEnvError's message (never a bare
 * `TypeError:`/`RangeError:` or a stack trace). Seeded (FUZZ_SEED, default 14) and bounded
 * (CASES per family): the whole suite runs in well under a minute. The tally of outcomes is
 * printed at the end.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 14);
/** Cases per input family. */
const CASES = Number(process.env.FUZZ_CASES ?? 60);
/** Wall-clock bound of one case, and the heap it may leave grown. */
const CASE_MS = 10_000;
const HEAP_GROWTH_BYTES = 512 * 1024 * 1024;

/** An untyped error surfaced raw: what the suite exists to catch. */
const RAW_ERROR = /^simenv: (TypeError|RangeError|ReferenceError|SyntaxError|Error|AssertionError|AbortError)\b|\n\s+at .+:\d+:\d+/m;

const tally = new Map<string, number>();
const findings: string[] = [];

/** Run one CLI case and check its outcome; returns the exit code. */
async function check(family: string, label: string, args: string[]): Promise<number> {
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = Date.now();
  const r = await cliInProcess(args);
  const ms = Date.now() - t0;
  const key = `${family} exit ${r.code}`;
  tally.set(key, (tally.get(key) ?? 0) + 1);
  const problems: string[] = [];
  if (![0, 1, 2].includes(r.code)) problems.push(`exit ${r.code}`);
  if (RAW_ERROR.test(r.err)) problems.push(`raw error: ${r.err.split('\n').slice(0, 2).join(' | ')}`);
  if (r.code !== 0 && !/^(\[backend\].*\n)*simenv: \S/.test(r.err)) problems.push(`no one-line error: ${JSON.stringify(r.err.slice(0, 200))}`);
  if (ms > CASE_MS) problems.push(`took ${ms} ms`);
  if (process.memoryUsage().heapUsed - heap0 > HEAP_GROWTH_BYTES) problems.push('heap grew over 512 MB');
  if (problems.length > 0) findings.push(`${family} ${label}: ${problems.join('; ')}`);
  return r.code;
}

let runCount = 0;

/**
 * `check` a run, then, when it exits 0, that it did not lie: its summary matches simenv's own
 * schema (which a null where a number belongs, an overflow to Infinity, fails) and counts
 * exactly the steps in its step.jsonl.
 */
async function checkRun(family: string, label: string, args: string[]): Promise<void> {
  const id = `run${runCount++}`;
  const code = await check(family, label, [...args, '--out', work, '--run-id', id]);
  if (code !== 0) return;
  const dir = join(work, id);
  const summary = SummaryRecordSchema.safeParse(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')));
  if (!summary.success) {
    findings.push(`${family} ${label}: summary.json fails simenv's own schema: ${summary.error.issues[0]?.message}`);
    return;
  }
  const onDisk = readFileSync(join(dir, 'step.jsonl'), 'utf8').split('\n').filter((l) => l !== '' && (JSON.parse(l) as { step: number }).step > 0).length;
  if (onDisk !== summary.data.steps) findings.push(`${family} ${label}: summary counts ${summary.data.steps} steps, step.jsonl holds ${onDisk}`);
  for (const v of [summary.data.reward.total, summary.data.cost.cpuSeconds]) if (!Number.isFinite(v)) findings.push(`${family} ${label}: a non-finite figure in summary.json`);
}

/** Values that break naive readers. */
const NASTY: unknown[] = [null, -1, 0, 2.5, 1e9, 1e308, -1e308, 2 ** 53 + 2, '', '3', 'NaN', '1e999', [], {}, true, 'x'.repeat(300), [[[[[]]]]], { a: { b: { c: 1 } } }];

/**
 * Replace one random value somewhere inside `v` (a JSON tree) with a nasty one, or delete a
 * key. With `hot` keys, half the edits land on a field of that name (e.g. `replicas`): the
 * fields that size what the simulation allocates, which a uniform pick would rarely hit.
 */
function mutateTree(v: unknown, rng: Rng, hot: readonly string[] = []): unknown {
  const copy = JSON.parse(JSON.stringify(v)) as unknown;
  const paths: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = [];
  const walk = (x: unknown, depth: number): void => {
    if (depth > 12 || x === null || typeof x !== 'object') return;
    if (Array.isArray(x)) x.forEach((y, i) => (paths.push({ parent: x, key: i }), walk(y, depth + 1)));
    else for (const k of Object.keys(x)) paths.push({ parent: x as Record<string, unknown>, key: k }), walk((x as Record<string, unknown>)[k], depth + 1);
  };
  walk(copy, 0);
  const edits = rng.int(1, 3);
  const hotPaths = paths.filter((p) => hot.includes(String(p.key)));
  for (let e = 0; e < edits && paths.length > 0; e++) {
    const pool = hotPaths.length > 0 && rng.next() < 0.5 ? hotPaths : paths;
    const p = pool[rng.int(0, pool.length - 1)]!;
    if (rng.next() < 0.15 && !Array.isArray(p.parent)) delete (p.parent as Record<string, unknown>)[p.key as string];
    else (p.parent as Record<string | number, unknown>)[p.key] = NASTY[rng.int(0, NASTY.length - 1)];
  }
  return copy;
}

/** Cut, duplicate, or corrupt bytes of a text. */
function mutateText(text: string, rng: Rng): string {
  const at = rng.int(0, Math.max(0, text.length - 1));
  switch (rng.int(0, 5)) {
    case 0:
      return text.slice(0, at);
    case 1:
      return text + text.slice(at);
    case 2:
      return `${text.slice(0, at)}${String.fromCharCode(rng.int(0, 255))}${text.slice(at + 1)}`;
    case 3:
      return `\uFEFF${text}`;
    case 4:
      return `${text}${'\0'.repeat(rng.int(1, 5000))}`;
    default:
      return text.split('\n').reverse().join('\n');
  }
}

let work: string;
let traceDoc: unknown;
let baseRun: string;
let hpaText: string;
let scenarioDoc: unknown;

beforeAll(async () => {
  work = tempDir('simenv-fuzz-');
  traceDoc = JSON.parse(traceToJson(readTrace(DSB_TRACE)));
  hpaText = readFileSync(join(REPO, 'examples/hpa/default.yaml'), 'utf8');
  scenarioDoc = JSON.parse(readFileSync(join(REPO, 'examples/scenarios/nginx-trace.json'), 'utf8'));
  const r = await cliInProcess(['run', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift', '--agent', 'hpa', '--step', '15', '--duration', '150', '--episodes', '3', '--out', work, '--run-id', 'base', '--quiet']);
  expect(r.code).toBe(0);
  baseRun = join(work, 'base');
});

afterAll(() => {
  const lines = [...tally.entries()].sort().map(([k, n]) => `  ${k}: ${n}`);
  const total = [...tally.values()].reduce((a, b) => a + b, 0);
  process.stdout.write(`fuzz (seed ${SEED}): ${total} cases\n${lines.join('\n')}\nfindings: ${findings.length === 0 ? 'none' : `\n  ${findings.join('\n  ')}`}\n`);
});

const RUN = ['--deploy', 'dsb/nginx-thrift', '--step', '15', '--duration', '60', '--quiet'];

describe('fuzz: every input ends in a result or a typed one-line error', () => {
  it('mutated traces -> trace validate, run', async () => {
    const rng = new Rng(SEED);
    for (let i = 0; i < CASES; i++) {
      const file = join(work, `t${i}.json`);
      writeFileSync(file, rng.next() < 0.8 ? JSON.stringify(mutateTree(traceDoc, rng, ['replicas', 'parallelism', 'ts', 'cpu', 'memory'])) : mutateText(JSON.stringify(traceDoc), rng));
      await check('trace', `#${i}`, ['trace', 'validate', file]);
      await checkRun('trace+run', `#${i}`, ['run', '--trace', file, ...RUN, '--agent', rng.next() < 0.5 ? 'hpa' : 'trace']);
    }
    expect(findings).toEqual([]);
  });

  it('mutated load series -> run --load', async () => {
    const rng = new Rng(SEED + 1);
    const base = Array.from({ length: 60 }, (_, i) => `${i * 10},${(50 + 40 * Math.sin(i / 5)).toFixed(1)}`);
    for (let i = 0; i < CASES; i++) {
      const rows = [...base];
      for (let k = rng.int(1, 3); k > 0; k--) rows[rng.int(0, rows.length - 1)] = ['0,NaN', '300,', ',500', '0x100,5', '1.7e308,1', '5,1.7e308', '-5,3', '5,-3', 'a,b', '1e999,1', '10;20', ''][rng.int(0, 11)]!;
      const file = join(work, `l${i}.${rng.next() < 0.8 ? 'csv' : 'txt'}`);
      writeFileSync(file, (rng.next() < 0.3 ? 'time,rps\n' : '') + (rng.next() < 0.8 ? rows.join('\n') : mutateText(rows.join('\n'), rng)));
      await checkRun('load', `#${i}`, ['run', '--trace', DSB_TRACE, ...RUN, '--agent', 'hpa', '--load', file]);
    }
    expect(findings).toEqual([]);
  });

  it('mutated HPA manifests -> run --agent hpa --hpa, and eval with --seeds', async () => {
    const rng = new Rng(SEED + 2);
    const { parse, stringify } = await import('yaml');
    const doc = parse(hpaText) as unknown;
    for (let i = 0; i < CASES; i++) {
      const file = join(work, `h${i}.yaml`);
      writeFileSync(file, rng.next() < 0.8 ? stringify(mutateTree(doc, rng)) : mutateText(hpaText, rng));
      await checkRun('hpa', `#${i}`, ['run', '--trace', DSB_TRACE, ...RUN, '--agent', 'hpa', '--hpa', file]);
      const seeds = [`${rng.int(0, 9)}`, `${rng.int(0, 3)}..${rng.int(0, 5)}`, '4294967297', '-1', '1,,2', 'x'][rng.int(0, 5)]!;
      await check('eval', `#${i}`, ['eval', '--trace', DSB_TRACE, ...RUN, '--agent', 'random', '--seeds', seeds, '--out', work]);
    }
    expect(findings).toEqual([]);
  });

  it('mutated scenario files -> run --scenario', async () => {
    const rng = new Rng(SEED + 3);
    for (let i = 0; i < CASES; i++) {
      const file = join(work, `s${i}.json`);
      const doc = mutateTree(scenarioDoc, rng) as Record<string, unknown>;
      // Keep the trace reachable from the temp dir (the file's own directory is the base).
      if (typeof doc.trace === 'string') doc.trace = DSB_TRACE;
      writeFileSync(file, rng.next() < 0.85 ? JSON.stringify(doc) : mutateText(JSON.stringify(doc), rng));
      await checkRun('scenario', `#${i}`, ['run', '--scenario', file, '--agent', 'hpa', '--quiet', '--episodes', '1']);
    }
    expect(findings).toEqual([]);
  });

  it('damaged run directories -> report (text, --by agent, --html), compare', async () => {
    const rng = new Rng(SEED + 4);
    const files = readdirSync(baseRun);
    for (let i = 0; i < CASES; i++) {
      const dir = join(work, `r${i}`);
      mkdirSync(dir);
      for (const f of files) copyFileSync(join(baseRun, f), join(dir, f));
      for (let k = rng.int(1, 2); k > 0; k--) {
        const f = files[rng.int(0, files.length - 1)]!;
        const text = readFileSync(join(dir, f), 'utf8');
        let doc: unknown = undefined;
        try {
          doc = f.endsWith('.json') ? JSON.parse(text) : undefined;
        } catch {
          // already damaged by an earlier edit
        }
        if (doc !== undefined && rng.next() < 0.6) writeFileSync(join(dir, f), JSON.stringify(mutateTree(doc, rng)));
        else writeFileSync(join(dir, f), mutateText(text, rng));
      }
      const how = rng.int(0, 3);
      const args = how === 0 ? ['report', baseRun, dir] : how === 1 ? ['report', dir, baseRun, '--by', 'agent'] : how === 2 ? ['report', dir, '--html', join(work, `r${i}.html`)] : ['compare', baseRun, dir, '--max-ready-diff', '1'];
      await check(args[0]!, `#${i} (${args.slice(2).join(' ')})`, args);
    }
    expect(findings).toEqual([]);
  });
});
