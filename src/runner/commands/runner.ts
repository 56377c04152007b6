import type { Command } from 'commander';
import { registerEvalCommands } from './eval.js';
import { registerReportCommands } from './report.js';
import { registerRunCommands } from './run.js';

/** The runner's command group: `simenv run`, `simenv eval`, `simenv report`. */
export function registerRunnerCommands(program: Command): void {
  registerRunCommands(program);
  registerEvalCommands(program);
  registerReportCommands(program);
}
