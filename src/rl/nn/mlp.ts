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
 *
 * Gradients with respect to the INPUT (e.g. dQ/da of a critic Q(s, a), to train an actor through it) come from
 * the same call: pass an array for dL/dx, and `{ accumulate: false }` when the parameter gradients must be left
 * alone (the actor update must not touch the critic's grads):
 *   const q = critic.forwardTrain(sa, batch);           // sa: batch rows of [s | a]
 *   critic.backward(dLdq, dLdsa);                       // critic grads += dL/dparams, and dLdsa = dL/d(sa)
 *   critic.backward(dLdq, dLdsa, { accumulate: false }); // dLdsa = dL/d(sa) only; critic.grads untouched
 * dL/dx is overwritten, never accumulated, and only its first batch * sizes[0] numbers are written; dL/da is
 * the last columns of each row. The array may even be dLdy itself (dL/dy is read before dL/dx is written).
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

/** Options of MLP.backward. */
export interface BackwardOptions {
  /**
   * Whether to add dL/dparams into `grads` (default true). false skips that work, and leaves `grads` untouched:
   * for calls that only want dL/dx. (With false and no dL/dx array the call does nothing.)
   */
  accumulate?: boolean;
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
  /**
   * grads += dL/dparams, given dL/dy for the outputs of the last forwardTrain (batch x sizes[L]). When `dLdx` is
   * given (a Float32Array of at least batch x sizes[0] numbers), its first batch x sizes[0] numbers are
   * overwritten with dL/dx for the inputs of that forwardTrain. `opts.accumulate === false` skips the parameter
   * gradients (grads is left untouched). Calls without dLdx cost what they did before it existed.
   */
  backward(dLdy: Float32Array, dLdx?: Float32Array, opts?: BackwardOptions): void;
  zeroGrad(): void;
  /** Frees backend resources; the object must not be used afterwards. */
  dispose(): void;
}

/**
 * What every backend holds alike: the layer widths, the activation, and the flat parameters with their gradients
 * (the layout above). `params` of the wrong length for `sizes` is refused, naming the backend.
 */
export abstract class MLPParams {
  readonly sizes: readonly number[];
  readonly numParams: number;
  readonly grads: Float32Array;

  protected constructor(
    who: string,
    sizes: readonly number[],
    readonly activation: Activation,
    readonly params: Float32Array,
  ) {
    this.sizes = Object.freeze([...sizes]);
    this.numParams = countParams(sizes);
    if (params.length !== this.numParams)
      throw new RangeError(
        `${who}: ${params.length} parameters given, ${this.numParams} needed for sizes ${sizes.join('-')}`,
      );
    this.grads = new Float32Array(this.numParams);
  }
}

/** Number of parameters of an MLP with these layer widths. */
export function countParams(sizes: readonly number[]): number {
  let n = 0;
  for (let l = 0; l + 1 < sizes.length; l++) n += sizes[l] * sizes[l + 1] + sizes[l + 1];
  return n;
}

/**
 * Checks the arguments of MLP.forward and forwardTrain (`what`) for a network with these layer widths, throwing
 * errors that name `who` (the backend's class); returns the number of input values the batch takes.
 */
export function checkForwardArgs(
  who: string,
  what: string,
  sizes: readonly number[],
  x: Float32Array,
  batch: number,
  disposed = false,
): number {
  if (disposed) throw new Error(`${who}.${what}: the network was disposed`);
  if (!Number.isInteger(batch) || batch < 1)
    throw new RangeError(`${who}.${what}: batch must be a positive integer, got ${batch}`);
  const n = batch * sizes[0];
  if (!(x instanceof Float32Array) || x.length < n) {
    throw new RangeError(
      `${who}.${what}: x must be a Float32Array of at least batch * ${sizes[0]} = ${n} numbers, got ${x instanceof Float32Array ? x.length : typeof x}`,
    );
  }
  return n;
}

/**
 * Checks the arguments of MLP.backward for a network with these layer widths after a forwardTrain of `batch`
 * rows, throwing errors that name `who` (the backend's class); returns whether to accumulate parameter gradients.
 */
export function checkBackwardArgs(
  who: string,
  sizes: readonly number[],
  batch: number,
  dLdy: Float32Array,
  dLdx: Float32Array | null | undefined,
  opts: BackwardOptions | undefined,
  disposed = false,
): boolean {
  if (disposed) throw new Error(`${who}.backward: the network was disposed`);
  // A negative batch: no forwardTrain since the last backward (or ever).
  if (batch < 0) throw new Error(`${who}.backward: call forwardTrain first`);
  const ny = batch * sizes[sizes.length - 1];
  if (!(dLdy instanceof Float32Array) || dLdy.length < ny) {
    throw new RangeError(
      `${who}.backward: dLdy must be a Float32Array of batch x outputs = ${ny} numbers, got ${dLdy instanceof Float32Array ? dLdy.length : typeof dLdy}`,
    );
  }
  if (dLdx != null) {
    const nx = batch * sizes[0];
    if (!(dLdx instanceof Float32Array) || dLdx.length < nx) {
      throw new RangeError(
        `${who}.backward: dLdx must be a Float32Array of at least batch x inputs = ${nx} numbers, got ${dLdx instanceof Float32Array ? dLdx.length : typeof dLdx}`,
      );
    }
  }
  const accumulate = opts?.accumulate ?? true;
  if (typeof accumulate !== 'boolean')
    throw new TypeError(`${who}.backward: opts.accumulate must be a boolean, got ${typeof accumulate}`);
  return accumulate;
}
