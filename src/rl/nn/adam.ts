import { nativeAdamStep, nativeAvailable } from './native_mlp.js';

/**
 * Adam (Kingma & Ba) over groups of flat parameter arrays, with global gradient-norm clipping:
 *   g <- g * min(1, maxNorm / (||g||_2 + 1e-6))      (norm over all groups together)
 *   m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2
 *   p <- p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * With `fused` (and the native addon built) the update runs in C (nativeAdamStep: the same equations in float32
 * arithmetic, about 10x faster on small networks); the results then differ from the TypeScript loop's in the
 * last bits, so the option is off by default and runs that were recorded with it off stay reproducible.
 */
export interface ParamGroup {
  params: Float32Array;
  grads: Float32Array;
}

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Clip the global gradient norm to this (Infinity: no clipping). */
  maxGradNorm?: number;
  /** Run the update in the native addon when it is available (see above). Default false. */
  fused?: boolean;
}

export class Adam {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly maxGradNorm: number;
  /** Whether step() runs in the native addon. */
  readonly fused: boolean;
  /** Steps taken (t in the equations). */
  t = 0;
  readonly m: Float32Array[];
  readonly v: Float32Array[];

  constructor(
    readonly groups: ParamGroup[],
    opts: AdamOptions,
  ) {
    if (!(opts.lr > 0)) throw new RangeError(`Adam: lr must be positive, got ${opts.lr}`);
    this.lr = opts.lr;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.maxGradNorm = opts.maxGradNorm ?? Infinity;
    this.fused = (opts.fused ?? false) && nativeAvailable();
    this.m = groups.map((g) => new Float32Array(g.params.length));
    this.v = groups.map((g) => new Float32Array(g.params.length));
  }

  /** The global L2 norm of the gradients. */
  gradNorm(): number {
    let s = 0;
    for (const g of this.groups) for (let i = 0; i < g.grads.length; i++) s += g.grads[i] * g.grads[i];
    return Math.sqrt(s);
  }

  /** Applies one update; returns the gradient norm before clipping. */
  step(): number {
    const norm = this.gradNorm();
    const scale = Number.isFinite(this.maxGradNorm) ? Math.min(1, this.maxGradNorm / (norm + 1e-6)) : 1;
    this.t++;
    if (this.fused) {
      for (let k = 0; k < this.groups.length; k++) {
        const { params, grads } = this.groups[k];
        nativeAdamStep(params, grads, this.m[k], this.v[k], {
          lr: this.lr,
          beta1: this.beta1,
          beta2: this.beta2,
          eps: this.eps,
          step: this.t,
          gradScale: scale,
        });
      }
      return norm;
    }
    const b1 = this.beta1,
      b2 = this.beta2;
    const c1 = 1 - b1 ** this.t,
      c2 = 1 - b2 ** this.t;
    const stepSize = this.lr / c1;
    const sqrtC2 = Math.sqrt(c2);
    for (let k = 0; k < this.groups.length; k++) {
      const { params, grads } = this.groups[k];
      const m = this.m[k],
        v = this.v[k];
      for (let i = 0; i < params.length; i++) {
        const g = grads[i] * scale;
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        params[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / sqrtC2 + this.eps);
      }
    }
    return norm;
  }

  zeroGrad(): void {
    for (const g of this.groups) g.grads.fill(0);
  }
}

/** Learning-rate schedules: the factor applied to the initial rate at training progress `frac` in [0, 1]. */
export type Schedule = 'constant' | 'linear';

export function scheduleFactor(schedule: Schedule, progress: number): number {
  return schedule === 'linear' ? Math.max(0, 1 - progress) : 1;
}
