/**
 * Prioritized experience replay, proportional variant (Schaul et al. 2016, "Prioritized Experience Replay").
 *
 *   p_i  = (|delta_i| + eps)^alpha               priority of slot i, from its last TD error delta_i
 *   P(i) = p_i / sum_k p_k                       sampling probability (a SumTree over the slots)
 *   w_i  = (N * P(i))^(-beta) / max_j w_j        importance-sampling weight, N = size
 *        = (p_i / min_k p_k)^(-beta)             (max_j w_j belongs to the smallest priority: a MinTree)
 *   beta = beta0 + (1 - beta0) * min(1, t / betaSteps),   t = transitions added so far (env steps x envs)
 *
 * Invariants: every filled slot has p_i > 0 (eps > 0), slots not yet filled have 0 and are never drawn; a new
 * or overwritten slot gets max_i (|delta_i| + eps) seen so far (1 at the start) raised to alpha, so each
 * transition is replayed at least once with high probability before its priority is known.
 *
 * Sampling is stratified: [0, total) is cut into `batchSize` equal segments and one mass is drawn uniformly in
 * each, so a batch covers the distribution evenly; O(batchSize log capacity), no allocation.
 */
import { describe, type Rng } from '../../core/rng.js';
import type { StoredArray } from '../../train/checkpoint.js';
import { META, REPLAY_KIND_PRIORITIZED } from './replay_layout.js';
import { ReplayBuffer, type ReplayBufferOptions } from './ring_buffer.js';
import type { ReplaySample } from './transitions.js';
import { MinTree, SumTree } from './sum_tree.js';

export interface PrioritizedReplayOptions extends ReplayBufferOptions {
  /** How much prioritization is used: 0 is uniform replay. Default 0.6. */
  alpha?: number;
  /** Initial importance-sampling exponent. Default 0.4. */
  beta0?: number;
  /** Transitions added over which beta rises linearly from beta0 to 1 (usually the run's total steps). Default 1e6. */
  betaSteps?: number;
  /** Added to |delta| so that no transition gets priority 0. Default 1e-6. */
  eps?: number;
}

/** beta after t of `steps` transitions: beta0 + (1 - beta0) * min(1, t / steps). */
export function annealedBeta(beta0: number, steps: number, t: number): number {
  return beta0 + (1 - beta0) * Math.min(1, Math.max(0, t) / steps);
}

/** Positions of the prioritized buffer's numbers in `meta`, after the base ones. */
const PMETA = {
  alpha: META.extra,
  beta0: META.extra + 1,
  betaSteps: META.extra + 2,
  eps: META.extra + 3,
  maxPriority: META.extra + 4,
} as const;

export class PrioritizedReplayBuffer extends ReplayBuffer {
  readonly alpha: number;
  readonly beta0: number;
  readonly betaSteps: number;
  readonly eps: number;
  /** Leaves: p_i = (|delta_i| + eps)^alpha. */
  readonly sums: SumTree;
  readonly mins: MinTree;
  /** Largest |delta| + eps seen (before the power alpha). */
  private maxPriority = 1;

  constructor(options: PrioritizedReplayOptions) {
    super(options);
    const { alpha = 0.6, beta0 = 0.4, betaSteps = 1e6, eps = 1e-6 } = options;
    const bad = (name: string, v: unknown, want: string) =>
      new RangeError(`PrioritizedReplayBuffer: ${name} must be ${want}, got ${describe(v)}`);
    if (!(typeof alpha === 'number' && alpha >= 0 && alpha < Infinity))
      throw bad('alpha', alpha, 'a finite number >= 0');
    if (!(typeof beta0 === 'number' && beta0 >= 0 && beta0 <= 1)) throw bad('beta0', beta0, 'a number in [0, 1]');
    if (!(typeof betaSteps === 'number' && betaSteps > 0)) throw bad('betaSteps', betaSteps, 'a number > 0');
    if (!(typeof eps === 'number' && eps > 0 && eps < Infinity)) throw bad('eps', eps, 'a finite number > 0');
    this.alpha = alpha;
    this.beta0 = beta0;
    this.betaSteps = betaSteps;
    this.eps = eps;
    this.sums = new SumTree(this.capacity);
    this.mins = new MinTree(this.capacity);
  }

  /** The current importance-sampling exponent (annealed over transitions added). */
  get beta(): number {
    return annealedBeta(this.beta0, this.betaSteps, this._added);
  }

  /** p_i of slot i (0 for a slot not yet filled). */
  priority(i: number): number {
    return this.sums.get(i);
  }

  protected override onWrite(slot: number): void {
    const p = this.maxPriority ** this.alpha;
    this.sums.set(slot, p);
    this.mins.set(slot, p);
  }

  /**
   * `batchSize` slots drawn with probability P(i), one per stratum of the total priority, into `out`, with
   * out.weights[b] = w_i at the current beta (or `beta` when given).
   */
  override sample(batchSize: number, rng: Rng, out: ReplaySample, beta = this.beta): ReplaySample {
    this.checkSampleArgs(batchSize, out);
    const total = this.sums.total,
      segment = total / batchSize;
    // max_j w_j = (N * P_min)^(-beta); dividing by it gives w_i = (p_i / p_min)^(-beta).
    const N = this._size,
      pMin = this.mins.min / total;
    const maxWeight = (N * pMin) ** -beta;
    for (let b = 0; b < batchSize; b++) {
      const i = this.sums.find((b + rng.random()) * segment);
      out.indices[b] = i;
      out.weights[b] = (N * (this.sums.get(i) / total)) ** -beta / maxWeight;
    }
    return this.gather(batchSize, out);
  }

  /** Sets p_i = (|delta| + eps)^alpha for each slot indices[k] with TD error tdErrors[k], k < count. */
  updatePriorities(indices: ArrayLike<number>, tdErrors: ArrayLike<number>, count = indices.length): void {
    const owner = 'PrioritizedReplayBuffer.updatePriorities';
    if (tdErrors.length < count || indices.length < count)
      throw new RangeError(
        `${owner}: ${count} updates asked, but indices has ${indices.length} and tdErrors ${tdErrors.length}`,
      );
    for (let k = 0; k < count; k++) {
      const i = indices[k];
      if (!(Number.isInteger(i) && i >= 0 && i < this._size))
        throw new RangeError(`${owner}: indices[${k}] is ${describe(i)}, expected a filled slot in [0, ${this._size})`);
      if (!Number.isFinite(tdErrors[k]))
        throw new RangeError(`${owner}: tdErrors[${k}] (slot ${i}) is ${tdErrors[k]}, expected a finite number`);
    }
    for (let k = 0; k < count; k++) {
      const raw = Math.abs(tdErrors[k]) + this.eps;
      const p = raw ** this.alpha;
      this.sums.set(indices[k], p);
      this.mins.set(indices[k], p);
      if (raw > this.maxPriority) this.maxPriority = raw;
    }
  }

  override clear(): void {
    super.clear();
    this.sums.clear();
    this.mins.clear();
    this.maxPriority = 1;
  }

  /**
   * Base arrays plus `priorities` (Float64Array of p_i over the filled slots); alpha, beta0, betaSteps, eps and the max
   * priority in meta.
   */
  override toArrays(): Record<string, StoredArray> {
    const arrays = super.toArrays();
    const n = this._size,
      pr = new Float64Array(n);
    for (let i = 0; i < n; i++) pr[i] = this.sums.get(i);
    arrays.priorities = pr;
    return arrays;
  }

  protected override kind(): number {
    return REPLAY_KIND_PRIORITIZED;
  }

  protected override extraMeta(): number[] {
    return [this.alpha, this.beta0, this.betaSteps, this.eps, this.maxPriority];
  }

  /**
   * Loads the saved priorities. A different alpha is allowed (a resumed run may change it): each p_i is
   * re-raised, p_i^(alpha_new / alpha_old), which is exact since p_i = (|delta_i| + eps)^alpha_old.
   */
  protected override loadExtra(
    arrays: Record<string, StoredArray>,
    meta: Float64Array,
    size: number,
    source: string,
  ): void {
    if (meta.length < PMETA.maxPriority + 1)
      throw new RangeError(
        `${source}: meta has ${meta.length} numbers, a prioritized buffer needs ${PMETA.maxPriority + 1}`,
      );
    const oldAlpha = meta[PMETA.alpha],
      maxPriority = meta[PMETA.maxPriority];
    if (!(oldAlpha >= 0 && oldAlpha < Infinity))
      throw new RangeError(`${source}: alpha is ${oldAlpha}, expected a finite number >= 0`);
    if (!(maxPriority > 0 && maxPriority < Infinity))
      throw new RangeError(`${source}: maxPriority is ${maxPriority}, expected a finite number > 0`);
    const pr = arrays.priorities;
    if (!(pr instanceof Float64Array) || pr.length !== size) {
      throw new RangeError(
        `${source}: priorities is ${pr === undefined ? 'missing' : `${pr.constructor.name} of length ${pr.length}`}, expected a Float64Array of length ${size}`,
      );
    }
    for (let i = 0; i < size; i++) {
      if (!(pr[i] > 0 && pr[i] < Infinity))
        throw new RangeError(`${source}: priorities[${i}] is ${pr[i]}, expected a finite number > 0`);
    }
    if (oldAlpha === 0 && this.alpha !== 0)
      throw new RangeError(
        `${source}: saved with alpha 0 (uniform priorities), which cannot be converted to alpha ${this.alpha}`,
      );
    const power = oldAlpha === 0 ? 1 : this.alpha / oldAlpha;
    this.sums.clear();
    this.mins.clear();
    for (let i = 0; i < size; i++) {
      const p = power === 1 ? pr[i] : pr[i] ** power;
      this.sums.set(i, p);
      this.mins.set(i, p);
    }
    this.maxPriority = maxPriority;
  }

  /** A new prioritized buffer built from `toArrays()` output, with the sizes and settings it records. */
  static override fromArrays(
    arrays: Record<string, StoredArray>,
    source = 'replay buffer arrays',
  ): PrioritizedReplayBuffer {
    const meta = arrays?.meta;
    if (!(meta instanceof Float64Array) || meta.length < PMETA.maxPriority + 1)
      throw new TypeError(`${source}: meta is missing or too short for a prioritized replay buffer`);
    const buf = new PrioritizedReplayBuffer({
      capacity: meta[META.capacity],
      obsDim: meta[META.obsDim],
      actDim: meta[META.actDim],
      storeDiscounts: meta[META.hasDiscounts] === 1,
      alpha: meta[PMETA.alpha],
      beta0: meta[PMETA.beta0],
      betaSteps: meta[PMETA.betaSteps],
      eps: meta[PMETA.eps],
    });
    buf.loadArrays(arrays, source);
    return buf;
  }
}
