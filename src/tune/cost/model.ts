/**
 * The multi-level cost model of one tuning run: level 0 (analytic.ts, always available), level 1 (learned.ts,
 * once there are enough records) and level 2 (measurement, the tuning loop's measurer). The strategies rank
 * candidates with `score` (the learned level when it is ready, else the analytic one) and send only a batch of
 * the best to measurement; `update` feeds each batch's measurements back and refits the learned level.
 */
import type { MeasureResult } from '../measure/measurer.js';
import type { TuningTask } from '../task/task.js';
import { analytic } from './analytic.js';
import { featureFamily, type CostMachine } from './features.js';
import { LearnedCostModel, type CostSample, type LearnedOptions } from './learned.js';

export type CostLevel = 'analytic' | 'learned';

export interface CostModelOptions {
  learned?: LearnedOptions;
  /** Records of other workloads (transfer); empty or absent: none. */
  prior?: CostSample[];
  /** Where the model says what it does (e.g. that it falls back to the analytic level). */
  log?: (message: string) => void;
}

export class MultiLevelCostModel {
  readonly learned: LearnedCostModel;
  private readonly log: (message: string) => void;
  private saidFallback = false;
  private readonly analyticCache = new Map<number, number>();

  constructor(
    readonly task: TuningTask,
    readonly machine: CostMachine,
    opts: CostModelOptions = {},
  ) {
    this.learned = new LearnedCostModel(featureFamily(task), machine, opts.learned);
    this.log = opts.log ?? (() => {});
    const prior = (opts.prior ?? []).filter((s) => s.task.spec !== task.spec);
    if (prior.length > 0) {
      this.learned.setPrior(prior);
      this.log(
        `cost model: transfer from ${prior.length} records of ${new Set(prior.map((s) => s.task.spec)).size} other workloads`,
      );
    }
    this.refit();
  }

  get level(): CostLevel {
    return this.learned.ready ? 'learned' : 'analytic';
  }

  /** log GFLOP/s of the analytic level. */
  analyticScores(indices: number[]): Float64Array {
    const out = new Float64Array(indices.length);
    indices.forEach((i, k) => {
      let v = this.analyticCache.get(i);
      if (v === undefined) {
        v = Math.log(analytic(this.task, i, this.machine).gflops);
        if (this.analyticCache.size > 500_000) this.analyticCache.clear();
        this.analyticCache.set(i, v);
      }
      out[k] = v;
    });
    return out;
  }

  /** Scores of configs, higher is faster (only their order means something). */
  score(indices: number[]): Float64Array {
    return this.learned.ready ? this.learned.predict(this.task, indices) : this.analyticScores(indices);
  }

  update(results: MeasureResult[]): void {
    this.learned.add(results.map((r) => ({ task: this.task, index: r.config, gflops: r.ok ? r.gflops : null })));
    this.refit();
  }

  private refit(): void {
    const f = this.learned.fit();
    if (!f.ready && f.reason && !this.saidFallback) {
      this.log(`cost model: ${f.reason}`);
      this.saidFallback = true;
    } else if (f.ready && this.saidFallback) {
      this.log(
        `cost model: the learned level is trained (${this.learned.ownRecords} records of this workload, ${this.learned.priorRecords} of others)`,
      );
      this.saidFallback = false;
    }
  }

  dispose(): void {
    this.learned.dispose();
  }
}
