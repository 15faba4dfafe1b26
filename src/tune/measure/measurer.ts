/**
 * The measurer of a tuning run: config indices in, measurement results out, each one recorded the moment it
 * is known. Builds run in parallel on the builder cores while the runner measures finished builds one at a
 * time on its own core (a multi-thread workload is measured only after every build of the batch is done, so
 * no compiler competes with it). A config that the database already holds for this workload, machine and
 * space is not measured again: its record is the result (`cached`), which is how a killed run resumes.
 *
 * Result: {config, ok, ms: {median, min, max, runs}, gflops, error?: {kind, message}} (ARCHITECTURE.md), plus
 * the config's JSON, whether it came from the records, and the record's id.
 *
 * Paired timing (settings.paired): every run times the task's reference config and the kernel back to back in
 * each repeat (native/harness.c), and the kernel's time is its ratio to the reference's times the reference's
 * calibrated time: the median of 5 plain runs of the reference the first time this workload is measured paired on
 * this machine, kept in every paired record's settings (`reference.ms`) so that later runs, and databases that
 * import the records, use the same scale. So a slow period of a shared machine, which slows both kernels alike,
 * leaves the result as it was (bench/results/measure-noise-*.json: what it removes here). Paired and plain
 * records of a workload are kept apart: a run serves from the records only those of its own mode (and, paired,
 * of its reference config).
 */
import { createHash } from 'node:crypto';
import type { RecordsDB, ResultRow } from '../records/db.js';
import { referenceConfig, type TuningTask } from '../task/task.js';
import { targetCFlags } from '../space/target.js';
import { Builder, type BuildResult } from './builder.js';
import { dataFile } from './data.js';
import { coresBesides, runnerCore as hostRunnerCore } from './host.js';
import { DEFAULT_RUN_SETTINGS, Runner, type ErrorKind, type RunResult, type RunSettings } from './runner.js';

export interface MeasureResult {
  config: number;
  configJSON: Record<string, number>;
  ok: boolean;
  ms: { median: number; min: number; max: number; runs: number } | null;
  gflops: number | null;
  error?: { kind: ErrorKind; message: string };
  /** Served from the records instead of measured. */
  cached: boolean;
  recordId: number | null;
}

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
}

export function rowToResult(r: ResultRow): MeasureResult {
  return {
    config: r.config_index, configJSON: JSON.parse(r.config), ok: r.ok === 1,
    ms: r.ok ? { median: r.median_ms!, min: r.min_ms!, max: r.max_ms!, runs: r.runs! } : null,
    gflops: r.gflops, ...(r.ok ? {} : { error: { kind: r.error_kind as ErrorKind, message: r.error_message ?? '' } }), cached: true, recordId: r.id,
  };
}

export class Measurer {
  readonly builder: Builder | null;
  readonly runner: Runner | null;
  readonly settings: RunSettings;
  private readonly recorded: Map<number, ResultRow>;
  private dataPath: string | null = null;
  private runQueue: Promise<unknown> = Promise.resolve();
  /** Medians recorded per config in this run or found in the records (for the mean of remeasure). */
  private readonly recordedMedians = new Map<number, number[]>();
  measuredCount = 0;
  /** Paired timing: the reference config, its library and its calibrated time (ms), once known. */
  private reference: { config: number; lib: string; ms: number } | null = null;
  /** Paired timing: the reference's medians in the last (up to 16) runs, its speed now. */
  private readonly recentRefMs: number[] = [];

  constructor(readonly task: TuningTask, readonly opts: MeasurerOptions) {
    this.settings = { ...DEFAULT_RUN_SETTINGS, ...opts.run };
    // Paired and plain records are kept apart, and paired ones against another reference config are another scale.
    const refConfig = referenceConfig(task);
    const keep = this.settings.paired ? (r: ResultRow) => pairedReferenceOf(r) === refConfig : (r: ResultRow) => !isPairedRow(r);
    this.recorded = opts.db ? opts.db.recordedConfigs(task.spec, opts.machine, task.spaceId, keep) : new Map();
    opts.db?.addWorkload(task.spec, task.workload.op, task.flops, task.bytes);
    if (opts.replayOnly) {
      this.builder = null;
      this.runner = null;
      return;
    }
    const runnerCore = opts.runnerCore ?? hostRunnerCore();
    const builderCores = opts.builderCores ?? coresBesides(runnerCore, task.workload.threads);
    this.builder = new Builder({ workDir: opts.workDir, cores: builderCores, parallel: Math.max(1, builderCores.length), timeoutMs: opts.compileTimeoutMs ?? 60_000, flags: targetCFlags(task.space.target) });
    this.runner = new Runner(opts.workDir, task.workload.threads > 1 ? 0 : runnerCore, this.settings);
  }

  /** Results for `indices`, in that order. */
  async measure(indices: number[]): Promise<MeasureResult[]> {
    const out = indices.map((i) => this.fromRecords(i));
    const todo = indices.map((c, k) => ({ c, k })).filter(({ k }) => out[k] === null);
    if (todo.length === 0) return out as MeasureResult[];
    if (!this.builder || !this.runner) throw new Error(`replay: config ${todo[0].c} of ${this.task.spec} is not in the records`);
    this.dataPath ??= dataFile(this.opts.workDir, this.task.workload, this.opts.dataSeed ?? 1);
    if (this.settings.paired) await this.ensureReference();
    const multi = this.task.workload.threads > 1;
    const builds = todo.map(({ c }) => {
      const source = this.task.source(c);
      return { source, build: this.builder!.build(source, multi) };
    });
    if (multi) await Promise.all(builds.map((b) => b.build));
    await Promise.all(todo.map(async ({ c, k }, j) => {
      const b = await builds[j].build;
      let r: RunResult | null = null;
      if (b.ok) {
        // One run at a time on the runner core, in the order builds finish.
        const run = this.runQueue.then(() => this.timed(b.libPath!));
        this.runQueue = run.catch(() => undefined);
        r = await run;
      }
      out[k] = this.finish(c, builds[j].source, b, r);
    }));
    return out as MeasureResult[];
  }

  /**
   * The same, blocking: for a synchronous caller (an environment whose reward is a measurement). It builds and
   * runs one config at a time; it must not overlap an asynchronous measure() of the same measurer.
   */
  measureSync(indices: number[]): MeasureResult[] {
    return indices.map((c) => {
      const cached = this.fromRecords(c);
      if (cached) return cached;
      if (!this.builder || !this.runner) throw new Error(`replay: config ${c} of ${this.task.spec} is not in the records`);
      this.dataPath ??= dataFile(this.opts.workDir, this.task.workload, this.opts.dataSeed ?? 1);
      if (this.settings.paired) this.ensureReferenceSync();
      const source = this.task.source(c);
      const b = this.builder.buildSync(source, this.task.workload.threads > 1);
      const r = b.ok ? this.timedSync(b.libPath!) : null;
      return this.finish(c, source, b, r);
    });
  }

  /** The recorded result of config `i` (a working one also seeds the medians of remeasure), or null. */
  private fromRecords(i: number): MeasureResult | null {
    const r = this.recorded.get(i);
    if (r && r.ok && r.median_ms !== null && !this.recordedMedians.has(i)) this.recordedMedians.set(i, [r.median_ms]);
    return r ? rowToResult(r) : null;
  }

  /** A build (and its run, when it built) as a result, recorded. */
  private finish(c: number, source: string, b: BuildResult, raw: PairedRun | null): MeasureResult {
    const r = raw && this.calibrated(raw);
    const sourceHash = createHash('sha256').update(source).digest('hex').slice(0, 20);
    const result: MeasureResult = !b.ok || r === null
      ? { config: c, configJSON: this.task.configJSON(c), ok: false, ms: null, gflops: null, error: b.error, cached: false, recordId: null }
      : {
        config: c, configJSON: this.task.configJSON(c), ok: r.ok, ms: r.ms ?? null, gflops: r.ok ? this.task.flops / (r.ms!.median * 1e6) : null,
        ...(r.error ? { error: r.error } : {}), cached: false, recordId: null,
      };
    this.measuredCount++;
    result.recordId = this.record(result, source, sourceHash, 'trial', raw);
    return result;
  }

  /** Paired timing: the run's result on the calibrated scale (the kernel's ratio to the reference x its calibrated time). */
  private calibrated(r: RunResult): RunResult {
    if (!this.settings.paired || !r.ok) return r;
    if (!r.rel || !this.reference) throw new Error(`paired timing of ${this.task.spec}: the harness gave no ratio to the reference`);
    const t = this.reference.ms;
    return { ...r, ms: { median: r.rel.median * t, min: r.rel.min * t, max: r.rel.max * t, runs: r.ms!.runs } };
  }

  /**
   * Paired timing: builds the reference config and finds its calibrated time: the one in this workload's paired
   * records, else the median of 5 plain runs of it now. A reference that does not build or run is an error of
   * the set-up, not a kernel's data: it throws.
   */
  private async ensureReference(): Promise<void> {
    if (this.reference) return;
    const config = referenceConfig(this.task);
    const b = await this.builder!.build(this.task.source(config), this.task.workload.threads > 1);
    const kept = this.calibrationInRecords();
    const runs: RunResult[] = [];
    if (b.ok && kept === null) for (let k = 0; k < 5; k++) runs.push(await this.runner!.run(b.libPath!, this.dataPath!, this.task.workload.threads));
    this.reference = this.calibration(config, b, runs, kept);
  }

  /**
   * One run of a built kernel (paired when the settings say so). A paired run whose reference took more than
   * REF_TOLERANCE longer or shorter than the median of the reference's recent runs is run again after a pause
   * (RETRY_PAUSES_MS, a fresh process each time) until its reference is back, and the last run counts: the ratio
   * assumes that both kernels ran alike, and in the heavier slow periods of this VM (seconds long, from outside the
   * VM) the reference was slowed up to 4 times while the kernels beside it were slowed 1.3-1.8 times (the aborted
   * paired pass of 2026-12-05, README). A run whose reference stays off counts too, so a lasting change of the
   * machine's speed moves the recent median along.
   */
  private async timed(lib: string): Promise<PairedRun> {
    const run = () => this.runner!.run(lib, this.dataPath!, this.task.workload.threads, this.reference?.lib);
    let r = await run();
    let first: RunResult | null = null, retries = 0;
    for (; retries < RETRY_PAUSES_MS.length && this.offReference(r); retries++) {
      first ??= r;
      await new Promise((done) => setTimeout(done, RETRY_PAUSES_MS[retries]));
      r = await run();
    }
    return this.accept(r, first, retries);
  }

  private timedSync(lib: string): PairedRun {
    const run = () => this.runner!.runSync(lib, this.dataPath!, this.task.workload.threads, this.reference?.lib);
    let r = run();
    let first: RunResult | null = null, retries = 0;
    for (; retries < RETRY_PAUSES_MS.length && this.offReference(r); retries++) {
      first ??= r;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, RETRY_PAUSES_MS[retries]);
      r = run();
    }
    return this.accept(r, first, retries);
  }

  /** Whether a paired run's reference is off its recent runs (needs 3 of them). */
  private offReference(r: RunResult): boolean {
    if (!r.ok || r.refMs === undefined || this.recentRefMs.length < 3) return false;
    const m = [...this.recentRefMs].sort((x, y) => x - y)[Math.floor(this.recentRefMs.length / 2)];
    return Math.abs(Math.log(r.refMs / m)) > Math.log(REF_TOLERANCE);
  }

  private accept(r: RunResult, first: RunResult | null, retries: number): PairedRun {
    if (r.ok && r.refMs !== undefined) {
      this.recentRefMs.push(r.refMs);
      if (this.recentRefMs.length > 16) this.recentRefMs.shift();
    }
    return first ? { ...r, firstRefMs: first.refMs, refRetries: retries } : r;
  }

  private ensureReferenceSync(): void {
    if (this.reference) return;
    const config = referenceConfig(this.task);
    const b = this.builder!.buildSync(this.task.source(config), this.task.workload.threads > 1);
    const kept = this.calibrationInRecords();
    const runs: RunResult[] = [];
    if (b.ok && kept === null) for (let k = 0; k < 5; k++) runs.push(this.runner!.runSync(b.libPath!, this.dataPath!, this.task.workload.threads));
    this.reference = this.calibration(config, b, runs, kept);
  }

  /** The reference's calibrated time kept in this workload's paired records on this machine, or null. */
  private calibrationInRecords(): number | null {
    for (const r of this.recorded.values()) {
      const ms = settingsOf(r)?.reference?.ms;
      if (typeof ms === 'number' && ms > 0) return ms;
    }
    return null;
  }

  /** The reference's build and calibrated time: `kept` (from the records), else the median of its plain `runs`. */
  private calibration(config: number, b: BuildResult, runs: RunResult[], kept: number | null): { config: number; lib: string; ms: number } {
    const what = `paired timing of ${this.task.spec} needs its reference config (${JSON.stringify(this.task.configJSON(config))})`;
    if (!b.ok) throw new Error(`${what} to build: ${b.error?.kind}: ${b.error?.message}`);
    const failed = runs.find((r) => !r.ok);
    if (failed) throw new Error(`${what} to run: ${failed.error?.kind}: ${failed.error?.message}`);
    const ms = kept ?? runs.map((r) => r.ms!.median).sort((x, y) => x - y)[Math.floor(runs.length / 2)];
    for (const r of runs) this.recentRefMs.push(r.ms!.median); // the reference's speed now
    return { config, lib: b.libPath!, ms };
  }

  /**
   * Measures already-recorded configs again, `times` times each (a fresh harness process each time), records
   * every re-measurement, and returns per config the mean of all its recorded medians (what records.best ranks by)
   * and the medians of this call's measurements (`fresh`).
   */
  async remeasure(indices: number[], times: number): Promise<{ config: number; meanMs: number | null; gflops: number | null; ok: boolean; fresh: number[] }[]> {
    if (!this.builder || !this.runner) throw new Error('remeasure needs a builder and a runner (not a replay)');
    this.dataPath ??= dataFile(this.opts.workDir, this.task.workload, this.opts.dataSeed ?? 1);
    if (this.settings.paired) await this.ensureReference();
    const out = [];
    for (const c of indices) {
      const source = this.task.source(c);
      const b = await this.builder.build(source, this.task.workload.threads > 1);
      const sourceHash = createHash('sha256').update(source).digest('hex').slice(0, 20);
      const ms: number[] = [];
      let ok = b.ok;
      for (let t = 0; t < times && ok; t++) {
        const raw = await this.timed(b.libPath!);
        const r = this.calibrated(raw);
        const res: MeasureResult = { config: c, configJSON: this.task.configJSON(c), ok: r.ok, ms: r.ms ?? null, gflops: r.ok ? this.task.flops / (r.ms!.median * 1e6) : null, ...(r.error ? { error: r.error } : {}), cached: false, recordId: null };
        this.record(res, source, sourceHash, 'verify', raw);
        if (!r.ok) ok = false;
        else ms.push(r.ms!.median);
      }
      const prior = this.recordedMedians.get(c) ?? [];
      const all = [...prior, ...ms];
      this.recordedMedians.set(c, all);
      const meanMs = ok && all.length ? all.reduce((x, y) => x + y, 0) / all.length : null;
      out.push({ config: c, meanMs, gflops: meanMs === null ? null : this.task.flops / (meanMs * 1e6), ok, fresh: ms });
    }
    return out;
  }

  private recordSettings(raw: PairedRun | null): RecordSettings {
    if (!this.settings.paired || !this.reference) return this.settings;
    const ref = { config: this.reference.config, ms: this.reference.ms, ...(raw?.refRetries ? { first_ref_median_ms: raw.firstRefMs, ref_retries: raw.refRetries } : {}) };
    return { ...this.settings, reference: raw?.ok && raw.rel ? { ...ref, raw_median_ms: raw.ms!.median, ref_median_ms: raw.refMs, rel_median: raw.rel.median } : ref };
  }

  private record(r: MeasureResult, source: string, sourceHash: string, purpose: 'trial' | 'verify' = 'trial', raw: PairedRun | null = null): number | null {
    if (purpose === 'trial' && r.ok && r.ms) this.recordedMedians.set(r.config, [r.ms.median]);
    const db = this.opts.db;
    if (!db) return null;
    const row = {
      space: this.task.spaceId, config_index: r.config, config: JSON.stringify(r.configJSON), ok: r.ok ? 1 : 0,
      median_ms: r.ms?.median ?? null, min_ms: r.ms?.min ?? null, max_ms: r.ms?.max ?? null, runs: r.ms?.runs ?? null, gflops: r.gflops,
      error_kind: r.error?.kind ?? null, error_message: r.error?.message ?? null, source_hash: sourceHash, settings: JSON.stringify(this.recordSettings(raw)), run_id: purpose === 'verify' ? `${this.opts.runId ?? 'run'}:verify` : this.opts.runId ?? null,
    };
    db.addSource(sourceHash, source);
    const id = db.insert(this.task.spec, this.opts.machine, row);
    if (purpose === 'trial') this.recorded.set(r.config, { ...row, id, spec: this.task.spec, machine: this.opts.machine, created: new Date().toISOString() });
    return id;
  }
}

/**
 * A record's settings: the run settings, and for paired timing the reference's calibration and this run's raw
 * times (`first_ref_median_ms`, `ref_retries`: the reference's time in a first run that was off its recent runs, and
 * how many times the run was repeated).
 */
export interface RecordSettings extends RunSettings {
  reference?: { config: number; ms: number; raw_median_ms?: number; ref_median_ms?: number; rel_median?: number; first_ref_median_ms?: number; ref_retries?: number };
}

/** Paired timing: how far (a factor) the reference's time in a run may be from its recent median before the run is repeated. */
export const REF_TOLERANCE = 1.15;
/** Paired timing: the pauses before the repeats of a run whose reference was off (7.5 s in all at most). */
export const RETRY_PAUSES_MS = [500, 1000, 2000, 4000];

/** A run as the measurer took it: with the reference's time in the first run and the repeats, when it was repeated. */
type PairedRun = RunResult & { firstRefMs?: number; refRetries?: number };

/** Whether a record was timed paired (its settings say so). */
export function isPairedRow(r: ResultRow): boolean {
  return settingsOf(r)?.paired === true;
}

/** The reference config a paired record was timed against (null: a plain record). */
export function pairedReferenceOf(r: ResultRow): number | null {
  const s = settingsOf(r);
  return s?.paired === true ? s.reference?.config ?? null : null;
}

function settingsOf(r: ResultRow): RecordSettings | null {
  try {
    return JSON.parse(r.settings ?? '{}') as RecordSettings;
  } catch {
    return null;
  }
}
