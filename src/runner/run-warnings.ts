import type { RunPlan } from './run-plan.js';

/**
 * Warnings about a run that is valid but probably not what the user meant. Printed to stderr
 * as `simenv: warning: ...` (unless --quiet); they never change what runs.
 */

/** Agents that react to what they observe: in a one-step episode they decide once, at reset. */
const REACTIVE_AGENTS: ReadonlySet<string> = new Set(['hpa', 'trace']);

/** The warning for a reactive agent in one-step episodes (one decision, held), or null. */
export function oneDecisionWarning(plan: Pick<RunPlan, 'mode' | 'agent' | 'durationSeconds'>): string | null {
  if (plan.mode !== 'one-step' || plan.agent.kind !== 'baseline' || !REACTIVE_AGENTS.has(plan.agent.name)) return null;
  const name = plan.agent.name;
  const every = name === 'hpa' ? ' (15 for the HPA sync period)' : '';
  return `--agent ${name} in a one-step episode makes one decision, at reset, and holds it for ${plan.durationSeconds} s; pass --step SECONDS${every} to let it react`;
}

/** Every warning for `plan`, in the order they are printed. */
export function runWarnings(plan: Pick<RunPlan, 'mode' | 'agent' | 'durationSeconds'>): string[] {
  return [oneDecisionWarning(plan)].filter((w): w is string => w !== null);
}
