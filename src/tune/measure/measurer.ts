/**
 * The measurer of a tuning run: config indices in, measurement results out, each one recorded the moment it
 * is known. It serves what the records hold (records_layer.ts: how a killed run resumes) and hands the rest to a
 * TrialRunner (trials.ts: built and timed here, paired or plain; or a replay, which has only the records).
 *
 * Result: {config, ok, ms: {median, min, max, runs}, gflops, error?: {kind, message}} (ARCHITECTURE.md), plus
 * the config's JSON, whether it came from the records, and the record's id.
 */
import type { RecordsDB } from '../records/db.js';
import type { TuningTask } from '../task/task.js';
import { MeasureRecords, ReplayTrials, type RecordPurpose } from './records_layer.js';
import type { MeasureResult } from './result.js';
import { DEFAULT_RUN_SETTINGS, type RunSettings } from './runner.js';
import { LocalTrials, type Trial, type TrialRunner } from './trials.js';

export type { MeasureResult } from './result.js';
export { REF_TOLERANCE, RETRY_PAUSES_MS, type RecordSettings } from './paired.js';
export { isPairedRow, pairedReferenceOf, rowToResult } from './records_layer.js';

export interface MeasurerOptions {
  workDir: string;
  db: RecordsDB | null;
  /** The machine fingerprint the records are filed under. */
  machine: string;
  run?: Partial<RunSettings>;
  /** Cores for the compilers and the first core of the runner (default: the last core runs, the others build). */
  builderCores?: number[];
  runnerCore?: number;
  compileTimeoutMs?: number;
  /** Seed of the workload's random inputs. */
  dataSeed?: number;
  runId?: string;
  /** Only serve recorded results (a replay of a database): an unrecorded config is an error. */
  replayOnly?: boolean;
  /** Where unrecorded configs are measured (default: on this machine, or nowhere with replayOnly). */
  trials?: TrialRunner;
}

export class Measurer {
  readonly settings: RunSettings;
  readonly records: MeasureRecords;
  readonly trials: TrialRunner;
  measuredCount = 0;

  constructor(
    readonly task: TuningTask,
    readonly opts: MeasurerOptions,
  ) {
    this.settings = { ...DEFAULT_RUN_SETTINGS, ...opts.run };
    this.records = new MeasureRecords(task, opts.db, opts.machine, this.settings.paired === true, opts.runId);
    this.trials =
      opts.trials ??
      (opts.replayOnly
        ? new ReplayTrials(task)
        : new LocalTrials(task, this.settings, { ...opts, keptCalibration: () => this.records.calibration() }));
  }

  /** Makes the workload's data and reference result now (see TrialRunner.prepare); `signal` stops it. */
  async prepare(signal?: AbortSignal): Promise<void> {
    await this.trials.prepare?.(signal);
  }

  /**
   * Results for `indices`, in that order. Once `signal` ends (a time budget), the configs whose build or run had not
   * started are left out (the records' ones are always served).
   */
  async measure(indices: number[], signal?: AbortSignal): Promise<MeasureResult[]> {
    const out = indices.map((i) => this.records.serve(i));
    const todo = indices.map((c, k) => ({ c, k })).filter(({ k }) => out[k] === null);
    await this.trials.run(
      todo.map(({ c }) => c),
      (t, j) => (out[todo[j].k] = this.finish(t, 'trial')),
      signal,
    );
    return out.filter((r) => r !== null);
  }

  /**
   * The same, blocking: for a synchronous caller (an environment whose reward is a measurement). It builds and
   * runs one config at a time; it must not overlap an asynchronous measure() of the same measurer.
   */
  measureSync(indices: number[]): MeasureResult[] {
    return indices.map((c) => this.records.serve(c) ?? this.finish(this.trials.runSync([c])[0], 'trial'));
  }

  /**
   * Measures already-recorded configs again, `times` times each (a fresh harness process each time), records
   * every re-measurement, and returns per config the mean of all its recorded medians (what records.best ranks by)
   * and the medians of this call's measurements (`fresh`).
   */
  async remeasure(
    indices: number[],
    times: number,
  ): Promise<{ config: number; meanMs: number | null; gflops: number | null; ok: boolean; fresh: number[] }[]> {
    const out = [];
    for (const c of indices) {
      const ms: number[] = [];
      let failed = false;
      const built = await this.trials.repeat(c, times, (t) => {
        const r = this.finish(t, 'verify');
        if (r.ok) ms.push(r.ms!.median);
        else failed = true;
      });
      const ok = built && !failed;
      const all = [...(this.records.medians.get(c) ?? []), ...ms];
      this.records.medians.set(c, all);
      const meanMs = ok && all.length ? all.reduce((x, y) => x + y, 0) / all.length : null;
      out.push({ config: c, meanMs, gflops: meanMs === null ? null : this.task.flops / (meanMs * 1e6), ok, fresh: ms });
    }
    return out;
  }

  /** A trial as a result, recorded. */
  private finish(t: Trial, purpose: RecordPurpose): MeasureResult {
    const r = t.run;
    const result: MeasureResult =
      !t.build.ok || r === null
        ? {
            config: t.config,
            configJSON: this.task.configJSON(t.config),
            ok: false,
            ms: null,
            gflops: null,
            error: t.build.error,
            cached: false,
            recordId: null,
          }
        : {
            config: t.config,
            configJSON: this.task.configJSON(t.config),
            ok: r.ok,
            ms: r.ms ?? null,
            gflops: r.ok ? this.task.flops / (r.ms!.median * 1e6) : null,
            ...(r.error ? { error: r.error } : {}),
            cached: false,
            recordId: null,
          };
    if (purpose === 'trial') this.measuredCount++;
    result.recordId = this.records.insert(result, t.source, t.sourceHash, t.settings, purpose);
    return result;
  }
}
