/**
 * Where the configs that the records do not hold are built and timed: the TrialRunner contract, and its local
 * implementation. Builds run in parallel on the builder cores while the runner times finished builds one at a
 * time on its own core (a multi-thread workload is timed only after every build of the batch is done, so no
 * compiler competes with it). The records' replay (records_layer.ts) is the other implementation; a remote
 * measurement farm is meant to be a third.
 */
import { createHash } from 'node:crypto';
import type { TuningTask } from '../task/task.js';
import { referenceConfig } from '../task/task.js';
import { targetCFlags } from '../space/target.js';
import { Builder, type BuildResult } from './builder.js';
import { dataFile, dataFileAsync } from './data.js';
import { coresBesides, runnerCore as hostRunnerCore } from './host.js';
import { PairedTiming, type PairedRun, type RecordSettings } from './paired.js';
import { Runner, type RunResult, type RunSettings } from './runner.js';

/**
 * One config built and (when it built) timed: the raw run, its result on the records' scale, and the settings to file
 * it with.
 */
export interface Trial {
  config: number;
  source: string;
  sourceHash: string;
  build: BuildResult;
  /** The run as taken (paired: the ratio to the reference, the reference's times); null when it did not build. */
  raw: PairedRun | null;
  /** The run on the records' scale (paired: calibrated); null when it did not build. */
  run: RunResult | null;
  settings: RecordSettings;
}

export interface TrialRunner {
  /**
   * Builds and times `configs`; `done` gets each trial (with its index in `configs`) as soon as it is known. Once
   * `signal` ends (a time budget), the configs whose build or run has not started are left out: no `done` for them.
   */
  run(configs: number[], done: (t: Trial, k: number) => void, signal?: AbortSignal): Promise<void>;
  /** The same, blocking, one config at a time (for a synchronous caller); must not overlap `run`. */
  runSync(configs: number[]): Trial[];
  /**
   * Makes what the trials need before the first one (the workload's data, its reference result: minutes for a big
   * GEMM without OpenBLAS), so that a caller can bound it: `signal` stops it (ReferenceAborted).
   */
  prepare?(signal?: AbortSignal): Promise<void>;
  /**
   * Builds `config` and times it up to `times` times (a fresh process each), stopping after a failed run. False: it did
   * not build.
   */
  repeat(config: number, times: number, done: (t: Trial) => void): Promise<boolean>;
}

export interface LocalTrialsOptions {
  workDir: string;
  /** Cores for the compilers (default: every core but the runner's). */
  builderCores?: number[];
  /** The runner's (first) core (default: the last core). */
  runnerCore?: number;
  compileTimeoutMs?: number;
  /** Seed of the workload's random inputs. */
  dataSeed?: number;
  /** The reference's calibrated time kept in the records (paired timing), or null: measured on first use. */
  keptCalibration?: () => number | null;
}

export class LocalTrials implements TrialRunner {
  readonly builder: Builder;
  readonly runner: Runner;
  readonly paired: PairedTiming | null;
  private dataPath: string | null = null;
  private runQueue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly task: TuningTask,
    private readonly settings: RunSettings,
    private readonly opts: LocalTrialsOptions,
  ) {
    const runnerCore = opts.runnerCore ?? hostRunnerCore();
    const builderCores = opts.builderCores ?? coresBesides(runnerCore, task.workload.threads);
    this.builder = new Builder({
      workDir: opts.workDir,
      cores: builderCores,
      parallel: Math.max(1, builderCores.length),
      timeoutMs: opts.compileTimeoutMs ?? 60_000,
      flags: targetCFlags(task.space.target),
    });
    this.runner = new Runner(opts.workDir, task.workload.threads > 1 ? 0 : runnerCore, settings);
    this.paired = settings.paired ? new PairedTiming(task) : null;
  }

  async run(configs: number[], done: (t: Trial, k: number) => void, signal?: AbortSignal): Promise<void> {
    if (configs.length === 0) return;
    await this.prepare(signal);
    const multi = this.task.workload.threads > 1;
    const builds = configs.map((c) => {
      const source = this.task.source(c);
      return { source, build: this.builder.buildUnless(source, multi, signal) };
    });
    if (multi) await Promise.all(builds.map((b) => b.build));
    await Promise.all(
      configs.map(async (c, k) => {
        const b = await builds[k].build;
        if (b === null) return;
        let raw: PairedRun | null = null;
        if (b.ok) {
          // One run at a time on the runner core, in the order builds finish; none starts after the signal.
          const run = this.runQueue.then(() => (signal?.aborted ? null : this.timed(b.libPath!)));
          this.runQueue = run.catch(() => undefined);
          raw = await run;
          if (raw === null) return;
        }
        done(this.trial(c, builds[k].source, b, raw), k);
      }),
    );
  }

  runSync(configs: number[]): Trial[] {
    if (configs.length === 0) return [];
    this.prepareSync();
    return configs.map((c) => {
      const source = this.task.source(c);
      const b = this.builder.buildSync(source, this.task.workload.threads > 1);
      const raw = b.ok ? this.timedSync(b.libPath!) : null;
      return this.trial(c, source, b, raw);
    });
  }

  async repeat(config: number, times: number, done: (t: Trial) => void): Promise<boolean> {
    await this.prepare();
    const source = this.task.source(config);
    const b = await this.builder.build(source, this.task.workload.threads > 1);
    if (!b.ok) return false;
    for (let t = 0; t < times; t++) {
      const trial = this.trial(config, source, b, await this.timed(b.libPath!));
      done(trial);
      if (!trial.run!.ok) break;
    }
    return true;
  }

  private trial(config: number, source: string, build: BuildResult, raw: PairedRun | null): Trial {
    const sourceHash = createHash('sha256').update(source).digest('hex').slice(0, 20);
    const run = raw && this.paired ? this.paired.calibrated(raw) : raw;
    const settings = this.paired ? this.paired.recordSettings(this.settings, raw) : this.settings;
    return { config, source, sourceHash, build, raw, run, settings };
  }

  private timed(lib: string): Promise<PairedRun> {
    const run = () => this.runner.run(lib, this.dataPath!, this.task.workload.threads, this.paired?.reference?.lib);
    return this.paired ? this.paired.timed(run) : run();
  }

  private timedSync(lib: string): PairedRun {
    const run = () => this.runner.runSync(lib, this.dataPath!, this.task.workload.threads, this.paired?.reference?.lib);
    return this.paired ? this.paired.timedSync(run) : run();
  }

  /**
   * The workload's input data, and for paired timing the reference's build and calibrated time: the one kept in
   * the records, else the median of 5 plain runs of it now. A reference that does not build or run is an error of
   * the set-up, not a kernel's data: it throws.
   */
  async prepare(signal?: AbortSignal): Promise<void> {
    this.dataPath ??= await dataFileAsync(this.opts.workDir, this.task.workload, this.opts.dataSeed ?? 1, signal);
    if (!this.paired || this.paired.reference) return;
    const b = await this.builder.build(this.task.source(referenceConfig(this.task)), this.task.workload.threads > 1);
    const kept = this.opts.keptCalibration?.() ?? null;
    const runs: RunResult[] = [];
    if (b.ok && kept === null)
      for (let k = 0; k < 5; k++)
        runs.push(await this.runner.run(b.libPath!, this.dataPath, this.task.workload.threads));
    this.paired.calibrate(b, runs, kept);
  }

  private prepareSync(): void {
    this.dataPath ??= dataFile(this.opts.workDir, this.task.workload, this.opts.dataSeed ?? 1);
    if (!this.paired || this.paired.reference) return;
    const b = this.builder.buildSync(this.task.source(referenceConfig(this.task)), this.task.workload.threads > 1);
    const kept = this.opts.keptCalibration?.() ?? null;
    const runs: RunResult[] = [];
    if (b.ok && kept === null)
      for (let k = 0; k < 5; k++) runs.push(this.runner.runSync(b.libPath!, this.dataPath, this.task.workload.threads));
    this.paired.calibrate(b, runs, kept);
  }
}
