import { Decoder } from '@msgpack/msgpack';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MsgpackReader } from '../src/env/trace/msgpack-reader.js';
import { TraceSchema, type Trace } from '../src/env/trace/schema.js';
import { readTrace, writeTrace } from '../src/env/trace/trace-codec.js';
import { traceFromJson, traceToJson } from '../src/env/trace/trace-json.js';
import { synthesizeTrace } from '../src/env/trace/trace-synth.js';

/**
 * Trace codec throughput on a synthetic SimKube-shaped trace of at least 50 MB (msgpack):
 * decode (raw msgpack, and decode + structural validation into a Trace), encode, the
 * out-of-the-box @msgpack/msgpack decoder, and JSON.parse on the same trace's JSON form as the
 * in-process yardstick. Prints figures; asserts nothing about time.
 * `TRACE_BENCH_MB=200 npm run bench -- trace-codec` for a bigger trace.
 */

const TARGET_MB = Number(process.env.TRACE_BENCH_MB ?? 50);
const REPS = Number(process.env.TRACE_BENCH_REPS ?? 5);

// Expose gc() without a node flag, so retained memory can be measured after a collection.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Timing {
  best: number;
  median: number;
  /** Median over repetitions of this op's time / JSON.parse's time in the same repetition. */
  ratio: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Time every op REPS times, interleaved (one round runs each op once), so that the ratio to
 * the first op compares runs made under the same machine load.
 */
function timeInterleaved(ops: Array<() => unknown>): Timing[] {
  for (const f of ops) f(); // warm-up: JIT and the reader's string cache
  const times = ops.map(() => [] as number[]);
  for (let rep = 0; rep < REPS; rep++) {
    ops.forEach((f, i) => {
      gc();
      const t0 = performance.now();
      f();
      times[i]!.push(performance.now() - t0);
    });
  }
  return times.map((ts) => ({
    best: Math.min(...ts),
    median: median(ts),
    ratio: median(ts.map((t, rep) => t / times[0]![rep]!)),
  }));
}

const mb = (bytes: number) => bytes / 1e6;
const fail = (why: string): never => {
  throw new Error(why);
};
const fmt = (n: number, d = 1) => n.toFixed(d).padStart(8);

function buildTrace(): { trace: Trace; bytes: Uint8Array } {
  // ~1.4 kB of msgpack per replica-change event: size a first guess, then grow to the target.
  let events = Math.ceil((TARGET_MB * 1e6) / 1400);
  for (;;) {
    const trace = synthesizeTrace({ deployments: 200, events, seed: 42, podLifecycles: true });
    const bytes = writeTrace(trace);
    if (mb(bytes.length) >= TARGET_MB) return { trace, bytes };
    events = Math.ceil(events * (TARGET_MB / mb(bytes.length)) * 1.02);
  }
}

/** Heap retained by `make()`'s result, and heap in use right after it returned (before GC). */
function memory(make: () => unknown): { retained: number; afterCall: number } {
  gc();
  const base = process.memoryUsage().heapUsed;
  const kept = make();
  const afterCall = process.memoryUsage().heapUsed - base;
  gc();
  const retained = process.memoryUsage().heapUsed - base;
  if (kept === undefined) throw new Error('unreachable: keeps the result alive until measured');
  return { retained, afterCall };
}

/** Run the benchmark and print its figures. */
export async function run(): Promise<void> {
  const t0 = performance.now();
  const { trace, bytes } = buildTrace();
  const json = traceToJson(trace, { indent: 0 });
  const jsonBytes = Buffer.byteLength(json);
  console.log(
    `synthetic trace: ${trace.events.length} events, 200 deployments, pod_lifecycles on; msgpack ${fmt(mb(bytes.length)).trim()} MB, ` +
      `lossless JSON ${fmt(mb(jsonBytes)).trim()} MB (built in ${((performance.now() - t0) / 1000).toFixed(1)} s); best and median of ${REPS} runs`,
  );

  const reader = new MsgpackReader();
  // Out of the box except for tuple keys, which it refuses outright: stringify those.
  const library = new Decoder({ useBigInt64: true, mapKeyConverter: (k: unknown) => (typeof k === 'string' || typeof k === 'number' ? k : String(k)) });

  const ops: Array<[string, () => unknown, number]> = [
    ['JSON.parse (yardstick, on the JSON form)', () => JSON.parse(json), jsonBytes],
    ['readTrace: msgpack -> validated Trace', () => readTrace(bytes), bytes.length],
    ['MsgpackReader.decode only (no validation)', () => reader.decode(bytes), bytes.length],
    ['@msgpack/msgpack Decoder (out of the box)', () => library.decode(bytes), bytes.length],
    ['traceFromJson: JSON form -> validated Trace', () => traceFromJson(json), jsonBytes],
    ['writeTrace: Trace -> msgpack', () => writeTrace(trace), bytes.length],
    ['JSON.stringify (the trace as JSON)', () => traceToJson(trace, { indent: 0 }), jsonBytes],
    // Why the skeleton check is hand-written (trace-validate.ts): zod over the whole trace.
    ['zod TraceSchema.safeParse (typed Trace)', () => TraceSchema.safeParse(trace).success || fail('zod refused the trace'), bytes.length],
  ];
  const timings = timeInterleaved(ops.map(([, f]) => f));

  console.log(`${'operation'.padEnd(46)} ${'best ms'.padStart(8)} ${'median'.padStart(8)} ${'MB/s'.padStart(8)} ${'x JSON.parse'.padStart(13)}`);
  ops.forEach(([name, , size], i) => {
    const t = timings[i]!;
    console.log(`${name.padEnd(46)} ${fmt(t.best, 0)} ${fmt(t.median, 0)} ${fmt(mb(size) / (t.median / 1000))} ${fmt(t.ratio, 2).padStart(13)}`);
  });
  console.log(
    `readTrace takes ${timings[1]!.ratio.toFixed(2)}x the time of JSON.parse on the same trace (goal <= 1.50x; ` +
      `median of ${REPS} interleaved rounds); @msgpack/msgpack out of the box takes ${timings[3]!.ratio.toFixed(2)}x`,
  );

  const dm = memory(() => readTrace(bytes));
  const jm = memory(() => JSON.parse(json));
  console.log(
    `memory: decoded Trace retains ${fmt(mb(dm.retained)).trim()} MB of heap (${(dm.retained / bytes.length).toFixed(1)}x the msgpack size), ` +
      `${fmt(mb(dm.afterCall)).trim()} MB in use right after decode; JSON.parse result retains ${fmt(mb(jm.retained)).trim()} MB; ` +
      `peak RSS of this process ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
  );
}
