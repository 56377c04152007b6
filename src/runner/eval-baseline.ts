import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UsageError } from '../env/errors.js';
import { BASELINE_AGENT_NAMES } from '../agents/registry.js';
import { HpaTargetUtilisationSchema } from '../agents/hpa/hpa-config.js';
import { RunConfigRecordSchema, SummaryRecordSchema, type RunConfigRecord, type SummaryRecord } from './records.js';
import type { AgentSpec, HpaManifestSpec } from './run-plan.js';

/**
 * `simenv eval --baseline B`: what the evaluated agent is compared with, episode by episode on
 * the same seeds. B is a baseline agent run in the same call (`hpa`, `hpa:FILE` for an HPA
 * manifest, `hpa:N` for a target, `static:N`, `trace`, `random`), or the directory of an
 * earlier eval run, whose episode seeds, trace, deployment and episode shape must match.
 */

/** A parsed --baseline. The agent's manifest, if any, is read when the run starts. */
export type BaselineSpec =
  | { kind: 'agent'; name: string; target?: number; hpaFile?: string; hpa?: HpaManifestSpec }
  | { kind: 'run'; dir: string };

const AGENT_RE = new RegExp(`^(${BASELINE_AGENT_NAMES.join('|')})(?::(.+))?$`);

/** Parse --baseline; UsageError for an agent parameter it cannot take. */
export function parseBaselineSpec(text: string): BaselineSpec {
  const m = AGENT_RE.exec(text);
  // An agent name (with its parameter) means the agent; anything else is a run directory
  // (a directory that happens to be called `hpa` is `./hpa`).
  if (!m) return { kind: 'run', dir: text };
  const name = m[1]!;
  const param = m[2];
  if (param === undefined) return { kind: 'agent', name };
  if (name === 'static') {
    if (!/^\d+$/.test(param)) throw new UsageError(`--baseline: expected static:N with N replicas, got "${text}"`);
    return { kind: 'agent', name, target: Number(param) };
  }
  if (name === 'hpa') {
    if (/^\d+$/.test(param)) {
      if (!HpaTargetUtilisationSchema.safeParse(Number(param)).success) {
        throw new UsageError(`--baseline: expected hpa:N with N an integer percent in (0, 100], got "${text}"`);
      }
      return { kind: 'agent', name, target: Number(param) };
    }
    return { kind: 'agent', name, hpaFile: param };
  }
  throw new UsageError(`--baseline: expected ${name} without a parameter (only static:N, hpa:N and hpa:FILE take one), got "${text}"`);
}

/** The agent a `--baseline` agent spec runs as. */
export function baselineAgentSpec(spec: Extract<BaselineSpec, { kind: 'agent' }>): AgentSpec {
  return {
    kind: 'baseline',
    name: spec.name,
    ...(spec.target !== undefined ? { target: spec.target } : {}),
    ...(spec.hpa ? { hpa: spec.hpa } : {}),
  };
}

/** A short label for an agent: `hpa`, `hpa(60)`, `hpa(tuned.yaml)`, `static(4)`, `policy(runs/dqn-1)`. */
export function agentLabel(agent: AgentSpec): string {
  if (agent.kind === 'policy') return `policy(${agent.dir})`;
  if (agent.hpa) return `${agent.name}(${basename(agent.hpa.file)})`;
  return agent.target !== undefined ? `${agent.name}(${agent.target})` : agent.name;
}

/** An earlier eval run used as the baseline. */
export interface BaselineRun {
  dir: string;
  config: RunConfigRecord;
  summary: SummaryRecord;
  label: string;
}

/** What the two runs must share for their episodes to pair. */
export interface PairingFacts {
  seeds: readonly number[];
  deployment: string;
  traceSha256: string;
  mode: 'one-step' | 'multi-step';
  stepSeconds: number;
  durationSeconds: number | null;
}

/** Read an earlier run as the baseline and check it pairs with this eval; UsageError naming the first difference. */
export function loadBaselineRun(dir: string, facts: PairingFacts): BaselineRun {
  const read = (file: string): unknown => {
    try {
      return JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'not JSON';
      throw new UsageError(`--baseline: expected a baseline agent (${BASELINE_AGENT_NAMES.join(', ')}, static:N, hpa:FILE) or an eval run directory with ${file}, got "${dir}" (${code})`);
    }
  };
  const config = RunConfigRecordSchema.safeParse(read('config.json'));
  const summary = SummaryRecordSchema.safeParse(read('summary.json'));
  if (!config.success || !summary.success) throw new UsageError(`--baseline: expected a simenv run directory, got "${dir}" whose config.json or summary.json does not parse`);
  const c = config.data;
  const differ = (what: string, theirs: unknown, ours: unknown): never => {
    throw new UsageError(`--baseline: expected a run with the same ${what} as this eval (${String(ours)}), got ${String(theirs)} in ${dir}`, {
      hint: 'episodes pair only on the same env and seeds: rerun the baseline with the same flags, or name a baseline agent to run it here',
    });
  };
  if (c.deployment !== facts.deployment) differ('deployment', c.deployment, facts.deployment);
  if (c.trace.sha256 !== facts.traceSha256) differ('trace (sha256)', c.trace.sha256?.slice(0, 12), facts.traceSha256.slice(0, 12));
  if (c.mode !== facts.mode) differ('episode mode', c.mode, facts.mode);
  if (c.stepSeconds !== facts.stepSeconds) differ('step length', c.stepSeconds, facts.stepSeconds);
  if (c.durationSeconds !== facts.durationSeconds) differ('duration', c.durationSeconds, facts.durationSeconds);
  if (c.episodeSeeds.join(',') !== facts.seeds.join(',')) differ('episode seeds', c.episodeSeeds.join(','), facts.seeds.join(','));
  if (summary.data.status !== 'completed') throw new UsageError(`--baseline: expected a completed run, got one whose status is ${summary.data.status} in ${dir}`);
  return { dir, config: c, summary: summary.data, label: `${c.agent.name}(${basename(dir)})` };
}
