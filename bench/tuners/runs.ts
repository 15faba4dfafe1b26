/**
 * The strategy runs of bench/tuners/compare, each through the TuningSession (records, machine, transfer prior,
 * strategy and loop wired in one place): every strategy, workload and seed with the same budget and batches.
 */
import { MODEL_BASED } from '../../src/tune/search/registry.js';
import type { TuningSession } from '../../src/tune/session.js';
import { createTask, type TuningTask } from '../../src/tune/task/task.js';
import { BATCH, policyOf, type CompareOptions, type WorkloadEntry } from './options.js';

export interface RunRecord {
  workload: string;
  spec: string;
  strategy: string;
  transfer: 'off' | 'on';
  seed: number;
  trials: number;
  measured_now: number;
  best_gflops: number | null;
  wall_s: number;
  curve: [number, number][];
  /** GFLOP/s per trial (null: a failed config), for the chart and the metrics. */
  per_trial: (number | null)[];
  cost_model?: unknown;
  prior_records?: number;
}

/** The set's tasks by the spec as written in the set file and by the canonical spec (what the runs carry). */
export function tasksOf(o: CompareOptions): Map<string, TuningTask> {
  const tasks = new Map<string, TuningTask>(o.set.workloads.map((w) => [w.spec, createTask(w.spec)]));
  for (const t of [...tasks.values()]) tasks.set(t.spec, t);
  return tasks;
}

/** A run's row name in the tables: random search uses no prior data, so its transfer-on runs are plain `random`. */
export function variant(r: Pick<RunRecord, 'strategy' | 'transfer'>): string {
  return r.strategy === 'random' || r.transfer === 'off' ? r.strategy : `${r.strategy}+transfer`;
}

async function runOne(
  session: TuningSession,
  o: CompareOptions,
  tasks: Map<string, TuningTask>,
  w: WorkloadEntry,
  strategy: string,
  transfer: 'off' | 'on',
  seed: number,
  log: (m: string) => void,
): Promise<RunRecord> {
  const task = tasks.get(w.spec)!;
  const perTrial: (number | null)[] = [];
  // Equal prior data: held out, the training set's records; else the transfer-off runs' records of the OTHER
  // workloads of this set (a snapshot: their run ids, made before any transfer-on run).
  const priorOptions = o.priorWorkloads
    ? { only: o.priorWorkloads }
    : { only: o.set.workloads.map((x) => tasks.get(x.spec)!.spec), runIdPrefix: 'bench-tuners:off:' };
  const r = await session.tune(task, {
    strategy,
    trials: o.budget,
    seed,
    batch: BATCH,
    verifyTop: 0,
    run: { paired: o.paired },
    runId: `bench-tuners:${transfer}:${strategy}:${seed}`,
    prior: transfer === 'on' ? 'records' : 'none',
    priorOptions,
    policy: policyOf(o),
    context: { log: (m: string) => log(`${w.name} ${strategy} seed ${seed} transfer ${transfer}: ${m}`) },
    onResults: (rs) => rs.forEach((x) => perTrial.push(x.ok ? x.gflops : null)),
  });
  log(
    `${w.name} ${strategy} transfer ${transfer} seed ${seed}: best ${r.best_gflops?.toFixed(1)} GFLOP/s, ${r.measured} measured now, ${r.wall_s} s`,
  );
  const model = r.cost_model
    ? (({ transfer_records, ...stats }) => ({ cost_model: stats, prior_records: transfer_records }))(r.cost_model)
    : {};
  return {
    workload: w.name,
    spec: task.spec,
    strategy,
    transfer,
    seed,
    trials: r.trials,
    measured_now: r.measured,
    best_gflops: r.best_gflops,
    wall_s: r.wall_s,
    curve: r.curve,
    per_trial: perTrial,
    ...model,
  };
}

/** Every run, the transfer-off ones first (they make the equal prior of the transfer-on runs). */
export async function runAll(
  session: TuningSession,
  o: CompareOptions,
  tasks: Map<string, TuningTask>,
  log: (m: string) => void,
): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  for (const transfer of o.transferModes) {
    for (const w of o.set.workloads) {
      for (const strategy of o.strategies) {
        // Random and grid use no prior data: their transfer-on runs are their transfer-off runs (run once).
        if (transfer === 'on' && !MODEL_BASED.has(strategy) && o.transferModes.includes('off')) continue;
        for (const seed of o.seeds) runs.push(await runOne(session, o, tasks, w, strategy, transfer, seed, log));
      }
    }
  }
  return runs;
}
