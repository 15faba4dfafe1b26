/**
 * What the continuous-action off-policy methods (DDPG, TD3, SAC) share on top of off_policy.ts, as
 * Stable-Baselines3's scale/unscale_action and their critics: Box actions rescaled from the policies' [-1, 1] to
 * the env's bounds, the uniform warm-up before `learningStarts`, and the critics Q(s, a) with their targets
 * (made, stepped, and their minimum for the target).
 */
import type { MakeOptions, EnvSource } from '../core/registry.js';
import { describe } from '../core/rng.js';
import type { Box } from '../core/spaces/index.js';
import { Adam } from '../nn/adam.js';
import { createMLP } from '../nn/make_mlp.js';
import type { MLP } from '../nn/mlp.js';
import type { PredictOptions } from '../train/algorithm.js';
import type { TrainContext } from '../train/context.js';
import { OffPolicyAlgorithm, type OffPolicyConfig } from './off_policy.js';

/** The continuous-action methods (DDPG, TD3, SAC): Box actions rescaled from [-1, 1], uniform warm-up. */
export abstract class OffPolicyActorCritic<C extends OffPolicyConfig> extends OffPolicyAlgorithm<C> {
  readonly actLow: Float32Array;
  readonly actHigh: Float32Array;
  /** The env's actions (nEnvs x actDim) of the current step. */
  private readonly envActions: Float32Array;

  protected constructor(env: EnvSource, defaults: C, config: Partial<C> & { envKwargs?: MakeOptions }) {
    super(env, defaults, config, 'Box', () => ({ nStep: 1, prioritized: null }));
    const as = this.venv.singleActionSpace as Box;
    this.actLow = Float32Array.from(as.low);
    this.actHigh = Float32Array.from(as.high);
    for (let j = 0; j < as.size; j++) {
      if (!Number.isFinite(this.actLow[j]) || !Number.isFinite(this.actHigh[j])) {
        this.venv.close();
        throw new TypeError(
          `${this.constructor.name.toLowerCase()} needs a bounded action space (it rescales [-1, 1] to the bounds); ${this.envId} has ${as}`,
        );
      }
    }
    this.envActions = new Float32Array(this.cfg.nEnvs * this.actDim);
  }

  /**
   * `n` critics Q(s, a) (inputs [s | a], hidden layers of the config, one output) with their target copies and
   * fused Adam optimizers; each critic's initialization seed is drawn from the algorithm's generator in turn.
   */
  protected makeCritics(n: number, lr: number): { critics: MLP[]; targets: MLP[]; optimizers: Adam[] } {
    const cfg = this.cfg,
      gains = [...cfg.hidden.map(() => Math.SQRT2), 1];
    const critics: MLP[] = [],
      targets: MLP[] = [];
    for (let i = 0; i < n; i++) {
      const spec = {
        sizes: [this.obsDim + this.actDim, ...cfg.hidden, 1],
        activation: cfg.activation,
        gains,
        seed: this.rng.spawnSeed(),
      };
      const q = createMLP(spec, { backend: cfg.backend }),
        qt = createMLP(spec, { backend: cfg.backend });
      qt.params.set(q.params);
      critics.push(q);
      targets.push(qt);
    }
    const optimizers = critics.map(
      (q) => new Adam([{ params: q.params, grads: q.grads }], { lr, maxGradNorm: cfg.maxGradNorm, fused: true }),
    );
    return { critics, targets, optimizers };
  }

  /**
   * Exploratory actions of the policy for `n` observations into `out` (n x actDim, in [-1, 1]).
   * Called once learning has started; before that the actions are uniform.
   */
  protected abstract explore(obs: Float32Array, n: number, out: Float32Array): void;
  /** The policy's action for one observation in [-1, 1]^A: deterministic (the mean) or sampled. */
  protected abstract policyAction(obs: Float32Array, deterministic: boolean, out: Float32Array): void;

  protected selectActions(obs: Float32Array, n: number, ctx: TrainContext): Float32Array {
    const scaled = this.storedActions;
    if (ctx.numTimesteps < this.cfg.learningStarts) {
      for (let i = 0; i < n * this.actDim; i++) scaled[i] = 2 * this.rng.random() - 1;
    } else {
      this.explore(obs, n, scaled);
    }
    this.unscale(scaled, this.envActions, n);
    return this.envActions;
  }

  /** a_env = low + (a + 1) / 2 (high - low) for n rows of scaled actions. */
  protected unscale(scaled: Float32Array, out: Float32Array, n: number): void {
    const A = this.actDim;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < A; j++) {
        const k = i * A + j;
        out[k] = this.actLow[j] + 0.5 * (scaled[k] + 1) * (this.actHigh[j] - this.actLow[j]);
      }
    }
  }

  /** The env action for one observation (deterministic by default: the policy's mean). */
  predict(obs: unknown, opts: PredictOptions = {}): Float32Array {
    const x = Float32Array.from(obs as ArrayLike<number>);
    if (x.length !== this.obsDim)
      throw new TypeError(
        `${this.name}.predict: expected an observation of ${this.obsDim} numbers, got ${describe(obs)}`,
      );
    const scaled = new Float32Array(this.actDim),
      out = new Float32Array(this.actDim);
    this.policyAction(x, opts.deterministic ?? true, scaled);
    this.unscale(scaled, out, 1);
    return out;
  }
}

/** out[b] = min_i Q_i(sa_b) over the target critics (Math.min keeps a NaN, a comparison would drop it). */
export function minQ(critics: MLP[], sa: Float32Array, B: number, out: Float32Array): Float32Array {
  out.fill(Infinity);
  for (const qt of critics) {
    const q = qt.forward(sa, B);
    for (let b = 0; b < B; b++) out[b] = Math.min(out[b], q[b]);
  }
  return out;
}

/**
 * One step of each critic on L_Q = (1/B) sum_b (Q_i(s, a) - y)^2, i.e. dL/dQ_i = 2 (Q_i - y) / B, with `sa` the
 * rows [s | a]; returns the summed loss and the mean of Q_1. `dq` is scratch of B numbers.
 */
export function criticSteps(
  critics: MLP[],
  optimizers: Adam[],
  sa: Float32Array,
  y: Float32Array,
  B: number,
  dq: Float32Array,
): { loss: number; meanQ: number } {
  let loss = 0,
    meanQ = 0;
  critics.forEach((q, i) => {
    const qv = q.forwardTrain(sa, B);
    for (let b = 0; b < B; b++) {
      const diff = qv[b] - y[b];
      loss += (diff * diff) / B;
      if (i === 0) meanQ += qv[b] / B;
      dq[b] = (2 * diff) / B;
    }
    q.backward(dq);
    optimizers[i].step();
    q.zeroGrad();
  });
  return { loss, meanQ };
}

/** Writes rows [obs | act] (B x (D + A)) into out: the input of a critic Q(s, a). */
export function concatRows(
  obs: Float32Array,
  D: number,
  act: Float32Array,
  A: number,
  B: number,
  out: Float32Array,
): Float32Array {
  const W = D + A;
  for (let b = 0; b < B; b++) {
    for (let d = 0; d < D; d++) out[b * W + d] = obs[b * D + d];
    for (let j = 0; j < A; j++) out[b * W + D + j] = act[b * A + j];
  }
  return out;
}
