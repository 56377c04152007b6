import { Command, CommanderError } from 'commander';
import { describeError, SimEnvError, UsageError } from '../env/errors.js';
import { SIMENV_VERSION } from './version.js';
import { registerTraceCommands } from './commands/trace.js';
import { registerRunnerCommands } from './commands/runner.js';
import { registerKubeCommands } from './commands/kube.js';
import { registerCompareCommands } from './commands/compare.js';
import { registerTrainCommands } from './commands/train.js';
import { registerScenarioCommands } from './commands/scenarios.js';
import { registerTuneCommands } from './commands/tune.js';

/**
 * The `simenv` CLI. Each command group lives in src/runner/commands/<group>.ts and exports a
 * `register...` function; this file only wires them and owns exit codes:
 * 0 success, 1 runtime failure (message, no stack), 2 usage error.
 */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('simenv')
    .description('RL environments for Kubernetes scaling agents: SimKube trace replay, in memory or on a real cluster')
    .version(SIMENV_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) });
  registerTraceCommands(program);
  registerRunnerCommands(program);
  registerKubeCommands(program);
  registerCompareCommands(program);
  registerTrainCommands(program);
  registerScenarioCommands(program);
  registerTuneCommands(program);
  // Other command groups register here (one line each).
  return program;
}

/** Run the CLI with `argv` and return the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.commands.forEach(function exitOverrideAll(cmd: Command): void {
    cmd.exitOverride();
    cmd.commands.forEach(exitOverrideAll);
  });
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are "errors" to commander; they already printed.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`simenv: ${describeError(err)}\n`);
      return 2;
    }
    process.stderr.write(`simenv: ${describeError(err)}\n`);
    if (!(err instanceof SimEnvError) && process.env.SIMENV_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return 1;
  }
}
