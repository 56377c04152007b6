import { Command, Option } from 'commander';
import { executeRun } from '../execute-run.js';
import { DEFAULT_ONE_STEP_SECONDS, DEFAULT_RUNS_DIR, FLAG_CHOICES, planRun } from '../run-plan.js';
import { addEnvFlags, oneOf } from './env-flags.js';

/**
 * `simenv run` and `simenv eval`: episodes of an agent in a SimEnv, logged to a run directory.
 * The options are shared; eval adds --seeds and has no default agent.
 */

/** Add the options shared by `run` and `eval` to `cmd`. */
export function addRunOptions(cmd: Command): Command {
  cmd
    .option('--trace <file>', 'SimKube trace file (.sktrace, msgpack v2); required without --scenario')
    .option('--deploy <name>', 'deployment the agent controls: NAME (with --ns) or NS/NAME, or several as a,b,c (an application, MultiDiscrete actions); required without --scenario')
    .option('--ns <namespace>', "the deployment's namespace in the trace")
    .option('--call-graph <name|file>', 'with --deploy a,b,c: demand flows through this call graph (dsb-social-network, or a JSON/YAML file of { graph: { edges }, entries }; docs/env.md)')
    .option('--target <n>', 'hold N replicas (a static agent); with --agent hpa: the target CPU utilisation in percent')
    .option('--agent <name>', 'baseline agent: static, random, trace or hpa; with --backend kube also k8s-hpa (the cluster\'s own HPA controller scales)')
    .option('--hpa <file>', 'an autoscaling/v2 HorizontalPodAutoscaler manifest (YAML or JSON, see examples/hpa/): --agent hpa runs it in memory, --agent k8s-hpa applies it to the cluster; with --deploy a,b,c: a multi-document file or a directory, one manifest per deployment (default HPA for the others)')
    .option('--policy <dir>', "a trained policy directory (simenv train --out DIR); the action space, replica bounds and step length default to the policy's")
    .option('--duration <seconds>', `episode length, simulated seconds (one-step default ${DEFAULT_ONE_STEP_SECONDS}; multi-step default: to the end of the trace)`)
    .option('--step <seconds>', 'multi-step episodes with a decision every SECONDS (without it: one step, the action held for --duration)')
    .option('--episodes <n>', 'episodes to run', '1')
    .option('--seed <n>', 'seed of the first episode (later episodes derive theirs from it)', '0')
    .addOption(new Option('--backend <kind>', `cluster backend: ${oneOf(FLAG_CHOICES.backend)}`).default('memory'))
    .addOption(new Option('--action-mode <mode>', `actions are replica counts or changes: ${oneOf(FLAG_CHOICES.actionMode)} (default absolute; with --policy: the policy's)`))
    .option('--max-delta <n>', 'delta mode: the largest replica change per step (default 2; with --policy: the policy\'s)')
    .option('--min-replicas <n>', 'lower bound of the replica count')
    .option('--max-replicas <n>', 'upper bound of the replica count')
    .option('--kube-ns <namespace>', "kube backend: the cluster namespace the run's objects go into (SimKube mode: the driver's); default: the trace namespace (--ns)")
    .option('--driver-image <image>', 'kube backend, SimKube mode: the driver image')
    .option('--kubeconfig <file>', 'kube backend: kubeconfig file')
    .option('--context <name>', 'kube backend: kubeconfig context')
    .option('--speed <x>', 'kube backend: simulated seconds per real second')
    .addOption(new Option('--mode <mode>', `kube backend: replay the trace or run a SimKube Simulation: ${oneOf(FLAG_CHOICES.mode)}`))
    .addOption(new Option('--simkube-driver <where>', `SimKube mode: SimKube's controller runs the driver in the cluster, or simenv runs sk-driver on this machine (npm run simkube:build): ${oneOf(FLAG_CHOICES.simkubeDriver)}`))
    .option('--out <dir>', 'parent directory of run directories', DEFAULT_RUNS_DIR)
    .option('--run-id <id>', 'name of the run directory (default: time, agent and a random suffix)')
    .addOption(
      new Option('--log-flush <mode>', 'step.jsonl: a write per step (a kill loses at most the step in flight), or batched (a write per 256 lines or 200 ms and at episode ends: faster, a SIGKILL loses up to that batch)')
        .default('step'),
    )
    .addOption(
      new Option('--log <level>', 'what the run logs: steps (step.jsonl, a line per step), episodes (episode.jsonl, a line per episode) or none (config.json and summary.json only)')
        .default('steps'),
    )
    .option('--timeline', 'also write timeline.jsonl: every interval of constant ready/desired/pending replicas, with exact simulated times (for simenv compare --grid)')
    .option('--json', 'print one JSON summary instead of the phases')
    .option('--quiet', "print only errors (also hides the backend's [backend] lines on stderr)")
    .option('--no-progress', 'no progress bar (it only shows on a terminal anyway)');
  return addEnvFlags(cmd);
}

/** Register `simenv run`. */
export function registerRunCommands(program: Command): void {
  const run = program
    .command('run')
    .description('run episodes of an agent and log them to runs/<run-id>/ (config.json, step.jsonl, summary.json)')
    .addHelpText(
      'after',
      `
Without --step an episode is one step: the action (--target N, or the agent's choice) is held
for --duration seconds and the reward covers that window. With --step, multi-step episodes.
With --policy DIR and no --step, episodes are multi-step at the policy's step length.

--ns is the deployment's namespace in the trace. With --backend kube the run's objects go
into the cluster namespace --kube-ns (default: that same namespace).

The backend's progress lines (kube: preflight warnings, settle time, retries, falling behind
the wall clock) are printed to stderr prefixed [backend], also with --json; --quiet hides them.

A scenario (--scenario NAME|FILE; simenv scenarios list) sets the trace, deployment, load,
SLO, reward and episode shape; flags given with it override its fields.

Examples:
  simenv run --scenario compose-post-bursty --agent hpa --split heldout
  simenv run --trace examples/traces/dsb-scaling.sktrace --deploy dsb/nginx-thrift --target 3
  simenv run --trace examples/traces/dsb-scaling.sktrace --deploy nginx-thrift --ns dsb --agent hpa --step 15 --episodes 3
  simenv run --trace examples/traces/dsb-scaling.sktrace --deploy dsb/nginx-thrift --policy runs/dqn-1 --episodes 5
  simenv run --trace examples/traces/dsb-scaling.sktrace --deploy dsb/nginx-thrift --agent hpa --step 15 \\
    --backend kube --kube-ns simenv-a --speed 10
  simenv run --trace examples/traces/dsb-scaling.sktrace --deploy nginx-thrift,compose-post-service,text-service --ns dsb \\
    --agent hpa --step 15 --duration 120 --backend kube --kube-ns simenv-a --speed 10
  simenv run --scenario social-network-app --agent hpa --split heldout

With --deploy a,b,c (or a scenario that declares deployments) one agent scales several
deployments: step.jsonl has a column per deployment and field (\`<ns/name>.<field>\`); see
docs/runs.md, "Several deployments".`,
    );
  addRunOptions(run).action(async (raw: Record<string, unknown>, cmd: Command) => {
    const code = await executeRun(planRun(raw), { stdout: (t) => process.stdout.write(t), stderr: process.stderr, argv: cmdArgv(cmd) });
    if (code !== 0) process.exitCode = code;
  });
}

/** The words the user typed after `simenv` (recorded in config.json). */
export function cmdArgv(cmd: Command): string[] {
  // commander keeps the argv it parsed in `rawArgs` (untyped), which is right also when
  // main() is called with an argv other than process.argv.
  const raw = (cmd.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? process.argv;
  return raw.slice(2);
}
