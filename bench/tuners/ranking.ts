/**
 * The cost model's ranking quality in bench/tuners/compare: on the workloads with the most measurements, the learned
 * level trained on half of the random runs' configs and evaluated on the other half (recall of the true top 10
 * within the model's top 10%, Spearman), against the analytic level on the same half.
 */
import { Rng } from '../../src/rl/core/rng.js';
import { analytic } from '../../src/tune/cost/analytic.js';
import { featureFamily } from '../../src/tune/cost/features.js';
import { LearnedCostModel } from '../../src/tune/cost/learned.js';
import { recallAtK, spearman } from '../../src/tune/cost/metrics.js';
import type { TuningSession } from '../../src/tune/session.js';
import type { TuningTask } from '../../src/tune/task/task.js';
import { round } from '../util/stats.js';
import { BATCH, type CompareOptions } from './options.js';

export interface RankingRow {
  workload: string;
  measured: number;
  train?: number;
  held_out?: number;
  skipped?: string;
  learned?: { recall_top10_in_top10pct: number; spearman: number };
  analytic?: { recall_top10_in_top10pct: number; spearman: number };
}

export function rankingQuality(
  session: TuningSession,
  o: CompareOptions,
  tasks: Map<string, TuningTask>,
): RankingRow[] {
  const { db, machine } = session;
  const cands = o.set.workloads
    .map((w) => ({ w, n: db.recordedConfigs(tasks.get(w.spec)!.spec, machine, tasks.get(w.spec)!.spaceId).size }))
    .sort((a, b) => b.n - a.n);
  const out: RankingRow[] = [];
  for (const { w } of cands.filter((c) => featureFamily(tasks.get(c.w.spec)!) === 'gemm').slice(0, o.quick ? 1 : 3)) {
    const task = tasks.get(w.spec)!;
    // The random runs' configs: a uniform sample of the valid space, as measured.
    const rows = [...db.recordedConfigs(task.spec, machine, task.spaceId).values()].filter((r) =>
      /^bench-tuners:(off|on):random:/.test(r.run_id ?? ''),
    );
    if (rows.length < (o.quick ? 8 : 200)) continue;
    const rng = new Rng(7);
    const order = rows
      .map((r) => ({ r, u: rng.random() }))
      .sort((a, b) => a.u - b.u)
      .map((x) => x.r);
    const train = order.slice(0, Math.floor(order.length / 2)),
      test = order.slice(Math.floor(order.length / 2));
    const cm = session.costMachine(task);
    const model = new LearnedCostModel('gemm', cm, { seed: 1 });
    model.add(train.map((r) => ({ task, index: r.config_index, gflops: r.ok ? r.gflops : null })));
    // Online training refits after every batch of 8; the equivalent here: one fit per 8 records.
    for (let i = 0; i < Math.ceil(train.length / BATCH); i++) model.fit();
    if (!model.ready) {
      out.push({
        workload: w.name,
        measured: rows.length,
        skipped: `too few working records to train (${train.length})`,
      });
      model.dispose();
      continue;
    }
    const truth = test.map((r) => (r.ok && r.gflops ? r.gflops : -Infinity));
    const learned = model.predict(
      task,
      test.map((r) => r.config_index),
    );
    const level0 = test.map((r) => Math.log(analytic(task, r.config_index, cm).gflops));
    const k10 = Math.max(1, Math.round(test.length * 0.1));
    const ok = truth
      .map((t, i) => ({ t, i }))
      .filter((x) => x.t > -Infinity)
      .map((x) => x.i);
    const quality = (score: ArrayLike<number>) => ({
      recall_top10_in_top10pct: round(recallAtK(score, truth, 10, k10)),
      spearman: round(
        spearman(
          ok.map((i) => score[i]),
          ok.map((i) => truth[i]),
        ),
      ),
    });
    out.push({
      workload: w.name,
      measured: rows.length,
      train: train.length,
      held_out: test.length,
      learned: quality(learned),
      analytic: quality(level0),
    });
    model.dispose();
  }
  return out;
}
