import type { ApplicationAgent } from '../agents/application/application-agent.js';
import type { ApplicationEnv } from '../env/application/application-env.js';
import type { ApplicationStepInfo } from '../env/application/application-types.js';
import type { ResetResult, StepResult } from '../env/types.js';
import type { ApplicationEpisodeSummary, DeploymentEpisodeSummary } from './records.js';

export type { ApplicationEpisodeSummary, DeploymentEpisodeSummary } from './records.js';

/**
 * The episode loop of an application run (an ApplicationEnv, several deployments): reset, let
 * the agent act, step, until the episodes are done or the signal aborts (the step in flight
 * finishes first). It drives the synchronous surface on the memory backend and the async one
 * on the kube backend (picked by `env.isAsync`), and sums each episode into the figures a
 * single-deployment run gives (`EpisodeSummary`, so the evaluation protocol's statistics apply
 * unchanged) plus the same figures per deployment.
 *
 * What the totals mean with several deployments (docs/runs.md, "Applications"):
 * - reward and its components, CPU-seconds and replica changes: sums over the deployments;
 * - meanReady: mean over steps of the ready replicas summed over the deployments;
 * - meanDemand: with a call graph the requests/s entering the application, else the sum of
 *   the deployments' demands;
 * - violationSeconds: with a call graph the seconds in which some entry's requests failed or
 *   broke the end-to-end SLO; without one, per step the longest violation of any deployment
 *   (a lower bound of "some deployment broke its SLO": the windows are not kept to unite).
 */

export interface ApplicationEpisodesOptions {
  env: ApplicationEnv;
  agent: ApplicationAgent;
  /** The seed of each episode, in order. */
  seeds: readonly number[];
  /** Abort to stop after the current step. */
  signal?: AbortSignal;
  /** After each reset and each step (`reward` 0 at reset); `info` is the env's reused buffer. */
  onStep?: (info: ApplicationStepInfo, reward: number, terminated: boolean, truncated: boolean) => void;
  /** As each episode ends (complete or cut short). */
  onEpisodeEnd?: (summary: ApplicationEpisodeSummary) => void;
}

/** How the loop ended. */
export interface ApplicationEpisodesOutcome {
  episodes: ApplicationEpisodeSummary[];
  /** Steps taken, partial episodes included. */
  steps: number;
  status: 'completed' | 'interrupted';
}

const YIELD_EVERY_MS = 25;

/** Running sums of one episode. */
class EpisodeSums {
  steps = 0;
  readonly reward = { total: 0, slo: 0, cost: 0, churn: 0 };
  sloViolations = 0;
  violationSeconds = 0;
  readonly per: Array<DeploymentEpisodeSummary & { readySum: number; demandSum: number }>;
  private readonly desired: Int32Array;
  private readySum = 0;
  private demandSum = 0;

  constructor(
    private readonly startS: number,
    reset: ApplicationStepInfo,
  ) {
    this.per = reset.deployments.map((d) => ({
      name: d.name,
      reward: { total: 0, slo: 0, cost: 0, churn: 0 },
      cpuSeconds: 0,
      replicaChanges: 0,
      meanReady: 0,
      meanDemand: 0,
      violationSeconds: 0,
      readySum: 0,
      demandSum: 0,
    }));
    this.desired = Int32Array.from(reset.deployments, (d) => d.observation.desired);
  }

  add(info: ApplicationStepInfo, reward: number): void {
    this.steps++;
    this.reward.total += reward;
    this.reward.slo += info.reward.slo;
    this.reward.cost += info.reward.cost;
    this.reward.churn += info.reward.churn;
    let ready = 0;
    let demand = 0;
    let violated = false;
    let longest = 0;
    info.deployments.forEach((d, i) => {
      const p = this.per[i]!;
      p.reward.total += d.reward.total;
      p.reward.slo += d.reward.slo;
      p.reward.cost += d.reward.cost;
      p.reward.churn += d.reward.churn;
      p.cpuSeconds += d.service.cpuSeconds;
      p.violationSeconds += d.service.violationS;
      if (d.action.applied !== this.desired[i]) p.replicaChanges++;
      this.desired[i] = d.observation.desired;
      p.readySum += d.observation.ready;
      p.demandSum += d.observation.demand;
      ready += d.observation.ready;
      demand += d.observation.demand;
      violated ||= d.service.sloViolated;
      longest = Math.max(longest, d.service.violationS);
    });
    if (info.endToEnd !== null) {
      demand = info.endToEnd.demand;
      violated = info.endToEnd.violationS > 0;
      longest = info.endToEnd.violationS;
    }
    this.readySum += ready;
    this.demandSum += demand;
    if (violated) this.sloViolations++;
    this.violationSeconds += longest;
  }

  summary(episode: number, seed: number, endS: number, complete: boolean, terminated: boolean, truncated: boolean): ApplicationEpisodeSummary {
    const n = Math.max(1, this.steps);
    return {
      episode,
      seed,
      steps: this.steps,
      complete,
      terminated,
      truncated,
      simSeconds: endS - this.startS,
      reward: { ...this.reward },
      sloViolations: this.sloViolations,
      violationSeconds: this.violationSeconds,
      cpuSeconds: this.per.reduce((a, p) => a + p.cpuSeconds, 0),
      replicaChanges: this.per.reduce((a, p) => a + p.replicaChanges, 0),
      meanReady: this.readySum / n,
      meanDemand: this.demandSum / n,
      deployments: this.per.map(({ readySum, demandSum, ...p }) => ({ ...p, reward: { ...p.reward }, meanReady: readySum / n, meanDemand: demandSum / n })),
    };
  }
}

/** Run the episodes; an error from the env or the agent propagates (the caller closes the env). */
export async function runApplicationEpisodes(opts: ApplicationEpisodesOptions): Promise<ApplicationEpisodesOutcome> {
  const { env, agent, seeds, signal } = opts;
  const episodes: ApplicationEpisodeSummary[] = [];
  let steps = 0;
  let lastYield = performance.now();
  for (let e = 0; e < seeds.length; e++) {
    if (signal?.aborted) break;
    const seed = seeds[e]!;
    let r: ResetResult<ApplicationStepInfo> = env.isAsync ? await env.resetAsync({ seed }) : env.reset({ seed });
    agent.reset?.(seed);
    opts.onStep?.(r.info, 0, false, false);
    const sums = new EpisodeSums(r.info.timeS, r.info);
    let last: StepResult<ApplicationStepInfo> | null = null;
    for (;;) {
      const action = agent.act(r.observation, r.info);
      const s = env.isAsync ? await env.stepAsync(action) : env.step(action);
      steps++;
      sums.add(s.info, s.reward);
      opts.onStep?.(s.info, s.reward, s.terminated, s.truncated);
      r = s;
      last = s;
      if (s.terminated || s.truncated) break;
      // A sync env never yields: give signals (and progress) a turn now and then.
      if (!env.isAsync && performance.now() - lastYield >= YIELD_EVERY_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
      if (signal?.aborted) break;
    }
    const done = last !== null && (last.terminated || last.truncated);
    const summary = sums.summary(e, seed, r.info.timeS, done, last?.terminated ?? false, last?.truncated ?? false);
    episodes.push(summary);
    opts.onEpisodeEnd?.(summary);
    if (!done) return { episodes, steps, status: 'interrupted' };
  }
  return { episodes, steps, status: episodes.length === seeds.length ? 'completed' : 'interrupted' };
}
