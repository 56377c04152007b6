import type { Command } from 'commander';

/** PROVISIONAL: the trace-codec owner replaces this with inspect/validate/convert/synth. */
export function registerTraceCommands(program: Command): void {
  program.command('trace').description('inspect, validate, convert and synthesise SimKube traces');
}
