import { z } from 'zod';
import { ConfigError } from './errors.js';
import { issuePath, type SchemaIssue } from './parse.js';
import { nonNegativeNumber, positiveInt, positiveNumber } from './schema-helpers.js';
import { CallGraphSchema } from './application/call-graph.js';
import { DemandSchema, NodesSchema, RewardWeightsSchema, ServiceSchema, SimEnvOptionsSchema, StartupLatencySchema } from './options.js';

/**
 * A scenario: everything an experiment needs in one file (JSON or YAML), validated here.
 * Paths inside it (trace, load files, HPA manifest) are relative to the file. See
 * docs/scenarios.md for the format, the load mappings and the splits.
 */

/** A [startS, endS] window of simulated seconds since the trace start. */
export const WindowSchema = z
  .tuple([nonNegativeNumber(), nonNegativeNumber()], { error: (i) => `expected a [startS, endS] pair of seconds, got ${JSON.stringify(i.input)}` })
  .refine(([a, b]) => a < b, { error: (i) => `expected startS < endS, got ${JSON.stringify(i.input)}` });

/** Where episodes start when no split is chosen: `random`, `trace-start`, or a number of seconds. */
export const EpisodeStartFieldSchema = z.union([z.enum(['random', 'trace-start']), nonNegativeNumber()], {
  error: (i) => `expected random, trace-start or a number of seconds, got ${JSON.stringify(i.input)}`,
});
export type EpisodeStartField = z.infer<typeof EpisodeStartFieldSchema>;

/** Split names: training windows, held-out windows of the same workload, a held-out workload. */
export const SplitNameSchema = z.enum(['train', 'heldout', 'heldout-workload'], {
  error: (i) => `expected train, heldout or heldout-workload, got ${JSON.stringify(i.input)}`,
});
export type SplitName = z.infer<typeof SplitNameSchema>;

export const SplitSchema = z.strictObject({
  /** Episode starts are drawn (from the episode seed) so whole episodes fit in these windows. */
  windows: z.array(WindowSchema).min(1, { error: 'expected at least one [startS, endS] window' }),
  /** The split's own workload (a held-out workload); default: the scenario's demand. */
  demand: DemandSchema.optional(),
});
export type Split = z.infer<typeof SplitSchema>;

const shape = SimEnvOptionsSchema.shape;

export const ScenarioSchema = z.strictObject({
  /** Lower-case name, as `--scenario NAME` takes it (built-ins: the file name). */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { error: (i) => `expected a lower-case name of letters, digits and '-', got ${JSON.stringify(i.input)}` }),
  description: z.string().default(''),
  /** Trace file, relative to the scenario file. */
  trace: z.string({ error: 'expected a trace file path' }).min(1),
  /** The controlled deployment, NAMESPACE/NAME (or `deployments`, several). */
  deployment: z.string({ error: 'expected the controlled deployment as NAMESPACE/NAME' }).min(1).optional(),
  /** Several controlled deployments (an application, MultiDiscrete actions), NAMESPACE/NAME each, in action order. */
  deployments: z.array(z.string().min(1, 'expected a deployment as NAMESPACE/NAME')).min(2, { error: 'expected at least two deployments (one is `deployment`)' }).optional(),
  /** With `deployments`: the application's call graph (edges with call ratios) and its entry load (docs/env.md). */
  callGraph: CallGraphSchema.optional(),
  demand: DemandSchema.optional(),
  service: ServiceSchema.partial().optional(),
  reward: RewardWeightsSchema.partial().optional(),
  nodes: NodesSchema.optional(),
  startupLatency: StartupLatencySchema.optional(),
  stepSeconds: positiveNumber().optional(),
  horizon: positiveInt().optional(),
  pastTraceEnd: shape.pastTraceEnd.unwrap().optional(),
  actionMode: shape.actionMode.unwrap().optional(),
  minReplicas: z.number().int().nonnegative().optional(),
  maxReplicas: positiveInt().optional(),
  maxDelta: positiveInt().optional(),
  initialReplicas: shape.initialReplicas.unwrap().optional(),
  /** Episode starts without a split (default trace-start). */
  episodeStart: EpisodeStartFieldSchema.optional(),
  /** One window for episode starts without a split (like --window). */
  window: WindowSchema.optional(),
  splits: z
    .strictObject({ train: SplitSchema.optional(), heldout: SplitSchema.optional(), 'heldout-workload': SplitSchema.optional() })
    .optional(),
  /** An autoscaling/v2 HorizontalPodAutoscaler manifest for the hpa agent (relative path). */
  hpa: z.string().min(1).optional(),
  /** Default seed of episodes. */
  seed: z.number().int().optional(),
}).superRefine((s, ctx) => {
  // Exactly one of deployment / deployments; a call graph routes demand between several.
  if ((s.deployment === undefined) === (s.deployments === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['deployment'], message: `expected either deployment (one, NAMESPACE/NAME) or deployments (several), got ${s.deployment === undefined ? 'neither' : 'both'}` });
  } else if (s.callGraph !== undefined && s.deployments === undefined) {
    ctx.addIssue({ code: 'custom', path: ['callGraph'], message: 'expected deployments (several) with a callGraph, got one deployment' });
  } else if (s.deployments !== undefined && s.demand !== undefined && s.demand.source !== 'trace') {
    ctx.addIssue({ code: 'custom', path: ['demand'], message: `expected demand source "trace" with several deployments (a load series enters through callGraph.entries), got "${s.demand.source}"` });
  }
});
export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type Scenario = z.output<typeof ScenarioSchema>;

/** Render the first zod issue as `path: expected X, got Y`. */
function describeIssue(issue: SchemaIssue): { field: string; message: string } {
  const field = issuePath(issue, '(scenario)');
  if (issue.code === 'unrecognized_keys') {
    return { field, message: `unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => `"${k}"`).join(', ')}` };
  }
  if (issue.code === 'invalid_union' && 'note' in issue && issue.note === 'No matching discriminator') {
    const input = (issue as { input?: unknown }).input;
    const got = typeof input === 'object' && input !== null ? (input as { source?: unknown }).source : input;
    return { field, message: `expected a known source (trace, file, series, load, synthetic), got ${JSON.stringify(got)}` };
  }
  let message = issue.message;
  if (!/\bgot\b/.test(message) && 'input' in issue) message = `${message}, got ${JSON.stringify(issue.input)}`;
  return { field, message };
}

/** Validate a scenario object; ConfigError `where: path: expected ..., got ...` otherwise. */
export function parseScenario(raw: unknown, where: string): Scenario {
  const r = ScenarioSchema.safeParse(raw, { reportInput: true });
  if (r.success) return r.data;
  const { field, message } = describeIssue(r.error.issues[0]!);
  throw new ConfigError(field, message, { hint: `fix ${field} in ${where} (format: docs/scenarios.md)` });
}
