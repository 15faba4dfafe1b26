/**
 * The measurer's records layer: what a tuning run serves from the database instead of measuring (how a killed
 * run resumes: the same seed proposes the same configs, which are not measured again), and where every new
 * measurement is filed the moment it is known. Paired and plain records of a workload are kept apart: a run
 * serves only those of its own mode (and, paired, of its reference config), since they are two scales.
 * A replay (ReplayTrials) is a TrialRunner that has nothing but the records: an unrecorded config is an error.
 */
import type { RecordsDB, ResultRow } from '../records/db.js';
import { referenceConfig, type TuningTask } from '../task/task.js';
import type { RecordSettings } from './paired.js';
import type { MeasureResult } from './result.js';
import type { ErrorKind } from './runner.js';
import type { Trial, TrialRunner } from './trials.js';

export function rowToResult(r: ResultRow): MeasureResult {
  return {
    config: r.config_index,
    configJSON: JSON.parse(r.config) as Record<string, number>,
    ok: r.ok === 1,
    ms: r.ok ? { median: r.median_ms!, min: r.min_ms!, max: r.max_ms!, runs: r.runs! } : null,
    gflops: r.gflops,
    ...(r.ok ? {} : { error: { kind: r.error_kind as ErrorKind, message: r.error_message ?? '' } }),
    cached: true,
    recordId: r.id,
  };
}

/** A record's settings as filed (null when they do not parse). */
export function settingsOf(r: ResultRow): RecordSettings | null {
  try {
    return JSON.parse(r.settings ?? '{}') as RecordSettings;
  } catch {
    return null;
  }
}

/** Whether a record was timed paired (its settings say so). */
export function isPairedRow(r: ResultRow): boolean {
  return settingsOf(r)?.paired === true;
}

/** The reference config a paired record was timed against (null: a plain record). */
export function pairedReferenceOf(r: ResultRow): number | null {
  const s = settingsOf(r);
  return s?.paired === true ? (s.reference?.config ?? null) : null;
}

export type RecordPurpose = 'trial' | 'verify';

export class MeasureRecords {
  /** This run's trials and the records it serves, by config. */
  private readonly recorded: Map<number, ResultRow>;
  /** Medians recorded per config in this run or found in the records (for the mean of remeasure). */
  readonly medians = new Map<number, number[]>();

  constructor(
    private readonly task: TuningTask,
    private readonly db: RecordsDB | null,
    private readonly machine: string,
    paired: boolean,
    private readonly runId: string | undefined,
  ) {
    const refConfig = referenceConfig(task);
    const keep = paired ? (r: ResultRow) => pairedReferenceOf(r) === refConfig : (r: ResultRow) => !isPairedRow(r);
    this.recorded = db ? db.recordedConfigs(task.spec, machine, task.spaceId, keep) : new Map<number, ResultRow>();
    db?.addWorkload(task.spec, task.workload.op, task.flops, task.bytes);
  }

  /** The recorded result of config `i` (a working one also seeds the medians of remeasure), or null. */
  serve(i: number): MeasureResult | null {
    const r = this.recorded.get(i);
    if (r && r.ok && r.median_ms !== null && !this.medians.has(i)) this.medians.set(i, [r.median_ms]);
    return r ? rowToResult(r) : null;
  }

  /** The reference's calibrated time kept in this workload's paired records on this machine, or null. */
  calibration(): number | null {
    for (const r of this.recorded.values()) {
      const ms = settingsOf(r)?.reference?.ms;
      if (typeof ms === 'number' && ms > 0) return ms;
    }
    return null;
  }

  /**
   * Files a result (with its source and settings); a trial is served to later requests of this run. Returns the
   * record's id.
   */
  insert(
    r: MeasureResult,
    source: string,
    sourceHash: string,
    settings: RecordSettings,
    purpose: RecordPurpose,
  ): number | null {
    if (purpose === 'trial' && r.ok && r.ms) this.medians.set(r.config, [r.ms.median]);
    if (!this.db) return null;
    const row = {
      space: this.task.spaceId,
      config_index: r.config,
      config: JSON.stringify(r.configJSON),
      ok: r.ok ? 1 : 0,
      median_ms: r.ms?.median ?? null,
      min_ms: r.ms?.min ?? null,
      max_ms: r.ms?.max ?? null,
      runs: r.ms?.runs ?? null,
      gflops: r.gflops,
      error_kind: r.error?.kind ?? null,
      error_message: r.error?.message ?? null,
      source_hash: sourceHash,
      settings: JSON.stringify(settings),
      run_id: purpose === 'verify' ? `${this.runId ?? 'run'}:verify` : (this.runId ?? null),
    };
    this.db.addSource(sourceHash, source);
    const id = this.db.insert(this.task.spec, this.machine, row);
    if (purpose === 'trial')
      this.recorded.set(r.config, {
        ...row,
        id,
        spec: this.task.spec,
        machine: this.machine,
        created: new Date().toISOString(),
      });
    return id;
  }
}

/** The trial runner of a replay: the records are all there is, so a config they lack is an error, named. */
export class ReplayTrials implements TrialRunner {
  constructor(private readonly task: TuningTask) {}

  private missing(config: number): Error {
    return new Error(`replay: config ${config} of ${this.task.spec} is not in the records`);
  }

  run(configs: number[]): Promise<void> {
    return configs.length > 0 ? Promise.reject(this.missing(configs[0])) : Promise.resolve();
  }

  runSync(configs: number[]): Trial[] {
    if (configs.length > 0) throw this.missing(configs[0]);
    return [];
  }

  repeat(): Promise<never> {
    return Promise.reject(new Error('remeasure needs a builder and a runner (not a replay)'));
  }
}
