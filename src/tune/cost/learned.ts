/**
 * Level 1 of the cost model: an MLP of `src/rl/nn` (any of its backends) on the features of features.ts,
 * trained online on the workload's measurements with a ranking loss, since a search only needs the order of its
 * candidates: RankNet's pairwise logistic loss  log(1 + exp(-(s_i - s_j)))  over pairs of configs of the same
 * workload where i measured faster than j (a failed config ranks below every working one; pairs closer than 1%
 * are skipped as noise).
 *
 * Transfer: records of other workloads (`setPrior`) are fitted first; as the workload's own measurements come
 * in, the share of training pairs drawn from them falls as priorWeight = halfLife / (halfLife + own records),
 * so with 32 own records (the default half-life) half the pairs are the workload's own, with 288 a tenth.
 *
 * Too few records to train (fewer than `minRecords` working ones, own and prior together): `ready` stays false,
 * `fit` says why, and the strategies rank with the analytic level alone.
 */
import { Adam } from '../../rl/nn/adam.js';
import { createMLP, type MLPBackend } from '../../rl/nn/make_mlp.js';
import type { MLP } from '../../rl/nn/mlp.js';
import { Rng } from '../../rl/core/rng.js';
import type { TuningTask } from '../task/task.js';
import {
  FEATURE_VERSION,
  featureFamily,
  featureNames,
  features,
  type CostMachine,
  type FeatureFamily,
} from './features.js';
import './analytic.js';

export interface CostSample {
  task: TuningTask;
  index: number;
  /** Measured GFLOP/s, or null for a failed config. */
  gflops: number | null;
}

export interface LearnedOptions {
  seed?: number;
  hidden?: number[];
  lr?: number;
  /** Adam steps of the first fit and of each later (warm-started) fit. */
  firstSteps?: number;
  steps?: number;
  pairsPerStep?: number;
  minRecords?: number;
  priorHalfLife?: number;
  backend?: MLPBackend;
}

interface Group {
  key: string;
  x: Float32Array[];
  /** log GFLOP/s, -Infinity for failures. */
  y: number[];
}

export class LearnedCostModel {
  readonly family: FeatureFamily;
  readonly nFeatures: number;
  private net: MLP | null = null;
  private opt: Adam | null = null;
  private readonly rng: Rng;
  private readonly prior = new Map<string, Group>();
  private readonly own: Group = { key: 'own', x: [], y: [] };
  private mean: Float32Array;
  private std: Float32Array;
  private fits = 0;
  /** Wall time of fits and predictions, ms. */
  fitMs = 0;
  predictMs = 0;
  ready = false;
  readonly opts: Required<Omit<LearnedOptions, 'backend'>> & { backend: MLPBackend };

  constructor(
    family: FeatureFamily,
    readonly machine: CostMachine,
    opts: LearnedOptions = {},
  ) {
    this.family = family;
    this.nFeatures = featureNames(family).length;
    this.opts = {
      seed: opts.seed ?? 1,
      hidden: opts.hidden ?? [64, 64],
      lr: opts.lr ?? 2e-3,
      firstSteps: opts.firstSteps ?? 400,
      steps: opts.steps ?? 120,
      pairsPerStep: opts.pairsPerStep ?? 128,
      minRecords: opts.minRecords ?? 16,
      priorHalfLife: opts.priorHalfLife ?? 32,
      backend: opts.backend ?? 'auto',
    };
    this.rng = new Rng(this.opts.seed);
    this.mean = new Float32Array(this.nFeatures);
    this.std = new Float32Array(this.nFeatures).fill(1);
  }

  /** What the model was trained for: refuses another family's features. */
  get encoding(): string {
    return `${this.family}-features-v${FEATURE_VERSION}`;
  }

  private check(task: TuningTask): void {
    const f = featureFamily(task);
    if (f !== this.family) {
      throw new TypeError(
        `this cost model ranks ${this.family} configs (${this.encoding}); it was asked to predict for ${task.workload.op} (${task.spec}), whose features are of the ${f} family`,
      );
    }
  }

  private row(s: CostSample): [Float32Array, number] {
    this.check(s.task);
    const y = s.gflops !== null && s.gflops > 0 && Number.isFinite(s.gflops) ? Math.log(s.gflops) : -Infinity;
    return [features(s.task, s.index, this.machine), y];
  }

  /** Records of other workloads (the transfer prior), grouped by workload. */
  setPrior(samples: CostSample[]): void {
    this.prior.clear();
    for (const s of samples) {
      const key = s.task.spec;
      let g = this.prior.get(key);
      if (!g) this.prior.set(key, (g = { key, x: [], y: [] }));
      const [x, y] = this.row(s);
      g.x.push(x);
      g.y.push(y);
    }
  }

  /** Measurements of the workload being tuned. */
  add(samples: CostSample[]): void {
    for (const s of samples) {
      const [x, y] = this.row(s);
      this.own.x.push(x);
      this.own.y.push(y);
    }
  }

  get ownRecords(): number {
    return this.own.y.length;
  }

  get priorRecords(): number {
    let n = 0;
    for (const g of this.prior.values()) n += g.y.length;
    return n;
  }

  private workingCount(g: Group): number {
    return g.y.filter((y) => y > -Infinity).length;
  }

  /** Trains (warm-started after the first call); returns whether the model is ready, and why not. */
  fit(): { ready: boolean; reason: string | null; steps: number } {
    const t0 = performance.now();
    const groups = [...this.prior.values(), this.own].filter((g) => this.workingCount(g) >= 2 && g.y.length >= 2);
    const working = groups.reduce((n, g) => n + this.workingCount(g), 0);
    if (working < this.opts.minRecords) {
      this.fitMs += performance.now() - t0;
      return {
        ready: this.ready,
        reason: `${working} working records (${this.ownRecords} of this workload, ${this.priorRecords} of others); the learned model needs ${this.opts.minRecords}: ranking with the analytic model`,
        steps: 0,
      };
    }
    if (!this.net) {
      this.standardize(groups);
      this.net = createMLP(
        { sizes: [this.nFeatures, ...this.opts.hidden, 1], activation: 'relu', seed: this.opts.seed },
        { backend: this.opts.backend },
      );
      this.opt = new Adam([{ params: this.net.params, grads: this.net.grads }], { lr: this.opts.lr, maxGradNorm: 5 });
    }
    const steps = this.fits === 0 ? this.opts.firstSteps : this.opts.steps;
    const P = this.opts.pairsPerStep,
      F = this.nFeatures;
    const x = new Float32Array(2 * P * F),
      dy = new Float32Array(2 * P);
    const priorGroups = groups.filter((g) => g !== this.own);
    const ownOk = groups.includes(this.own);
    const priorShare =
      priorGroups.length === 0 ? 0 : !ownOk ? 1 : this.opts.priorHalfLife / (this.opts.priorHalfLife + this.ownRecords);
    const priorSizes = priorGroups.map((g) => g.y.length),
      priorTotal = priorSizes.reduce((a, b) => a + b, 0);
    const sign = new Float32Array(P);
    for (let s = 0; s < steps; s++) {
      let p = 0;
      for (let tries = 0; p < P && tries < 20 * P; tries++) {
        let g: Group;
        if (this.rng.random() < priorShare) {
          let r = this.rng.below(priorTotal),
            k = 0;
          while (r >= priorSizes[k]) r -= priorSizes[k++];
          g = priorGroups[k];
        } else {
          g = this.own;
        }
        const n = g.y.length;
        const i = this.rng.below(n),
          j = this.rng.below(n);
        const yi = g.y[i],
          yj = g.y[j];
        if (yi === yj || (yi > -Infinity && yj > -Infinity && Math.abs(yi - yj) < 0.01)) continue;
        this.normalized(g.x[i], x, 2 * p * F);
        this.normalized(g.x[j], x, (2 * p + 1) * F);
        sign[p] = yi > yj ? 1 : -1;
        p++;
      }
      if (p === 0) break;
      const out = this.net.forwardTrain(x, 2 * p);
      dy.fill(0);
      for (let q = 0; q < p; q++) {
        const d = sign[q] * (out[2 * q] - out[2 * q + 1]);
        // d/dd log(1 + e^-d) = -1 / (1 + e^d)
        const g = -1 / (1 + Math.exp(d)) / p;
        dy[2 * q] = sign[q] * g;
        dy[2 * q + 1] = -sign[q] * g;
      }
      this.net.zeroGrad();
      this.net.backward(dy.subarray(0, 2 * p));
      this.opt!.step();
    }
    this.fits++;
    this.ready = true;
    this.fitMs += performance.now() - t0;
    return { ready: true, reason: null, steps };
  }

  private standardize(groups: Group[]): void {
    const F = this.nFeatures;
    const sum = new Float64Array(F),
      sq = new Float64Array(F);
    let n = 0;
    for (const g of groups)
      for (const x of g.x) {
        n++;
        for (let k = 0; k < F; k++) {
          sum[k] += x[k];
          sq[k] += x[k] * x[k];
        }
      }
    for (let k = 0; k < F; k++) {
      const m = sum[k] / n;
      this.mean[k] = m;
      this.std[k] = Math.sqrt(Math.max(sq[k] / n - m * m, 0)) || 1;
    }
  }

  private normalized(src: Float32Array, dst: Float32Array, at: number): void {
    for (let k = 0; k < this.nFeatures; k++) dst[at + k] = (src[k] - this.mean[k]) / this.std[k];
  }

  /** Scores (higher is faster) of configs of `task`; the model must be ready. */
  predict(task: TuningTask, indices: number[]): Float64Array {
    this.check(task);
    if (!this.net || !this.ready)
      throw new Error(
        `the learned cost model is not trained yet (${this.ownRecords} own and ${this.priorRecords} prior records); call fit() first or rank with the analytic model`,
      );
    const t0 = performance.now();
    const F = this.nFeatures,
      out = new Float64Array(indices.length);
    const chunk = 1024,
      x = new Float32Array(chunk * F),
      f = new Float32Array(F);
    for (let a = 0; a < indices.length; a += chunk) {
      const n = Math.min(chunk, indices.length - a);
      for (let r = 0; r < n; r++) {
        features(task, indices[a + r], this.machine, f);
        this.normalized(f, x, r * F);
      }
      const y = this.net.forward(x, n);
      for (let r = 0; r < n; r++) out[a + r] = y[r];
    }
    this.predictMs += performance.now() - t0;
    return out;
  }

  dispose(): void {
    this.net?.dispose();
    this.net = null;
  }
}
