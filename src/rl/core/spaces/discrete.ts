/**
 * Discrete: the integers `{start, start + 1, ..., start + n - 1}`. Values are plain numbers.
 * `sample(mask)` draws uniformly among the values whose mask entry is 1 (returns `start` when none is).
 * Flattens one-hot into `n` entries.
 */
import { Space, type SpaceJSON, type FlatArray, describeValue } from './space.js';

export class Discrete extends Space<number> {
  readonly shape: readonly number[] = Object.freeze([]);
  readonly n: number;
  readonly start: number;

  constructor(n: number, start = 0) {
    super();
    if (!Number.isSafeInteger(n) || n < 1)
      throw new TypeError(`Discrete: n must be a positive integer, got ${describeValue(n)}`);
    if (!Number.isSafeInteger(start))
      throw new TypeError(`Discrete: start must be an integer, got ${describeValue(start)}`);
    this.n = n;
    this.start = start;
  }

  /** @param mask optional, `n` entries of 0 or 1: only values with a 1 are drawn */
  sample(mask?: ArrayLike<number> | null): number {
    if (mask === undefined || mask === null) return this.start + this.rng.below(this.n);
    if (mask.length !== this.n) {
      throw new TypeError(`Discrete(${this.n}).sample: mask must have ${this.n} entries, got ${mask.length}`);
    }
    let valid = 0;
    for (let i = 0; i < this.n; i++) {
      const m = mask[i];
      if (m !== 0 && m !== 1)
        throw new TypeError(
          `Discrete(${this.n}).sample: mask entries must be 0 or 1, got mask[${i}] = ${describeValue(m)}`,
        );
      valid += m;
    }
    if (valid === 0) return this.start;
    let k = this.rng.below(valid);
    for (let i = 0; i < this.n; i++) {
      if (mask[i] === 1 && k-- === 0) return this.start + i;
    }
    throw new Error('unreachable');
  }

  contains(x: unknown): boolean {
    return typeof x === 'number' && Number.isInteger(x) && x >= this.start && x < this.start + this.n;
  }

  get flatDim(): number {
    return this.n;
  }

  flatten(x: number, out?: FlatArray, offset = 0): FlatArray {
    const o = out ?? new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) o[offset + i] = 0;
    o[offset + x - this.start] = 1;
    return o;
  }

  unflatten(flat: ArrayLike<number>, offset = 0): number {
    for (let i = 0; i < this.n; i++) if (flat[offset + i] !== 0) return this.start + i;
    throw new TypeError(`Discrete(${this.n}).unflatten: no non-zero entry in the one-hot block`);
  }

  toJSON(): SpaceJSON {
    return { type: 'Discrete', n: this.n, start: this.start };
  }

  static fromJSON(j: SpaceJSON): Discrete {
    return new Discrete(j.n as number, (j.start as number | undefined) ?? 0);
  }

  toString(): string {
    return this.start === 0 ? `Discrete(${this.n})` : `Discrete(${this.n}, start=${this.start})`;
  }
}
