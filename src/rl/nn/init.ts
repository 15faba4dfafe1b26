/**
 * Parameter initialization shared by every MLP backend, so that one spec and seed give the same network
 * whichever backend runs it.
 *
 * Orthogonal initialization as torch.nn.init.orthogonal_ does it for a Linear weight of shape (out x in):
 * fill a (rows x cols) = (out x in) matrix with N(0, 1) draws row by row, transpose it if rows < cols, take its
 * QR decomposition, multiply Q's columns by sign(diag(R)), transpose back, scale by the gain. The sign
 * correction makes Q the unique factor with diag(R) > 0, which is what Gram-Schmidt produces directly.
 * Our W is (in x out), the transpose of torch's weight: W^T W = gain^2 I when out <= in, W W^T = gain^2 I
 * otherwise. Biases start at 0.
 */
import { Rng } from '../core/rng.js';
import { countParams, type Activation, type MLPSpec } from './mlp.js';

/** A spec with every default filled in and checked. */
export interface ResolvedMLPSpec {
  sizes: number[];
  activation: Activation;
  gains: number[];
  seed: number;
}

/** Default gains: sqrt(2) on hidden layers, 1 on the output layer (CleanRL's layer_init). */
export function defaultGains(numLayers: number): number[] {
  return Array.from({ length: numLayers }, (_, l) => (l + 1 < numLayers ? Math.SQRT2 : 1));
}

/** Checks a spec and fills in its defaults (activation tanh, default gains, seed 0). */
export function resolveSpec(spec: MLPSpec): ResolvedMLPSpec {
  const { sizes } = spec;
  if (!Array.isArray(sizes) || sizes.length < 2 || !sizes.every((s) => Number.isInteger(s) && s >= 1)) {
    throw new RangeError(
      `MLP: sizes must be at least two positive integer layer widths (input first), got ${JSON.stringify(sizes)}`,
    );
  }
  const activation = spec.activation ?? 'tanh';
  if (activation !== 'tanh' && activation !== 'relu') {
    throw new RangeError(`MLP: activation must be 'tanh' or 'relu', got ${JSON.stringify(activation)}`);
  }
  const numLayers = sizes.length - 1;
  const gains = spec.gains ?? defaultGains(numLayers);
  if (gains.length !== numLayers || !gains.every((g) => Number.isFinite(g) && g >= 0)) {
    throw new RangeError(
      `MLP: gains must hold ${numLayers} finite non-negative numbers (one per layer), got ${JSON.stringify(gains)}`,
    );
  }
  const seed = Rng.checkSeed(spec.seed ?? 0, 'MLP seed');
  return { sizes: [...sizes], activation, gains: [...gains], seed };
}

/**
 * Orthonormal columns by modified Gram-Schmidt, run twice for accuracy, in float64: a (rows x cols, rows >= cols,
 * row-major) becomes Q with Q^T Q = I and a = Q R, diag(R) > 0.
 */
function orthonormalizeColumns(a: Float64Array, rows: number, cols: number): void {
  for (let j = 0; j < cols; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < rows; i++) dot += a[i * cols + k] * a[i * cols + j];
        for (let i = 0; i < rows; i++) a[i * cols + j] -= dot * a[i * cols + k];
      }
    }
    let norm = 0;
    for (let i = 0; i < rows; i++) norm += a[i * cols + j] * a[i * cols + j];
    norm = Math.sqrt(norm);
    // A zero column has probability 0 with Gaussian entries; keep it zero rather than divide by 0.
    const inv = norm > 0 ? 1 / norm : 0;
    for (let i = 0; i < rows; i++) a[i * cols + j] *= inv;
  }
}

/**
 * A (in x out) weight, row-major, orthogonally initialized as torch does for its (out x in) weight, scaled by
 * `gain`. Draws in * out normals from `rng`.
 */
export function orthogonalWeight(inDim: number, outDim: number, gain: number, rng: Rng): Float64Array {
  const rows = outDim,
    cols = inDim; // torch's weight shape
  const flat = new Float64Array(rows * cols);
  for (let i = 0; i < flat.length; i++) flat[i] = rng.normal();
  const w = new Float64Array(inDim * outDim);
  if (rows >= cols) {
    // QR of the (out x in) matrix itself: Q (out x in); torch weight T[o][i] = Q[o][i]; ours W[i][o] = T[o][i].
    orthonormalizeColumns(flat, rows, cols);
    for (let o = 0; o < rows; o++) for (let i = 0; i < cols; i++) w[i * outDim + o] = gain * flat[o * cols + i];
  } else {
    // QR of the transpose (in x out): Q (in x out), and torch's weight is Q^T, so ours is Q.
    const t = new Float64Array(cols * rows);
    for (let o = 0; o < rows; o++) for (let i = 0; i < cols; i++) t[i * rows + o] = flat[o * cols + i];
    orthonormalizeColumns(t, cols, rows);
    for (let k = 0; k < t.length; k++) w[k] = gain * t[k];
  }
  return w;
}

/**
 * The flat parameters (layout of mlp.ts: per layer W (in x out) then b (out)) of an MLP with these widths,
 * orthogonal weights with one gain per layer, zero biases. One Rng(seed) draws the layers in order.
 */
export function initParams(sizes: readonly number[], gains: readonly number[], seed: number): Float32Array {
  if (gains.length !== sizes.length - 1)
    throw new RangeError(`initParams: expected ${sizes.length - 1} gains, got ${gains.length}`);
  const rng = new Rng(seed);
  const params = new Float32Array(countParams(sizes));
  let off = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const w = orthogonalWeight(sizes[l], sizes[l + 1], gains[l], rng);
    params.set(w, off);
    off += w.length + sizes[l + 1];
  }
  return params;
}
