import { Command, Option } from 'commander';
import { z } from 'zod';
import { ConfigError, describeError, UsageError } from '../../env/errors.js';
import { trainAgent, TrainOptionsSchema, type TrainOptionsInput } from '../train/train-loop.js';

const TF_BACKENDS = TrainOptionsSchema.shape.tfBackend.unwrap().options;
import { TrainProgressPrinter } from '../train/train-progress.js';
import { intFlag, parseFlags, positiveNumberFlag } from './flags.js';
import { addEnvFlags, checkEnvFlags, ENV_FLAG_SHAPE, enumFlag, envOverrides, windowFlag } from './env-flags.js';
import { SimEnvOptionsSchema } from '../../env/options.js';
import { loadScenario } from '../../env/scenario-files.js';
import { resolveScenario } from '../../env/scenario-resolve.js';
import type { SplitName } from '../../env/scenario.js';
import { loadHpaManifest } from '../../agents/hpa/hpa-manifest.js';
import { exitCodeOf, onStopSignals, type StopSignal } from '../stop-signals.js';

/**
 * `simenv train`: train a DQN or PPO agent in the memory backend and write a run directory
 * with train.json, train.jsonl, checkpoints/ and the final policy/ (see docs/agents.md).
 */

const TrainFlagsSchema = z.strictObject({
  agent: enumFlag(TrainOptionsSchema.shape.agent.options),
  trace: z.string().min(1).optional(),
  deploy: z.string().min(1).optional(),
  application: z.boolean().optional(),
  ns: z.string().min(1).optional(),
  steps: intFlag(1),
  seed: intFlag(-2147483648, 2147483647),
  out: z.string().min(1),
  envs: intFlag(1, 256),
  step: positiveNumberFlag().optional(),
  horizon: intFlag(1).optional(),
  ...ENV_FLAG_SHAPE,
  window: windowFlag.optional(),
  actionMode: enumFlag(SimEnvOptionsSchema.shape.actionMode.unwrap().options),
  maxDelta: intFlag(1).optional(),
  minReplicas: intFlag(0).optional(),
  maxReplicas: intFlag(1).optional(),
  tfBackend: enumFlag(TF_BACKENDS),
  lr: positiveNumberFlag().optional(),
  hyper: z.string().optional(),
  hpaResidual: z.string().min(1).optional(),
  residualDelta: intFlag(1, 20).optional(),
  checkpointEvery: intFlag(1).optional(),
  logEvery: intFlag(1).optional(),
  maxSeconds: positiveNumberFlag().optional(),
  overwrite: z.boolean().optional(),
  json: z.boolean().optional(),
  quiet: z.boolean().optional(),
  progress: z.boolean().optional(),
});
type TrainFlags = z.output<typeof TrainFlagsSchema>;

/** The options of an application scenario (its deployments aside), for `split`; a usage error naming --scenario when it does not resolve. */
function applicationScenarioOptions(scenario: string, split: SplitName | undefined): Record<string, unknown> {
  try {
    const { deployments: _d, ...options } = resolveScenario({ scenario, ...(split !== undefined ? { split } : {}) }).options as Record<string, unknown>;
    return options;
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`--scenario: ${err.message}`, err.hint !== undefined ? { hint: err.hint } : undefined);
    throw err;
  }
}

/** Turn validated flags into trainer options (UsageError for combinations that make no sense). */
export function trainOptionsFromFlags(f: TrainFlags): TrainOptionsInput {
  checkEnvFlags({ ...f, window: undefined });
  if (f.window !== undefined && (f.split !== undefined || f.episodeStart !== undefined)) {
    throw new UsageError(`--window: expected one of --split, --window, --episode-start, got --window and ${f.split !== undefined ? '--split' : '--episode-start'}`);
  }
  let split = f.split;
  if (f.scenario !== undefined) {
    // Training defaults to the scenario's training windows.
    if (split === undefined && f.window === undefined && f.episodeStart === undefined && loadScenario(f.scenario).scenario.splits?.train !== undefined) split = 'train';
  } else {
    if (f.trace === undefined) throw new UsageError('--trace: expected a trace file (--trace FILE), or a scenario (--scenario NAME|FILE)');
    if (f.deploy === undefined) throw new UsageError('--deploy: expected the deployment to control (--deploy NAME or NS/NAME)');
  }
  const deployments = (f.deploy ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '')
    .map((d) => {
      if (f.ns === undefined) return d;
      if (!d.includes('/')) return `${f.ns}/${d}`;
      if (!d.startsWith(`${f.ns}/`)) throw new UsageError(`--ns: expected the namespace of --deploy ${d}, got ${f.ns}`);
      return d;
    });
  if (deployments.length === 0 && f.scenario === undefined) throw new UsageError(`--deploy: expected NAME, NS/NAME or a comma-separated list, got "${f.deploy}"`);
  // A scenario of several deployments (an application) trains one agent on all of them: its
  // resolved options (deployments, call graph, windows) are an ApplicationEnv's.
  const appScenario = f.scenario !== undefined && deployments.length === 0 ? loadScenario(f.scenario).scenario.deployments : undefined;
  if (appScenario !== undefined) deployments.push(...appScenario);
  const application = f.application === true || appScenario !== undefined;
  const env: Record<string, unknown> = {
    ...(appScenario !== undefined ? applicationScenarioOptions(f.scenario!, split) : {}),
    ...(f.scenario !== undefined && appScenario === undefined ? { scenario: f.scenario, ...(split !== undefined ? { split } : {}) } : {}),
    ...(f.trace !== undefined ? { trace: f.trace } : {}),
    ...envOverrides(f),
    actionMode: f.actionMode,
  };
  if (f.step !== undefined) env.stepSeconds = f.step;
  if (f.horizon !== undefined) env.horizon = f.horizon;
  if (f.maxDelta !== undefined) env.maxDelta = f.maxDelta;
  if (f.minReplicas !== undefined) env.minReplicas = f.minReplicas;
  if (f.maxReplicas !== undefined) env.maxReplicas = f.maxReplicas;
  if (f.window !== undefined) {
    if (f.horizon === undefined) throw new UsageError('--window: expected --horizon N too (episodes of N steps drawn within the window)');
    const [start, end] = f.window;
    const latest = end - f.horizon * (f.step ?? 15);
    if (latest < start) {
      throw new UsageError(`--window: expected a window of at least --horizon x --step = ${f.horizon * (f.step ?? 15)} s, got ${end - start} s`);
    }
    env.episodeStart = { type: 'random-window', earliestS: start, latestS: latest };
  } else if (f.horizon !== undefined && f.scenario === undefined && f.episodeStart === undefined) {
    env.episodeStart = { type: 'random-window' };
  }
  if (application && deployments.length < 2) {
    throw new UsageError(`--application: expected --deploy with at least two deployments (a,b,c), got ${deployments.length === 0 ? 'none' : deployments[0]}`, {
      hint: 'list the deployments one agent scales together, e.g. --deploy nginx-thrift,compose-post-service --ns dsb',
    });
  }
  let hyper: Record<string, unknown> = {};
  if (f.hyper !== undefined) {
    try {
      const parsed: unknown = JSON.parse(f.hyper);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      hyper = parsed as Record<string, unknown>;
    } catch {
      throw new UsageError(`--hyper: expected a JSON object such as '{"batchSize":128}', got ${f.hyper}`);
    }
  }
  if (f.lr !== undefined) hyper.learningRate = f.lr;
  if (f.residualDelta !== undefined && f.hpaResidual === undefined) throw new UsageError('--residual-delta: expected --hpa-residual FILE|default too (it bounds the corrections to that HPA)');
  let hpaResidual: Record<string, unknown> | undefined;
  if (f.hpaResidual !== undefined) {
    if (f.actionMode !== 'absolute') throw new UsageError(`--hpa-residual: expected --action-mode absolute (corrections are added to the HPA's replica count), got ${f.actionMode}`);
    const hpa = f.hpaResidual === 'default' ? {} : { ...loadHpaManifest(f.hpaResidual).options };
    hpaResidual = { hpa, ...(f.residualDelta !== undefined ? { maxDelta: f.residualDelta } : {}) };
  }
  return {
    ...(hpaResidual !== undefined ? { hpaResidual } : {}),
    agent: f.agent,
    env: application ? { ...env, deployments } : deployments.length === 0 ? env : deployments.length === 1 ? { ...env, deployment: deployments[0] } : deployments.map((deployment) => ({ ...env, deployment })),
    steps: f.steps,
    seed: f.seed,
    numEnvs: f.envs,
    out: f.out,
    overwrite: f.overwrite ?? false,
    tfBackend: f.tfBackend,
    hyper,
    ...(f.checkpointEvery !== undefined ? { checkpointEvery: f.checkpointEvery } : {}),
    ...(f.logEvery !== undefined ? { logEvery: f.logEvery } : {}),
    ...(f.maxSeconds !== undefined ? { maxWallSeconds: f.maxSeconds } : {}),
  };
}

/** Register `simenv train`. */
export function registerTrainCommands(program: Command): void {
  addEnvFlags(program.command('train'), ['window'])
    .description('train a learned agent (DQN or PPO on TensorFlow.js) in the memory backend; writes a policy directory')
    .addOption(new Option('--agent <name>', 'learning algorithm: dqn or ppo').makeOptionMandatory())
    .option('--trace <file>', 'SimKube trace file (.sktrace, msgpack v2); required without --scenario')
    .option('--deploy <name>', 'deployment the agent controls: NAME (with --ns) or NS/NAME; a comma-separated list trains on several (env i gets entry i mod N); required without --scenario')
    .option('--ns <namespace>', "the deployment's namespace")
    .option('--application', 'with --deploy a,b,c: one agent scales them all (an application, MultiDiscrete actions; PPO only, a factorised head) instead of one deployment per env')
    .option('--steps <n>', 'env steps to train for (summed over --envs)', '100000')
    .option('--seed <n>', 'seed of the networks, exploration and episodes', '0')
    .requiredOption('--out <dir>', 'run directory to create (train.json, train.jsonl, checkpoints/, policy/)')
    .option('--envs <n>', 'envs stepped in lockstep for rollouts', '8')
    .option('--step <seconds>', 'simulated seconds per decision (default 15)')
    .option('--horizon <n>', 'steps per training episode (episodes start at random times; default: whole trace from its start)')
    .option('--window <start:end>', 'draw training episodes within these trace seconds (needs --horizon), e.g. 0:680 to hold out the rest')
    .addOption(new Option('--action-mode <mode>', 'actions are replica changes or counts: delta or absolute').default('delta'))
    .option('--max-delta <n>', 'largest replica change per step in delta mode (default 2)')
    .option('--min-replicas <n>', 'lower bound of the replica count')
    .option('--max-replicas <n>', 'upper bound of the replica count')
    .addOption(new Option('--tf-backend <name>', `TensorFlow.js backend: ${TF_BACKENDS.join(', ')} (auto: tfjs-node, else wasm, else cpu)`).default('auto'))
    .option('--lr <x>', 'learning rate')
    .option('--hyper <json>', 'other hyper-parameters as JSON, e.g. \'{"batchSize":128,"gamma":0.98}\' (see docs/agents.md)')
    .option('--hpa-residual <file>', "act on top of an HPA: an autoscaling/v2 manifest (e.g. examples/hpa/tuned/S.yaml) or 'default'; actions correct its recommendation (needs --action-mode absolute; docs/agents.md)")
    .option('--residual-delta <n>', 'with --hpa-residual: largest correction per step, replicas (default 2)')
    .option('--checkpoint-every <n>', 'gradient updates between checkpoints (default: DQN 2500, PPO 80)')
    .option('--log-every <n>', 'DQN: updates per train.jsonl line (default 100; PPO logs every rollout)')
    .option('--max-seconds <s>', 'stop after this much wall time (the policy is still written)')
    .option('--overwrite', 'replace a previous training in --out')
    .option('--json', 'print the summary as JSON on stdout')
    .option('--quiet', 'print only errors')
    .option('--no-progress', 'no progress line on stderr')
    .addHelpText(
      'after',
      `
With --scenario S, training uses the scenario's \`train\` split unless --split, --window or
--episode-start says otherwise:
  simenv train --agent dqn --scenario compose-post-bursty --steps 20000 --out runs/dqn-bursty
  simenv eval --policy runs/dqn-bursty/policy --scenario compose-post-bursty --split heldout --seeds 1,2,3

Example (train on the first 60% of the trace, hold out the rest):
  simenv train --agent dqn --trace examples/traces/dsb-scaling.sktrace --deploy dsb/nginx-thrift \\
    --horizon 20 --window 0:680 --steps 100000 --seed 1 --out runs/dqn-1
  simenv eval --policy runs/dqn-1/policy --trace examples/traces/dsb-scaling.sktrace --deploy dsb/nginx-thrift ...`,
    )
    .action(async (raw: Record<string, unknown>) => {
      process.exitCode = await runTrainCommand(raw, { stdout: (t) => process.stdout.write(t), stderr: process.stderr });
    });
}

/** Where the command writes (the CLI passes the process streams; tests pass fakes). */
export interface TrainIo {
  stdout: (text: string) => void;
  stderr: { isTTY?: boolean; columns?: number; write(chunk: string): boolean };
  /** Install a SIGINT/SIGTERM handler (default true). */
  handleSignals?: boolean;
}

/** Run `simenv train` with commander's raw options; returns the exit code (0, 1, 130 on SIGINT). */
export async function runTrainCommand(raw: Record<string, unknown>, io: TrainIo): Promise<number> {
  const flags = parseFlags(TrainFlagsSchema, raw);
  const options = trainOptionsFromFlags(flags);
  const quiet = flags.quiet === true;
  const printer = new TrainProgressPrinter(io.stderr, { enabled: !quiet && flags.progress !== false });
  const note = (m: string): void => {
    if (quiet) return;
    printer.clear();
    io.stderr.write(`${m}\n`);
  };
  const controller = new AbortController();
  let signalName: string | undefined;
  const onSignal = (sig: StopSignal): void => {
    signalName = sig;
    controller.abort(sig);
  };
  const removeSignals = io.handleSignals !== false ? onStopSignals(onSignal) : () => {};
  try {
    const result = await trainAgent(options, { log: note, onProgress: (p) => printer.update(p), signal: controller.signal });
    printer.clear();
    const s = result.summary;
    if (flags.json) io.stdout(`${JSON.stringify(s)}\n`);
    else if (!quiet) {
      const reward = s.finalEpisodeReward === null ? '-' : s.finalEpisodeReward.toFixed(3);
      io.stdout(
        `${s.status}: ${s.agent} ${s.steps} steps, ${s.updates} updates, ${s.episodes} episodes in ${s.wallS.toFixed(1)} s (${s.stepsPerSecond.toFixed(0)} steps/s on tfjs ${s.tfBackend}); recent episode reward ${reward}\n` +
          `run directory: ${result.dir}\npolicy: ${s.policyDir ?? '(none)'}\n`,
      );
    }
    if (s.status === 'failed') {
      io.stderr.write(`simenv: training failed: ${describeError(result.error)}\n${s.policyDir ? `  the last checkpoint is kept: ${s.policyDir}\n` : ''}`);
      return 1;
    }
    if (s.status === 'interrupted') return exitCodeOf(signalName);
    return 0;
  } finally {
    removeSignals();
  }
}
