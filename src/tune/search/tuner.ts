/**
 * The strategy contract (AutoTVM's Tuner): a strategy proposes config indices and learns from their results; it
 * never measures. The tuning loop (loop.ts) owns measurement, records, budgets and progress.
 */
import type { MeasureResult } from '../measure/measurer.js';
import type { TuningTask } from '../task/task.js';
import type { CostMachine } from '../cost/features.js';
import type { CostSample, LearnedOptions } from '../cost/learned.js';

export interface Tuner {
  readonly name: string;
  /**
   * Up to n distinct valid configs not proposed before in this run; fewer (or none) when the space is exhausted.
   * A strategy that trains something first (a policy) may answer with a promise; the loop awaits it.
   */
  propose(n: number): number[] | Promise<number[]>;
  /** The results of proposed configs, in any grouping. */
  update(results: MeasureResult[]): void;
  /**
   * Optional: the loop hands over its trial measurer before the first proposal. A strategy whose environment
   * asks for a measurement while it proposes (a measured reward) measures through it: the measurement is recorded
   * and counts as a trial of the run like any other, and its result reaches `update` as well. The loop detaches
   * it (null) when the run ends.
   */
  attach?(measurer: TrialMeasurer | null): void;
}

/** Measurements a strategy requests itself while proposing, on the loop's budget (loop.ts). */
export interface TrialMeasurer {
  /**
   * The result of config `index`: this run's when it was a trial already (no new trial), else measured now,
   * synchronously, and counted as a trial; null when the run's trial budget or time budget is spent.
   */
  measure(index: number): MeasureResult | null;
  /** Trials this run may still take. */
  readonly remaining: number;
}

/** A strategy's constructor; `ctx` carries what model-based strategies use (machine, transfer prior, log). */
export type TunerFactory = (task: TuningTask, seed: number, ctx?: TunerContext) => Tuner;

/** What a strategy may use besides the task and the seed (every field optional). */
export interface TunerContext {
  /** The machine as the cost models see it (default: this machine's caches, a probe-less peak estimate). */
  machine?: CostMachine;
  /** Records of other workloads for the learned cost model (transfer). */
  prior?: CostSample[];
  log?: (message: string) => void;
  learned?: LearnedOptions;
  /** Share of each batch drawn uniformly at random (default 0.05). */
  epsilon?: number;
  /** Draw configs from the pruned space (default true). */
  prune?: boolean;
  /**
   * The RL strategies' options (policy_tuner.ts): the starting policy (a directory, whether to fall back to a cold
   * start, whether to use the package's default), the walks on the cost model, the training iterations on measured
   * rewards.
   */
  policy?: {
    policyDir?: string;
    policyFallback?: boolean;
    defaultPolicy?: boolean;
    walkSteps?: number;
    incumbents?: number;
    measuredIterations?: number;
    coldShare?: number;
  };
}
