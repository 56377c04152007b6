import type { Command } from 'commander';
import { SimEnv } from '../../env/sim-env.js';
import type { DemandOptions } from '../../env/options.js';
import type { Scenario, SplitName } from '../../env/scenario.js';
import { builtInScenarioDir, builtInScenarioNames, loadScenario, readScenarioFile, type LoadedScenario } from '../../env/scenario-files.js';
import { basename } from 'node:path';
import { resolveScenario } from '../../env/scenario-resolve.js';
import type { ApplicationOptionsInput } from '../../env/application/application-options.js';

/**
 * `simenv scenarios list|show|validate`: the built-in scenarios (examples/scenarios/) and
 * checks of scenario files. `validate` builds the env of every split, so a trace, deployment,
 * load file or window that does not fit fails here, not in the middle of an experiment.
 */

/** One line on a scenario's demand. */
export function describeDemand(d: DemandOptions | undefined): string {
  if (d === undefined || d.source === 'trace') return 'trace-derived';
  if (d.source === 'load') {
    const m = d.mapping;
    const size = m.peakReplicas !== undefined ? `peak${m.peakQuantile < 1 ? ` q${m.peakQuantile}` : ''}=${m.peakReplicas} replicas` : `x${m.factor ?? 1}`;
    return `${basename(d.path)} (${size}, ${m.compression}x, past end: ${m.pastEnd})`;
  }
  if (d.source === 'synthetic') return `synthetic seed ${d.synthetic.seed ?? 0} (${d.mapping.compression}x)`;
  if (d.source === 'file') return basename(d.path);
  return `${d.points.length} inline points`;
}

/** What a scenario controls: its deployment, or `N deployments` (an application). */
export function describeControlled(s: Scenario): string {
  return s.deployments !== undefined ? `${s.deployments.length} deployments${s.callGraph ? ' (call graph)' : ''}` : String(s.deployment);
}

function splitsOf(s: Scenario): string {
  return Object.entries(s.splits ?? {})
    .map(([k, v]) => `${k} ${v!.windows.map(([a, b]) => `${a}:${b}`).join(',')}${v!.demand ? ` (${describeDemand(v!.demand)})` : ''}`)
    .join('; ');
}

/** Build the env of each split (and of no split) to prove the scenario runs; returns what was checked. */
export async function checkScenario(loaded: LoadedScenario): Promise<string[]> {
  const ref = loaded.file ?? loaded.scenario.name;
  const checked: string[] = [];
  const splits = [undefined, ...(Object.keys(loaded.scenario.splits ?? {}) as SplitName[])];
  for (const split of splits) {
    const input = { scenario: ref, ...(split !== undefined ? { split } : {}) };
    // Several deployments: the resolved options are an ApplicationEnv's (SimEnv.create picks it by `deployments`).
    const env = loaded.scenario.deployments !== undefined ? await SimEnv.create(resolveScenario(input).options as unknown as ApplicationOptionsInput) : await SimEnv.create(input);
    try {
      env.reset({ seed: 0 });
      checked.push(split ?? '(no split)');
    } finally {
      await env.close();
    }
  }
  return checked;
}

/** Register `simenv scenarios`. */
export function registerScenarioCommands(program: Command): void {
  const cmd = program.command('scenarios').description('list, show and validate scenarios (trace + deployment + load + SLO + reward + splits; docs/scenarios.md)');
  cmd
    .command('list')
    .description(`the built-in scenarios (${builtInScenarioDir()})`)
    .option('--json', 'one JSON array')
    .action((o: { json?: boolean }) => {
      const rows = builtInScenarioNames().map((name) => {
        const { scenario: s } = loadScenario(name);
        return { name, deployment: describeControlled(s), demand: describeDemand(s.demand), splits: Object.keys(s.splits ?? {}), description: s.description };
      });
      if (o.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      const w = Math.max(...rows.map((r) => r.name.length), 4);
      const d = Math.max(...rows.map((r) => r.deployment.length), 10);
      process.stdout.write(`${'NAME'.padEnd(w)}  ${'DEPLOYMENT'.padEnd(d)}  SPLITS                           DEMAND\n`);
      for (const r of rows) process.stdout.write(`${r.name.padEnd(w)}  ${r.deployment.padEnd(d)}  ${r.splits.join(',').padEnd(31)}  ${r.demand}\n`);
      process.stdout.write(`${rows.length} scenarios; \`simenv scenarios show NAME\` for one, \`simenv eval --scenario NAME --agent hpa --split heldout --seeds 1,2,3\` to run one\n`);
    });
  cmd
    .command('show')
    .argument('<name|file>', 'a built-in scenario name or a scenario file')
    .description('print a scenario (as validated, defaults filled) and its splits')
    .option('--json', 'only the scenario as JSON')
    .action((ref: string, o: { json?: boolean }) => {
      const loaded = loadScenario(ref);
      if (o.json) {
        process.stdout.write(`${JSON.stringify(loaded.scenario, null, 2)}\n`);
        return;
      }
      const s = loaded.scenario;
      process.stdout.write(
        `${s.name}: ${s.description}\n` +
          `file: ${loaded.file}\ntrace: ${s.trace}\n${s.deployments !== undefined ? `deployments: ${s.deployments.join(', ')}` : `deployment: ${s.deployment}`}\n${s.callGraph ? `callGraph: ${typeof s.callGraph.graph === 'string' ? s.callGraph.graph : `${s.callGraph.graph.edges.length} edges`}\n` : ''}demand: ${describeDemand(s.demand)}\n` +
          `splits: ${splitsOf(s) || '(none)'}\n` +
          `${JSON.stringify(s, null, 2)}\n`,
      );
    });
  cmd
    .command('validate')
    .argument('<file>', 'a scenario file (.json, .yaml, .yml)')
    .description('validate a scenario file and build its env for every split')
    .action(async (file: string) => {
      const loaded = readScenarioFile(file);
      const checked = await checkScenario(loaded);
      process.stdout.write(`ok: ${file}: scenario ${loaded.scenario.name}, ${describeControlled(loaded.scenario)}, ${describeDemand(loaded.scenario.demand)}; built ${checked.join(', ')}\n`);
    });
}
