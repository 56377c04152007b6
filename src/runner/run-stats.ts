import type { EpisodeSummary, RewardRecord } from './records.js';
import { meanStd, minMax } from './stats.js';

/**
 * Accumulates a run's figures step by step: per-episode sums and the run's totals. The run
 * loop feeds it from the env's info; `simenv report` feeds it from `step.jsonl` when a run
 * has no summary (it was killed), so both agree by construction.
 */

/** What one step contributes (plain numbers: nothing here keeps a reference). */
export interface StepFigures {
  timeS: number;
  applied: number;
  reward: RewardRecord;
  sloViolated: boolean;
  violationS: number;
  windowS: number;
  cpuSeconds: number;
  ready: number;
  demand: number;
  desired: number;
}

interface OpenEpisode {
  episode: number;
  seed: number;
  startTimeS: number;
  lastTimeS: number;
  lastDesired: number;
  steps: number;
  reward: RewardRecord;
  sloViolations: number;
  violationS: number;
  windowS: number;
  cpuSeconds: number;
  replicaChanges: number;
  readySum: number;
  demandSum: number;
  terminated: boolean;
  truncated: boolean;
}

/** The per-episode and per-run accumulator. */
export class RunStats {
  readonly episodes: EpisodeSummary[] = [];
  private open: OpenEpisode | null = null;
  steps = 0;

  /** Start an episode from the state after reset. */
  beginEpisode(episode: number, seed: number, timeS: number, desired: number): void {
    if (this.open) this.endEpisode(false);
    this.open = {
      episode,
      seed,
      startTimeS: timeS,
      lastTimeS: timeS,
      lastDesired: desired,
      steps: 0,
      reward: { total: 0, slo: 0, cost: 0, churn: 0 },
      sloViolations: 0,
      violationS: 0,
      windowS: 0,
      cpuSeconds: 0,
      replicaChanges: 0,
      readySum: 0,
      demandSum: 0,
      terminated: false,
      truncated: false,
    };
  }

  /** Add one step of the open episode. */
  addStep(f: StepFigures, terminated: boolean, truncated: boolean): void {
    const e = this.open;
    if (!e) throw new Error('RunStats.addStep before beginEpisode');
    e.steps++;
    this.steps++;
    e.reward.total += f.reward.total;
    e.reward.slo += f.reward.slo;
    e.reward.cost += f.reward.cost;
    e.reward.churn += f.reward.churn;
    if (f.sloViolated) e.sloViolations++;
    e.violationS += f.violationS;
    e.windowS += f.windowS;
    e.cpuSeconds += f.cpuSeconds;
    if (f.applied !== e.lastDesired) e.replicaChanges++;
    e.lastDesired = f.desired;
    e.readySum += f.ready;
    e.demandSum += f.demand;
    e.lastTimeS = f.timeS;
    e.terminated = terminated;
    e.truncated = truncated;
  }

  /** Close the open episode; `complete` is false when it was cut short. Returns its summary. */
  endEpisode(complete: boolean): EpisodeSummary | null {
    const e = this.open;
    if (!e) return null;
    this.open = null;
    const summary: EpisodeSummary = {
      episode: e.episode,
      seed: e.seed,
      steps: e.steps,
      complete,
      terminated: e.terminated,
      truncated: e.truncated,
      simSeconds: e.windowS > 0 ? e.windowS : e.lastTimeS - e.startTimeS,
      reward: { ...e.reward },
      sloViolations: e.sloViolations,
      violationSeconds: e.violationS,
      cpuSeconds: e.cpuSeconds,
      replicaChanges: e.replicaChanges,
      meanReady: e.steps > 0 ? e.readySum / e.steps : 0,
      meanDemand: e.steps > 0 ? e.demandSum / e.steps : 0,
    };
    this.episodes.push(summary);
    return summary;
  }

  /** Whether an episode is open. */
  get inEpisode(): boolean {
    return this.open !== null;
  }

  /** The run's aggregate figures (the figure part of `summary.json`). */
  totals(): RunTotals {
    const complete = this.episodes.filter((e) => e.complete);
    const rewards = complete.map((e) => e.reward.total);
    const { mean, std } = meanStd(rewards);
    const components: RewardRecord = { total: 0, slo: 0, cost: 0, churn: 0 };
    let violations = 0;
    let violationS = 0;
    let simS = 0;
    let cpuSeconds = 0;
    let changes = 0;
    for (const e of this.episodes) {
      components.total += e.reward.total;
      components.slo += e.reward.slo;
      components.cost += e.reward.cost;
      components.churn += e.reward.churn;
      violations += e.sloViolations;
      violationS += e.violationSeconds;
      simS += e.simSeconds;
      cpuSeconds += e.cpuSeconds;
      changes += e.replicaChanges;
    }
    return {
      episodes: complete.length,
      steps: this.steps,
      reward: {
        total: components.total,
        mean,
        std,
        ...minMax(rewards),
        perStep: this.steps > 0 ? components.total / this.steps : null,
        components,
      },
      slo: {
        violations,
        stepViolationRate: this.steps > 0 ? violations / this.steps : null,
        violationSeconds: violationS,
        violationRate: simS > 0 ? violationS / simS : null,
      },
      cost: { cpuSeconds, cpuHours: cpuSeconds / 3600 },
      churn: { replicaChanges: changes, perEpisode: this.episodes.length > 0 ? changes / this.episodes.length : null },
      perEpisode: this.episodes.map((e) => ({ ...e, reward: { ...e.reward } })),
    };
  }
}

/** The figures `RunStats.totals` returns. */
export interface RunTotals {
  episodes: number;
  steps: number;
  reward: {
    total: number;
    mean: number | null;
    std: number | null;
    min: number | null;
    max: number | null;
    perStep: number | null;
    components: RewardRecord;
  };
  slo: { violations: number; stepViolationRate: number | null; violationSeconds: number; violationRate: number | null };
  cost: { cpuSeconds: number; cpuHours: number };
  churn: { replicaChanges: number; perEpisode: number | null };
  perEpisode: EpisodeSummary[];
}
