/**
 * DQN (Mnih et al. 2015) with the options users expect: Double DQN (van Hasselt et al. 2016), dueling heads
 * (Wang et al. 2016), prioritized replay (Schaul et al. 2016), n-step targets, hard or soft (Polyak) target
 * updates, a linear epsilon schedule, the Huber loss and gradient-norm clipping. Discrete actions, Box
 * observations.
 *
 * For a sampled transition (s, a, R, s', terminated, d) where R is the (n-step) return and d = gamma^m its
 * discount:
 *   a* = argmax_a' Q_online(s', a')   (Double DQN)   or   argmax_a' Q_target(s', a')   (plain DQN)
 *   y  = R + d (1 - terminated) Q_target(s', a*)      (truncation bootstraps: only `terminated` cuts it)
 *   L  = (1/B) sum_i w_i huber(Q_online(s, a_i) - y_i),  dL/dQ(s, a_i) = w_i clip(Q - y, -1, 1) / B
 * with w_i the importance weights of prioritized replay (1 otherwise), whose priorities become |Q - y|.
 * Collection, the replay buffer and checkpoints are the shared off-policy loop's (off_policy.ts).
 * Dueling: the network outputs [A(s, .), V(s)] and Q(s, a) = V(s) + A(s, a) - mean_a' A(s, a'), so
 *   dL/dV = dL/dQ_a,   dL/dA_j = dL/dQ_a ([j = a] - 1/|A|).
 */
import type { EnvSource, MakeOptions } from '../core/registry.js';
import { describe } from '../core/rng.js';
import type { Discrete } from '../core/spaces/index.js';
import { Adam } from '../nn/adam.js';
import type { Activation, MLP } from '../nn/mlp.js';
import { createMLP } from '../nn/make_mlp.js';
import { polyakUpdate } from '../nn/polyak.js';
import type { LearnOptions, PredictOptions, TrainResult } from '../train/algorithm.js';
import { tensorOf, type Checkpoint, type StoredArray } from '../train/checkpoint.js';
import type { TrainContext } from '../train/context.js';
import { checkFinite, OffPolicyAlgorithm, type NamedNet, type OffPolicyConfig } from './off_policy.js';
import type { PrioritizedReplayBuffer, ReplaySample } from './replay/index.js';

export interface DQNConfig extends OffPolicyConfig {
  lr: number;
  /** n of the n-step return. */
  nStep: number;
  /** Env steps between target updates (hard when tau = 1, Polyak when tau < 1). */
  targetUpdateInterval: number;
  epsStart: number;
  epsEnd: number;
  /** Fraction of the budget over which epsilon decays linearly. */
  explorationFraction: number;
  double: boolean;
  dueling: boolean;
  prioritized: boolean;
  perAlpha: number;
  perBeta0: number;
  /** Huber (smooth L1, as SB3) or squared error (as CleanRL): dL/dQ = w clip(Q - y, -1, 1) / B or 2 w (Q - y) / B. */
  loss: 'huber' | 'mse';
  activation: Activation;
}

export const DQN_DEFAULTS: DQNConfig = {
  nEnvs: 1,
  bufferSize: 100_000,
  batchSize: 64,
  learningStarts: 1000,
  trainFreq: 4,
  gradientSteps: 1,
  lr: 1e-4,
  gamma: 0.99,
  nStep: 1,
  targetUpdateInterval: 1000,
  tau: 1,
  epsStart: 1,
  epsEnd: 0.05,
  explorationFraction: 0.1,
  double: true,
  dueling: false,
  prioritized: false,
  perAlpha: 0.6,
  perBeta0: 0.4,
  maxGradNorm: 10,
  loss: 'huber',
  hidden: [64, 64],
  activation: 'relu',
  saveBuffer: false,
  backend: 'auto',
  seed: 1,
};

export class DQN extends OffPolicyAlgorithm<DQNConfig> {
  readonly name = 'dqn';
  readonly q: MLP;
  readonly qTarget: MLP;
  readonly optimizer: Adam;
  private readonly nAct: number;
  /** Network outputs per row: nAct, or nAct + 1 with dueling heads. */
  private readonly outDim: number;
  private readonly qScratch: Float32Array;
  private readonly actions: Int32Array;
  private budget = 0;
  private lastTargetUpdate = 0;
  epsilon: number;

  constructor(env: EnvSource, config: Partial<DQNConfig> & { envKwargs?: MakeOptions } = {}) {
    for (const k of ['nStep', 'targetUpdateInterval'] as const) {
      const v = config[k];
      if (v !== undefined && (!Number.isInteger(v) || v < 1))
        throw new RangeError(`dqn: ${k} must be a positive integer, got ${describe(v)}`);
    }
    super(env, DQN_DEFAULTS, config, 'Discrete', (cfg) => ({
      nStep: cfg.nStep,
      prioritized: cfg.prioritized ? { alpha: cfg.perAlpha, beta0: cfg.perBeta0 } : null,
    }));
    const cfg = this.cfg;
    this.nAct = (this.venv.singleActionSpace as Discrete).n;
    this.outDim = cfg.dueling ? this.nAct + 1 : this.nAct;
    const spec = {
      sizes: [this.obsDim, ...cfg.hidden, this.outDim],
      activation: cfg.activation,
      seed: this.rng.spawnSeed(),
    };
    this.q = createMLP(spec, { backend: cfg.backend });
    this.qTarget = createMLP(spec, { backend: cfg.backend });
    this.qTarget.params.set(this.q.params);
    this.optimizer = new Adam([{ params: this.q.params, grads: this.q.grads }], {
      lr: cfg.lr,
      maxGradNorm: cfg.maxGradNorm,
    });
    this.qScratch = new Float32Array(cfg.nEnvs * this.nAct);
    this.actions = new Int32Array(cfg.nEnvs);
    this.epsilon = cfg.epsStart;
  }

  override async learn(opts: LearnOptions): Promise<TrainResult> {
    this.budget = opts.totalSteps;
    // Beta anneals to 1 over this run's budget.
    if (this.cfg.prioritized)
      (this.buffer as unknown as { betaSteps: number }).betaSteps = Math.max(1, opts.totalSteps);
    return super.learn(opts);
  }

  protected networks(): NamedNet[] {
    return [
      { name: 'q', net: this.q, optimizer: this.optimizer },
      { name: 'q_target', net: this.qTarget, optimizer: null },
    ];
  }

  /** Q(s, .) of `batch` rows into `out` (batch x nAct), combining the dueling heads. */
  private qValues(y: Float32Array, batch: number, out: Float32Array): Float32Array {
    const A = this.nAct;
    if (!this.cfg.dueling) {
      out.set(y.subarray(0, batch * A));
      return out;
    }
    const w = A + 1;
    for (let b = 0; b < batch; b++) {
      let mean = 0;
      for (let j = 0; j < A; j++) mean += y[b * w + j];
      mean /= A;
      const v = y[b * w + A];
      for (let j = 0; j < A; j++) out[b * A + j] = v + y[b * w + j] - mean;
    }
    return out;
  }

  /** Epsilon-greedy: epsilon decays linearly over explorationFraction of this learn() call's budget. */
  protected selectActions(obs: Float32Array, n: number, ctx: TrainContext): Int32Array {
    const cfg = this.cfg,
      A = this.nAct;
    const frac = Math.min(
      1,
      (ctx.numTimesteps - ctx.startTimesteps) /
        Math.max(1, cfg.explorationFraction * (this.budget - ctx.startTimesteps)),
    );
    this.epsilon = cfg.epsStart + frac * (cfg.epsEnd - cfg.epsStart);
    this.qValues(this.q.forward(obs, n), n, this.qScratch);
    for (let i = 0; i < n; i++) {
      this.actions[i] = this.rng.random() < this.epsilon ? this.rng.below(A) : argmax(this.qScratch, i * A, A);
      this.storedActions[i] = this.actions[i];
    }
    return this.actions;
  }

  /** Target network: hard copy (tau = 1) or Polyak averaging every targetUpdateInterval env steps. */
  protected override afterUpdates(ctx: TrainContext): void {
    if (ctx.numTimesteps - this.lastTargetUpdate < this.cfg.targetUpdateInterval) return;
    this.lastTargetUpdate = ctx.numTimesteps;
    polyakUpdate(this.qTarget.params, this.q.params, this.cfg.tau);
  }

  protected override iterationStats(): Record<string, number> {
    return { epsilon: this.epsilon };
  }

  protected update(s: ReplaySample, step: number): Record<string, number> {
    const cfg = this.cfg,
      B = cfg.batchSize,
      A = this.nAct,
      W = this.outDim;
    // Targets y = R + d (1 - terminated) Q_target(s', a*).
    const qNextT = this.qValues(this.qTarget.forward(s.nextObs, B), B, new Float32Array(B * A));
    const qNextO = cfg.double ? this.qValues(this.q.forward(s.nextObs, B), B, new Float32Array(B * A)) : qNextT;
    const y = new Float64Array(B);
    for (let b = 0; b < B; b++) {
      const aStar = argmax(qNextO, b * A, A);
      const d = s.discounts ? s.discounts[b] : cfg.gamma;
      y[b] = s.rewards[b] + d * (1 - s.terminated[b]) * qNextT[b * A + aStar];
    }
    checkFinite(y, 'dqn: TD target y is not finite', step, B);
    const out = this.q.forwardTrain(s.obs, B);
    const qNow = this.qValues(out, B, new Float32Array(B * A));
    const dOut = new Float32Array(B * W),
      td = new Float64Array(B);
    let loss = 0,
      meanQ = 0;
    for (let b = 0; b < B; b++) {
      const a = s.actions[b];
      const diff = qNow[b * A + a] - y[b];
      td[b] = diff;
      const w = s.weights[b];
      const ad = Math.abs(diff);
      const huber = cfg.loss === 'huber';
      loss += w * (huber ? (ad <= 1 ? 0.5 * diff * diff : ad - 0.5) : diff * diff);
      meanQ += qNow[b * A + a];
      const g = huber ? (w * Math.min(Math.max(diff, -1), 1)) / B : (2 * w * diff) / B;
      if (cfg.dueling) {
        dOut[b * W + A] = g;
        for (let j = 0; j < A; j++) dOut[b * W + j] = g * ((j === a ? 1 : 0) - 1 / A);
      } else {
        dOut[b * W + a] = g;
      }
    }
    this.q.backward(dOut);
    this.optimizer.step();
    this.q.zeroGrad();
    if (cfg.prioritized) (this.buffer as PrioritizedReplayBuffer).updatePriorities(s.indices, td, B);
    return { loss: loss / B, mean_q: meanQ / B };
  }

  predict(obs: unknown, opts: PredictOptions = {}): number {
    const x = Float32Array.from(obs as ArrayLike<number>);
    if (x.length !== this.obsDim)
      throw new TypeError(`dqn.predict: expected an observation of ${this.obsDim} numbers, got ${describe(obs)}`);
    if (!(opts.deterministic ?? true) && this.rng.random() < this.epsilon) return this.rng.below(this.nAct);
    const q = this.qValues(this.q.forward(x, 1), 1, new Float32Array(this.nAct));
    return argmax(q, 0, this.nAct);
  }

  /** DQN's checkpoint layout (q, q_target, adam_m, adam_v), kept from before the shared off-policy loop. */
  protected override stateArrays(): Record<string, StoredArray> {
    return {
      q: this.q.params,
      q_target: this.qTarget.params,
      adam_m: this.optimizer.m[0],
      adam_v: this.optimizer.v[0],
      ...this.replayArrays(),
    };
  }

  protected override stateExtra(): Record<string, unknown> {
    return {
      adam_t: this.optimizer.t,
      epsilon: this.epsilon,
      last_target_update: this.lastTargetUpdate,
      updates: this.updates,
    };
  }

  override restore(ck: Checkpoint, dir: string): void {
    this.q.params.set(tensorOf(ck, 'q', Float32Array, this.q.numParams, dir));
    this.qTarget.params.set(tensorOf(ck, 'q_target', Float32Array, this.qTarget.numParams, dir));
    this.optimizer.m[0].set(tensorOf(ck, 'adam_m', Float32Array, this.q.numParams, dir));
    this.optimizer.v[0].set(tensorOf(ck, 'adam_v', Float32Array, this.q.numParams, dir));
    const st = (ck.manifest.state ?? {}) as {
      adam_t?: number;
      epsilon?: number;
      last_target_update?: number;
      updates?: number;
    };
    this.optimizer.t = st.adam_t ?? 0;
    this.epsilon = st.epsilon ?? this.cfg.epsStart;
    this.lastTargetUpdate = st.last_target_update ?? 0;
    this.updates = st.updates ?? 0;
    this.restoreReplay(ck, dir);
    this.restoreCommon(ck);
  }
}

function argmax(x: ArrayLike<number>, off: number, n: number): number {
  let best = 0,
    bv = x[off];
  for (let j = 1; j < n; j++)
    if (x[off + j] > bv) {
      bv = x[off + j];
      best = j;
    }
  return best;
}
