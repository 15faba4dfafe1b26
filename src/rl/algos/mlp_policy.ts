/**
 * MLP policies behind the StochasticPolicy interface (train/policy.ts), as Stable-Baselines3's policies: the
 * networks, the action distribution and what turns an observation into an action live here; the algorithms
 * keep collection, losses and optimizers.
 *
 * MlpPolicy: one MLP whose outputs are the logits of a Categorical (Discrete actions, with action masks) or the
 * means of a diagonal Gaussian with a state-independent log std (Box actions). GRPO's policy.
 * ActorCriticPolicy: the on-policy methods' actor-critic (separate actor and critic MLPs, or with
 * `sharedNetwork` one MLP whose last layer gives the action outputs and the value side by side, i.e. a shared
 * trunk with two linear heads), with optional observation normalization (as Stable-Baselines3's VecNormalize:
 * o' = clip((o - mean) / sqrt(var + 1e-8), +-clipObs), statistics updated by the algorithm, frozen in `act`).
 *
 * Sampling uses the algorithm's generator (given to the constructor), so that acting through the policy and
 * through `predict` are one and the same stream.
 */
import { Box, Discrete } from '../core/spaces/index.js';
import type { Rng } from '../core/rng.js';
import { describe } from '../core/rng.js';
import { Categorical, DiagGaussian } from '../nn/distributions.js';
import { createMLP } from '../nn/make_mlp.js';
import type { Activation, MLP } from '../nn/mlp.js';
import type { PredictOptions } from '../train/algorithm.js';
import type { StochasticPolicy } from '../train/policy.js';
import { RunningMeanStd } from '../wrappers/running_mean_std.js';

export class MlpPolicy implements StochasticPolicy {
  readonly discrete: boolean;
  readonly nAct: number;
  readonly cat: Categorical | null;
  readonly gauss: DiagGaussian | null;
  /** Log std of the Gaussian (empty for a Categorical), and its gradient. */
  readonly logStd: Float32Array;
  readonly logStdGrad: Float32Array;
  private readonly actLow: Float32Array | null = null;
  private readonly actHigh: Float32Array | null = null;

  /**
   * `name` (the algorithm's) prefixes error messages; `actor` outputs nAct numbers per row (or more, see
   * actionOutputs).
   */
  constructor(
    readonly name: string,
    readonly actor: MLP,
    readonly obsDim: number,
    actionSpace: Discrete | Box,
    protected readonly rng: Rng,
    logStdInit = 0,
  ) {
    this.discrete = actionSpace instanceof Discrete;
    this.nAct = actionSpace instanceof Discrete ? actionSpace.n : actionSpace.size;
    if (actionSpace instanceof Box) {
      this.actLow = Float32Array.from(actionSpace.low);
      this.actHigh = Float32Array.from(actionSpace.high);
    }
    this.cat = this.discrete ? new Categorical(this.nAct) : null;
    this.gauss = this.discrete ? null : new DiagGaussian(this.nAct);
    this.logStd = new Float32Array(this.discrete ? 0 : this.nAct).fill(logStdInit);
    this.logStdGrad = new Float32Array(this.logStd.length);
  }

  get parameters(): Float32Array {
    return this.actor.params;
  }

  /** `n` raw observations as the network's input (as they are here; ActorCriticPolicy normalizes). */
  protected preprocess(raw: Float32Array, _n: number): Float32Array {
    return raw;
  }

  /** The action outputs (logits or means), n x nAct, of `n` network inputs. */
  protected actionOutputs(x: Float32Array, n: number): Float32Array {
    return this.actor.forward(x, n);
  }

  act(obs: ArrayLike<number>, opts: PredictOptions = {}): number | Float32Array {
    if (obs === null || typeof obs !== 'object' || obs.length !== this.obsDim)
      throw new TypeError(
        `${this.name}.predict: expected an observation of ${this.obsDim} numbers, got ${describe(obs)}`,
      );
    const out = this.actionOutputs(this.preprocess(Float32Array.from(obs), 1), 1);
    const deterministic = opts.deterministic ?? true;
    if (this.cat) {
      const a = new Int32Array(1);
      const mask = opts.actionMask ? Uint8Array.from(opts.actionMask, (v) => (v ? 1 : 0)) : null;
      if (deterministic) this.cat.mode(out, 1, a, mask);
      else this.cat.sample(out, 1, this.rng, a, new Float32Array(1), mask);
      return a[0];
    }
    const act = new Float32Array(this.nAct);
    if (deterministic) this.gauss!.mode(out, 1, act);
    else this.gauss!.sample(out, this.logStd, 1, this.rng, act, new Float32Array(1));
    return this.clipToBounds(act);
  }

  /** Box actions (rows of nAct) clipped to the action space's bounds, into `out`. */
  clipToBounds(actions: Float32Array, out: Float32Array = actions): Float32Array {
    for (let k = 0; k < actions.length; k++) {
      const j = k % this.nAct;
      out[k] = Math.min(Math.max(actions[k], this.actLow![j]), this.actHigh![j]);
    }
    return out;
  }

  logProb(
    obs: ArrayLike<number>,
    actions: ArrayLike<number>,
    n: number,
    masks: ArrayLike<number> | null = null,
  ): Float64Array {
    const per = this.discrete ? 1 : this.nAct;
    if (!Number.isInteger(n) || n < 0 || obs?.length !== n * this.obsDim || actions?.length !== n * per) {
      throw new TypeError(
        `${this.name}.policy.logProb: expected ${describe(n)} rows of ${this.obsDim} observation numbers and ${per} action number(s), got ${describe(obs?.length)} and ${describe(actions?.length)}`,
      );
    }
    const out = this.actionOutputs(this.preprocess(Float32Array.from(obs), n), n);
    const logp = new Float64Array(n),
      ent = new Float64Array(n);
    if (this.cat) this.cat.evaluate(out, n, actions, logp, ent, masks);
    else this.gauss!.evaluate(out, this.logStd, n, Float32Array.from(actions), logp, ent);
    return logp;
  }

  dispose(): void {
    this.actor.dispose();
  }
}

/** The actor-critic's architecture (OnPolicyConfig's fields of the same names). */
export interface ActorCriticOptions {
  hidden: number[];
  activation: Activation;
  logStdInit: number;
  sharedNetwork: boolean;
  normalizeObs: boolean;
  clipObs: number;
  backend: 'auto' | 'native' | 'tfjs' | 'js';
}

export class ActorCriticPolicy extends MlpPolicy {
  /** The value network (null with sharedNetwork: the actor then outputs [action outputs..., value]). */
  readonly critic: MLP | null;
  /** Running observation statistics (null without normalizeObs); the algorithm updates them. */
  readonly obsRms: RunningMeanStd | null;
  private readonly clipObs: number;

  constructor(name: string, obsSpace: Box, actionSpace: Discrete | Box, cfg: ActorCriticOptions, rng: Rng) {
    const nAct = actionSpace instanceof Discrete ? actionSpace.n : actionSpace.size;
    const { actor, critic } = actorCriticNetworks(obsSpace.size, nAct, cfg, rng);
    super(name, actor, obsSpace.size, actionSpace, rng, cfg.logStdInit);
    this.critic = critic;
    this.clipObs = cfg.clipObs;
    this.obsRms = cfg.normalizeObs ? new RunningMeanStd(this.obsDim) : null;
  }

  /**
   * Action outputs (batch x nAct) and values (batch) of `obs` (network inputs); `train` keeps what backward
   * needs. With a shared network the one output row [outputs..., value] is split into the two.
   */
  forward(obs: Float32Array, batch: number, train: boolean): { out: Float32Array; values: Float32Array } {
    if (this.critic !== null) {
      const out = train ? this.actor.forwardTrain(obs, batch) : this.actor.forward(obs, batch);
      const values = train ? this.critic.forwardTrain(obs, batch) : this.critic.forward(obs, batch);
      return { out, values };
    }
    const y = train ? this.actor.forwardTrain(obs, batch) : this.actor.forward(obs, batch);
    const A = this.nAct,
      w = A + 1;
    const out = new Float32Array(batch * A),
      values = new Float32Array(batch);
    for (let b = 0; b < batch; b++) {
      for (let j = 0; j < A; j++) out[b * A + j] = y[b * w + j];
      values[b] = y[b * w + A];
    }
    return { out, values };
  }

  /** Backward through the network(s) from dL/d(action outputs) and dL/dV. */
  backward(dOut: Float32Array, dV: Float32Array, batch: number): void {
    if (this.critic !== null) {
      this.actor.backward(dOut);
      this.critic.backward(dV);
      return;
    }
    const A = this.nAct,
      w = A + 1;
    const d = new Float32Array(batch * w);
    for (let b = 0; b < batch; b++) {
      for (let j = 0; j < A; j++) d[b * w + j] = dOut[b * A + j];
      d[b * w + A] = dV[b];
    }
    this.actor.backward(d);
  }

  /** V(obs) for `batch` network inputs (normalized observations). */
  values(obs: Float32Array, batch: number): Float32Array {
    return this.critic !== null
      ? this.critic.forward(obs, batch).subarray(0, batch)
      : this.forward(obs, batch, false).values;
  }

  /** Observations as the networks see them (normalized and clipped when normalizeObs is on). */
  normalizeObs(raw: Float32Array, n: number, out: Float32Array = new Float32Array(n * this.obsDim)): Float32Array {
    const rms = this.obsRms,
      D = this.obsDim,
      c = this.clipObs;
    if (rms === null) {
      out.set(raw.subarray(0, n * D));
      return out;
    }
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < D; j++) {
        const v = (raw[b * D + j] - rms.mean[j]) / Math.sqrt(rms.var[j] + 1e-8);
        out[b * D + j] = Math.min(Math.max(v, -c), c);
      }
    }
    return out;
  }

  protected override preprocess(raw: Float32Array, n: number): Float32Array {
    return this.normalizeObs(raw, n);
  }

  protected override actionOutputs(x: Float32Array, n: number): Float32Array {
    return this.forward(x, n, false).out;
  }

  override dispose(): void {
    super.dispose();
    this.critic?.dispose();
  }
}

/** The actor and critic of an ActorCriticPolicy, seeded from `rng` (the actor's seed first). */
function actorCriticNetworks(
  obsDim: number,
  nAct: number,
  cfg: ActorCriticOptions,
  rng: Rng,
): { actor: MLP; critic: MLP | null } {
  const hiddenGains = cfg.hidden.map(() => Math.SQRT2);
  // Small output gains, as CleanRL: the initial policy is near uniform and the initial values near 0.
  if (cfg.sharedNetwork) {
    const actor = createMLP(
      {
        sizes: [obsDim, ...cfg.hidden, nAct + 1],
        activation: cfg.activation,
        gains: [...hiddenGains, 0.01],
        seed: rng.spawnSeed(),
      },
      { backend: cfg.backend },
    );
    // The value column of the last layer gets gain 1, the action columns 0.01 (scaling columns keeps them orthogonal).
    const h = cfg.hidden.length ? cfg.hidden[cfg.hidden.length - 1] : obsDim,
      w = nAct + 1;
    const last = actor.numParams - (h * w + w);
    for (let i = 0; i < h; i++) actor.params[last + i * w + nAct] *= 100;
    return { actor, critic: null };
  }
  const actor = createMLP(
    {
      sizes: [obsDim, ...cfg.hidden, nAct],
      activation: cfg.activation,
      gains: [...hiddenGains, 0.01],
      seed: rng.spawnSeed(),
    },
    { backend: cfg.backend },
  );
  const critic = createMLP(
    {
      sizes: [obsDim, ...cfg.hidden, 1],
      activation: cfg.activation,
      gains: [...hiddenGains, 1],
      seed: rng.spawnSeed(),
    },
    { backend: cfg.backend },
  );
  return { actor, critic };
}
