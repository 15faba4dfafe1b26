/**
 * MultiDiscrete: a vector of independent discrete values, entry i in `{start[i], ..., start[i] + nvec[i] - 1}`
 * (values are Int32Array). MultiBinary: a vector of `n` bits (values are Int8Array of 0/1).
 * Both flatten one-hot per entry (MultiDiscrete) or as the bits themselves (MultiBinary), as in Gymnasium.
 */
import { Space, type SpaceJSON, type FlatArray, describeValue, isArrayLikeOfNumbers } from './space.js';

export class MultiDiscrete extends Space<Int32Array> {
  readonly shape: readonly number[];
  readonly nvec: Int32Array;
  readonly start: Int32Array;

  constructor(nvec: ArrayLike<number>, start?: ArrayLike<number>) {
    super();
    if (
      !isArrayLikeOfNumbers(nvec) ||
      nvec.length === 0 ||
      Array.from(nvec).some((v) => !Number.isInteger(v) || v < 1 || v > 2 ** 31 - 1)
    ) {
      throw new TypeError(
        `MultiDiscrete: nvec must be a non-empty array of positive integers, got ${describeValue(nvec)}`,
      );
    }
    this.nvec = Int32Array.from(nvec);
    if (start !== undefined) {
      if (
        !isArrayLikeOfNumbers(start) ||
        start.length !== nvec.length ||
        Array.from(start).some((v, i) => !Number.isInteger(v) || v < -(2 ** 31) || v + nvec[i] > 2 ** 31)
      ) {
        throw new TypeError(
          `MultiDiscrete: start must have ${nvec.length} integers with start + nvec within int32, got ${describeValue(start)}`,
        );
      }
    }
    this.start = start === undefined ? new Int32Array(nvec.length) : Int32Array.from(start);
    this.shape = Object.freeze([nvec.length]);
  }

  /** @param mask optional, one 0/1 mask per entry (each of nvec[i] numbers) */
  sample(mask?: ArrayLike<ArrayLike<number> | null> | null): Int32Array {
    const out = new Int32Array(this.nvec.length);
    if (mask !== undefined && mask !== null && mask.length !== this.nvec.length) {
      throw new TypeError(
        `MultiDiscrete.sample: mask must have ${this.nvec.length} entries (one per dimension), got ${mask.length}`,
      );
    }
    for (let i = 0; i < out.length; i++) {
      const m = mask?.[i];
      if (m === undefined || m === null) {
        out[i] = this.start[i] + this.rng.below(this.nvec[i]);
        continue;
      }
      if (m.length !== this.nvec[i])
        throw new TypeError(`MultiDiscrete.sample: mask[${i}] must have ${this.nvec[i]} entries, got ${m.length}`);
      const idx: number[] = [];
      for (let k = 0; k < m.length; k++) {
        if (m[k] !== 0 && m[k] !== 1)
          throw new TypeError(`MultiDiscrete.sample: mask[${i}][${k}] must be 0 or 1, got ${describeValue(m[k])}`);
        if (m[k] === 1) idx.push(k);
      }
      out[i] = this.start[i] + (idx.length === 0 ? 0 : idx[this.rng.below(idx.length)]);
    }
    return out;
  }

  contains(x: unknown): boolean {
    if (!isArrayLikeOfNumbers(x) || x.length !== this.nvec.length) return false;
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (!Number.isInteger(v) || v < this.start[i] || v >= this.start[i] + this.nvec[i]) return false;
    }
    return true;
  }

  get flatDim(): number {
    return this.nvec.reduce((a, b) => a + b, 0);
  }

  flatten(x: ArrayLike<number>, out?: FlatArray, offset = 0): FlatArray {
    const o = out ?? new Float64Array(this.flatDim);
    let p = offset;
    for (let i = 0; i < this.nvec.length; i++) {
      for (let k = 0; k < this.nvec[i]; k++) o[p + k] = 0;
      o[p + x[i] - this.start[i]] = 1;
      p += this.nvec[i];
    }
    return o;
  }

  unflatten(flat: ArrayLike<number>, offset = 0): Int32Array {
    const out = new Int32Array(this.nvec.length);
    let p = offset;
    for (let i = 0; i < this.nvec.length; i++) {
      let k = 0;
      while (k < this.nvec[i] && flat[p + k] === 0) k++;
      if (k === this.nvec[i]) throw new TypeError(`MultiDiscrete.unflatten: entry ${i} has no non-zero one-hot entry`);
      out[i] = this.start[i] + k;
      p += this.nvec[i];
    }
    return out;
  }

  toJSON(): SpaceJSON {
    return { type: 'MultiDiscrete', nvec: Array.from(this.nvec), start: Array.from(this.start) };
  }

  static fromJSON(j: SpaceJSON): MultiDiscrete {
    return new MultiDiscrete(j.nvec as number[], j.start as number[] | undefined);
  }

  toString(): string {
    const nvec = `[${Array.from(this.nvec).join(' ')}]`;
    return this.start.some((v) => v !== 0)
      ? `MultiDiscrete(${nvec}, start=[${Array.from(this.start).join(' ')}])`
      : `MultiDiscrete(${nvec})`;
  }
}

export class MultiBinary extends Space<Int8Array> {
  readonly shape: readonly number[];
  readonly n: number;

  /** @param n number of bits, or a shape */
  constructor(n: number | readonly number[]) {
    super();
    const shape = typeof n === 'number' ? [n] : [...n];
    if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new TypeError(
        `MultiBinary: n must be a positive integer or a shape of positive integers, got ${describeValue(n)}`,
      );
    }
    this.shape = Object.freeze(shape);
    this.n = shape.reduce((a, b) => a * b, 1);
  }

  /** @param mask optional, one entry per bit: 0 or 1 forces that bit, 2 draws it */
  sample(mask?: ArrayLike<number> | null): Int8Array {
    const out = new Int8Array(this.n);
    if (mask !== undefined && mask !== null && mask.length !== this.n) {
      throw new TypeError(`MultiBinary(${this.n}).sample: mask must have ${this.n} entries, got ${mask.length}`);
    }
    for (let i = 0; i < this.n; i++) {
      const m = mask?.[i] ?? 2;
      if (m !== 0 && m !== 1 && m !== 2)
        throw new TypeError(`MultiBinary.sample: mask[${i}] must be 0, 1 or 2, got ${describeValue(m)}`);
      out[i] = m === 2 ? this.rng.below(2) : m;
    }
    return out;
  }

  contains(x: unknown): boolean {
    if (!isArrayLikeOfNumbers(x) || x.length !== this.n) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== 0 && x[i] !== 1) return false;
    return true;
  }

  get flatDim(): number {
    return this.n;
  }

  flatten(x: ArrayLike<number>, out?: FlatArray, offset = 0): FlatArray {
    const o = out ?? new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) o[offset + i] = x[i];
    return o;
  }

  unflatten(flat: ArrayLike<number>, offset = 0): Int8Array {
    const out = new Int8Array(this.n);
    for (let i = 0; i < this.n; i++) out[i] = flat[offset + i] !== 0 ? 1 : 0;
    return out;
  }

  toJSON(): SpaceJSON {
    return { type: 'MultiBinary', shape: [...this.shape] };
  }

  static fromJSON(j: SpaceJSON): MultiBinary {
    return new MultiBinary((j.shape as number[] | undefined) ?? (j.n as number));
  }

  toString(): string {
    return `MultiBinary(${this.shape.length === 1 ? this.n : `(${this.shape.join(', ')})`})`;
  }
}
