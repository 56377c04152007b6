import { Command } from 'commander';
import { executeEval } from '../execute-eval.js';
import { planRun } from '../run-plan.js';
import { addRunOptions, cmdArgv } from './run.js';

/**
 * `simenv eval`: evaluate an agent or a trained policy over several seeds. It writes one
 * ordinary run directory whose episodes are `--episodes` per seed, seed after seed (each
 * episode's seed is in config.json and in summary.json's perEpisode), so `simenv report`
 * compares evaluations like any runs, plus eval.json (execute-eval.ts); a --baseline agent
 * gets a run directory of its own.
 */

/** Register `simenv eval`. */
export function registerEvalCommands(program: Command): void {
  const cmd = program
    .command('eval')
    .description('evaluate an agent (--agent NAME) or a trained policy (--policy DIR) over seeds; one run directory')
    .option('--seeds <list>', 'seeds as a list and/or ranges (1,2,3 or 1..10), --episodes episodes each (default: --seed)')
    .option('--baseline <agent|dir>', 'compare with a baseline on the same episode seeds: an agent run here (hpa, hpa:FILE, hpa:N, static:N, trace, random; with several deployments hpa:FILE|DIR holds a manifest per deployment) or an earlier eval run directory (one deployment only)')
    .addHelpText(
      'after',
      `
With --policy DIR, the action mode, --max-delta, the replica bounds and the step length
default to those the policy was trained with (its policy.json); a flag that contradicts the
policy's action space is refused. See \`simenv run --help\` for --kube-ns, --log-flush and
the [backend] lines.

With --scenario S --split heldout, each seed draws its own episode starts inside the
scenario's held-out windows (every agent evaluated with the same seeds sees the same episodes).

Examples:
  simenv eval --scenario compose-post-bursty --agent hpa --split heldout --seeds 1,2,3
  simenv eval --trace examples/traces/dsb-scaling.sktrace --deploy dsb/nginx-thrift --agent hpa --step 15 --episodes 2 --seeds 1,2,3
  simenv eval --trace examples/traces/dsb-scaling.sktrace --deploy dsb/nginx-thrift --policy runs/dqn-1 --duration 300 --seeds 1,2,3
  simenv eval --trace examples/traces/dsb-scaling.sktrace --deploy dsb/compose-post-service --step 15 --seeds 1..10 \
    --agent hpa --hpa examples/hpa/tuned.yaml --baseline hpa:examples/hpa/default.yaml
  simenv eval --trace examples/traces/dsb-scaling.sktrace --deploy nginx-thrift,compose-post-service,text-service --ns dsb \\
    --policy runs/ppo-app --baseline hpa --episode-start random --duration 300 --seeds 1..10
  simenv eval --scenario social-network-app --split heldout --agent hpa --baseline trace --seeds 1..5

Several deployments (--deploy a,b,c, or a scenario that declares deployments): an episode's
reward is the sum over the deployments; eval.json and the [eval] lines add each deployment's
part, and with --baseline its paired difference.

Every eval writes eval.json: per agent the mean episode reward with a 95% bootstrap interval
and its components; with --baseline, the paired differences on the same episode seeds; and
the seeds whose episodes came out identical. See docs/runs.md, "The evaluation protocol".`,
    );
  addRunOptions(cmd).action(async (raw: Record<string, unknown>, c: Command) => {
    const code = await executeEval(planRun(raw, { evalMode: true }), { stdout: (t) => process.stdout.write(t), stderr: process.stderr, argv: cmdArgv(c) });
    if (code !== 0) process.exitCode = code;
  });
}
