import type { StepInfo, StepResult } from '../env/types.js';
import type { EpisodeSummary, SummaryRecord } from './records.js';
import { fmt, fmtPercent } from './number-format.js';

/**
 * The human output of `simenv run`: the prototype's six phases, one line each with its
 * figures: start, create, observe, action, reward, summary. Observe, action and reward repeat
 * per episode (for the first few episodes; step.jsonl has all of them).
 */

/** Where lines go (stdout in the CLI); `before` runs first (it clears the progress bar). */
export interface PhaseSink {
  write(line: string): void;
}

/** Episodes whose observe/action/reward lines are printed. */
export const PRINTED_EPISODES = 10;

/** Prints the six phases for one run. */
export class PhasePrinter {
  private actionMin = Infinity;
  private actionMax = -Infinity;
  private appliedSum = 0;
  private steps = 0;
  private lastInfoLatency = 0;
  private lastUnmet = 0;
  private truncatedNoticePrinted = false;

  constructor(
    private readonly sink: PhaseSink,
    private readonly mode: 'one-step' | 'multi-step',
    private readonly heldSeconds: number,
  ) {}

  private line(phase: string, text: string): void {
    this.sink.write(`${`[${phase}]`.padEnd(10)}${text}`);
  }

  private printed(episode: number): boolean {
    if (episode < PRINTED_EPISODES) return true;
    if (!this.truncatedNoticePrinted) {
      this.truncatedNoticePrinted = true;
      this.line('observe', `(episodes from ${PRINTED_EPISODES} on are not printed; every step is in step.jsonl)`);
    }
    return false;
  }

  /** `[start]`: what is about to run. */
  start(fields: Record<string, string | number>): void {
    this.line('start', Object.entries(fields).map(([k, v]) => `${k}=${v}`).join(' '));
  }

  /** `[create]`: the env as it describes itself (backend, trace, deployment, mode). */
  create(description: string): void {
    this.line('create', description);
  }

  /** `[observe]`: the state after reset. */
  observe(episode: number, seed: number, info: StepInfo): void {
    this.actionMin = Infinity;
    this.actionMax = -Infinity;
    this.appliedSum = 0;
    this.steps = 0;
    if (!this.printed(episode)) return;
    const o = info.observation;
    this.line(
      'observe',
      `episode=${episode} seed=${seed} t=${fmt(info.timeS)}s desired=${o.desired} ready=${o.ready} pending=${o.pending} ` +
        `demand=${fmt(o.demand)}req/s utilisation=${fmtPercent(o.utilisation)} recorded=${info.recordedReplicas} free-cpu=${fmt(o.freeCpu)}`,
    );
  }

  /** Per step: one-step episodes print `[action]` here; multi-step ones aggregate. */
  step(episode: number, step: number, action: number, r: StepResult, agentName: string): void {
    const applied = r.info.action.applied;
    if (applied < this.actionMin) this.actionMin = applied;
    if (applied > this.actionMax) this.actionMax = applied;
    this.appliedSum += applied;
    this.steps++;
    this.lastInfoLatency = r.info.service.latencyMs;
    this.lastUnmet = r.info.service.unmet;
    if (this.mode === 'one-step' && step === 1 && this.printed(episode)) {
      this.line(
        'action',
        `episode=${episode} agent=${agentName} action=${action} requested=${r.info.action.requested} applied=${applied} replicas, held ${fmt(this.heldSeconds)}s`,
      );
    }
  }

  /** `[action]` (multi-step) and `[reward]` at the end of an episode. */
  episodeEnd(e: EpisodeSummary, agentName: string): void {
    if (!this.printed(e.episode)) return;
    if (this.mode === 'multi-step' && this.steps > 0) {
      this.line(
        'action',
        `episode=${e.episode} agent=${agentName} steps=${e.steps} replicas ${this.actionMin}..${this.actionMax} ` +
          `(mean ${fmt(this.appliedSum / this.steps, 3)}) changes=${e.replicaChanges}`,
      );
    }
    const r = e.reward;
    const sloShare = e.simSeconds > 0 ? e.violationSeconds / e.simSeconds : null;
    const tail =
      this.mode === 'one-step'
        ? `unmet=${fmt(this.lastUnmet)}req/s latency=${fmt(this.lastInfoLatency)}ms`
        : `slo-violations=${e.sloViolations}/${e.steps} steps meanReady=${fmt(e.meanReady, 3)} meanDemand=${fmt(e.meanDemand)}req/s`;
    this.line(
      'reward',
      `episode=${e.episode} reward=${fmt(r.total)} (slo=${fmt(r.slo)} cost=${fmt(r.cost)} churn=${fmt(r.churn)}) ` +
        `slo-broken=${fmtPercent(sloShare)} of ${fmt(e.simSeconds)}s cpu=${fmt(e.cpuSeconds)}cpu-s ${tail}${e.complete ? '' : ' (cut short)'}`,
    );
  }

  /** `[summary]`: the run's figures and where they were written. */
  summary(s: SummaryRecord, dir: string | null): void {
    const reward = s.reward.mean === null ? '-' : s.episodes > 1 ? `${fmt(s.reward.mean)} ± ${fmt(s.reward.std, 2)}` : fmt(s.reward.mean);
    this.line(
      'summary',
      `status=${s.status} episodes=${s.episodes}/${s.episodesRequested} steps=${s.steps} reward=${reward} ` +
        `slo-broken=${fmtPercent(s.slo.violationRate)} cost=${fmt(s.cost.cpuHours, 3)}cpu-h churn=${s.churn.replicaChanges} ` +
        `wall=${fmt(s.wallTimeS, 3)}s steps/s=${s.stepsPerSecond === null ? '-' : s.stepsPerSecond.toFixed(0)}` +
        (dir ? ` -> ${dir}` : '') +
        (s.error ? ` error=${s.error.message}` : ''),
    );
  }
}
