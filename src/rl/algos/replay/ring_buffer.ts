/**
 * ReplayBuffer: the last `capacity` transitions (s, a, r, s', terminated, truncated[, discount]) of an
 * off-policy run, in flat typed arrays indexed [slot * dim + d] (Stable-Baselines3's ReplayBuffer, without
 * arrays of objects).
 *
 * Invariants:
 * - Slots [0, size) hold data; `pos` is the next slot written. Until the buffer is full, size = pos; after,
 *   size = capacity and each add overwrites the oldest slot (ring order: pos, pos+1, ..., pos-1 is oldest
 *   to newest).
 * - `terminated` and `truncated` are kept apart, as the Env contract does. The TD target of slot i is
 *     y_i = r_i + discount_i * (1 - terminated_i) * V(s'_i)
 *   so a truncated (cut, not ended) transition still bootstraps from its final observation s'_i, and a
 *   transition with both flags set does not. `truncated` is informative only; `nextObs` of a transition on
 *   which an episode ended is the episode's final observation (not the first observation of the next one,
 *   which a same-step autoreset vector env returns in `obs`; see `nextObservations`).
 * - `discount_i` (only with `storeDiscounts`) is gamma^m for an m-step return (n_step.ts); without it the
 *   discount is gamma for every transition.
 * - Sampling is uniform over the filled slots, with replacement, into preallocated arrays (`createSample`):
 *   no allocation per sample or per batch.
 */
import { describe, type Rng } from '../../core/rng.js';
import type { StoredArray } from '../../train/checkpoint.js';

import {
  FLAG_TERMINATED,
  FLAG_TRUNCATED,
  META,
  readReplayMeta,
  REPLAY_KIND_UNIFORM,
  REPLAY_LAYOUT_VERSION,
  storedArray,
} from './replay_layout.js';
import { ReplaySample, TransitionColumns, type Transitions } from './transitions.js';

export interface ReplayBufferOptions {
  /** Most transitions kept (the oldest are overwritten). */
  capacity: number;
  /** Numbers per observation. */
  obsDim: number;
  /** Numbers per action: 1 for Discrete, the action size for Box. */
  actDim: number;
  /** Keep a discount gamma^m per transition (n-step returns). Default false. */
  storeDiscounts?: boolean;
}

function checkCount(owner: string, name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new RangeError(`${owner}: ${name} must be an integer >= ${min}, got ${describe(v)}`);
  }
  return v;
}

export class ReplayBuffer extends TransitionColumns {
  protected _size = 0;
  protected _pos = 0;
  protected _added = 0;

  constructor(options: ReplayBufferOptions) {
    const owner = new.target.name;
    super(
      checkCount(owner, 'capacity', options?.capacity, 1),
      checkCount(owner, 'obsDim', options.obsDim, 1),
      checkCount(owner, 'actDim', options.actDim, 1),
      Boolean(options.storeDiscounts),
    );
  }

  /** Transitions held (at most capacity). */
  get size(): number {
    return this._size;
  }

  get full(): boolean {
    return this._size === this.capacity;
  }

  /** The slot the next transition goes to. */
  get pos(): number {
    return this._pos;
  }

  /** Transitions ever added, overwritten ones included. */
  get added(): number {
    return this._added;
  }

  /** Whether the buffer holds at least `batchSize` transitions: a loop waits (learning starts) until it does. */
  canSample(batchSize: number): boolean {
    return this._size >= batchSize && this._size > 0;
  }

  /** Preallocated output for `sample(batchSize, ...)`, shaped like this buffer. */
  createSample(batchSize: number): ReplaySample {
    checkCount(this.constructor.name, 'batchSize', batchSize, 1);
    return new ReplaySample(batchSize, this.obsDim, this.actDim, this.discounts !== null);
  }

  /**
   * Appends `t.count` (default: rewards.length) transitions, in row order, overwriting the oldest when full.
   * Everything is checked before anything is written, so a bad batch leaves the buffer as it was.
   */
  add(t: Transitions): void {
    const owner = `${this.constructor.name}.add`;
    const n = t.count ?? t.rewards?.length;
    checkCount(owner, 'count', n, 0);
    const D = this.obsDim,
      A = this.actDim;
    const need = (name: string, arr: ArrayLike<number> | null | undefined, per: number): ArrayLike<number> => {
      if (arr == null || typeof arr.length !== 'number')
        throw new TypeError(`${owner}: ${name} is missing (got ${describe(arr)})`);
      if (arr.length < n * per || (t.count === undefined && arr.length !== n * per)) {
        throw new RangeError(
          `${owner}: ${name} has ${arr.length} numbers, expected ${n * per} (${n} transitions x ${per})`,
        );
      }
      return arr;
    };
    const obs = need('obs', t.obs, D),
      nextObs = need('nextObs', t.nextObs, D),
      actions = need('actions', t.actions, A);
    const rewards = need('rewards', t.rewards, 1),
      term = need('terminated', t.terminated, 1),
      trunc = need('truncated', t.truncated, 1);
    let discounts: ArrayLike<number> | null = null;
    if (this.discounts) {
      if (t.discounts == null)
        throw new TypeError(
          `${owner}: this buffer stores a discount per transition (n-step returns); discounts is missing`,
        );
      discounts = need('discounts', t.discounts, 1);
    } else if (t.discounts != null) {
      throw new TypeError(`${owner}: discounts given, but this buffer was built without storeDiscounts`);
    }
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(rewards[i]))
        throw new RangeError(`${owner}: rewards[${i}] is ${rewards[i]}, expected a finite number`);
      if (term[i] !== 0 && term[i] !== 1)
        throw new RangeError(`${owner}: terminated[${i}] is ${describe(term[i])}, expected 0 or 1`);
      if (trunc[i] !== 0 && trunc[i] !== 1)
        throw new RangeError(`${owner}: truncated[${i}] is ${describe(trunc[i])}, expected 0 or 1`);
      if (discounts && !(discounts[i] >= 0 && discounts[i] <= 1))
        throw new RangeError(`${owner}: discounts[${i}] is ${discounts[i]}, expected a number in [0, 1]`);
    }
    for (let k = 0; k < n * D; k++) {
      if (!Number.isFinite(obs[k]))
        throw new RangeError(
          `${owner}: obs entry ${k % D} of row ${Math.floor(k / D)} is ${obs[k]}, expected a finite number`,
        );
      if (!Number.isFinite(nextObs[k]))
        throw new RangeError(
          `${owner}: nextObs entry ${k % D} of row ${Math.floor(k / D)} is ${nextObs[k]}, expected a finite number`,
        );
    }
    for (let k = 0; k < n * A; k++) {
      if (!Number.isFinite(actions[k]))
        throw new RangeError(
          `${owner}: actions entry ${k % A} of row ${Math.floor(k / A)} is ${actions[k]}, expected a finite number`,
        );
    }
    for (let i = 0; i < n; i++) {
      const s = this._pos;
      for (let d = 0; d < D; d++) {
        this.obs[s * D + d] = obs[i * D + d];
        this.nextObs[s * D + d] = nextObs[i * D + d];
      }
      for (let d = 0; d < A; d++) this.actions[s * A + d] = actions[i * A + d];
      this.rewards[s] = rewards[i];
      this.terminated[s] = term[i];
      this.truncated[s] = trunc[i];
      if (discounts) this.discounts![s] = discounts[i];
      this.onWrite(s);
      this._pos = s + 1 === this.capacity ? 0 : s + 1;
      if (this._size < this.capacity) this._size++;
      this._added++;
    }
  }

  /** Called after slot `slot` is (over)written; prioritized replay gives it the max priority. */
  protected onWrite(_slot: number): void {}

  /** `batchSize` transitions drawn uniformly (with replacement) from the filled slots, into `out`. */
  sample(batchSize: number, rng: Rng, out: ReplaySample): ReplaySample {
    this.checkSampleArgs(batchSize, out);
    const size = this._size;
    for (let b = 0; b < batchSize; b++) out.indices[b] = rng.below(size);
    out.weights.fill(1, 0, batchSize);
    return this.gather(batchSize, out);
  }

  protected checkSampleArgs(batchSize: number, out: ReplaySample): void {
    // Messages are built only on failure: sampling allocates nothing.
    const owner = 'ReplayBuffer.sample';
    if (!(Number.isSafeInteger(batchSize) && batchSize >= 1)) checkCount(owner, 'batchSize', batchSize, 1);
    if (this._size === 0)
      throw new RangeError(`${owner}: the buffer is empty (wait until it holds a batch: canSample(${batchSize}))`);
    if (
      !(out instanceof ReplaySample) ||
      out.capacity < batchSize ||
      out.obsDim !== this.obsDim ||
      out.actDim !== this.actDim ||
      (out.discounts === null) !== (this.discounts === null)
    ) {
      throw new TypeError(`${owner}: out must come from this buffer's createSample(n) with n >= ${batchSize}`);
    }
  }

  /** Copies the slots named by out.indices[0, batchSize) into out's arrays. */
  gather(batchSize: number, out: ReplaySample): ReplaySample {
    const D = this.obsDim,
      A = this.actDim;
    for (let b = 0; b < batchSize; b++) {
      const s = out.indices[b];
      const so = s * D,
        bo = b * D;
      for (let d = 0; d < D; d++) {
        out.obs[bo + d] = this.obs[so + d];
        out.nextObs[bo + d] = this.nextObs[so + d];
      }
      for (let d = 0; d < A; d++) out.actions[b * A + d] = this.actions[s * A + d];
      out.rewards[b] = this.rewards[s];
      out.terminated[b] = this.terminated[s];
      out.truncated[b] = this.truncated[s];
      if (this.discounts) out.discounts![b] = this.discounts[s];
    }
    out.count = batchSize;
    return out;
  }

  /** Forgets every transition (the arrays keep their memory). */
  clear(): void {
    this._size = 0;
    this._pos = 0;
  }

  /**
   * The buffer as named arrays for a checkpoint (`--save-buffer`): `meta` (Float64Array, indices in META),
   * `obs`, `actions`, `rewards`, `next_obs`, `discounts` (when stored) over the filled slots [0, size), and
   * `flags` (Int32Array, bit 0 terminated, bit 1 truncated). The float arrays are views into the buffer,
   * valid until the next add: write them out right away.
   */
  toArrays(): Record<string, StoredArray> {
    const n = this._size,
      D = this.obsDim,
      A = this.actDim;
    const meta = new Float64Array(META.extra + this.extraMeta().length);
    meta[META.layout] = REPLAY_LAYOUT_VERSION;
    meta[META.kind] = this.kind();
    meta[META.capacity] = this.capacity;
    meta[META.obsDim] = D;
    meta[META.actDim] = A;
    meta[META.size] = n;
    meta[META.pos] = this._pos;
    meta[META.added] = this._added;
    meta[META.hasDiscounts] = this.discounts ? 1 : 0;
    meta.set(this.extraMeta(), META.extra);
    const flags = new Int32Array(n);
    for (let i = 0; i < n; i++)
      flags[i] = (this.terminated[i] ? FLAG_TERMINATED : 0) | (this.truncated[i] ? FLAG_TRUNCATED : 0);
    const arrays: Record<string, StoredArray> = {
      meta,
      obs: this.obs.subarray(0, n * D),
      actions: this.actions.subarray(0, n * A),
      rewards: this.rewards.subarray(0, n),
      next_obs: this.nextObs.subarray(0, n * D),
      flags,
    };
    if (this.discounts) arrays.discounts = this.discounts.subarray(0, n);
    return arrays;
  }

  /**
   * Replaces this buffer's content with arrays from `toArrays()`, after checking that they fit this buffer
   * (same kind, capacity, observation and action sizes, discounts or not); `source` names where they came
   * from, for errors. Nothing is changed when a check fails.
   */
  loadArrays(arrays: Record<string, StoredArray>, source = 'replay buffer arrays'): void {
    const {
      meta,
      size: n,
      pos,
      added,
    } = readReplayMeta(
      arrays,
      {
        kind: this.kind(),
        capacity: this.capacity,
        obsDim: this.obsDim,
        actDim: this.actDim,
        hasDiscounts: this.discounts ? 1 : 0,
      },
      source,
    );
    const arr = <T extends StoredArray>(name: string, Ctor: { new (k: number): T; name: string }, len: number) =>
      storedArray(arrays, name, Ctor, len, source);
    const D = this.obsDim,
      A = this.actDim;
    const obs = arr('obs', Float32Array, n * D),
      nextObs = arr('next_obs', Float32Array, n * D),
      actions = arr('actions', Float32Array, n * A);
    const rewards = arr('rewards', Float32Array, n),
      flags = arr('flags', Int32Array, n);
    const discounts = this.discounts ? arr('discounts', Float32Array, n) : null;
    for (let i = 0; i < n; i++) {
      if ((flags[i] & ~(FLAG_TERMINATED | FLAG_TRUNCATED)) !== 0)
        throw new RangeError(
          `${source}: flags[${i}] is ${flags[i]}, expected 0..3 (bit 0 terminated, bit 1 truncated)`,
        );
    }
    this.loadExtra(arrays, meta, n, source);
    this.obs.set(obs);
    this.nextObs.set(nextObs);
    this.actions.set(actions);
    this.rewards.set(rewards);
    for (let i = 0; i < n; i++) {
      this.terminated[i] = flags[i] & FLAG_TERMINATED ? 1 : 0;
      this.truncated[i] = flags[i] & FLAG_TRUNCATED ? 1 : 0;
    }
    if (discounts) this.discounts!.set(discounts);
    this._size = n;
    this._pos = pos;
    this._added = added;
  }

  /** A new buffer built from `toArrays()` output, with the sizes it records. */
  static fromArrays(arrays: Record<string, StoredArray>, source = 'replay buffer arrays'): ReplayBuffer {
    const meta = arrays?.meta;
    if (!(meta instanceof Float64Array) || meta.length < META.extra)
      throw new TypeError(`${source}: meta is missing or not a Float64Array (is this a replay buffer?)`);
    const buf = new ReplayBuffer({
      capacity: meta[META.capacity],
      obsDim: meta[META.obsDim],
      actDim: meta[META.actDim],
      storeDiscounts: meta[META.hasDiscounts] === 1,
    });
    buf.loadArrays(arrays, source);
    return buf;
  }

  protected kind(): number {
    return REPLAY_KIND_UNIFORM;
  }

  /** Numbers a subclass appends to `meta`. */
  protected extraMeta(): number[] {
    return [];
  }

  /** Checks and loads a subclass's own arrays; must throw before changing anything. */
  protected loadExtra(
    _arrays: Record<string, StoredArray>,
    _meta: Float64Array,
    _size: number,
    _source: string,
  ): void {}
}
