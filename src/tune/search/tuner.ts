/**
 * The strategy contract (AutoTVM's Tuner): a strategy proposes config indices and learns from their results; it
 * never measures. The tuning loop (loop.ts) owns measurement, records, budgets and progress.
 */
import type { MeasureResult } from '../measure/measurer.js';
import type { TuningTask } from '../task/task.js';
import type { TunerContext } from './model_based.js';

export interface Tuner {
  readonly name: string;
  /**
   * Up to n distinct valid configs not proposed before in this run; fewer (or none) when the space is exhausted.
   * A strategy that trains something first (a policy) may answer with a promise; the loop awaits it.
   */
  propose(n: number): number[] | Promise<number[]>;
  /** The results of proposed configs, in any grouping. */
  update(results: MeasureResult[]): void;
}

/** A strategy's constructor; `ctx` carries what model-based strategies use (machine, transfer prior, log). */
export type TunerFactory = (task: TuningTask, seed: number, ctx?: TunerContext) => Tuner;
