/**
 * The tfjs MLP backend: the reference for the native fast path and the fallback where no C compiler was
 * available at install. The wasm backend is used when it initializes, the cpu backend otherwise.
 *
 * The Float32Arrays `params` and `grads` of the MLP contract are the truth: every call uploads `params` into
 * the tf variables (so writes into `params` take effect), and backward downloads the gradients into `grads`.
 * Gradients come from tfjs's autodiff as a vector-Jacobian product: for a fixed cotangent g = dL/dy,
 *   d/dtheta sum(y(theta) * g) = (dy/dtheta)^T g = dL/dtheta,
 * and likewise d/dx sum(y(x) * g) = dL/dx when backward is asked for the input gradient.
 * Every tensor is created inside tf.tidy or disposed explicitly: the live tensor count stays flat.
 *
 * tfjs is loaded on the first `initTfjs()` (about 0.7 s), so that users of the native backend never pay for it.
 */
import type * as TF from '@tensorflow/tfjs';
import { checkBackwardArgs, checkForwardArgs, MLPParams, type BackwardOptions, type MLP, type MLPSpec } from './mlp.js';
import { initParams, resolveSpec } from './init.js';

export type TfjsBackendName = 'wasm' | 'cpu';

let tf: typeof TF | null = null;
let activeBackend: TfjsBackendName | null = null;

/**
 * Loads tfjs and selects its backend: 'wasm' (default) falls back to 'cpu' when the wasm backend fails to
 * initialize. Returns the backend in use. Safe to call again (switches the backend).
 */
export async function initTfjs(backend: TfjsBackendName = 'wasm'): Promise<TfjsBackendName> {
  if (backend !== 'wasm' && backend !== 'cpu')
    throw new RangeError(`initTfjs: backend must be 'wasm' or 'cpu', got ${JSON.stringify(backend)}`);
  const lib = tf ?? (await import('@tensorflow/tfjs'));
  tf = lib;
  if (backend === 'wasm') {
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      if (await lib.setBackend('wasm')) {
        activeBackend = 'wasm';
        return activeBackend;
      }
    } catch {
      // no WebAssembly or no .wasm file: the cpu backend below computes the same thing, more slowly
    }
  }
  if (!(await lib.setBackend('cpu')))
    throw new Error('initTfjs: neither the wasm nor the cpu tfjs backend could be initialized');
  activeBackend = 'cpu';
  return activeBackend;
}

/** The tfjs backend in use, or null before initTfjs() has completed. */
export function tfjsBackend(): TfjsBackendName | null {
  return activeBackend;
}

function requireTf(what: string): typeof TF {
  if (!tf || !activeBackend) throw new Error(`${what}: tfjs is not initialized; call \`await initTfjs()\` first`);
  return tf;
}

export class TfjsMLP extends MLPParams implements MLP {
  readonly backend = 'tfjs';
  private readonly tf: typeof TF;
  /** W_0, b_0, W_1, b_1, ... in the order of the flat layout. */
  private readonly vars: TF.Variable[] = [];
  /** Offset of each variable in the flat layout. */
  private readonly offsets: number[] = [];
  private out = new Float32Array(0);
  private trainX = new Float32Array(0);
  private trainBatch = -1;
  private disposed = false;

  /** Throws unless initTfjs() has completed. */
  constructor(spec: MLPSpec) {
    const s = resolveSpec(spec);
    super('TfjsMLP', s.sizes, s.activation, initParams(s.sizes, s.gains, s.seed));
    this.tf = requireTf('TfjsMLP');
    let off = 0;
    for (let l = 0; l + 1 < s.sizes.length; l++) {
      const [i, o] = [s.sizes[l], s.sizes[l + 1]];
      this.offsets.push(off, off + i * o);
      for (const shape of [[i, o], [o]]) {
        const z = this.tf.zeros(shape);
        this.vars.push(this.tf.variable(z, true));
        z.dispose();
      }
      off += i * o + o;
    }
  }

  /** params -> variables (a copy: the cpu backend would otherwise keep a view of `params`). */
  private upload(): void {
    const tf = this.tf;
    for (let k = 0; k < this.vars.length; k++) {
      const v = this.vars[k];
      const n = v.size;
      const t = tf.tensor(this.params.slice(this.offsets[k], this.offsets[k] + n), v.shape, 'float32');
      v.assign(t);
      t.dispose();
    }
  }

  /**
   * y = MLP(x) with the parameter tensors `w` (W_0, b_0, W_1, ...; the variables by default); call inside a tidy or a
   * gradient scope.
   */
  private model(x: TF.Tensor2D, w: readonly TF.Tensor[] = this.vars): TF.Tensor2D {
    const tf = this.tf;
    let h = x;
    const L = this.sizes.length - 1;
    for (let l = 0; l < L; l++) {
      h = tf.add(tf.matMul(h, w[2 * l] as TF.Tensor2D), w[2 * l + 1]);
      if (l + 1 < L) h = this.activation === 'relu' ? tf.relu(h) : tf.tanh(h);
    }
    return h;
  }

  private checkInput(x: Float32Array, batch: number, what: string): number {
    return checkForwardArgs('TfjsMLP', what, this.sizes, x, batch, this.disposed);
  }

  forward(x: Float32Array, batch: number): Float32Array {
    const n = this.checkInput(x, batch, 'forward');
    const tf = this.tf;
    this.upload();
    const y = tf.tidy(() => this.model(tf.tensor2d(x.slice(0, n), [batch, this.sizes[0]])));
    const data = y.dataSync() as Float32Array;
    y.dispose();
    if (this.out.length !== data.length) this.out = new Float32Array(data.length);
    this.out.set(data);
    return this.out;
  }

  forwardTrain(x: Float32Array, batch: number): Float32Array {
    const n = this.checkInput(x, batch, 'forwardTrain');
    const y = this.forward(x, batch);
    this.trainX = x.slice(0, n);
    this.trainBatch = batch;
    return y;
  }

  backward(dLdy: Float32Array, dLdx?: Float32Array, opts?: BackwardOptions): void {
    const accumulate = checkBackwardArgs('TfjsMLP', this.sizes, this.trainBatch, dLdy, dLdx, opts, this.disposed);
    if (!accumulate && !dLdx) return;
    const batch = this.trainBatch,
      out = this.sizes[this.sizes.length - 1];
    const n = batch * out;
    const tf = this.tf;
    this.upload();
    const x = tf.tensor2d(this.trainX, [batch, this.sizes[0]]);
    const g = tf.tensor2d(dLdy.slice(0, n), [batch, out]);
    // The loss whose gradients are dL/dparams and dL/dx: sum(y * dL/dy).
    const loss = (xt: TF.Tensor, w?: readonly TF.Tensor[]): TF.Scalar =>
      tf.sum<TF.Scalar>(tf.mul(this.model(xt as TF.Tensor2D, w), g));
    if (!dLdx) {
      const { value, grads } = tf.variableGrads(() => loss(x), this.vars);
      for (let k = 0; k < this.vars.length; k++) this.addGrad(k, grads[this.vars[k].name]);
      tf.dispose([value, x, g, ...Object.values(grads)]);
      return;
    }
    // Gradients with respect to the input tensor too (and only to it when not accumulating).
    const ds = accumulate
      ? tf.grads((xt: TF.Tensor, ...w: TF.Tensor[]) => loss(xt, w))([x, ...this.vars])
      : [tf.grad((xt: TF.Tensor) => loss(xt))(x)];
    dLdx.set((ds[0].dataSync() as Float32Array).subarray(0, batch * this.sizes[0]));
    if (accumulate) for (let k = 0; k < this.vars.length; k++) this.addGrad(k, ds[k + 1]);
    tf.dispose([x, g, ...ds]);
  }

  /** grads[layout of variable k] += d. */
  private addGrad(k: number, d: TF.Tensor): void {
    const data = d.dataSync() as Float32Array;
    const off = this.offsets[k];
    for (let j = 0; j < data.length; j++) this.grads[off + j] += data[j];
  }

  zeroGrad(): void {
    this.grads.fill(0);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.tf.dispose(this.vars);
  }
}
