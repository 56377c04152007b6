import type { Command } from 'commander';
import { z } from 'zod';
import { TraceFormatError, TraceValidationError, UsageError } from '../../env/errors.js';
import { parse } from '../../env/parse.js';
import { readTrace, writeTrace } from '../../env/trace/trace-codec.js';
import type { Trace } from '../../env/trace/schema.js';
import { formatOfPath, type TraceFileFormat } from '../../env/trace/trace-format.js';
import { summarizeTrace, type TraceSummary, type WorkloadSummary } from '../../env/trace/trace-summary.js';
import { synthesizeTrace, SynthOptionsSchema } from '../../env/trace/trace-synth.js';
import { driverProblems } from '../../env/trace/driver-check.js';
import { registerTraceUpgrade } from './trace-upgrade.js';

/**
 * `simenv trace inspect|validate|convert|synth`. Failures throw SimEnvErrors (the CLI prints
 * the message and exits 1); flag problems throw UsageError (exit 2).
 */

/** Timeline points shown per workload in text mode (`--json` shows all). */
const TEXT_TIMELINE_POINTS = 12;

function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function jsonOut(value: unknown): void {
  out(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2));
}

/** 67327 -> "67.3 kB". */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** Memory in bytes as Kubernetes would write it when exact (1073741824 -> "1Gi"). */
export function formatMemory(bytes: number): string {
  const units: Array<[string, number]> = [
    ['Ti', 2 ** 40],
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ];
  for (const [suffix, size] of units) if (bytes >= size && bytes % size === 0) return `${bytes / size}${suffix}`;
  return `${bytes}`;
}

/** CPU in cores as Kubernetes would write it (0.5 -> "500m", 2 -> "2"). */
export function formatCpu(cores: number): string {
  const milli = Math.round(cores * 1000);
  return milli % 1000 === 0 ? `${milli / 1000}` : `${milli}m`;
}

function formatTimeline(w: WorkloadSummary): string {
  const pts = w.replicas.map(([t, r]) => `${r} (${t}s)`);
  if (pts.length <= TEXT_TIMELINE_POINTS) return pts.join(' -> ');
  const shown = pts.slice(0, TEXT_TIMELINE_POINTS - 1);
  return `${shown.join(' -> ')} -> ... -> ${pts[pts.length - 1]} [${pts.length} changes; --json lists all]`;
}

function printSummary(file: string, format: string, bytes: number, s: TraceSummary, warnings: string[]): void {
  out(`${file}: SimKube trace, format version ${s.version} (${format}, ${formatBytes(bytes)})`);
  out(s.events === 0 ? 'time span: none (no events)' : `time span: ${s.start} .. ${s.end} (${s.durationS} s)`);
  out(`events: ${s.events} (${s.applies} objects applied, ${s.deletes} deleted)`);
  out(`tracked objects (config): ${s.trackedObjects.length > 0 ? s.trackedObjects.join(', ') : '(none)'}`);
  out('objects by kind:');
  if (s.kinds.length === 0) out('  (none)');
  const width = s.kinds.reduce((m, k) => Math.max(m, k.gvk.length), 0);
  for (const k of s.kinds) {
    out(`  ${k.gvk.padEnd(width)}  ${k.objects} object${k.objects === 1 ? '' : 's'}, ${k.applies} applies, ${k.deletes} deletes`);
  }
  out(`index: ${s.index.entries} entr${s.index.entries === 1 ? 'y' : 'ies'} in ${s.index.gvks} GVK${s.index.gvks === 1 ? '' : 's'}`);
  const pl = s.podLifecycles;
  out(
    pl.owners === 0
      ? 'pod_lifecycles: none'
      : `pod_lifecycles: ${pl.owners} owners, ${pl.podSpecs} pod specs (${pl.running} running, ${pl.finished} finished, ${pl.empty} empty)`,
  );
  const deployments = s.workloads.filter((w) => w.kind === 'Deployment');
  out(`deployments (${deployments.length}): replicas (at seconds since the first event)`);
  const nameWidth = Math.min(48, deployments.reduce((m, w) => Math.max(m, w.name.length), 0));
  for (const w of deployments) {
    const req = `cpu ${formatCpu(w.cpu)}, mem ${formatMemory(w.memory)}`;
    out(`  ${w.name.padEnd(nameWidth)}  [${req}]  ${formatTimeline(w)}`);
  }
  const others = s.workloads.filter((w) => w.kind !== 'Deployment');
  if (others.length > 0) {
    out(`other workloads: ${others.length}`);
    for (const w of others) out(`  ${w.kind} ${w.name}  ${formatTimeline(w)}`);
  }
  for (const w of warnings) out(`note: ${w}`);
}

/** Integer CLI flags: strings from commander, checked against the synth schema's ranges. */
const IntFlag = z.string().regex(/^-?\d+$/, 'expected an integer').transform(Number);
const SynthFlagsSchema = z.object({
  deployments: IntFlag,
  events: IntFlag,
  seed: IntFlag,
  out: z.string().min(1),
  namespace: z.string().optional(),
  startTs: IntFlag.optional(),
  podLifecycles: z.boolean().optional(),
  compact: z.boolean().optional(),
});

function flagName(key: PropertyKey | undefined): string {
  return `--${String(key ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function outputFormat(path: string): 'msgpack' | 'json' {
  const format = formatOfPath(path);
  if (!format) {
    throw new UsageError(
      `expected an output file ending in .json (lossless JSON) or .sktrace/.msgpack (SimKube msgpack), got "${path}"`,
    );
  }
  return format;
}

/** Read a trace file with what the commands print about it: encoding, size and warnings. */
function readTraceWithFacts(file: string): { trace: Trace; format: TraceFileFormat; bytes: number; warnings: string[] } {
  const warnings: string[] = [];
  let facts = { format: 'msgpack' as TraceFileFormat, bytes: 0 };
  const trace = readTrace(file, { onWarning: (w) => warnings.push(w), onRead: (f) => (facts = f) });
  return { trace, ...facts, warnings };
}

/** Register `simenv trace ...` on `program`. */
export function registerTraceCommands(program: Command): void {
  const trace = program.command('trace').description('inspect, validate, convert and synthesise SimKube traces');

  trace
    .command('inspect')
    .description('summarise a trace: version, time span, events, objects by kind, replica timelines')
    .argument('<file>', 'trace file (.sktrace msgpack, or .json)')
    .option('--json', 'print one JSON document instead of text')
    .action(async (file: string, opts: { json?: boolean }) => {
      const loaded = readTraceWithFacts(file);
      const summary = summarizeTrace(loaded.trace);
      if (opts.json) {
        jsonOut({ file, format: loaded.format, bytes: loaded.bytes, ...summary, warnings: loaded.warnings });
      } else {
        printSummary(file, loaded.format, loaded.bytes, summary, loaded.warnings);
      }
    });

  trace
    .command('validate')
    .description('check a trace against SimKube format v2; exit 0 if valid, 1 listing every problem')
    .argument('<file>', 'trace file (.sktrace msgpack, or .json)')
    .option('--for-driver', 'also check that SimKube\'s driver can replay it: only namespaced objects in events')
    .action(async (file: string, opts: { forDriver?: boolean }) => {
      // readTrace collects every problem and throws them together (the CLI prints the list).
      const { trace: t, format, warnings } = readTraceWithFacts(file);
      const forDriver = opts.forDriver ? driverProblems(t) : [];
      if (forDriver.length > 0) {
        throw new TraceValidationError(forDriver.map((p) => new TraceFormatError(p.path, p.message)), file);
      }
      const objects = t.events.reduce((n, e) => n + e.applied_objs.length + e.deleted_objs.length, 0);
      out(`${file}: valid SimKube trace, format version ${t.version} (${format}, ${t.events.length} events, ${objects} objects)${opts.forDriver ? '; sk-driver can replay it (only namespaced objects)' : ''}`);
      for (const w of warnings) out(`note: ${w}`);
    });

  registerTraceUpgrade(trace);

  trace
    .command('convert')
    .description('convert between SimKube msgpack and the lossless JSON form, by file extension')
    .argument('<in>', 'input trace (.sktrace/.msgpack or .json)')
    .argument('<out>', 'output trace (.sktrace/.msgpack or .json)')
    .option('--compact', 'JSON output on one line instead of indented')
    .action(async (input: string, output: string, opts: { compact?: boolean }) => {
      const format = outputFormat(output);
      const loaded = readTraceWithFacts(input);
      const written = writeTrace(loaded.trace, output, { format, indent: opts.compact ? 0 : 2 });
      out(`${output}: wrote ${written.format} (${formatBytes(written.bytes)}, ${loaded.trace.events.length} events) from ${input} (${loaded.format})`);
      for (const w of loaded.warnings) out(`note: ${w}`);
    });

  trace
    .command('synth')
    .description('write a valid synthetic SimKube v2 trace (deterministic for a seed)')
    .requiredOption('--deployments <n>', 'deployments created by the first event')
    .requiredOption('--events <m>', 'events in total (the creation event included)')
    .requiredOption('--seed <s>', 'random seed (integer)')
    .requiredOption('--out <file>', 'output file (.sktrace/.msgpack or .json)')
    .option('--namespace <ns>', 'namespace of the deployments', 'synth')
    .option('--start-ts <unix>', 'Unix seconds of the first event')
    .option('--pod-lifecycles', 'add pod_lifecycles (tuple keys, u64 hashes above 2^53)')
    .option('--compact', 'JSON output on one line instead of indented')
    .action(async (raw: Record<string, unknown>) => {
      const f = parse(SynthFlagsSchema, raw, (issue) => new UsageError(`${flagName(issue.path[0])}: ${issue.message}, got ${JSON.stringify(raw[String(issue.path[0])])}`));
      const format = outputFormat(f.out);
      const options = {
        deployments: f.deployments,
        events: f.events,
        seed: f.seed,
        namespace: f.namespace,
        startTs: f.startTs,
        podLifecycles: f.podLifecycles ?? false,
      };
      parse(SynthOptionsSchema, options, (issue) => {
        const given = (options as Record<string, unknown>)[String(issue.path[0])];
        return new UsageError(`${flagName(issue.path[0])}: ${issue.message.replace(/^Too (big|small): /, '')}, got ${JSON.stringify(given)}`);
      });
      const t = synthesizeTrace(options);
      const written = writeTrace(t, f.out, { format, indent: f.compact ? 0 : 2 });
      out(`${f.out}: wrote a synthetic trace (${written.format}, ${formatBytes(written.bytes)}, ${f.deployments} deployments, ${t.events.length} events, seed ${f.seed})`);
    });
}
