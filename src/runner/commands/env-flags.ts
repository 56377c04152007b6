import { Option, type Command } from 'commander';
import { z } from 'zod';
import { RewardWeightsSchema, SimEnvOptionsSchema } from '../../env/options.js';
import { episodeStartOption } from '../../env/scenario-resolve.js';
import { SplitNameSchema } from '../../env/scenario.js';
import { UsageError } from '../../env/errors.js';
import { positiveNumberFlag } from './flags.js';

/**
 * The env flags `run`, `eval` and `train` share: a scenario and a split, and the options a
 * user reaches for (load file, reward weights, SLO, capacity, episode windows and starts,
 * past the trace's end). Each is also a scenario field (docs/scenarios.md). Enumerated values
 * come from the option schemas, and are validated here only (commander takes any word).
 */

/** `a or b`, `a, b or c`. */
export function oneOf(values: readonly string[]): string {
  return values.length <= 1 ? (values[0] ?? '') : `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}

/** An enumerated flag, from a zod enum's values: one message, one validation layer. */
export function enumFlag<const T extends string>(values: readonly T[]) {
  return z.enum(values as unknown as [T, ...T[]], { error: (i) => `expected ${oneOf(values)}, got "${String(i.input)}"` });
}

/** Values of an enum option of SimEnv (its schema's enum, defaults unwrapped). */
const PAST_TRACE_END = SimEnvOptionsSchema.shape.pastTraceEnd.unwrap().options;
const REWARD_KEYS = Object.keys(RewardWeightsSchema.shape) as Array<keyof typeof RewardWeightsSchema.shape>;

/** `START:END` seconds with START < END. */
export const windowFlag = z.string().transform((text, ctx): [number, number] => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  const a = m ? Number(m[1]) : Number.NaN;
  const b = m ? Number(m[2]) : Number.NaN;
  if (!(a < b)) {
    ctx.addIssue({ code: 'custom', message: `expected START:END seconds with START < END (e.g. 0:680), got "${text}"` });
    return z.NEVER;
  }
  return [a, b];
});

/** `slo=W,cost=W,churn=W` (any subset). */
export const rewardFlag = z.string().transform((text, ctx): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const [k, v, extra] = part.split('=').map((s) => s.trim());
    const w = v === undefined || v === '' ? Number.NaN : Number(v);
    if (extra !== undefined || !(REWARD_KEYS as string[]).includes(k ?? '') || !Number.isFinite(w) || w < 0) {
      ctx.addIssue({ code: 'custom', message: `expected KEY=WEIGHT pairs with KEY in ${oneOf(REWARD_KEYS)} and WEIGHT >= 0 (e.g. slo=0.1,cost=0.002,churn=0.05), got "${part}"` });
      return z.NEVER;
    }
    out[k!] = w;
  }
  if (Object.keys(out).length === 0) {
    ctx.addIssue({ code: 'custom', message: `expected KEY=WEIGHT pairs such as slo=0.1,cost=0.002, got "${text}"` });
    return z.NEVER;
  }
  return out;
});

/** `random`, `trace-start` or a number of seconds. */
export const episodeStartFlag = z.string().transform((text, ctx): 'random' | 'trace-start' | number => {
  const t = text.trim();
  if (t === 'random' || t === 'trace-start') return t;
  const n = t === '' ? Number.NaN : Number(t);
  if (!Number.isFinite(n) || n < 0) {
    ctx.addIssue({ code: 'custom', message: `expected random, trace-start or a number of seconds >= 0, got "${text}"` });
    return z.NEVER;
  }
  return n;
});

/** The zod shape of the shared env flags (spread into a command's flag schema). */
export const ENV_FLAG_SHAPE = {
  scenario: z.string().min(1, 'expected a scenario name or file').optional(),
  split: enumFlag(SplitNameSchema.options).optional(),
  load: z.string().min(1, 'expected a load file').optional(),
  reward: rewardFlag.optional(),
  sloMs: positiveNumberFlag().optional(),
  perReplicaRps: positiveNumberFlag().optional(),
  window: windowFlag.optional(),
  episodeStart: episodeStartFlag.optional(),
  pastTraceEnd: enumFlag(PAST_TRACE_END).optional(),
};
const EnvFlags = z.object(ENV_FLAG_SHAPE);
export type EnvFlags = z.output<typeof EnvFlags>;

/** Add the shared env flags to `cmd`. */
export function addEnvFlags(cmd: Command, without: ReadonlyArray<'window'> = []): Command {
  cmd
    .option('--scenario <name|file>', 'a built-in scenario (simenv scenarios list) or a scenario file (.json/.yaml): trace, deployment, load, SLO, reward, episodes, splits')
    .option('--split <name>', `with --scenario: the episode windows (and workload) to use: ${oneOf(SplitNameSchema.options)}`)
    .option('--load <file>', 'demand from a load file: one number per line (rps per second), NAB timestamp,value CSV, time,rps CSV or JSON (see docs/scenarios.md)')
    .option('--reward <weights>', `reward weights, e.g. slo=0.1,cost=0.002,churn=0.05 (keys: ${REWARD_KEYS.join(', ')})`)
    .option('--slo-ms <ms>', 'latency SLO in milliseconds (default 100)')
    .option('--per-replica-rps <rps>', 'requests/s one replica serves at 100% utilisation (default 100)')
    .option('--episode-start <when>', 'where episodes start: random, trace-start or SECONDS (default trace-start)');
  if (!without.includes('window')) {
    cmd.option('--window <start:end>', 'draw episode starts so whole episodes fit in these simulated seconds (needs a horizon: --duration with --step, or a scenario)');
  }
  return cmd.addOption(new Option('--past-trace-end <mode>', `after the trace's last event: ${oneOf(PAST_TRACE_END)} (hold keeps its last state; needs a horizon)`));
}

/** Usage errors for env flags that contradict each other. */
export function checkEnvFlags(f: EnvFlags): void {
  if (f.split !== undefined && f.scenario === undefined) throw new UsageError('--split: expected --scenario too (a split is a scenario\'s set of episode windows)');
  const starts = [f.split !== undefined && '--split', f.window !== undefined && '--window', f.episodeStart !== undefined && '--episode-start'].filter(Boolean);
  if (starts.length > 1) throw new UsageError(`${starts[1]}: expected one of --split, --window, --episode-start, got ${starts.join(' and ')}`);
}

/** SimEnv option overrides the env flags ask for. */
export function envOverrides(f: EnvFlags): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (f.load !== undefined) o.demand = { source: 'load', path: f.load };
  if (f.reward !== undefined) o.reward = f.reward;
  const service: Record<string, number> = {};
  if (f.sloMs !== undefined) service.sloLatencyMs = f.sloMs;
  if (f.perReplicaRps !== undefined) service.perReplicaRps = f.perReplicaRps;
  if (Object.keys(service).length > 0) o.service = service;
  if (f.window !== undefined) o.episodeStart = { type: 'windows', windows: [f.window] };
  if (f.episodeStart !== undefined) o.episodeStart = episodeStartOption(f.episodeStart);
  if (f.pastTraceEnd !== undefined) o.pastTraceEnd = f.pastTraceEnd;
  return o;
}
