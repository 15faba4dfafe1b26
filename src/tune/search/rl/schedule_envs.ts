/**
 * Schedule search as reinforcement-learning environments (the Gym contract of src/rl, registered like any env).
 * The reward function is a constructor argument (`reward`, default the analytic cost model's): the registered
 * ids make envs with the default, and a tuner that rewards with its own model or measurements gives algorithms
 * `scheduleEnvFactory(id, reward)`, an env factory whose envs call its function (no registration, no global).
 * A pool of workloads of one feature family (GEMM and bmm, or the row operators) shares one env; `reset({seed,
 * options: {workload}})` picks the workload (a spec of the pool, or any spec of the same family), else the env's
 * generator draws one from the pool.
 *
 * ScheduleConstruct-v0: an episode builds one config knob by knob, in the space's knob order.
 *   Observation  Box float32 [W + 2 x K]: the workload and machine features (log2 shape / 16, transposes,
 *                epilogue cost, log2 FLOPs and arithmetic intensity, log2 peak and bandwidths / 16; see
 *                `workloadFeatures`), then per knob the value index chosen so far / (values - 1) (-1 while not
 *                chosen), then a one-hot of the knob being chosen.
 *   Action       Discrete(the most values of any knob): the value index of the next knob. `info.action_mask`
 *                (Int8Array, 1 = allowed) allows the indices of the knob's values that keep a valid completion
 *                (every later knob at its smallest value is valid: the constraints grow with the knob values).
 *   Reward       0 until the last knob; then the log speedup of the config over the reference config
 *                (`referenceConfig`), from the reward function: by default the analytic cost model's estimate
 *                (free); a tuner may pass the multi-level cost model's, or measured values.
 *   Episode end  terminated after the last knob; a masked action ends the episode at once with reward
 *                INVALID_PENALTY (-1), as does a reward function that fails (NaN, an exception): rewards are
 *                never NaN. The final info holds `config` (the index) and `config_json`.
 * ScheduleWalk-v0 (Chameleon, ICLR 2020): the state is a config; each action moves one knob one value up or down.
 *   Observation  Box float32 [W + K + 1]: the workload features, the knob value indices / (values - 1), and the
 *                current config's estimated log speedup over the reference.
 *   Action       Discrete(2 x K + 1): 2k moves knob k down, 2k + 1 up, 2K stays. `info.action_mask` allows the
 *                moves that stay inside the knob's values and give a valid config (staying is always allowed).
 *   Reward       the estimated improvement: log speedup of the new config minus that of the old one.
 *   Start        `options.start` (a config index), else the reference config.
 *   Episode end  truncated after `horizon` steps (default 32); a masked action terminates with INVALID_PENALTY.
 */
import { Env, type ResetOptions, type ResetResult, type StepResult } from '../../../rl/core/env.js';
import { register, registeredEnvs, type EnvFactory } from '../../../rl/core/registry.js';
import { Box, Discrete } from '../../../rl/core/spaces/index.js';
import { costMachine, featureFamily, type CostMachine, type FeatureFamily } from '../../cost/features.js';
import { createTask, referenceConfig, type TuningTask } from '../../task/task.js';
import { hostTarget } from '../../space/target.js';
import { fromDigits, radices, toDigits } from '../knobs.js';
import { analyticReward, workloadFeatures, type RewardFn } from './schedule_features.js';

export const INVALID_PENALTY = -1;

export { analyticReward, SCHEDULE_ENV_ENCODING, workloadFeatures, type RewardFn } from './schedule_features.js';

/** The reference config of a task (what rewards are speedups over): task.ts holds it, as paired timing uses it too. */
export { referenceConfig };

export interface ScheduleEnvOptions {
  /** The workload pool: specs (or tasks) of one feature family. */
  workloads?: (string | TuningTask)[];
  machine?: CostMachine;
  /** The estimated log speedup of a finished config (default: the analytic cost model's). */
  reward?: RewardFn;
}

abstract class ScheduleEnvBase extends Env<Float32Array, number> {
  readonly family: FeatureFamily;
  readonly pool: TuningTask[];
  readonly machine: CostMachine;
  protected readonly reward: RewardFn;
  protected readonly radix: number[];
  protected readonly nFeat: number;
  protected task!: TuningTask;
  protected feats: number[] = [];

  constructor(opts: ScheduleEnvOptions, who: string) {
    super();
    const specs = opts.workloads ?? ['gemm:M=128,N=768,K=768'];
    if (!Array.isArray(specs) || specs.length === 0)
      throw new RangeError(
        `${who}: workloads must be a non-empty array of specs, got ${JSON.stringify(opts.workloads)}`,
      );
    this.pool = specs.map((s) => (typeof s === 'string' ? createTask(s) : s));
    this.family = featureFamily(this.pool[0]);
    const other = this.pool.find((t) => featureFamily(t) !== this.family);
    if (other)
      throw new RangeError(
        `${who}: one env holds workloads of one family; ${this.pool[0].spec} is ${this.family}, ${other.spec} is ${featureFamily(other)}`,
      );
    this.machine = opts.machine ?? costMachine(hostTarget(), null, {});
    this.reward = opts.reward ?? analyticReward(this.machine);
    this.radix = radices(this.pool[0].space);
    this.nFeat = workloadFeatures(this.pool[0], this.machine).length;
  }

  /** Sets this episode's workload from the reset options (or draws one from the pool). */
  protected pickWorkload(opts: ResetOptions, who: string): void {
    const w = opts.options?.workload;
    if (w === undefined) {
      this.task = this.pool[this.rng.below(this.pool.length)];
    } else if (typeof w === 'string') {
      const t = this.pool.find((p) => p.spec === w) ?? createTask(w);
      if (featureFamily(t) !== this.family)
        throw new RangeError(
          `${who}.reset: options.workload ${w} is of the ${featureFamily(t)} family; this env holds ${this.family} workloads`,
        );
      this.task = t;
    } else {
      throw new TypeError(`${who}.reset: options.workload must be a workload spec string, got ${JSON.stringify(w)}`);
    }
    this.feats = workloadFeatures(this.task, this.machine);
  }

  /** The reward of a finished config, never NaN: a failing reward function gives INVALID_PENALTY. */
  protected safeReward(index: number): { reward: number; error?: string } {
    try {
      const r = this.reward(this.task, index);
      return Number.isFinite(r)
        ? { reward: r }
        : { reward: INVALID_PENALTY, error: `the reward function returned ${r}` };
    } catch (err) {
      return { reward: INVALID_PENALTY, error: (err as Error).message };
    }
  }

  get currentTask(): TuningTask {
    return this.task;
  }

  /** The step that ends an episode on a masked action: observation `obs`, INVALID_PENALTY, terminated. */
  protected penalty(obs: Float32Array, info: Record<string, unknown>): StepResult<Float32Array> {
    return { obs, reward: INVALID_PENALTY, terminated: true, truncated: false, info };
  }
}

export class ScheduleConstructEnv extends ScheduleEnvBase {
  readonly observationSpace: Box;
  readonly actionSpace: Discrete;
  private digits: number[] = [];
  private pos = 0;

  constructor(opts: ScheduleEnvOptions = {}) {
    super(opts, 'ScheduleConstruct');
    const K = this.radix.length;
    this.observationSpace = new Box(-Infinity, Infinity, [this.nFeat + 2 * K]);
    this.actionSpace = new Discrete(Math.max(...this.radix));
  }

  private obs(): Float32Array {
    const K = this.radix.length,
      o = new Float32Array(this.nFeat + 2 * K);
    o.set(this.feats, 0);
    for (let k = 0; k < K; k++)
      o[this.nFeat + k] = k < this.digits.length ? this.digits[k] / Math.max(1, this.radix[k] - 1) : -1;
    if (this.pos < K) o[this.nFeat + K + this.pos] = 1;
    return o;
  }

  /** Values of the current knob that keep a valid completion (later knobs at their smallest values). */
  mask(): Int8Array {
    const m = new Int8Array(this.actionSpace.n);
    if (this.pos >= this.radix.length) return m.fill(1);
    const d = this.digits.slice(0, this.pos);
    for (let v = 0; v < this.radix[this.pos]; v++) {
      const full = [...d, v, ...new Array<number>(this.radix.length - this.pos - 1).fill(0)];
      const s = this.task.space;
      if (s.isValid(s.config(fromDigits(this.radix, full)))) m[v] = 1;
    }
    return m;
  }

  override reset(opts: ResetOptions = {}): ResetResult<Float32Array> {
    super.reset(opts);
    this.pickWorkload(opts, 'ScheduleConstruct');
    this.digits = [];
    this.pos = 0;
    return { obs: this.obs(), info: { action_mask: this.mask(), workload: this.task.spec } };
  }

  step(action: number): StepResult<Float32Array> {
    if (this.pos >= this.radix.length) throw new Error('ScheduleConstruct.step: the episode is over; call reset()');
    if (!Number.isInteger(action) || action < 0 || action >= this.actionSpace.n)
      throw new RangeError(
        `ScheduleConstruct.step: action must be an integer in [0, ${this.actionSpace.n}), got ${action}`,
      );
    if (this.mask()[action] !== 1) {
      this.pos = this.radix.length;
      return this.penalty(this.obs(), {
        action_mask: new Int8Array(this.actionSpace.n).fill(1),
        invalid_action: `value ${action} of knob ${this.task.space.knobs[this.digits.length].name} is masked`,
      });
    }
    this.digits.push(action);
    this.pos++;
    if (this.pos < this.radix.length)
      return { obs: this.obs(), reward: 0, terminated: false, truncated: false, info: { action_mask: this.mask() } };
    const index = fromDigits(this.radix, this.digits);
    const r = this.safeReward(index);
    return {
      obs: this.obs(),
      reward: r.reward,
      terminated: true,
      truncated: false,
      info: {
        action_mask: this.mask(),
        config: index,
        config_json: this.task.configJSON(index),
        workload: this.task.spec,
        ...(r.error ? { reward_error: r.error } : {}),
      },
    };
  }
}

export interface ScheduleWalkOptions extends ScheduleEnvOptions {
  horizon?: number;
}

export class ScheduleWalkEnv extends ScheduleEnvBase {
  readonly observationSpace: Box;
  readonly actionSpace: Discrete;
  readonly horizon: number;
  private config = 0;
  private value = 0;
  private t = 0;
  private over = true;

  constructor(opts: ScheduleWalkOptions = {}) {
    super(opts, 'ScheduleWalk');
    const K = this.radix.length;
    this.horizon = opts.horizon ?? 32;
    if (!Number.isInteger(this.horizon) || this.horizon < 1)
      throw new RangeError(`ScheduleWalk: horizon must be a positive integer, got ${opts.horizon}`);
    this.observationSpace = new Box(-Infinity, Infinity, [this.nFeat + K + 1]);
    this.actionSpace = new Discrete(2 * K + 1);
  }

  private obs(): Float32Array {
    const K = this.radix.length,
      o = new Float32Array(this.nFeat + K + 1);
    o.set(this.feats, 0);
    const d = toDigits(this.radix, this.config);
    for (let k = 0; k < K; k++) o[this.nFeat + k] = d[k] / Math.max(1, this.radix[k] - 1);
    o[this.nFeat + K] = this.value;
    return o;
  }

  private moved(action: number): number | null {
    const K = this.radix.length;
    if (action === 2 * K) return this.config;
    const k = action >> 1,
      dir = action & 1 ? 1 : -1;
    const d = toDigits(this.radix, this.config);
    const v = d[k] + dir;
    if (v < 0 || v >= this.radix[k]) return null;
    d[k] = v;
    const j = fromDigits(this.radix, d);
    return this.task.space.isValid(this.task.space.config(j)) ? j : null;
  }

  mask(): Int8Array {
    const m = new Int8Array(this.actionSpace.n);
    for (let a = 0; a < m.length; a++) m[a] = this.moved(a) === null ? 0 : 1;
    return m;
  }

  get currentConfig(): number {
    return this.config;
  }

  override reset(opts: ResetOptions = {}): ResetResult<Float32Array> {
    super.reset(opts);
    this.pickWorkload(opts, 'ScheduleWalk');
    const start = opts.options?.start;
    if (start !== undefined) {
      const s = this.task.space;
      if (
        typeof start !== 'number' ||
        !Number.isSafeInteger(start) ||
        start < 0 ||
        start >= s.size ||
        !s.isValid(s.config(start))
      ) {
        throw new RangeError(
          `ScheduleWalk.reset: options.start must be the index of a valid config of ${this.task.spec} (0 to ${s.size - 1}), got ${JSON.stringify(start)}`,
        );
      }
      this.config = start;
    } else {
      this.config = referenceConfig(this.task);
    }
    const r = this.safeReward(this.config);
    this.value = r.reward;
    this.t = 0;
    this.over = false;
    return { obs: this.obs(), info: { action_mask: this.mask(), config: this.config, workload: this.task.spec } };
  }

  step(action: number): StepResult<Float32Array> {
    if (this.over) throw new Error('ScheduleWalk.step: the episode is over; call reset()');
    if (!Number.isInteger(action) || action < 0 || action >= this.actionSpace.n)
      throw new RangeError(`ScheduleWalk.step: action must be an integer in [0, ${this.actionSpace.n}), got ${action}`);
    const next = this.moved(action);
    this.t++;
    if (next === null) {
      this.over = true;
      return this.penalty(this.obs(), {
        action_mask: this.mask(),
        config: this.config,
        invalid_action: `move ${action} leaves the valid configs`,
      });
    }
    const r = this.safeReward(next);
    const reward = r.error ? INVALID_PENALTY : r.reward - this.value;
    this.config = next;
    this.value = r.error ? this.value : r.reward;
    const truncated = this.t >= this.horizon;
    this.over = truncated;
    return {
      obs: this.obs(),
      reward,
      terminated: false,
      truncated,
      info: { action_mask: this.mask(), config: this.config, ...(r.error ? { reward_error: r.error } : {}) },
    };
  }
}

/** The schedule envs by id (their kwargs: the ScheduleEnvOptions). */
const SCHEDULE_ENVS = {
  'ScheduleConstruct-v0': (kw: Record<string, unknown>) => new ScheduleConstructEnv(kw),
  'ScheduleWalk-v0': (kw: Record<string, unknown>) => new ScheduleWalkEnv(kw),
};

export type ScheduleEnvId = keyof typeof SCHEDULE_ENVS;

/**
 * The env factory of schedule env `id` rewarded by `reward` (for algorithms: `new GRPO(factory, {envKwargs})`).
 * The reward is not an env kwarg, so kwargs stay JSON as checkpoints keep them; the id is the registered one,
 * so checkpoints name the env as usual (loading one needs the factory again for the same reward).
 */
export function scheduleEnvFactory(id: ScheduleEnvId, reward: RewardFn): EnvFactory {
  const create = SCHEDULE_ENVS[id];
  return { id, entryPoint: (kw) => create({ ...kw, reward }) };
}

let registered = false;

/** Registers ScheduleConstruct-v0 and ScheduleWalk-v0 (with the default reward). Idempotent. */
export function registerScheduleEnvs(): void {
  if (registered) return;
  registered = true;
  const have = new Set(registeredEnvs().map((s) => s.id));
  for (const [id, entryPoint] of Object.entries(SCHEDULE_ENVS)) if (!have.has(id)) register(id, { entryPoint });
}
registerScheduleEnvs();
