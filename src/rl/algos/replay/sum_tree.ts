/**
 * Segment trees over `capacity` leaves, for prioritized replay: SumTree (totals and prefix-sum search) and
 * MinTree (the smallest value). Both are complete binary trees in one Float64Array of 2L entries, where
 * L = the smallest power of two >= capacity: node k has children 2k and 2k+1, leaf i is node L + i, node 1
 * is the root, and leaves [capacity, L) stay at the identity (0 for sums, +Infinity for minima).
 *
 * Invariants: every internal node equals op(left child, right child), recomputed (never adjusted by a
 * difference) on each update, so no rounding error accumulates; update is O(log L), total/min O(1),
 * `find` O(log L).
 */
function leavesFor(owner: string, capacity: number): number {
  if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > 2 ** 30) {
    throw new RangeError(`${owner}: capacity must be an integer in [1, 2^30], got ${capacity}`);
  }
  let L = 1;
  while (L < capacity) L *= 2;
  return L;
}

export class SumTree {
  /** Index of leaf 0 (a power of two). */
  readonly leafBase: number;
  readonly tree: Float64Array;

  constructor(readonly capacity: number) {
    this.leafBase = leavesFor('SumTree', capacity);
    this.tree = new Float64Array(2 * this.leafBase);
  }

  /** Sum of all leaves. */
  get total(): number {
    return this.tree[1];
  }

  get(i: number): number {
    return this.tree[this.leafBase + i];
  }

  /** Sets leaf i to `value` (finite, >= 0) and recomputes its ancestors. */
  set(i: number, value: number): void {
    if (!(i >= 0 && i < this.capacity && Number.isInteger(i)))
      throw new RangeError(`SumTree.set: index ${i} is outside [0, ${this.capacity})`);
    if (!(value >= 0 && value < Infinity))
      throw new RangeError(`SumTree.set: value of leaf ${i} is ${value}, expected a finite number >= 0`);
    const t = this.tree;
    let k = this.leafBase + i;
    t[k] = value;
    for (k >>= 1; k >= 1; k >>= 1) t[k] = t[2 * k] + t[2 * k + 1];
  }

  /**
   * The leaf i with prefix(i) <= mass < prefix(i) + value(i), where prefix(i) is the sum of leaves before i,
   * for 0 <= mass < total: sampling mass uniformly in [0, total) picks leaf i with probability value(i)/total.
   * Never returns a zero leaf while total > 0 (a mass at or past the total through rounding gives the last
   * positive leaf).
   */
  find(mass: number): number {
    const t = this.tree,
      L = this.leafBase;
    let k = 1;
    while (k < L) {
      const left = t[2 * k];
      // Go right only if the mass lies past the left subtree and the right one has something to land on.
      if (mass >= left && t[2 * k + 1] > 0) {
        mass -= left;
        k = 2 * k + 1;
      } else {
        k = 2 * k;
      }
    }
    return k - L;
  }

  /** Sets every leaf to 0. */
  clear(): void {
    this.tree.fill(0);
  }
}

export class MinTree {
  readonly leafBase: number;
  readonly tree: Float64Array;

  constructor(readonly capacity: number) {
    this.leafBase = leavesFor('MinTree', capacity);
    this.tree = new Float64Array(2 * this.leafBase).fill(Infinity);
  }

  /** The smallest leaf (+Infinity when none was set). */
  get min(): number {
    return this.tree[1];
  }

  get(i: number): number {
    return this.tree[this.leafBase + i];
  }

  set(i: number, value: number): void {
    if (!(i >= 0 && i < this.capacity && Number.isInteger(i)))
      throw new RangeError(`MinTree.set: index ${i} is outside [0, ${this.capacity})`);
    if (Number.isNaN(value)) throw new RangeError(`MinTree.set: value of leaf ${i} is NaN`);
    const t = this.tree;
    let k = this.leafBase + i;
    t[k] = value;
    for (k >>= 1; k >= 1; k >>= 1) t[k] = Math.min(t[2 * k], t[2 * k + 1]);
  }

  /** Sets every leaf to +Infinity. */
  clear(): void {
    this.tree.fill(Infinity);
  }
}
