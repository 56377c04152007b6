import { Rng } from '../../src/env/rng.js';
import { Box, Discrete } from '../../src/env/spaces.js';
import { emptyStepInfo } from '../../src/env/step-info.js';
import type { ResetResult, StepInfo, StepResult, SyncEnv } from '../../src/env/types.js';

/**
 * A tiny SyncEnv that is not a SimEnv: a counter the action moves by -1/0/+1 within 0..4;
 * reward = -|counter - target| (slo) - 0.1|action| (churn); the episode is truncated after
 * `horizon` steps and terminated when the counter hits 4. The seed picks the start and target.
 * Like SimEnv it reuses its observation, info and result objects.
 */
export class CounterEnv implements SyncEnv {
  readonly observationSpace: Box;
  readonly actionSpace = new Discrete(3, -1);
  closed = false;
  resets = 0;
  private readonly rng = new Rng(0);
  private readonly obs: Float32Array;
  private readonly info: StepInfo = emptyStepInfo();
  private readonly result: StepResult;
  private counter = 0;
  private target = 0;
  private t = 0;
  private last = 0;

  constructor(
    private readonly horizon = 5,
    readonly obsSize = 2,
  ) {
    this.observationSpace = new Box(new Array(obsSize).fill(0), new Array(obsSize).fill(4));
    this.obs = new Float32Array(obsSize);
    this.result = { observation: this.obs, reward: 0, terminated: false, truncated: false, info: this.info };
  }

  reset(opts?: { seed?: number }): ResetResult {
    if (this.closed) throw new Error('reset after close');
    if (opts?.seed !== undefined) this.rng.reseed(opts.seed);
    this.counter = this.rng.int(0, 2);
    this.target = this.rng.int(0, 4);
    this.t = 0;
    this.last = 0;
    this.resets++;
    this.info.episode = this.resets - 1;
    this.info.step = 0;
    this.fill();
    return { observation: this.obs, info: this.info };
  }

  step(action: number): StepResult {
    if (this.closed) throw new Error('step after close');
    if (!this.actionSpace.contains(action)) throw new RangeError(`bad action ${action}`);
    this.counter = Math.min(4, Math.max(0, this.counter + action));
    this.t++;
    const slo = 0 - Math.abs(this.counter - this.target); // 0 - x: never -0
    const churn = 0 - 0.1 * Math.abs(action);
    this.last = slo + churn;
    this.info.step = this.t;
    this.info.reward.slo = slo;
    this.info.reward.churn = churn;
    this.info.reward.cost = 0;
    this.info.reward.total = this.last;
    this.fill();
    const r = this.result;
    r.reward = this.last;
    r.terminated = this.counter === 4;
    r.truncated = !r.terminated && this.t >= this.horizon;
    return r;
  }

  observe(): Float32Array {
    return this.obs;
  }

  reward(): number {
    return this.last;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private fill(): void {
    this.obs[0] = this.counter;
    this.obs[1] = this.target;
    this.info.observation.desired = this.counter;
  }
}
