import type { Agent } from '../../agents/agent.js';
import type { SplitName } from '../../env/scenario.js';
import { SimEnv, type SimEnvOptionsInput } from '../../env/sim-env.js';
import { agentRecord } from '../record-run.js';
import type { EpisodeSummary } from '../records.js';
import { runAgent } from '../run-loop.js';
import { planRun } from '../run-plan.js';

/**
 * Episodes of a scenario's split without a run directory, for searches and benchmarks that
 * run many agents: the env is built exactly as `simenv eval --scenario S --split SPLIT` builds
 * it, so a figure found here is the figure an eval on the same seeds prints.
 */

/** The env of `simenv eval --scenario S --split SPLIT` (absolute actions, the scenario's range). */
export async function scenarioSplitEnv(scenario: string, split: SplitName): Promise<{ env: SimEnv; deployment: string }> {
  // `trace` stands in for the agent: an HPA manifest given to eval would set the env's replica
  // range, and manifests written by `tune hpa` carry the range of this very env, so they agree.
  const plan = planRun({ scenario, split, agent: 'trace', seeds: '1' }, { evalMode: true });
  const env = await SimEnv.create(plan.envOptions as SimEnvOptionsInput);
  return { env, deployment: plan.deployment };
}

/** Run `agent` for one episode per seed (reset per episode); its episode summaries, in seed order. */
export async function agentEpisodes(env: SimEnv, agent: Agent, seeds: readonly number[]): Promise<EpisodeSummary[]> {
  const meta = { run: 'in-memory', agent: agentRecord(agent), backend: 'memory' as const, deployment: '', trace: null, mode: 'multi-step' as const };
  const { summary, error } = await runAgent({ env, agent, episodes: seeds.length, seed: seeds[0] ?? 0, seeds, meta, writer: null });
  if (summary.status !== 'completed') throw error instanceof Error ? error : new Error(`${agent.name}: the episodes ended ${summary.status}`);
  return summary.perEpisode;
}
