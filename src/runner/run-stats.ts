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

/** Numbers kept per recent step so it can be taken back (see keepRecentSteps). */
const UNDO_FIELDS = 15;

/** The per-episode and per-run accumulator. */
export class RunStats {
  readonly episodes: EpisodeSummary[] = [];
  private open: OpenEpisode | null = null;
  steps = 0;
  /** Ring of the open episode's last steps (what addStep added, and what it replaced). */
  private recent: Float64Array | null = null;
  private recentCap = 0;
  private recentLen = 0;
  private recentNext = 0;

  /**
   * Remember the open episode's last `n` steps so `dropLastLines` can take them back: a
   * batched log can lose up to that many lines to a failed write, and a summary must never
   * count a step that is not on disk. Typed arrays, written in place: no allocation per step.
   */
  keepRecentSteps(n: number): void {
    this.recentCap = n;
    this.recent = n > 0 ? new Float64Array(n * UNDO_FIELDS) : null;
    this.recentLen = 0;
    this.recentNext = 0;
  }

  /**
   * Take back the last `lines` logged lines that never reached the disk: the open episode's
   * last steps, and when `lines` exceeds its steps, its reset line too (the episode is then
   * dropped: nothing of it is on disk). Call before closing the episode.
   */
  dropLastLines(lines: number): void {
    const e = this.open;
    if (!e || lines <= 0) return;
    const r = this.recent;
    // The episode logged 1 + steps lines (its reset line first): more lost lines than steps means the reset line too.
    const resetLost = lines > e.steps;
    let undo = Math.min(lines, e.steps);
    while (undo > 0 && r !== null && this.recentLen > 0) {
      this.recentNext = (this.recentNext - 1 + this.recentCap) % this.recentCap;
      this.recentLen--;
      const o = this.recentNext * UNDO_FIELDS;
      e.steps--;
      this.steps--;
      e.reward.total -= r[o]!;
      e.reward.slo -= r[o + 1]!;
      e.reward.cost -= r[o + 2]!;
      e.reward.churn -= r[o + 3]!;
      e.sloViolations -= r[o + 4]!;
      e.violationS -= r[o + 5]!;
      e.windowS -= r[o + 6]!;
      e.cpuSeconds -= r[o + 7]!;
      e.replicaChanges -= r[o + 8]!;
      e.readySum -= r[o + 9]!;
      e.demandSum -= r[o + 10]!;
      e.lastDesired = r[o + 11]!;
      e.lastTimeS = r[o + 12]!;
      e.terminated = r[o + 13]! === 1;
      e.truncated = r[o + 14]! === 1;
      undo--;
    }
    if (resetLost) {
      // The episode left nothing on disk.
      this.steps -= e.steps;
      this.open = null;
    }
  }

  /** Start an episode from the state after reset. */
  beginEpisode(episode: number, seed: number, timeS: number, desired: number): void {
    if (this.open) this.endEpisode(false);
    this.recentLen = 0;
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
    const r = this.recent;
    if (r !== null) {
      const o = this.recentNext * UNDO_FIELDS;
      r[o] = f.reward.total;
      r[o + 1] = f.reward.slo;
      r[o + 2] = f.reward.cost;
      r[o + 3] = f.reward.churn;
      r[o + 4] = f.sloViolated ? 1 : 0;
      r[o + 5] = f.violationS;
      r[o + 6] = f.windowS;
      r[o + 7] = f.cpuSeconds;
      r[o + 8] = f.applied !== e.lastDesired ? 1 : 0;
      r[o + 9] = f.ready;
      r[o + 10] = f.demand;
      r[o + 11] = e.lastDesired;
      r[o + 12] = e.lastTimeS;
      r[o + 13] = e.terminated ? 1 : 0;
      r[o + 14] = e.truncated ? 1 : 0;
      this.recentNext = (this.recentNext + 1) % this.recentCap;
      if (this.recentLen < this.recentCap) this.recentLen++;
    }
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
