import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { PolicyError } from '../../env/errors.js';
import { OBSERVATION_FIELDS } from '../../env/types.js';
import type { AgentContext } from '../../env/types.js';
import { issuePath, parse } from '../../env/parse.js';

/**
 * `policy.json`: what a saved policy was trained for. Loading checks it against the env before
 * any weights are read, so a policy never acts on an observation it was not trained on.
 */

export const POLICY_METADATA_FILE = 'policy.json';
export const POLICY_FORMAT_VERSION = 1;

/** How observations are scaled before the network sees them (fixed at training start). */
export const ObservationScalingSchema = z.strictObject({
  /** Subtracted from each component. */
  offset: z.array(z.number()),
  /** Each component is divided by this (always > 0). */
  scale: z.array(z.number().positive()),
});
export type ObservationScaling = z.infer<typeof ObservationScalingSchema>;

export const PolicyMetadataSchema = z.looseObject({
  format: z.literal(POLICY_FORMAT_VERSION),
  agent: z.enum(['dqn', 'ppo']),
  /** The network's output: `q` (action values, DQN) or `logits` (policy head, PPO). */
  head: z.enum(['q', 'logits']),
  observation: z.strictObject({
    shape: z.array(z.number().int().positive()),
    fields: z.array(z.string()),
  }),
  action: z.strictObject({
    type: z.literal('Discrete'),
    n: z.number().int().positive(),
    start: z.number().int(),
    mode: z.enum(['absolute', 'delta']),
  }),
  scaling: ObservationScalingSchema,
  /** The env options it was trained with (SimEnv's resolved options, JSON). */
  envOptions: z.record(z.string(), z.unknown()),
  /** Training settings (algorithm hyper-parameters, seed, steps). */
  training: z.record(z.string(), z.unknown()),
  simenvVersion: z.string(),
  /** Which tfjs backend trained it (informational). */
  tfBackend: z.string().optional(),
});
export type PolicyMetadata = z.infer<typeof PolicyMetadataSchema>;

/**
 * The policy directory `dir` names: itself when it holds policy.json; for a training run
 * directory (`simenv train --out DIR`), the policy its summary.json points to (the final
 * policy, or the newest checkpoint of an interrupted run), else DIR/policy, else the newest
 * complete checkpoint (a training killed before its summary).
 */
export function resolvePolicyDir(dir: string): string {
  if (existsSync(join(dir, POLICY_METADATA_FILE))) return dir;
  const summary = join(dir, 'summary.json');
  if (existsSync(summary)) {
    try {
      const s = JSON.parse(readFileSync(summary, 'utf8')) as { policyDir?: unknown };
      if (typeof s.policyDir === 'string' && existsSync(join(s.policyDir, POLICY_METADATA_FILE))) return s.policyDir;
    } catch {
      // fall through to the conventional location
    }
  }
  const nested = join(dir, 'policy');
  if (existsSync(join(nested, POLICY_METADATA_FILE))) return nested;
  // A training killed before its summary (SIGKILL, OOM): its newest complete checkpoint.
  // Names are zero-padded step counts, so they sort; a `step-N.tmp-PID` save in flight is not one.
  const checkpoints = join(dir, 'checkpoints');
  let names: string[] = [];
  try {
    names = readdirSync(checkpoints).filter((n) => /^step-\d+$/.test(n)).sort().reverse();
  } catch {
    // no checkpoints directory
  }
  const newest = names.find((n) => existsSync(join(checkpoints, n, POLICY_METADATA_FILE)));
  return newest !== undefined ? join(checkpoints, newest) : dir;
}

/** Read and validate `policy.json` from a policy directory. */
export async function readPolicyMetadata(dir: string): Promise<PolicyMetadata> {
  const path = join(dir, POLICY_METADATA_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PolicyError(`expected a policy directory with ${POLICY_METADATA_FILE}, got ${code === 'ENOENT' ? 'no such file' : String(code)} at ${path}`, {
      hint: 'pass the --out directory of `simenv train` (or its policy/ or a checkpoints/step-* subdirectory)',
      cause: err,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new PolicyError(`expected JSON in ${path}, got unparseable text (${(err as Error).message})`, { hint: 'the policy is corrupt: retrain or use another checkpoint', cause: err });
  }
  const m = parse(PolicyMetadataSchema, raw, (issue) =>
    new PolicyError(`${path} at ${issuePath(issue, '(root)')}: ${issue.message}`, { hint: 'the policy metadata is corrupt or from another simenv version: retrain' }),
  );
  if (m.scaling.offset.length !== m.observation.shape[0] || m.scaling.scale.length !== m.observation.shape[0]) {
    throw new PolicyError(`${path}: expected scaling of length ${m.observation.shape[0]}, got ${m.scaling.offset.length}/${m.scaling.scale.length}`, { hint: 'the policy metadata is corrupt: retrain' });
  }
  return m;
}

/** Describe a Discrete action space compactly: `Discrete(5, start=-2)`. */
function describeActions(n: number, start: number, mode: string): string {
  return `${mode} Discrete(${n}, start=${start})`;
}

/** PolicyError naming both shapes when the policy does not fit the env. */
export function checkPolicyFits(meta: PolicyMetadata, ctx: AgentContext, dir: string): void {
  const envObs = `[${ctx.observationSpace.shape.join(', ')}]`;
  const polObs = `[${meta.observation.shape.join(', ')}]`;
  if (envObs !== polObs) {
    throw new PolicyError(`policy ${dir} expects observations of shape ${polObs}, got an env with shape ${envObs}`, {
      hint: 'evaluate it with the env options it was trained with (see envOptions in policy.json), or retrain',
    });
  }
  const envFields = ctx.observationSpace.shape[0] === OBSERVATION_FIELDS.length ? OBSERVATION_FIELDS.join(',') : undefined;
  if (envFields !== undefined && meta.observation.fields.join(',') !== envFields) {
    throw new PolicyError(`policy ${dir} expects observation fields ${meta.observation.fields.join(', ')}, got ${OBSERVATION_FIELDS.join(', ')}`, {
      hint: 'the policy was trained by another simenv version: retrain',
    });
  }
  const a = ctx.actionSpace;
  if (meta.action.n !== a.n || meta.action.start !== a.start || meta.action.mode !== ctx.actionMode) {
    throw new PolicyError(
      `policy ${dir} acts in ${describeActions(meta.action.n, meta.action.start, meta.action.mode)}, got an env with ${describeActions(a.n, a.start, ctx.actionMode)}`,
      { hint: 'evaluate with the same --action-mode/--max-delta (or min/max replicas) it was trained with, or retrain' },
    );
  }
}

/** Identity scaling: SimEnv's observations are already normalised (see src/env/observation.ts). */
export function identityScaling(size: number): ObservationScaling {
  return { offset: new Array<number>(size).fill(0), scale: new Array<number>(size).fill(1) };
}

/** Build the metadata of a policy trained in an env of context `ctx`. */
export function makePolicyMetadata(params: {
  agent: 'dqn' | 'ppo';
  head: 'q' | 'logits';
  ctx: AgentContext;
  envOptions: Record<string, unknown>;
  training: Record<string, unknown>;
  simenvVersion: string;
  tfBackend?: string;
  fields?: readonly string[];
}): PolicyMetadata {
  const size = params.ctx.observationSpace.shape[0]!;
  return {
    format: POLICY_FORMAT_VERSION,
    agent: params.agent,
    head: params.head,
    observation: { shape: [...params.ctx.observationSpace.shape], fields: [...(params.fields ?? (size === OBSERVATION_FIELDS.length ? OBSERVATION_FIELDS : []))] },
    action: { type: 'Discrete', n: params.ctx.actionSpace.n, start: params.ctx.actionSpace.start, mode: params.ctx.actionMode },
    scaling: identityScaling(size),
    envOptions: params.envOptions,
    training: params.training,
    simenvVersion: params.simenvVersion,
    tfBackend: params.tfBackend,
  };
}
