import type { Rng } from '../../env/rng.js';

/**
 * DQN's experience replay: a ring buffer of transitions in preallocated typed arrays (no
 * per-step allocation), sampled uniformly into reused batch arrays.
 */
export class ReplayBuffer {
  readonly obs: Float32Array;
  readonly nextObs: Float32Array;
  readonly actions: Int32Array;
  readonly rewards: Float32Array;
  /** 1 when the transition ended in a true terminal state (no bootstrap). */
  readonly dones: Float32Array;
  private pos = 0;
  private full = false;

  /** Batch views filled by `sample`. */
  readonly batch: { obs: Float32Array; nextObs: Float32Array; actions: Int32Array; rewards: Float32Array; dones: Float32Array };

  constructor(
    readonly capacity: number,
    readonly obsSize: number,
    readonly batchSize: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ReplayBuffer: expected capacity >= 1, got ${capacity}`);
    this.obs = new Float32Array(capacity * obsSize);
    this.nextObs = new Float32Array(capacity * obsSize);
    this.actions = new Int32Array(capacity);
    this.rewards = new Float32Array(capacity);
    this.dones = new Float32Array(capacity);
    this.batch = {
      obs: new Float32Array(batchSize * obsSize),
      nextObs: new Float32Array(batchSize * obsSize),
      actions: new Int32Array(batchSize),
      rewards: new Float32Array(batchSize),
      dones: new Float32Array(batchSize),
    };
  }

  /** Transitions held. */
  get size(): number {
    return this.full ? this.capacity : this.pos;
  }

  /** Add one transition; `obs`/`nextObs` are read at `offset` (a row of a batched array). */
  add(obs: Float32Array, obsOffset: number, action: number, reward: number, nextObs: Float32Array, nextOffset: number, done: boolean): void {
    const k = this.obsSize;
    const at = this.pos * k;
    this.obs.set(obs.subarray(obsOffset, obsOffset + k), at);
    this.nextObs.set(nextObs.subarray(nextOffset, nextOffset + k), at);
    this.actions[this.pos] = action;
    this.rewards[this.pos] = reward;
    this.dones[this.pos] = done ? 1 : 0;
    this.pos++;
    if (this.pos === this.capacity) {
      this.pos = 0;
      this.full = true;
    }
  }

  /** Fill `batch` with `batchSize` transitions drawn uniformly (with replacement) from `rng`. */
  sample(rng: Rng): ReplayBuffer['batch'] {
    const n = this.size;
    if (n === 0) throw new RangeError('ReplayBuffer: expected transitions to sample, got an empty buffer');
    const k = this.obsSize;
    const b = this.batch;
    for (let i = 0; i < this.batchSize; i++) {
      const j = Math.floor(rng.next() * n);
      b.obs.set(this.obs.subarray(j * k, j * k + k), i * k);
      b.nextObs.set(this.nextObs.subarray(j * k, j * k + k), i * k);
      b.actions[i] = this.actions[j]!;
      b.rewards[i] = this.rewards[j]!;
      b.dones[i] = this.dones[j]!;
    }
    return b;
  }
}
