/**
 * RunningMeanStd: running mean and (population) variance of a stream of vectors, merged batch by batch with
 * the parallel algorithm of Chan et al.:
 *   delta = mean_b - mean;  n = count + count_b
 *   mean' = mean + delta * count_b / n
 *   M2'   = var * count + var_b * count_b + delta^2 * count * count_b / n;  var' = M2' / n
 * Starts at mean 0, var 1, count = epsilon (1e-4), as the reference does.
 */
export class RunningMeanStd {
  mean: Float64Array;
  var: Float64Array;
  count: number;

  constructor(size: number, epsilon = 1e-4) {
    this.mean = new Float64Array(size);
    this.var = new Float64Array(size).fill(1);
    this.count = epsilon;
  }

  /** Adds one sample. */
  update(x: ArrayLike<number>): void {
    const n = this.count + 1;
    for (let i = 0; i < this.mean.length; i++) {
      const delta = x[i] - this.mean[i];
      const m2 = this.var[i] * this.count + (delta * delta * this.count) / n;
      this.mean[i] += delta / n;
      this.var[i] = m2 / n;
    }
    this.count = n;
  }

  /** Adds a batch of `batchSize` samples stored row after row in `xs`. */
  updateBatch(xs: ArrayLike<number>, batchSize: number): void {
    const d = this.mean.length;
    const n = this.count + batchSize;
    for (let i = 0; i < d; i++) {
      let bm = 0;
      for (let b = 0; b < batchSize; b++) bm += xs[b * d + i];
      bm /= batchSize;
      let bv = 0;
      for (let b = 0; b < batchSize; b++) bv += (xs[b * d + i] - bm) ** 2;
      bv /= batchSize;
      const delta = bm - this.mean[i];
      const m2 = this.var[i] * this.count + bv * batchSize + (delta * delta * this.count * batchSize) / n;
      this.mean[i] += (delta * batchSize) / n;
      this.var[i] = m2 / n;
    }
    this.count = n;
  }

  toJSON(): { mean: number[]; var: number[]; count: number } {
    return { mean: Array.from(this.mean), var: Array.from(this.var), count: this.count };
  }

  static fromJSON(j: { mean: number[]; var: number[]; count: number }): RunningMeanStd {
    const r = new RunningMeanStd(j.mean.length);
    r.mean = Float64Array.from(j.mean);
    r.var = Float64Array.from(j.var);
    r.count = j.count;
    return r;
  }
}
