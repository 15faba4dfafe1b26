/**
 * RL strategies behind the Tuner interface: `grpo` and `ppo`. The schedule space is the ScheduleConstruct-v0
 * environment (schedule_envs.ts: a config built knob by knob, masked to valid values, the reward at the end), and
 * the policy is trained by GRPO or PPO from src/rl, unchanged.
 *
 * Measurements are the scarce resource, so the policy explores on the multi-level cost model (free): each
 * round, before proposing,
 *   1. the policy trains for `trainSteps` env steps on this workload with the cost model's score as reward
 *      (the score of the config minus that of the reference config; GRPO normalizes rewards within each group,
 *      so only their order within a group matters);
 *   2. it samples `samples` configs (stochastic policy, masked); a pretrained policy gets a cold companion
 *      (`coldShare` of the samples, default half) that trains on the same reward from scratch, as a guard against
 *      negative transfer (a pretrained policy pulls an unseen layout toward the training layouts);
 *   3. each sample starts a short walk on the cost model (`walkSteps` one-knob moves, ScheduleWalk-v0's action,
 *      kept when the cost model does not score them worse): a pretrained policy is peaked, so its samples alone
 *      often hold fewer distinct unmeasured configs than a batch, and the batch would be filled at random; the
 *      best measured configs of the run start walks too (`incumbents`, as anneal restarts chains and evolve
 *      seeds its population from them): the policy brings diversity, the incumbents' walks refine what
 *      measurement has confirmed;
 *   4. adaptive sampling (Chameleon, ICLR 2020): the best-scored unmeasured configs that the samples and walks
 *      reached (4 x batch) are clustered by k-means on their knob vectors into as many clusters as the batch has
 *      configs, and the best-scored config of each cluster is proposed (an epsilon share, as in the other
 *      model-based strategies, is uniformly random);
 *   5. the measurements refit the cost model (update), which the next round's training uses as reward.
 * The cost model (with its transfer prior) is the one of the model-based strategies (cost/model.ts).
 */
import { GRPO, type GRPOConfig } from '../../../rl/algos/grpo.js';
import { PPO, type PPOConfig } from '../../../rl/algos/ppo.js';
import type { PolicyAlgorithm } from '../../../rl/train/policy.js';
import type { TuningTask } from '../../task/task.js';
import { CostModelTuner, topScored } from '../strategies/model_based.js';
import type { TunerContext } from '../tuner.js';
import type { MeasureResult } from '../../measure/measurer.js';
import type { TrialMeasurer } from '../tuner.js';
import { clusterPick } from './cluster_pick.js';
import { SCHEDULE_GRPO, schedulePpo } from './policy_algos.js';
import { defaultPolicyDir, loadPolicyInto, PolicyMismatchError, policyMismatch, readPolicyMeta } from './policy_io.js';
import { referenceConfig, ScheduleConstructEnv, scheduleEnvFactory, type RewardFn } from './schedule_envs.js';

export interface PolicyTunerOptions {
  /** Env steps of policy training on the cost model per round (default 1152: 16 groups of 8 GEMM episodes). */
  trainSteps?: number;
  /** Configs sampled from the policy per round (default 96). */
  samples?: number;
  /**
   * Steps of the cost-model walk from each sample (default 16; 0: the samples alone). A walker takes the
   * better-scored of its config and a one-knob change of it (ScheduleWalk-v0's move, greedy on the cost model).
   */
  walkSteps?: number;
  /**
   * Walkers started each round from this run's best measured configs, one per config (default 24, a quarter of
   * the default samples; 0: the policy's samples alone). Their walks are those of the samples (walkSteps); the
   * measured configs themselves are never proposed again.
   */
  incumbents?: number;
  /**
   * Training iterations of the policy per round whose rewards are measured, not estimated (default 0; GRPO: an
   * iteration is promptsPerIteration x groupSize episodes, PPO: nEnvs x nSteps env steps). The env asks the tuning
   * loop's measurer (Tuner.attach): each new config is recorded and counts as a trial; the reward is the log
   * speedup over the measured reference config (a trial too); a failed measurement is INVALID_PENALTY. An iteration
   * runs only while the budget left covers every episode it can finish, so measured and estimated rewards never
   * mix in one update; a reference that fails to measure ends measured training for the run.
   */
  measuredIterations?: number;
  /**
   * With a pretrained policy, the share of each round's samples drawn from a cold companion policy instead
   * (default 0.5; 0: the pretrained policy alone). The companion starts untrained, trains on the same cost-model
   * reward each round, and its samples start walks like the pretrained ones; the adaptive sampling then ranks all
   * of them together. A pretrained policy can pull a workload whose layout training lacked toward the training
   * layouts (negative transfer); the companion keeps the search of this workload's own cost model going.
   */
  coldShare?: number;
  grpo?: Partial<GRPOConfig>;
  ppo?: Partial<PPOConfig>;
  /** Start from this policy directory (policy_io.ts); refused when incompatible unless policyFallback. */
  policyDir?: string;
  /** An incompatible policy: start cold (and say so) instead of refusing. */
  policyFallback?: boolean;
  /** Without policyDir, start from the package's default policy when it is compatible (default true). */
  defaultPolicy?: boolean;
}

export interface PolicyStats {
  level: string;
  fit_ms: number;
  predict_ms: number;
  search_ms: number;
  policy_train_ms: number;
  /** Time of the walks on the cost model and the adaptive sampling. */
  walk_ms: number;
  /** Time of the training iterations on measured rewards, their measurements included. */
  measured_train_ms: number;
  policy_steps: number;
  policy_from: string | null;
  /** The share of samples from the cold companion of a pretrained policy (0 without one). */
  cold_share: number;
}

export abstract class PolicyTuner extends CostModelTuner {
  protected readonly algo: PolicyAlgorithm;
  /** The cold companion of a pretrained policy (coldShare), or null. */
  private readonly companion: PolicyAlgorithm | null = null;
  private readonly coldShare: number;
  private readonly sampler: ScheduleConstructEnv;
  private readonly trainSteps: number;
  private readonly nSamples: number;
  private readonly walkSteps: number;
  private readonly incumbents: number;
  private readonly measuredIterations: number;
  /** The most episodes one training iteration can finish (each a measurement when rewards are measured). */
  private readonly episodesPerIteration: number;
  private measureError: Error | null = null;
  private measuredMs = 0;
  private readonly costReward: RewardFn;
  private readonly measuredReward: RewardFn;
  /** The reward the policies' envs ask (their factory's function calls it): the cost model's, or measurements. */
  private reward: RewardFn;
  private trials: TrialMeasurer | null = null;
  private refGflops: number | null | undefined = undefined;
  private pool: number[] = [];
  private trainMs = 0;
  private walkMs = 0;

  constructor(
    task: TuningTask,
    seed: number,
    ctx: TunerContext = {},
    opts: PolicyTunerOptions = {},
    kind: 'grpo' | 'ppo',
  ) {
    super(task, seed, ctx);
    this.trainSteps = opts.trainSteps ?? 1152;
    this.nSamples = opts.samples ?? 96;
    this.walkSteps = opts.walkSteps ?? 16;
    this.measuredIterations = opts.measuredIterations ?? 0;
    this.incumbents = opts.incumbents ?? 24;
    if (!Number.isSafeInteger(this.incumbents) || this.incumbents < 0)
      throw new RangeError(`incumbents must be a non-negative integer, got ${opts.incumbents}`);
    this.coldShare = opts.coldShare ?? 0.5;
    if (!(this.coldShare >= 0 && this.coldShare <= 1))
      throw new RangeError(`coldShare must be a number in [0, 1], got ${opts.coldShare}`);
    if (!Number.isSafeInteger(this.measuredIterations) || this.measuredIterations < 0)
      throw new RangeError(`measuredIterations must be a non-negative integer, got ${opts.measuredIterations}`);
    if (!Number.isSafeInteger(this.walkSteps) || this.walkSteps < 0)
      throw new RangeError(`walkSteps must be a non-negative integer, got ${opts.walkSteps}`);
    if (!Number.isSafeInteger(this.trainSteps) || this.trainSteps < 0)
      throw new RangeError(`trainSteps must be a non-negative integer, got ${opts.trainSteps}`);
    if (!Number.isSafeInteger(this.nSamples) || this.nSamples < 1)
      throw new RangeError(`samples must be a positive integer, got ${opts.samples}`);
    const ref = referenceConfig(task);
    // The reward of the env: the cost model's score relative to the reference config's.
    const reward: RewardFn = (t, i) => {
      const s = this.model.score([i, ref]);
      return s[0] - s[1];
    };
    this.costReward = reward;
    // The measured reward (measuredIterations), through the loop's trial measurer; propose measures the reference
    // first. An exception of the measurer (not a kernel's failure: a replay without the record, a database error)
    // is kept and rethrown by propose, so the env does not turn it into a penalty.
    this.measuredReward = (t, i) => {
      let r: MeasureResult | null;
      try {
        r = this.trials!.measure(i);
      } catch (err) {
        this.measureError ??= err as Error;
        throw err;
      }
      if (r === null) return reward(t, i); // the budget or the time is spent
      this.seen.add(i);
      if (!r.ok || !r.gflops) return NaN; // the env turns a failure into INVALID_PENALTY
      return Math.log(r.gflops / this.refGflops!);
    };
    this.reward = reward;
    const env = scheduleEnvFactory('ScheduleConstruct-v0', (t, i) => this.reward(t, i));
    const envKwargs = { workloads: [task.spec], machine: { ...this.model.machine, bw: { ...this.model.machine.bw } } };
    const steps = task.space.knobs.length;
    const grpoCfg = (s: number) => ({
      ...SCHEDULE_GRPO,
      seed: s,
      ...opts.grpo,
      envKwargs,
      prompts: () => ({ options: { workload: task.spec } }),
    });
    const ppoCfg = (s: number) => ({
      ...schedulePpo(steps),
      seed: s,
      ...opts.ppo,
      envKwargs,
    });
    const make = (s: number): PolicyAlgorithm =>
      kind === 'grpo' ? new GRPO(env, grpoCfg(s)) : new PPO(env, ppoCfg(s));
    this.algo = make(seed);
    const g = grpoCfg(seed),
      p = ppoCfg(seed);
    // PPO: an episode has one step per knob; each env may also finish the episode it began in the last iteration.
    this.episodesPerIteration =
      kind === 'grpo' ? g.groupSize * g.promptsPerIteration : p.nEnvs * (Math.ceil(p.nSteps / steps) + 1);
    this.sampler = new ScheduleConstructEnv({ workloads: [task], machine: this.model.machine, reward });
    const log = ctx.log ?? (() => {});
    const target = task.space.target;
    let dir = opts.policyDir ?? null;
    const fromDefault = dir === null && (opts.defaultPolicy ?? true);
    if (fromDefault) dir = defaultPolicyDir(task, target);
    if (dir === null) {
      if (opts.defaultPolicy ?? true)
        log(`${kind}: no default policy for the ${task.spaceId} space in this package: starting cold`);
      return;
    }
    const meta = readPolicyMeta(dir);
    const why = policyMismatch(meta, task, target);
    if (why !== null) {
      const msg = `the policy in ${dir} cannot tune ${task.spec}: ${why}`;
      if (!fromDefault && !opts.policyFallback) {
        this.dispose();
        throw new PolicyMismatchError(`${msg} (--policy-fallback starts cold instead)`);
      }
      log(`${kind}: ${msg}: starting cold`);
      return;
    }
    loadPolicyInto(dir, this.algo);
    this.algo.rng.reseed(seed); // the run's seed, not the checkpoint's generator, drives its sampling
    this.policyFrom = dir;
    if (this.coldShare > 0) this.companion = make(seed + 1_000_003); // its own stream, fixed by the run's seed
    log(
      `${kind}: starting from the ${fromDefault ? 'default ' : ''}policy in ${dir} (${meta.algo}, trained on ${meta.trained_on.length} workloads)${this.companion ? `, ${Math.round(this.coldShare * 100)}% of samples from a cold companion` : ''}`,
    );
  }

  /** The policy directory this run started from, or null for a cold start. */
  policyFrom: string | null = null;

  /** The policy algorithm (for saving, or for pretraining from records). */
  get policy(): PolicyAlgorithm {
    return this.algo;
  }

  async propose(n: number): Promise<number[]> {
    const t0 = performance.now();
    if (this.trainSteps > 0) {
      await this.algo.learn({ totalSteps: this.algo.numTimesteps + this.trainSteps });
      if (this.companion) await this.companion.learn({ totalSteps: this.companion.numTimesteps + this.trainSteps });
    }
    this.trainMs += performance.now() - t0;
    if (this.measuredIterations > 0 && this.trials !== null) await this.trainOnMeasurements(this.trials);
    // Sample configs from the policy (and its cold companion).
    const nCold = this.companion ? Math.round(this.coldShare * this.nSamples) : 0;
    const sampled: number[] = [];
    for (let s = 0; s < this.nSamples; s++) {
      const algo = s < this.nSamples - nCold ? this.algo : this.companion!;
      let { obs, info } = this.sampler.reset({ seed: this.rng.spawnSeed(), options: { workload: this.task.spec } });
      for (;;) {
        const a = algo.policy.act(obs, { deterministic: false, actionMask: info.action_mask as Int8Array }) as number;
        const r = this.sampler.step(a);
        obs = r.obs;
        info = r.info;
        if (r.terminated || r.truncated) break;
      }
      const c = info.config as number | undefined;
      if (c !== undefined) sampled.push(c);
    }
    const t1 = performance.now();
    const found = this.walk(sampled.concat(this.bestMeasured(this.incumbents)));
    // Adaptive sampling over the best of what the policy and its walks found.
    const top = topScored(found, Math.max(4 * n, 32));
    this.pool = clusterPick(
      top,
      top.map((c) => found.get(c)!),
      n,
      this.radix,
      this.rng,
    );
    this.walkMs += performance.now() - t1;
    return this.pick(n);
  }

  /** measuredIterations: training iterations whose rewards the env measures through the loop. */
  private async trainOnMeasurements(m: TrialMeasurer): Promise<void> {
    const t0 = performance.now();
    if (this.refGflops === undefined && m.remaining > this.episodesPerIteration) {
      const ref = referenceConfig(this.task);
      const r = m.measure(ref);
      if (r !== null) {
        this.seen.add(ref);
        this.refGflops = r.ok && r.gflops ? r.gflops : null;
      }
    }
    for (let it = 0; it < this.measuredIterations && this.refGflops && m.remaining >= this.episodesPerIteration; it++) {
      this.reward = this.measuredReward;
      try {
        await this.algo.learn({ totalSteps: this.algo.numTimesteps + 1 }); // one iteration
      } finally {
        this.reward = this.costReward;
      }
      if (this.measureError) throw this.measureError;
    }
    this.measuredMs += performance.now() - t0;
  }

  /**
   * A pretrained policy is peaked: its samples repeat a few configs, often fewer distinct unmeasured ones than a
   * batch. So every sample starts a walker on the cost model (ScheduleWalk-v0's move: one knob changed; kept when
   * the cost model scores it at least as well), and every unmeasured config that a sample or a walker reached
   * is a candidate, with its score. The walkers of a repeated sample diverge, as their moves are random. The
   * starts include the incumbents (measured, so only their walks add candidates).
   */
  private walk(sampled: number[]): Map<number, number> {
    const found = new Map<number, number>();
    const note = (list: number[], sc: Float64Array) =>
      list.forEach((c, j) => !this.seen.has(c) && this.keep(c) && found.set(c, sc[j]));
    const pts = sampled.slice();
    const sc = this.model.score(pts);
    note(pts, sc);
    for (let step = 0; step < this.walkSteps && pts.length > 0; step++) {
      const next = pts.map((p) => this.mutate(p));
      const ns = this.model.score(next);
      note(next, ns);
      for (let j = 0; j < pts.length; j++) {
        if (ns[j] >= sc[j]) {
          pts[j] = next[j];
          sc[j] = ns[j];
        }
      }
    }
    return found;
  }

  attach(measurer: TrialMeasurer | null): void {
    this.trials = measurer;
  }

  protected candidates(): number[] {
    return this.pool;
  }

  override stats(): PolicyStats {
    return {
      ...super.stats(),
      policy_train_ms: Math.round(this.trainMs),
      walk_ms: Math.round(this.walkMs),
      measured_train_ms: Math.round(this.measuredMs),
      policy_steps: this.algo.numTimesteps,
      policy_from: this.policyFrom,
      cold_share: this.companion ? this.coldShare : 0,
    };
  }

  dispose(): void {
    this.algo.close();
    this.companion?.close();
    this.sampler.close();
    this.model.dispose();
  }
}

export class GrpoTuner extends PolicyTuner {
  readonly name = 'grpo';
  constructor(task: TuningTask, seed: number, ctx: TunerContext = {}, opts: PolicyTunerOptions = {}) {
    super(task, seed, ctx, opts, 'grpo');
  }
}

export class PpoTuner extends PolicyTuner {
  readonly name = 'ppo';
  constructor(task: TuningTask, seed: number, ctx: TunerContext = {}, opts: PolicyTunerOptions = {}) {
    super(task, seed, ctx, opts, 'ppo');
  }
}
