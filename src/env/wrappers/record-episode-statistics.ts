import type { ActionSpace } from '../spaces.js';
import type { ActionOf, AsyncEnv, InfoOf, ResetResult, RewardBreakdown, StepResult, SyncEnv } from '../types.js';

/** One finished episode's totals: the return, the length, and the reward's components summed. */
export interface EpisodeStatistics {
  return: number;
  length: number;
  slo: number;
  cost: number;
  churn: number;
}

/** What the wrapper reads of an env's info: the step's reward components. */
export interface RewardInfo {
  reward: Pick<RewardBreakdown, 'slo' | 'cost' | 'churn'>;
}

type Action<E extends SyncEnv<ActionSpace, RewardInfo>> = ActionOf<E['actionSpace']>;

export interface RecordEpisodeStatisticsOptions {
  /** How many finished episodes `returnQueue` and `lengthQueue` keep (default 100, as Gymnasium). */
  bufferLength?: number;
}

/**
 * Gymnasium's `RecordEpisodeStatistics` for the simenv protocol: it sums each episode's reward,
 * length and reward components (from `info.reward`). When a step ends the episode,
 * `lastEpisode` holds the totals and stays until the next episode ends, so a same-step
 * autoreset (which resets the env inside the same vector step) does not erase them. The env's
 * results pass through untouched; no allocation per step (a finished episode appends to the
 * bounded queues). Any env whose info carries `reward` components will do: one deployment
 * (Discrete actions) or an application (MultiDiscrete; its `info.reward` sums the deployments).
 */
export class RecordEpisodeStatistics<E extends SyncEnv<ActionSpace, RewardInfo> = SyncEnv> implements SyncEnv<E['actionSpace'], InfoOf<E>> {
  readonly observationSpace: E['observationSpace'];
  readonly actionSpace: E['actionSpace'];
  /** Totals of the most recent finished episode (the same object each time; null before the first). */
  lastEpisode: Readonly<EpisodeStatistics> | null = null;
  /** Episodes finished since the wrapper was made. */
  episodeCount = 0;
  /** Returns of the last `bufferLength` finished episodes, oldest first. */
  readonly returnQueue: number[] = [];
  /** Lengths of the last `bufferLength` finished episodes, oldest first. */
  readonly lengthQueue: number[] = [];
  private readonly bufferLength: number;
  private readonly running: EpisodeStatistics = { return: 0, length: 0, slo: 0, cost: 0, churn: 0 };
  private readonly finished: EpisodeStatistics = { return: 0, length: 0, slo: 0, cost: 0, churn: 0 };

  constructor(
    readonly env: E,
    options: RecordEpisodeStatisticsOptions = {},
  ) {
    const buffer = options.bufferLength ?? 100;
    if (!Number.isInteger(buffer) || buffer < 1) throw new RangeError(`RecordEpisodeStatistics: expected bufferLength >= 1, got ${buffer}`);
    this.bufferLength = buffer;
    this.observationSpace = env.observationSpace;
    this.actionSpace = env.actionSpace;
  }

  reset(opts?: { seed?: number }): ResetResult<InfoOf<E>> {
    const r = this.env.reset(opts) as ResetResult<InfoOf<E>>;
    this.clearRunning();
    return r;
  }

  step(action: Action<E>): StepResult<InfoOf<E>> {
    return this.record(this.env.step(action) as StepResult<InfoOf<E>>);
  }

  /** Async reset through the wrapped env's async surface (or its sync one if it has none). */
  async resetAsync(opts?: { seed?: number }): Promise<ResetResult<InfoOf<E>>> {
    const inner = this.env as Partial<AsyncEnv<E['actionSpace'], InfoOf<E>>>;
    const r = typeof inner.resetAsync === 'function' ? await inner.resetAsync(opts) : (this.env.reset(opts) as ResetResult<InfoOf<E>>);
    this.clearRunning();
    return r;
  }

  /** Async step through the wrapped env's async surface (or its sync one if it has none). */
  async stepAsync(action: Action<E>): Promise<StepResult<InfoOf<E>>> {
    const inner = this.env as Partial<AsyncEnv<E['actionSpace'], InfoOf<E>>>;
    return this.record(typeof inner.stepAsync === 'function' ? await inner.stepAsync(action) : (this.env.step(action) as StepResult<InfoOf<E>>));
  }

  observe(): Float32Array {
    return this.env.observe();
  }

  reward(): number {
    return this.env.reward();
  }

  close(): Promise<void> {
    return this.env.close();
  }

  /** The running totals of the current episode (read-only view; reset zeroes them). */
  get current(): Readonly<EpisodeStatistics> {
    return this.running;
  }

  private record(r: StepResult<InfoOf<E>>): StepResult<InfoOf<E>> {
    const s = this.running;
    const parts = (r.info as RewardInfo).reward;
    s.return += r.reward;
    s.length++;
    s.slo += parts.slo;
    s.cost += parts.cost;
    s.churn += parts.churn;
    if (r.terminated || r.truncated) {
      Object.assign(this.finished, s);
      this.lastEpisode = this.finished;
      this.episodeCount++;
      this.returnQueue.push(s.return);
      this.lengthQueue.push(s.length);
      if (this.returnQueue.length > this.bufferLength) {
        this.returnQueue.shift();
        this.lengthQueue.shift();
      }
      this.clearRunning();
    }
    return r;
  }

  private clearRunning(): void {
    const s = this.running;
    s.return = 0;
    s.length = 0;
    s.slo = 0;
    s.cost = 0;
    s.churn = 0;
  }
}
