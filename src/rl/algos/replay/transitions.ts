/**
 * Transitions in flat typed columns (Stable-Baselines3's ReplayBufferSamples, without arrays of objects): what an
 * off-policy method adds to its replay buffer, the buffer's own storage, and the minibatches it samples into
 * preallocated arrays.
 */

/** N transitions, one row each (one per env of a vector env step, or the rows an n-step collector emitted). */
export interface Transitions {
  /** N x obsDim. */
  obs: ArrayLike<number>;
  /** N x actDim (a Discrete action is one number). */
  actions: ArrayLike<number>;
  rewards: ArrayLike<number>;
  /** 0 or 1 each. */
  terminated: ArrayLike<number>;
  truncated: ArrayLike<number>;
  /** N x obsDim; the final observation of the episode where it ended. */
  nextObs: ArrayLike<number>;
  /** gamma^m per row (required when the buffer stores discounts, refused otherwise). */
  discounts?: ArrayLike<number> | null;
  /** Rows to read (default rewards.length; the arrays may be longer, as a reused staging batch is). */
  count?: number;
}

/** Flat typed columns for `capacity` transitions: the storage of a batch and of the replay buffer alike. */
export class TransitionColumns {
  readonly obs: Float32Array;
  readonly actions: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly nextObs: Float32Array;
  /** gamma^m per row; null when the columns hold no discounts. */
  readonly discounts: Float32Array | null;

  constructor(
    readonly capacity: number,
    readonly obsDim: number,
    readonly actDim: number,
    withDiscounts: boolean,
  ) {
    this.obs = new Float32Array(capacity * obsDim);
    this.actions = new Float32Array(capacity * actDim);
    this.rewards = new Float32Array(capacity);
    this.terminated = new Uint8Array(capacity);
    this.truncated = new Uint8Array(capacity);
    this.nextObs = new Float32Array(capacity * obsDim);
    this.discounts = withDiscounts ? new Float32Array(capacity) : null;
  }
}

/** A preallocated batch of up to `capacity` transitions; `count` says how many rows are in use. */
export class TransitionBatch extends TransitionColumns implements Transitions {
  count = 0;
}

/** A sampled minibatch: the transitions, the slots they came from, and importance weights (1 for uniform replay). */
export class ReplaySample extends TransitionBatch {
  /** The buffer slot of each row (what `updatePriorities` takes back). */
  readonly indices: Int32Array;
  /** Importance-sampling weight per row: 1 for uniform replay, w_i of prioritized.ts otherwise. */
  readonly weights: Float32Array;

  constructor(batchSize: number, obsDim: number, actDim: number, withDiscounts: boolean) {
    super(batchSize, obsDim, actDim, withDiscounts);
    this.indices = new Int32Array(batchSize);
    this.weights = new Float32Array(batchSize).fill(1);
  }
}
