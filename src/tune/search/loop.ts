/**
 * The tuning loop around a strategy: it asks for configs, hands them to the measurer (which records each
 * result), gives the results back to the strategy, and keeps the budget, the best result and the curve.
 *
 * A trial is one distinct config handed to the measurer: errors count, configs served from the records count
 * (they are how a killed run resumes: the same seed proposes the same configs, which are not measured again),
 * and a config is never handed over twice in a run. A strategy may also measure while it proposes, through the
 * loop's TrialMeasurer (an environment whose reward is a measurement): those are trials too, counted before the
 * batch that follows, and their results reach the strategy's update with it. Budgets: `trials`, `timeBudgetS` (checked
 * between batches; its end also drops the builds and runs of a batch that have not started) and `earlyStopping` (stop after that many trials without a new best).
 */
import type { Measurer, MeasureResult } from '../measure/measurer.js';
import { ERROR_KINDS, type ErrorKind } from '../measure/runner.js';
import type { TuningTask } from '../task/task.js';
import type { TrialMeasurer, Tuner } from './tuner.js';

export interface TuneOptions {
  trials: number;
  timeBudgetS?: number | null;
  /**
   * When the time budget started (a performance.now() value; default: when the loop starts), so that it bounds what
   * came before the loop too (the workload's reference result, the machine's probe).
   */
  startedAt?: number;
  earlyStopping?: number | null;
  /** Configs per round (default 8). */
  batch?: number;
  /**
   * After the budget, measure the `verifyTop` best configs again `verifyTimes` times (default 3) and report as
   * best the one with the lowest mean of its medians: a guard against the winner's curse of noisy timings.
   * Re-measurements are recorded but are not trials. Default 0 (off).
   */
  verifyTop?: number;
  verifyTimes?: number;
  onProgress?: (p: TuneProgress) => void;
  /** Each batch's results, in trial order (e.g. for per-trial curves). */
  onResults?: (results: MeasureResult[]) => void;
}

export interface TuneProgress {
  trials: number;
  budget: number;
  measured: number;
  errors: Record<ErrorKind, number>;
  bestGflops: number | null;
  elapsedS: number;
}

export interface TuneResult {
  op: string;
  strategy: string;
  trials: number;
  measured: number;
  errors: Record<ErrorKind, number>;
  best_gflops: number | null;
  best_ms: number | null;
  best_config: Record<string, number> | null;
  best_config_index: number | null;
  wall_s: number;
  /** [1-based trial, best GFLOP/s so far] at each improvement. */
  curve: [number, number][];
  /** Why the loop stopped. */
  stopped: 'trials' | 'time-budget' | 'early-stopping' | 'space-exhausted';
  /** The re-measured top configs (verifyTop > 0): mean GFLOP/s over all their measurements, best first. */
  verified: { config_index: number; gflops: number | null }[];
}

const noErrors = () => Object.fromEntries(ERROR_KINDS.map((k) => [k, 0])) as Record<ErrorKind, number>;

/** The result of a run whose time budget ended before its first trial (e.g. while its reference was computed). */
export function budgetEndedResult(task: TuningTask, strategy: string, startedAt: number): TuneResult {
  return {
    op: task.spec,
    strategy,
    trials: 0,
    measured: 0,
    errors: noErrors(),
    best_gflops: null,
    best_ms: null,
    best_config: null,
    best_config_index: null,
    wall_s: Math.round(performance.now() - startedAt) / 1000,
    curve: [],
    stopped: 'time-budget',
    verified: [],
  };
}

export async function tune(task: TuningTask, tuner: Tuner, measurer: Measurer, opts: TuneOptions): Promise<TuneResult> {
  if (!Number.isSafeInteger(opts.trials) || opts.trials < 1)
    throw new RangeError(`trials must be a positive integer, got ${opts.trials}`);
  const t0 = opts.startedAt ?? performance.now();
  const errors = noErrors();
  const curve: [number, number][] = [];
  let trials = 0,
    measured = 0,
    sinceBest = 0;
  let best: MeasureResult | null = null;
  const okResults: MeasureResult[] = [];
  let stopped: TuneResult['stopped'] = 'trials';
  const batch = opts.batch ?? 8;
  const elapsed = () => (performance.now() - t0) / 1000;
  const progress = () =>
    opts.onProgress?.({
      trials,
      budget: opts.trials,
      measured,
      errors,
      bestGflops: best?.gflops ?? null,
      elapsedS: elapsed(),
    });
  // Every config handed to the measurer in this run (a trial), with its result.
  const tried = new Map<number, MeasureResult>();
  // Trials a strategy's environment asked for while proposing: counted with the batch that follows.
  let requested: MeasureResult[] = [];
  let pending = 0;
  const trialMeasurer: TrialMeasurer = {
    measure(index: number): MeasureResult | null {
      const had = tried.get(index);
      if (had) return had;
      if (trials + pending >= opts.trials || (opts.timeBudgetS != null && elapsed() >= opts.timeBudgetS)) return null;
      const [r] = measurer.measureSync([index]);
      tried.set(index, r);
      requested.push(r);
      pending++;
      return r;
    },
    get remaining() {
      return Math.max(0, opts.trials - trials - pending);
    },
  };
  tuner.attach?.(trialMeasurer);
  // The budget's end also stops a batch under way: its builds and runs not started by then are left out.
  const deadline =
    opts.timeBudgetS != null
      ? AbortSignal.timeout(Math.max(0, Math.ceil(opts.timeBudgetS * 1000 - elapsed() * 1000)))
      : undefined;
  progress();
  while (trials < opts.trials) {
    if (opts.timeBudgetS != null && elapsed() >= opts.timeBudgetS) {
      stopped = 'time-budget';
      break;
    }
    let configs = await tuner.propose(Math.min(batch, opts.trials - trials));
    const asked = requested;
    requested = [];
    pending = 0;
    // The batch after the trials the strategy measured itself: within the budget, never a config twice.
    configs = configs.filter((c) => !tried.has(c)).slice(0, Math.max(0, opts.trials - trials - asked.length));
    if (configs.length === 0 && asked.length === 0) {
      stopped = 'space-exhausted';
      break;
    }
    const measuredNow = await measurer.measure(configs, deadline);
    for (const r of measuredNow) tried.set(r.config, r);
    const results = [...asked, ...measuredNow];
    for (const r of results) {
      trials++;
      if (!r.cached) measured++;
      if (!r.ok && r.error) errors[r.error.kind]++;
      if (r.ok) okResults.push(r);
      if (r.ok && r.gflops !== null && (best === null || r.gflops > best.gflops!)) {
        best = r;
        curve.push([trials, r.gflops]);
        sinceBest = 0;
      } else {
        sinceBest++;
      }
    }
    opts.onResults?.(results);
    tuner.update(results);
    progress();
    if (opts.earlyStopping != null && sinceBest >= opts.earlyStopping) {
      stopped = 'early-stopping';
      break;
    }
  }
  tuner.attach?.(null);
  let bestGflops = best?.gflops ?? null,
    bestMs = best?.ms?.median ?? null;
  let verified: TuneResult['verified'] = [];
  if ((opts.verifyTop ?? 0) > 0 && okResults.length > 0) {
    const top = [...okResults]
      .sort((a, b) => b.gflops! - a.gflops!)
      .slice(0, opts.verifyTop)
      .map((r) => r.config);
    const v = (await measurer.remeasure(top, opts.verifyTimes ?? 3))
      .filter((x) => x.ok && x.meanMs !== null)
      .sort((a, b) => a.meanMs! - b.meanMs!);
    verified = v.map((x) => ({ config_index: x.config, gflops: x.gflops }));
    if (v.length > 0) {
      best = okResults.find((r) => r.config === v[0].config)!;
      bestGflops = v[0].gflops;
      bestMs = v[0].meanMs;
    }
  }
  return {
    op: task.spec,
    strategy: tuner.name,
    trials,
    measured,
    errors,
    best_gflops: bestGflops,
    best_ms: bestMs,
    best_config: best?.configJSON ?? null,
    best_config_index: best?.config ?? null,
    wall_s: Math.round(elapsed() * 1000) / 1000,
    curve,
    stopped,
    verified,
  };
}
