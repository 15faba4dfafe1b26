/**
 * GRPO, Group Relative Policy Optimization (Shao et al. 2024, DeepSeekMath, section 4.1), as a general algorithm
 * of the shared loop: no critic; the baseline of an episode is the mean outcome of a group of episodes that
 * started from the same place.
 *
 * An iteration draws P = promptsPerIteration prompts from the prompt source. A prompt is an episode start (the
 * arguments of env.reset: a seed and env options, e.g. `{options: {workload}}`); the default source gives a fresh
 * seed per group, and a start without a seed gets a fresh one, so that the G episodes of a group really share
 * their start. From each prompt, G = groupSize episodes (the "outputs") run to their end with the current
 * policy pi_old. With o_i the i-th episode of a group, |o_i| its length and R_i its return (the outcome; where
 * the env rewards only at the end, the final reward):
 *   A_i = (R_i - mean_j R_j) / (std_j R_j + eps)           (sample std over the group; equal returns: A_i = 0)
 *   every step t of o_i gets A_i                            (outcome supervision)
 *   rho_{i,t} = pi(a_t|s_t) / pi_old(a_t|s_t)
 *   k3_{i,t} = exp(q) - q - 1,   q = log pi_ref(a_t|s_t) - log pi(a_t|s_t)     (>= 0, 0 iff pi = pi_ref there;
 *                                                           an unbiased estimate of KL(pi || pi_ref))
 *   L = -(1/E) sum_i (1/|o_i|) sum_t [ min(rho A_i, clip(rho, 1 - c, 1 + c) A_i) - beta k3_{i,t} ]
 * over minibatches of E = minibatchSize whole episodes (shuffled; the last may be smaller), for updateEpochs
 * epochs; log pi_old and log pi_ref are computed once per iteration. `grpoLoss` (grpo_objective.ts) writes L and
 * dL/dlog pi;
 * the Categorical turns that into dL/dlogits. The reference pi_ref is the initial policy (DeepSeekMath's GRPO);
 * with refUpdateInterval k it is replaced by the current policy every k iterations (the paper's iterative GRPO).
 * Action masks (`info.action_mask`) restrict sampling and every log-probability, as in PPO.
 *
 * Collection goes through the shared loop's `runEpisode` on one env (episodes of a group one after the other,
 * reported to callbacks with `env` = their index in the group). A group is always collected whole: a stop
 * request from a callback ends the iteration after the group in progress, and the update uses the whole groups.
 * The step budget is checked between iterations (as PPO's rollouts), so the last one may go past it.
 *
 * Spaces: a Box observation space and a Discrete action space. The prompt source is not part of the config (a
 * function is not JSON): give it again as `prompts` after `loadAlgorithm`; the checkpoint keeps how many
 * prompts were drawn, so the source goes on where it stopped.
 */
import type { Env, Info } from '../core/env.js';
import type { EnvSource, MakeOptions } from '../core/registry.js';
import { describe } from '../core/rng.js';
import { Box, Discrete } from '../core/spaces/index.js';
import { Adam, scheduleFactor } from '../nn/adam.js';
import type { Categorical } from '../nn/distributions.js';
import { createMLP } from '../nn/make_mlp.js';
import type { MLP } from '../nn/mlp.js';
import {
  Algorithm,
  NonFiniteError,
  type EpisodeStart,
  type LearnOptions,
  type PredictOptions,
  type StartSource,
  type TrainResult,
} from '../train/algorithm.js';
import { tensorOf, type Checkpoint, type StoredArray } from '../train/checkpoint.js';
import type { TrainContext } from '../train/context.js';
import { groupAdvantages, grpoLoss } from './grpo_objective.js';
import { StepStore } from './episode_steps.js';
import { checkConfig, GRPO_DEFAULTS, type GRPOConfig } from './grpo_config.js';
import { MlpPolicy } from './mlp_policy.js';

export { groupAdvantages, grpoLoss, k3, type GRPOLossTerms } from './grpo_objective.js';
export { GRPO_DEFAULTS, type GRPOConfig } from './grpo_config.js';

const DEFAULT_PROMPTS: StartSource = () => ({});

export class GRPO extends Algorithm {
  readonly name = 'grpo';
  readonly cfg: GRPOConfig;
  /** Where each group starts (see the file's comment). Settable, e.g. after loadAlgorithm. */
  prompts: StartSource;
  /** The policy pi (train/policy.ts's StochasticPolicy; its network is `actor`). */
  readonly policy: MlpPolicy;
  /** The policy's network. */
  readonly actor: MLP;
  /** The reference policy pi_ref of the KL penalty (same layout as actor). */
  readonly reference: MLP;
  readonly optimizer: Adam;
  readonly obsDim: number;
  readonly nAct: number;
  /** Prompts drawn so far (the index the prompt source gets next). */
  promptsDrawn = 0;
  /** Updates done so far (for refUpdateInterval). */
  iterations = 0;
  private readonly env: Env;
  private readonly cat: Categorical;
  private readonly episodeCap: number;
  private scheduleTotal = 0;
  private readonly x: Float32Array;
  private readonly maskRow: Uint8Array;

  constructor(env: EnvSource, config: Partial<GRPOConfig> & { envKwargs?: MakeOptions; prompts?: StartSource } = {}) {
    const { envKwargs = {}, prompts, ...rest } = config;
    const cfg: GRPOConfig = { ...GRPO_DEFAULTS, ...rest };
    super(env, envKwargs, cfg.seed);
    this.cfg = cfg;
    checkConfig(cfg);
    if (prompts !== undefined && typeof prompts !== 'function')
      throw new TypeError(
        `grpo: prompts must be a function (index, rng) => {seed?, options?}, got ${describe(prompts)}`,
      );
    this.prompts = prompts ?? DEFAULT_PROMPTS;
    this.env = this.makeEnv();
    const os = this.env.observationSpace,
      as = this.env.actionSpace;
    if (!(os instanceof Box)) {
      this.env.close();
      throw new TypeError(
        `grpo needs a Box observation space (wrap others with FlattenObservation); ${this.envId} has ${os}`,
      );
    }
    if (!(as instanceof Discrete)) {
      this.env.close();
      throw new TypeError(
        `grpo needs a Discrete action space (it samples outputs from a Categorical policy); ${this.envId} has ${as}`,
      );
    }
    this.obsDim = os.size;
    this.nAct = as.n;
    this.episodeCap = this.env.spec?.maxEpisodeSteps ?? 10_000;
    // A small output gain, as CleanRL: the initial policy (and so the reference) is near uniform.
    const spec = {
      sizes: [this.obsDim, ...cfg.hidden, this.nAct],
      activation: cfg.activation,
      gains: [...cfg.hidden.map(() => Math.SQRT2), 0.01],
      seed: this.rng.spawnSeed(),
    };
    this.actor = createMLP(spec, { backend: cfg.backend });
    this.reference = createMLP(spec, { backend: cfg.backend });
    this.reference.params.set(this.actor.params);
    this.optimizer = new Adam([{ params: this.actor.params, grads: this.actor.grads }], {
      lr: cfg.lr,
      eps: 1e-5,
      maxGradNorm: cfg.maxGradNorm,
    });
    this.policy = new MlpPolicy('grpo', this.actor, this.obsDim, as, this.rng);
    this.cat = this.policy.cat!;
    this.x = new Float32Array(this.obsDim);
    this.maskRow = new Uint8Array(this.nAct);
  }

  get config(): Record<string, unknown> {
    return { ...this.cfg };
  }

  override async learn(opts: LearnOptions): Promise<TrainResult> {
    this.scheduleTotal = opts.totalSteps;
    return super.learn(opts);
  }

  /** The next prompt: the source's start, with a fresh seed when it gives none. */
  private nextPrompt(): EpisodeStart {
    const i = this.promptsDrawn++;
    const start = this.prompts(i, this.rng);
    if (
      start === null ||
      typeof start !== 'object' ||
      (start.options !== undefined && (start.options === null || typeof start.options !== 'object'))
    ) {
      throw new TypeError(
        `grpo: the prompt source returned ${describe(start)} for prompt ${i}; expected {seed?, options?} (the arguments of env.reset)`,
      );
    }
    return { ...start, seed: start.seed ?? this.rng.spawnSeed() };
  }

  protected iteration(ctx: TrainContext): Record<string, number> {
    const cfg = this.cfg,
      G = cfg.groupSize;
    this.optimizer.lr = cfg.lr * scheduleFactor(cfg.lrSchedule, ctx.numTimesteps / Math.max(1, this.scheduleTotal));
    const t0 = performance.now();
    const steps = new StepStore(this.obsDim, this.nAct);
    const maxEpisodes = cfg.promptsPerIteration * G;
    const epStart = new Int32Array(maxEpisodes),
      epLen = new Int32Array(maxEpisodes),
      returns = new Float64Array(maxEpisodes);
    const logp = new Float32Array(1),
      a = new Int32Array(1);
    const act = (obs: unknown, info: Info): number => {
      const x = this.observation(obs, ctx.numTimesteps);
      const mask = this.readMask(info, ctx.numTimesteps);
      const out = this.actor.forward(x, 1);
      this.checkFinite(out.subarray(0, this.nAct), 'policy output', ctx.numTimesteps);
      this.cat.sample(out, 1, this.rng, a, logp, mask);
      steps.push(x, a[0], mask);
      return a[0];
    };
    let episodes = 0;
    for (let p = 0; p < cfg.promptsPerIteration && !ctx.stop; p++) {
      const start = this.nextPrompt();
      for (let g = 0; g < G; g++) {
        epStart[episodes] = steps.size;
        const ep = this.runEpisode(this.env, start, act, { cap: this.episodeCap, ctx, slot: g });
        epLen[episodes] = ep.length;
        returns[episodes] = ep.return;
        episodes++;
      }
    }
    const t1 = performance.now();
    const adv = groupAdvantages(returns.subarray(0, episodes), G, cfg.advEps);
    const stats = this.update(steps, epStart.subarray(0, episodes), epLen.subarray(0, episodes), adv);
    this.iterations++;
    if (cfg.refUpdateInterval !== null && this.iterations % cfg.refUpdateInterval === 0)
      this.reference.params.set(this.actor.params);
    let mean = 0,
      zeroStd = 0;
    for (let i = 0; i < episodes; i++) mean += returns[i] / episodes;
    for (let s = 0; s < episodes; s += G) if (adv.subarray(s, s + G).every((v) => v === 0)) zeroStd++;
    return {
      ...stats,
      return_mean: mean,
      zero_std_groups: zeroStd / (episodes / G),
      episodes,
      batch: steps.size,
      lr: this.optimizer.lr,
      time_collect_ms: t1 - t0,
      time_update_ms: performance.now() - t1,
    };
  }

  /** updateEpochs passes of minibatch gradient steps on L over the collected episodes. */
  private update(steps: StepStore, epStart: Int32Array, epLen: Int32Array, adv: Float64Array): Record<string, number> {
    const cfg = this.cfg,
      D = this.obsDim,
      A = this.nAct,
      nEp = epStart.length,
      B = steps.size;
    const obs = steps.obs.subarray(0, B * D),
      actions = steps.actions.subarray(0, B),
      masks = steps.masks.subarray(0, B * A);
    // log pi_old and log pi_ref of every step, once: neither changes during the update.
    const oldLogp = this.logProbs(this.actor, obs, actions, masks, B);
    const refLogp = this.logProbs(this.reference, obs, actions, masks, B);
    const E = cfg.minibatchSize === null ? nEp : Math.min(cfg.minibatchSize, nEp);
    const order = Int32Array.from({ length: nEp }, (_v, i) => i);
    const mbObs = new Float32Array(B * D),
      mbAct = new Int32Array(B),
      mbMask = new Uint8Array(B * A);
    const mbOld = new Float64Array(B),
      mbRef = new Float64Array(B),
      mbAdv = new Float64Array(B),
      mbW = new Float64Array(B);
    const lp = new Float64Array(B),
      ent = new Float64Array(B),
      dLogp = new Float64Array(B),
      zeros = new Float64Array(B);
    let policyLoss = 0,
      kl = 0,
      clipFrac = 0,
      entropy = 0,
      gradNorm = 0,
      updates = 0;
    for (let epoch = 0; epoch < cfg.updateEpochs; epoch++) {
      for (let i = nEp - 1; i > 0; i--) {
        const j = this.rng.below(i + 1);
        const tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
      }
      for (let first = 0; first < nEp; first += E) {
        const last = Math.min(first + E, nEp);
        let m = 0;
        for (let q = first; q < last; q++) {
          const e = order[q],
            s = epStart[e],
            len = epLen[e];
          mbObs.set(obs.subarray(s * D, (s + len) * D), m * D);
          mbAct.set(actions.subarray(s, s + len), m);
          mbMask.set(masks.subarray(s * A, (s + len) * A), m * A);
          mbOld.set(oldLogp.subarray(s, s + len), m);
          mbRef.set(refLogp.subarray(s, s + len), m);
          mbAdv.fill(adv[e], m, m + len);
          mbW.fill(1 / ((last - first) * len), m, m + len);
          m += len;
        }
        const out = this.actor.forwardTrain(mbObs, m);
        this.checkFinite(out.subarray(0, m * A), 'policy output', this.numTimesteps);
        this.cat.evaluate(out, m, mbAct, lp, ent, mbMask);
        const terms = grpoLoss(m, lp, mbOld, mbRef, mbAdv, mbW, cfg.clipRange, cfg.klCoef, dLogp);
        const dLogits = new Float32Array(m * A);
        this.cat.evaluate(out, m, mbAct, lp, ent, mbMask, { dLogp, dEnt: zeros, dLogits });
        this.actor.backward(dLogits);
        const norm = this.optimizer.gradNorm();
        if (!Number.isFinite(norm))
          throw new NonFiniteError(
            `grpo: the gradient norm is ${norm} at step ${this.numTimesteps}; training stopped (the last checkpoint written is the last good one)`,
          );
        gradNorm = this.optimizer.step();
        this.actor.zeroGrad();
        let h = 0;
        for (let k = 0; k < m; k++) h += ent[k] / m;
        policyLoss += terms.policyLoss;
        kl += terms.kl;
        clipFrac += terms.clipFraction;
        entropy += h;
        updates++;
      }
    }
    return {
      policy_loss: policyLoss / updates,
      kl: kl / updates,
      clip_fraction: clipFrac / updates,
      entropy: entropy / updates,
      grad_norm: gradNorm,
    };
  }

  /** log pi(a|s) of `n` stored steps under `net` (masked). */
  private logProbs(net: MLP, obs: Float32Array, actions: Int32Array, masks: Uint8Array, n: number): Float64Array {
    const out = net.forward(obs, n);
    this.checkFinite(out.subarray(0, n * this.nAct), 'policy output', this.numTimesteps);
    const lp = new Float64Array(n);
    this.cat.evaluate(out, n, actions, lp, new Float64Array(n), masks);
    return lp;
  }

  /** The observation as the network's input row (checked: obsDim finite numbers). */
  private observation(obs: unknown, step: number): Float32Array {
    const o = obs as ArrayLike<number>;
    if (o === null || typeof o !== 'object' || o.length !== this.obsDim)
      throw new TypeError(`grpo: expected an observation of ${this.obsDim} numbers, got ${describe(obs)}`);
    for (let j = 0; j < this.obsDim; j++) this.x[j] = o[j];
    this.checkFinite(this.x, 'observation', step);
    return this.x;
  }

  /** info.action_mask as 0/1 per action (all ones when the env gives none). */
  private readMask(info: Info, step: number): Uint8Array {
    const m = info.action_mask as ArrayLike<number> | undefined | null;
    if (m === undefined || m === null) return this.maskRow.fill(1);
    if (m.length !== this.nAct)
      throw new TypeError(
        `grpo: info.action_mask has ${describe(m.length)} entries at step ${step}, expected ${this.nAct} (one per action)`,
      );
    let any = 0;
    for (let j = 0; j < this.nAct; j++) any |= this.maskRow[j] = m[j] ? 1 : 0;
    if (!any) throw new RangeError(`grpo: info.action_mask allows no action at step ${step}`);
    return this.maskRow;
  }

  private checkFinite(x: ArrayLike<number>, what: string, step: number): void {
    for (let k = 0; k < x.length; k++) {
      if (!Number.isFinite(x[k]))
        throw new NonFiniteError(
          `grpo: ${what} entry ${k} is ${x[k]} at step ${step}; training stopped (the last checkpoint written is the last good one)`,
        );
    }
  }

  predict(obs: unknown, opts: PredictOptions = {}): number {
    return this.policy.act(obs as ArrayLike<number>, opts) as number;
  }

  protected stateArrays(): Record<string, StoredArray> {
    return {
      actor: this.actor.params,
      reference: this.reference.params,
      adam_m_actor: this.optimizer.m[0],
      adam_v_actor: this.optimizer.v[0],
    };
  }

  protected override stateExtra(): Record<string, unknown> {
    return { adam_t: this.optimizer.t, prompts_drawn: this.promptsDrawn, iterations: this.iterations };
  }

  restore(ck: Checkpoint, dir: string): void {
    for (const [name, arr] of Object.entries(this.stateArrays()))
      (arr as Float32Array).set(tensorOf(ck, name, Float32Array, arr.length, dir));
    const s = (ck.manifest.state ?? {}) as { adam_t?: number; prompts_drawn?: number; iterations?: number };
    this.optimizer.t = Number(s.adam_t ?? 0);
    this.promptsDrawn = Number(s.prompts_drawn ?? 0);
    this.iterations = Number(s.iterations ?? 0);
    this.restoreCommon(ck);
  }

  override close(): void {
    this.env.close();
    this.actor.dispose();
    this.reference.dispose();
  }
}
