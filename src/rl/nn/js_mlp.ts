/**
 * JsMLP: the MLP contract (mlp.ts) in plain TypeScript loops over Float32Arrays. It needs no compiler and no
 * WebAssembly, so it is the fallback of last resort and a second reference for the other backends.
 *   forward:  h_{l+1}[b][o] = act(b_l[o] + sum_i h_l[b][i] W_l[i][o])
 *   backward: g = dL/dh_{l+1} * act'(h_{l+1});  dW_l[i][o] += sum_b h_l[b][i] g[b][o];  db_l[o] += sum_b g[b][o];
 *             dL/dh_l[b][i] = sum_o g[b][o] W_l[i][o]   (for l = 0 only when dL/dx is asked for)
 * with tanh' = 1 - y^2 and relu' = [y > 0] written in terms of the layer's output y.
 */
import {
  checkBackwardArgs,
  checkForwardArgs,
  MLPParams,
  type Activation,
  type BackwardOptions,
  type MLP,
} from './mlp.js';

export class JsMLP extends MLPParams implements MLP {
  readonly backend = 'js';
  /** Offsets of W_l and b_l in params. */
  private readonly wOff: number[] = [];
  private readonly bOff: number[] = [];
  /** Activations of the last forwardTrain, layer by layer (input copy first). */
  private acts: Float32Array[] = [];
  /** Batch of the last forwardTrain, -1 before the first one. */
  private batch = -1;
  private inferOut: Float32Array[] = [];

  constructor(sizes: readonly number[], activation: Activation, params: Float32Array) {
    super('JsMLP', sizes, activation, params);
    let off = 0;
    for (let l = 0; l + 1 < sizes.length; l++) {
      this.wOff.push(off);
      off += sizes[l] * sizes[l + 1];
      this.bOff.push(off);
      off += sizes[l + 1];
    }
  }

  private layer(l: number, x: Float32Array, batch: number, y: Float32Array): void {
    const nIn = this.sizes[l],
      nOut = this.sizes[l + 1],
      p = this.params,
      w = this.wOff[l],
      bo = this.bOff[l];
    const last = l === this.sizes.length - 2;
    for (let b = 0; b < batch; b++) {
      const yo = b * nOut,
        xo = b * nIn;
      for (let o = 0; o < nOut; o++) y[yo + o] = p[bo + o];
      for (let i = 0; i < nIn; i++) {
        const xv = x[xo + i];
        if (xv === 0) continue;
        const wi = w + i * nOut;
        for (let o = 0; o < nOut; o++) y[yo + o] += xv * p[wi + o];
      }
      if (!last) {
        if (this.activation === 'tanh') for (let o = 0; o < nOut; o++) y[yo + o] = Math.tanh(y[yo + o]);
        else for (let o = 0; o < nOut; o++) if (y[yo + o] < 0) y[yo + o] = 0;
      }
    }
  }

  private run(x: Float32Array, batch: number, bufs: Float32Array[], keepInput: boolean): Float32Array {
    const L = this.sizes.length - 1;
    checkForwardArgs('JsMLP', keepInput ? 'forwardTrain' : 'forward', this.sizes, x, batch);
    let h = x;
    for (let l = 0; l < L; l++) {
      const need = batch * this.sizes[l + 1];
      if (!bufs[l + 1] || bufs[l + 1].length < need) bufs[l + 1] = new Float32Array(need);
      this.layer(l, h, batch, bufs[l + 1]);
      h = bufs[l + 1];
    }
    if (keepInput) bufs[0] = Float32Array.from(x.subarray(0, batch * this.sizes[0]));
    return h.subarray(0, batch * this.sizes[L]);
  }

  forward(x: Float32Array, batch: number): Float32Array {
    return this.run(x, batch, this.inferOut, false);
  }

  forwardTrain(x: Float32Array, batch: number): Float32Array {
    const y = this.run(x, batch, this.acts, true);
    this.batch = batch;
    return y;
  }

  backward(dLdy: Float32Array, dLdx?: Float32Array, opts?: BackwardOptions): void {
    const accumulate = checkBackwardArgs('JsMLP', this.sizes, this.batch, dLdy, dLdx, opts);
    if (!accumulate && !dLdx) return;
    const L = this.sizes.length - 1,
      batch = this.batch,
      p = this.params,
      g = this.grads;
    let dy = Float32Array.from(dLdy.subarray(0, batch * this.sizes[L]));
    for (let l = L - 1; l >= 0; l--) {
      const nIn = this.sizes[l],
        nOut = this.sizes[l + 1],
        x = this.acts[l],
        y = this.acts[l + 1];
      if (l < L - 1) {
        for (let k = 0; k < batch * nOut; k++) dy[k] *= this.activation === 'tanh' ? 1 - y[k] * y[k] : y[k] > 0 ? 1 : 0;
      }
      const w = this.wOff[l],
        bo = this.bOff[l];
      // dL/dh_l: needed below the output layer, and at the input only when asked for (a copy: dLdx may be dLdy).
      const dx = l > 0 || dLdx ? new Float32Array(batch * nIn) : null;
      for (let b = 0; b < batch; b++) {
        const yo = b * nOut,
          xo = b * nIn;
        if (accumulate) for (let o = 0; o < nOut; o++) g[bo + o] += dy[yo + o];
        for (let i = 0; i < nIn; i++) {
          const xv = x[xo + i],
            wi = w + i * nOut;
          let s = 0;
          if (accumulate) {
            for (let o = 0; o < nOut; o++) {
              g[wi + o] += xv * dy[yo + o];
              s += dy[yo + o] * p[wi + o];
            }
          } else {
            for (let o = 0; o < nOut; o++) s += dy[yo + o] * p[wi + o];
          }
          if (dx) dx[xo + i] = s;
        }
      }
      if (dx) dy = dx;
    }
    if (dLdx) dLdx.set(dy);
  }

  zeroGrad(): void {
    this.grads.fill(0);
  }

  dispose(): void {
    this.acts = [];
    this.inferOut = [];
  }
}
