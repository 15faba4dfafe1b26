/**
 * The MLP contract shared by every backend of `src/rl/nn` (the tfjs reference backend and the native fast
 * path). An MLP maps `batch` rows of `sizes[0]` inputs to `sizes[L]` outputs through dense layers
 * `h_{l+1} = act(h_l W_l + b_l)` (tanh or relu on hidden layers, identity on the output).
 *
 * Parameters live in one flat Float32Array, layer after layer, each layer as W (in x out, row-major: W[i][o]
 * at i * out + o) then b (out). Gradients live in a second Float32Array of the same layout. Optimizers and
 * serialization work on these two arrays and never see the backend.
 *
 * Training is split so that losses can be written in plain TypeScript:
 *   const y = net.forwardTrain(x, batch);  // keeps what backward needs
 *   ... compute dL/dy (same shape as y) ...
 *   net.backward(dLdy);                    // grads += dL/dparams (accumulates; zeroGrad() clears)
 */
export type Activation = 'tanh' | 'relu';

export interface MLPSpec {
  /** Layer widths, input first, output last: e.g. [4, 64, 64, 2]. */
  sizes: number[];
  /** Hidden-layer activation (default tanh). */
  activation?: Activation;
  /** Orthogonal-init gain per layer (default sqrt(2) for hidden layers, 1 for the output layer). */
  gains?: number[];
  /** Seed of the initialization. */
  seed?: number;
}

export interface MLP {
  readonly sizes: readonly number[];
  readonly activation: Activation;
  readonly numParams: number;
  /** The parameters (see the layout above). Writing into it changes the network. */
  readonly params: Float32Array;
  /** Accumulated gradients, same layout. */
  readonly grads: Float32Array;
  /** The backend's name, e.g. 'native' or 'tfjs'. */
  readonly backend: string;
  /** Outputs for `batch` rows of `x` (batch x sizes[0]); the returned array may be reused by the next call. */
  forward(x: Float32Array, batch: number): Float32Array;
  /** As forward, and keeps the activations for `backward`. */
  forwardTrain(x: Float32Array, batch: number): Float32Array;
  /** grads += dL/dparams, given dL/dy for the outputs of the last forwardTrain (batch x sizes[L]). */
  backward(dLdy: Float32Array): void;
  zeroGrad(): void;
  /** Frees backend resources; the object must not be used afterwards. */
  dispose(): void;
}

/** Number of parameters of an MLP with these layer widths. */
export function countParams(sizes: readonly number[]): number {
  let n = 0;
  for (let l = 0; l + 1 < sizes.length; l++) n += sizes[l] * sizes[l + 1] + sizes[l + 1];
  return n;
}
