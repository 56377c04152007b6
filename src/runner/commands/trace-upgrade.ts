import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { SimEnvError, TraceFormatError } from '../../env/errors.js';
import { upgradeLegacyTrace } from '../../env/trace/legacy-trace.js';
import { writeTrace } from '../../env/trace/trace-codec.js';
import { formatOfPath } from '../../env/trace/trace-format.js';

/**
 * `simenv trace upgrade OLD NEW`: a SimKube <= 1.1.1 trace (format before version 2) to
 * version 2. GVKs come from the objects themselves; entries whose GVK cannot be recovered
 * stop the upgrade (listed) unless `--drop-unrecoverable` says to leave them out.
 */

/** Register `simenv trace upgrade` on the `trace` command. */
export function registerTraceUpgrade(trace: Command): void {
  trace
    .command('upgrade')
    .description('convert a pre-version-2 SimKube trace (SimKube <= 1.1.1) to format version 2, GVKs recovered from the objects')
    .argument('<old>', 'the SimKube 1.x trace (msgpack)')
    .argument('<new>', 'output trace (.sktrace/.msgpack or .json)')
    .option('--drop-unrecoverable', 'leave out index and lifecycle entries whose GVK cannot be recovered (listed) instead of failing')
    .action(async (input: string, output: string, opts: { dropUnrecoverable?: boolean }) => {
      let bytes: Uint8Array;
      try {
        bytes = await readFile(input);
      } catch (err) {
        throw new TraceFormatError('', `expected a readable trace file, got ${(err as NodeJS.ErrnoException).code ?? 'an error'}`, { file: input, cause: err });
      }
      const up = upgradeLegacyTrace(bytes, input);
      if (up.unrecovered.length > 0 && !opts.dropUnrecoverable) {
        throw new SimEnvError(
          'TRACE_UPGRADE',
          [`${input}: ${up.unrecovered.length} entr${up.unrecovered.length === 1 ? 'y' : 'ies'} whose GVK cannot be recovered (nothing written):`, ...up.unrecovered.map((u) => `  - ${u}`)].join('\n'),
          { hint: 'pass --drop-unrecoverable to write the trace without them' },
        );
      }
      const written = writeTrace(up.trace, output, { format: formatOfPath(output) ?? 'msgpack' });
      process.stdout.write(`${output}: wrote a version-2 trace (${written.format}, ${up.trace.events.length} events) from the SimKube <= 1.1.1 trace ${input}\n`);
      for (const n of up.notes) process.stdout.write(`note: ${n}\n`);
      for (const u of up.unrecovered) process.stdout.write(`dropped: ${u}\n`);
    });
}
