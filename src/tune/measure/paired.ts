/**
 * Paired timing (settings.paired): every run times the task's reference config and the kernel back to back in
 * each repeat (native/harness.c), and the kernel's time is its ratio to the reference's times the reference's
 * calibrated time: the median of 5 plain runs of the reference the first time this workload is measured paired on
 * this machine, kept in every paired record's settings (`reference.ms`) so that later runs, and databases that
 * import the records, use the same scale. So a slow period of a shared machine, which slows both kernels alike,
 * leaves the result as it was (bench/results/measure-noise-*.json: what it removes here).
 *
 * The guard: a paired run whose reference took more than REF_TOLERANCE longer or shorter than the median of the
 * reference's recent runs is run again after a pause (RETRY_PAUSES_MS, a fresh process each time) until its
 * reference is back, and the last run counts: the ratio assumes that both kernels ran alike, and in the heavier
 * slow periods of a shared VM (seconds long, from outside the VM) the reference was slowed up to 4 times while the
 * kernels beside it were slowed 1.3-1.8 times (bench/results/tuners-rl-v6-paired-aborted-2026-12-05.txt). A run
 * whose reference stays off counts too, so a lasting change of the machine's speed moves the recent median along.
 */
import type { TuningTask } from '../task/task.js';
import { referenceConfig } from '../task/task.js';
import type { BuildResult } from './builder.js';
import type { RunResult, RunSettings } from './runner.js';

/**
 * Paired timing: how far (a factor) the reference's time in a run may be from its recent median before the run is
 * repeated.
 */
export const REF_TOLERANCE = 1.15;
/** Paired timing: the pauses before the repeats of a run whose reference was off (7.5 s in all at most). */
export const RETRY_PAUSES_MS = [500, 1000, 2000, 4000];

/**
 * A record's settings: the run settings, and for paired timing the reference's calibration and this run's raw
 * times (`first_ref_median_ms`, `ref_retries`: the reference's time in a first run that was off its recent runs, and
 * how many times the run was repeated).
 */
export interface RecordSettings extends RunSettings {
  reference?: {
    config: number;
    ms: number;
    raw_median_ms?: number;
    ref_median_ms?: number;
    rel_median?: number;
    first_ref_median_ms?: number;
    ref_retries?: number;
  };
}

/** A run as the measurer took it: with the reference's time in the first run and the repeats, when it was repeated. */
export type PairedRun = RunResult & { firstRefMs?: number; refRetries?: number };

/** The reference of a paired workload: its config, its built library and its calibrated time (ms). */
export interface Reference {
  config: number;
  lib: string;
  ms: number;
}

export class PairedTiming {
  reference: Reference | null = null;
  /** The reference's medians in the last (up to 16) runs: its speed now. */
  readonly recentRefMs: number[] = [];

  constructor(private readonly task: TuningTask) {}

  /**
   * The reference config's build and calibrated time: `kept` (from the records), else the median of its plain `runs`.
   */
  calibrate(b: BuildResult, runs: RunResult[], kept: number | null): Reference {
    const config = referenceConfig(this.task);
    const what = `paired timing of ${this.task.spec} needs its reference config (${JSON.stringify(this.task.configJSON(config))})`;
    if (!b.ok) throw new Error(`${what} to build: ${b.error?.kind}: ${b.error?.message}`);
    const failed = runs.find((r) => !r.ok);
    if (failed) throw new Error(`${what} to run: ${failed.error?.kind}: ${failed.error?.message}`);
    const ms = kept ?? runs.map((r) => r.ms!.median).sort((x, y) => x - y)[Math.floor(runs.length / 2)];
    for (const r of runs) this.recentRefMs.push(r.ms!.median); // the reference's speed now
    this.reference = { config, lib: b.libPath!, ms };
    return this.reference;
  }

  /** A run's result on the calibrated scale (the kernel's ratio to the reference x its calibrated time). */
  calibrated(r: RunResult): RunResult {
    if (!r.ok) return r;
    if (!r.rel || !this.reference)
      throw new Error(`paired timing of ${this.task.spec}: the harness gave no ratio to the reference`);
    const t = this.reference.ms;
    return { ...r, ms: { median: r.rel.median * t, min: r.rel.min * t, max: r.rel.max * t, runs: r.ms!.runs } };
  }

  /** One guarded run: repeated after pauses while its reference is off its recent runs. */
  async timed(run: () => Promise<RunResult>): Promise<PairedRun> {
    let r = await run();
    let first: RunResult | null = null,
      retries = 0;
    for (; retries < RETRY_PAUSES_MS.length && this.offReference(r); retries++) {
      first ??= r;
      await new Promise((done) => setTimeout(done, RETRY_PAUSES_MS[retries]));
      r = await run();
    }
    return this.accept(r, first, retries);
  }

  /** The same, blocking (for a synchronous caller). */
  timedSync(run: () => RunResult): PairedRun {
    let r = run();
    let first: RunResult | null = null,
      retries = 0;
    for (; retries < RETRY_PAUSES_MS.length && this.offReference(r); retries++) {
      first ??= r;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, RETRY_PAUSES_MS[retries]);
      r = run();
    }
    return this.accept(r, first, retries);
  }

  /** The settings a record of `raw` is filed with: the reference's calibration and the run's raw times. */
  recordSettings(settings: RunSettings, raw: PairedRun | null): RecordSettings {
    if (!this.reference) return settings;
    const ref = {
      config: this.reference.config,
      ms: this.reference.ms,
      ...(raw?.refRetries ? { first_ref_median_ms: raw.firstRefMs, ref_retries: raw.refRetries } : {}),
    };
    return {
      ...settings,
      reference:
        raw?.ok && raw.rel
          ? { ...ref, raw_median_ms: raw.ms!.median, ref_median_ms: raw.refMs, rel_median: raw.rel.median }
          : ref,
    };
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
}
