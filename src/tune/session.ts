/**
 * The one entry point for tuning: a session opens the records, files this machine's fingerprint in them,
 * probes the machine (once per machine: the probe is cached in the records), claims the runner's core, builds
 * the cost model's transfer prior, creates the strategy and runs the tuning loop. The `rltune tune op` command,
 * the benchmarks and library users all tune through it, so the pipeline is wired in one place.
 *
 *   const session = TuningSession.open({ db: 'rltune.db' });
 *   const r = await session.tune('gemm:M=512,N=512,K=512', { strategy: 'evolve', trials: 64 });
 *   session.close();
 *
 * A session is not safe to share between concurrent tuning runs of the same process (they would share the
 * runner's core); open one per run, or run them one after another.
 */
import { dirname, join, resolve } from 'node:path';
import { costMachine, type CostMachine } from './cost/features.js';
import type { CostSample } from './cost/learned.js';
import { priorSamples, type PriorOptions } from './cost/prior.js';
import { runnerCore as hostRunnerCore } from './measure/host.js';
import { cacheSizes, hostMachine, machineProbe, type Probe } from './measure/machine.js';
import { Measurer, type MeasureResult } from './measure/measurer.js';
import { ReferenceAborted } from './measure/reference.js';
import { leaveRunnerCore, type RunSettings } from './measure/runner.js';
import { RecordsDB, type MachineInfo } from './records/db.js';
import { budgetEndedResult, tune, type TuneProgress, type TuneResult } from './search/loop.js';
import { createTuner, MODEL_BASED } from './search/registry.js';
import { PolicyTuner } from './search/rl/policy_tuner.js';
import { CostModelTuner, type ModelBasedStats } from './search/strategies/model_based.js';
import type { Tuner, TunerContext } from './search/tuner.js';
import { hostTarget } from './space/target.js';
import { createTask, type TuningTask } from './task/task.js';

export interface SessionOptions {
  /** The records: a path (default ./rltune.db) or a database already open (the session then does not close it). */
  db?: string | RecordsDB;
  /** Where generated sources, libraries and workload data go (default: .rltune/build beside the database). */
  workDir?: string;
  /** The core the kernels are timed on (default: the last core this process may use); the other cores build. */
  runnerCore?: number;
  /**
   * Move this process's threads off the runner's core before the first measurement (default true), so that only
   * the kernel runs there. Off for callers that must keep their own affinity.
   */
  claimRunnerCore?: boolean;
  /** Where the session's notes go (default: stderr, prefixed "rltune: note: "). */
  log?: (message: string) => void;
  /**
   * Serve every result from the records and measure nothing (default false): a config that is not recorded, or a
   * machine without a recorded probe, is an error instead of a measurement. For checking that recorded results
   * replay from their records (a benchmark's replay), where measuring would silently make a different result.
   * Nothing runs on the runner's core then, so the session does not claim it.
   */
  replayOnly?: boolean;
  /**
   * With replayOnly: replay the records of this machine (its fingerprint in the records) instead of this host's,
   * with that machine's caches, so that a result recorded on another machine of the same instruction set replays
   * here. Default: this host.
   */
  replayMachine?: string;
}

/**
 * The strategy `rltune tune op` uses without --strategy: evolve with the transfer prior, the best of the recorded
 * benchmarks that needs no pretrained policy. Trials to 95% of best-known, median: 2 against random's 4.5 on the
 * tuner set (bench/results/tuners-2026-12-02.json; 3 against 9.5 to 99%), 3 (tied with anneal and grpo, best) against
 * random's 34 over the 23 held-out workloads (docs/benchmarks/heldout.md), in 0.7-1.0 s of search per run against
 * anneal's 1.1-1.7.
 */
export const DEFAULT_STRATEGY = 'evolve';
export const DEFAULT_STRATEGY_REASON =
  "the recorded benchmarks' best without a pretrained policy: 95% of best-known in a median of 3 trials on 23 held-out workloads, random search 34; --strategy picks another";

export interface SessionTuneOptions {
  /** random, grid, anneal, evolve, grpo or ppo (default random). */
  strategy?: string;
  trials: number;
  seed?: number;
  /** Configs per round (default 8). */
  batch?: number;
  timeBudgetS?: number | null;
  earlyStopping?: number | null;
  /** Re-measure the top K configs after the budget and report the best of them (default 0). */
  verifyTop?: number;
  /** Timing settings (paired, flush, repeats): the measurer's RunSettings. */
  run?: Partial<RunSettings>;
  /** The id the run's records are filed under (default: a fresh one). */
  runId?: string;
  /**
   * The cost model's transfer prior (model-based strategies only): 'records' (default) takes the records of
   * other workloads in the database (narrowed by `priorOptions`), 'none' starts cold, an array is used as it is.
   */
  prior?: 'records' | 'none' | CostSample[];
  priorOptions?: PriorOptions;
  /** The RL strategies' options (policy directory, walks, measured iterations...). */
  policy?: TunerContext['policy'];
  /** Options of the model-based strategies beyond the machine and the prior (epsilon, prune, learned). */
  context?: Omit<TunerContext, 'machine' | 'prior' | 'policy'>;
  onProgress?: (p: TuneProgress) => void;
  onResults?: (results: MeasureResult[]) => void;
}

/** A tuning run's result: the loop's, plus the cost model's statistics for a model-based strategy. */
export interface SessionTuneResult extends TuneResult {
  cost_model?: ModelBasedStats & { transfer_records: number };
}

export class TuningSession {
  readonly db: RecordsDB;
  /** This machine's fingerprint id in the records. */
  readonly machine: string;
  readonly workDir: string;
  readonly runnerCore: number;
  private readonly ownsDb: boolean;
  private readonly claim: boolean;
  readonly replayOnly: boolean;
  private readonly log: (message: string) => void;
  /** The cache sizes the cost models and the pruner use: this host's, or the replayed machine's. */
  readonly caches: Readonly<Record<string, number>>;
  private probed: Probe | null = null;
  private claimed = false;

  private constructor(
    db: RecordsDB,
    ownsDb: boolean,
    machine: { fingerprint: string; caches: Record<string, number> },
    opts: SessionOptions,
    file: string,
  ) {
    this.db = db;
    this.ownsDb = ownsDb;
    this.machine = machine.fingerprint;
    this.caches = machine.caches;
    this.workDir = opts.workDir ?? join(dirname(file), '.rltune', 'build');
    this.runnerCore = opts.runnerCore ?? hostRunnerCore();
    this.replayOnly = opts.replayOnly ?? false;
    this.claim = (opts.claimRunnerCore ?? true) && !this.replayOnly;
    this.log = opts.log ?? ((m) => process.stderr.write(`rltune: note: ${m}\n`));
  }

  /**
   * Opens (or creates) the records and files this machine in them. Throws NoCompilerError without a C compiler
   * (the fingerprint names the compiler); the database is closed again then.
   */
  static open(opts: SessionOptions = {}): TuningSession {
    const given = opts.db instanceof RecordsDB ? opts.db : null;
    const file = given ? given.path : resolve((opts.db as string | undefined) ?? 'rltune.db');
    const db = given ?? new RecordsDB(file);
    const log = opts.log ?? ((m: string) => process.stderr.write(`rltune: note: ${m}\n`));
    if (!given) for (const w of db.warnings) log(w);
    let machine: { fingerprint: string; caches: Record<string, number> };
    try {
      machine = opts.replayMachine
        ? replayedMachine(db, opts.replayMachine, opts.replayOnly ?? false)
        : { fingerprint: db.addMachine(hostMachine()), caches: cacheSizes() };
    } catch (err) {
      if (!given) db.close();
      throw err;
    }
    const note = db.otherMachinesNote(machine.fingerprint);
    if (note) log(note);
    return new TuningSession(db, !given, machine, { ...opts, log }, file);
  }

  /** The workload of a spec (e.g. `gemm:M=512,N=512,K=512`); a bad spec throws SpecError naming it. */
  task(spec: string): TuningTask {
    return createTask(spec);
  }

  /** Moves this process off the runner's core, once (claimRunnerCore). */
  claimRunnerCore(): void {
    if (!this.claim || this.claimed) return;
    this.claimed = true;
    leaveRunnerCore(this.runnerCore);
  }

  /**
   * The machine's probe (FMA peak, bandwidths): measured on the runner's core once per machine, then cached in the
   * records.
   */
  probe(): Probe {
    if (this.replayOnly && this.db.machineProbe(this.machine) === null)
      throw new Error(
        `replay: the records hold no probe of this machine (${this.machine}), and a replay measures nothing`,
      );
    this.claimRunnerCore();
    this.probed ??= machineProbe(this.db, this.machine, this.workDir, this.runnerCore);
    return this.probed;
  }

  /** The machine as the cost models of `task`'s target see it. */
  costMachine(task: TuningTask): CostMachine {
    return costMachine(task.space.target, this.probe(), this.caches);
  }

  /** Records of other workloads on this machine, as cost-model samples for `task` (the transfer prior). */
  prior(task: TuningTask, opts: PriorOptions = {}): CostSample[] {
    return priorSamples(this.db, this.machine, task, opts);
  }

  /** A measurer of `task` that files its results in the session's records. */
  measurer(task: TuningTask, opts: { runId?: string; run?: Partial<RunSettings> } = {}): Measurer {
    this.claimRunnerCore();
    return new Measurer(task, {
      workDir: this.workDir,
      db: this.db,
      machine: this.machine,
      runnerCore: this.runnerCore,
      runId: opts.runId ?? freshRunId(),
      run: opts.run,
      replayOnly: this.replayOnly,
    });
  }

  /**
   * A strategy for `task`: a model-based one gets the machine's cost model and the transfer prior (`prior`),
   * the others only the task and the seed. Dispose of it with `disposeTuner` when done.
   */
  tuner(
    strategy: string,
    task: TuningTask,
    seed: number,
    opts: Pick<SessionTuneOptions, 'prior' | 'priorOptions' | 'policy' | 'context'> = {},
  ): { tuner: Tuner; prior: CostSample[] } {
    if (!MODEL_BASED.has(strategy)) return { tuner: createTuner(strategy, task, seed), prior: [] };
    const prior = Array.isArray(opts.prior)
      ? opts.prior
      : opts.prior === 'none'
        ? []
        : this.prior(task, opts.priorOptions);
    const ctx: TunerContext = {
      log: this.log,
      ...opts.context,
      machine: this.costMachine(task),
      prior,
      policy: opts.policy,
    };
    return { tuner: createTuner(strategy, task, seed, ctx), prior };
  }

  /**
   * Tunes one workload (a spec or a task) and files every measurement in the records. The time budget bounds the
   * whole run: the workload's data and reference result (stopped when the budget ends), the strategy's set-up and
   * the trials.
   */
  async tune(workload: string | TuningTask, opts: SessionTuneOptions): Promise<SessionTuneResult> {
    const startedAt = performance.now();
    const task = typeof workload === 'string' ? this.task(workload) : workload;
    const strategy = opts.strategy ?? 'random';
    const budgetS = opts.timeBudgetS ?? null;
    const measurer = this.measurer(task, { runId: opts.runId, run: opts.run });
    try {
      await measurer.prepare(budgetS === null ? undefined : AbortSignal.timeout(Math.ceil(budgetS * 1000)));
    } catch (err) {
      if (!(err instanceof ReferenceAborted)) throw err;
      this.budgetEnded(budgetS!, `while computing the reference result of ${task.spec} (${err.percent}% done)`);
      return budgetEndedResult(task, strategy, startedAt);
    }
    const { tuner, prior } = this.tuner(strategy, task, opts.seed ?? 0, opts);
    try {
      const r = await tune(task, tuner, measurer, {
        trials: opts.trials,
        timeBudgetS: budgetS,
        startedAt,
        earlyStopping: opts.earlyStopping ?? null,
        batch: opts.batch,
        verifyTop: opts.verifyTop ?? 0,
        onProgress: opts.onProgress,
        onResults: opts.onResults,
      });
      if (r.trials === 0 && r.stopped === 'time-budget') this.budgetEnded(budgetS!, 'before the search began');
      return tuner instanceof CostModelTuner
        ? { ...r, cost_model: { ...tuner.stats(), transfer_records: prior.length } }
        : r;
    } finally {
      disposeTuner(tuner);
    }
  }

  private budgetEnded(budgetS: number, when: string): void {
    this.log(
      `the time budget (${budgetS} s) ended before the first trial, ${when}: nothing was measured; allow more time (--time-budget)`,
    );
  }

  /** Closes the records (unless they were handed in open). */
  close(): void {
    if (this.ownsDb) this.db.close();
  }
}

/** Frees what a strategy holds outside the JS heap (the cost model's tensors, the policy's networks). */
export function disposeTuner(tuner: Tuner): void {
  if (tuner instanceof PolicyTuner) tuner.dispose();
  else if (tuner instanceof CostModelTuner) tuner.model.dispose();
}

function freshRunId(): string {
  return `${Date.now().toString(36)}-${process.pid}`;
}

/**
 * The machine a replayOnly session replays (SessionOptions.replayMachine): its fingerprint must be in the records,
 * and its instruction set must be this host's (the search spaces are the target's).
 */
function replayedMachine(
  db: RecordsDB,
  fingerprint: string,
  replayOnly: boolean,
): { fingerprint: string; caches: Record<string, number> } {
  if (!replayOnly) throw new RangeError('replayMachine replays records and measures nothing: it needs replayOnly');
  const row = db.machines().find((m) => m.fingerprint === fingerprint);
  if (!row)
    throw new RangeError(
      `replayMachine: no machine ${JSON.stringify(fingerprint)} in ${db.path}; it holds ${
        db
          .machines()
          .map((m) => m.fingerprint)
          .join(', ') || 'none'
      }`,
    );
  const info = JSON.parse(row.info) as Partial<MachineInfo>;
  const isa = hostTarget().isa;
  if (info.isa !== isa)
    throw new RangeError(
      `replayMachine: machine ${fingerprint} is ${String(info.isa)}, this host is ${isa}: its search spaces differ, so its records cannot replay here`,
    );
  return { fingerprint, caches: info.caches ?? {} };
}
