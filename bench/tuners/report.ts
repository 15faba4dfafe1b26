/**
 * The report of bench/tuners/compare: the metrics of the runs against the frozen best-known (table rows per strategy
 * variant and per workload), the spaces, the acceptance verdicts, and the recorded files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_BASED } from '../../src/tune/search/registry.js';
import { cacheInfo, Pruner } from '../../src/tune/space/prune.js';
import type { TuningTask } from '../../src/tune/task/task.js';
import { median, round } from '../util/stats.js';
import { renderChart } from './chart.js';
import type { FirstBatch } from './heldout.js';
import { meanBestSoFar, trialsTo } from './metrics.js';
import type { CompareOptions } from './options.js';
import type { RankingRow } from './ranking.js';
import { variant, type RunRecord } from './runs.js';

const LEVELS = [0.9, 0.95, 0.99] as const;
type Row = Record<string, number>;
export type Table = Record<string, Row>;
export type PerWorkload = Record<string, Table>;

/** Per variant (and per workload and variant): trials to 90/95/99% of best-known and the rest, medians over runs. */
export function tablesOf(
  o: CompareOptions,
  runs: RunRecord[],
  bestKnownOf: (spec: string) => number,
): { table: Table; perWorkload: PerWorkload } {
  const to = (r: RunRecord, f: number) => trialsTo(r.per_trial, f * bestKnownOf(r.spec), o.budget);
  const table: Table = {};
  const perWorkload: PerWorkload = {};
  for (const v of [...new Set(runs.map(variant))]) {
    const rs = runs.filter(
      (r) =>
        variant(r) === v && (r.transfer === 'off' || MODEL_BASED.has(r.strategy) || !o.transferModes.includes('off')),
    );
    const row: Row = {};
    for (const f of LEVELS) row[`trials_to_${Math.round(f * 100)}`] = median(rs.map((r) => to(r, f)));
    row.final_fraction_of_best_known = round(median(rs.map((r) => (r.best_gflops ?? 0) / bestKnownOf(r.spec))));
    row.runs = rs.length;
    row.reached_95_share = round(rs.filter((r) => to(r, 0.95) <= o.budget).length / rs.length);
    // The area under the normalised best-so-far curve (metrics.ts), which a plateau just under 95% does not flip.
    for (const k of [...new Set([Math.min(64, o.budget), o.budget])])
      row[`mean_best_so_far_${k}`] = round(median(rs.map((r) => meanBestSoFar(r.per_trial, bestKnownOf(r.spec), k))));
    row.median_wall_s = round(median(rs.map((r) => r.wall_s)), 1);
    table[v] = row;
    for (const w of o.set.workloads) {
      const ws = rs.filter((r) => r.workload === w.name);
      if (ws.length === 0) continue;
      perWorkload[w.name] ??= {};
      perWorkload[w.name][v] = {
        ...Object.fromEntries(LEVELS.map((f) => [`trials_to_${Math.round(f * 100)}`, median(ws.map((r) => to(r, f)))])),
        final_gflops: round(median(ws.map((r) => r.best_gflops ?? 0)), 2),
      };
    }
  }
  return { table, perWorkload };
}

/**
 * The zero-shot fraction in each table row, and the wall time of a run plus, for the RL strategies started from a
 * pretrained policy, that policy's training time.
 */
export function addZeroShot(
  table: Table,
  zeroShot: Record<string, FirstBatch>,
  rl: string[],
  policyTrainS: number | null,
): void {
  for (const [v, row] of Object.entries(table)) {
    row.first8_fraction_of_best_known = zeroShot[v].first8_fraction_of_best_known;
    const isRl = rl.some((s) => v.startsWith(s));
    if (isRl && policyTrainS !== null) row.policy_pretrain_s = policyTrainS;
    row.median_wall_s_with_pretraining = round(
      row.median_wall_s + (isRl && policyTrainS !== null ? policyTrainS : 0),
      1,
    );
  }
}

/**
 * Each space's size, the shares validity and pruning keep, and the share within 95% of best-known (from the random
 * runs).
 */
export function spacesOf(
  caches: Readonly<Record<string, number>>,
  o: CompareOptions,
  tasks: Map<string, TuningTask>,
  runs: RunRecord[],
  bestKnownOf: (spec: string) => number,
): Record<string, unknown> {
  const spaces: Record<string, unknown> = {};
  for (const w of o.set.workloads) {
    const task = tasks.get(w.spec)!;
    const st = new Pruner(task, cacheInfo(caches)).stats(
      task.space.size > 2e6 ? { sample: 200_000, seed: 1 } : undefined,
    );
    const samples = runs.filter((r) => r.workload === w.name && r.strategy === 'random').flatMap((r) => r.per_trial);
    const bkG = bestKnownOf(w.spec);
    const bestTrial = Math.max(
      0,
      ...runs.filter((r) => r.workload === w.name).flatMap((r) => r.per_trial.map((g) => g ?? 0)),
    );
    spaces[w.name] = {
      spec: task.spec,
      space: task.spaceId,
      size: task.space.size,
      valid: st.valid,
      kept_after_pruning: st.kept,
      pruned_fraction: round(st.prunedFraction, 4),
      best_known_gflops: bkG,
      // A check on the freeze: best-known against the best single-trial timing of any run. Far below 1 means the
      // re-measurements ran slower than the trials did (a slow period of the machine), not a winner's curse alone.
      best_trial_gflops: round(bestTrial, 2),
      best_known_over_best_trial: round(bkG / Math.max(1e-9, bestTrial)),
      random_samples: samples.length,
      within_95_of_best_known: samples.length
        ? round(samples.filter((g) => g !== null && g >= 0.95 * bkG).length / samples.length, 4)
        : null,
    };
  }
  return spaces;
}

/** The fastest to 95% of `names` in a row of medians (the table, or one workload's row). */
function fastest(names: string[], row: Table): { s: string; t: number } | null {
  return (
    names
      .map((s) => ({ s, t: row[s]?.trials_to_95 ?? Infinity }))
      .filter((x) => Number.isFinite(x.t))
      .sort((a, b) => a.t - b.t)[0] ?? null
  );
}

/** The model-based strategies against random search, with and without transfer, and the cost model's ranking. */
export function acceptanceOf(o: CompareOptions, table: Table, ranking: RankingRow[]) {
  const modelBased = o.strategies.filter((s) => MODEL_BASED.has(s));
  const randomT95 = table.random?.trials_to_95;
  const bestMB = modelBased.map((s) => ({ s, t: table[s]?.trials_to_95 ?? Infinity })).sort((a, b) => a.t - b.t)[0];
  const bestMBt =
    fastest(
      modelBased.map((s) => `${s}+transfer`),
      table,
    ) ?? undefined;
  const transferCmp = modelBased
    .filter((s) => table[s] && table[`${s}+transfer`])
    .map((s) => ({ strategy: s, without: table[s].trials_to_95, with: table[`${s}+transfer`].trials_to_95 }));
  const learnedBetter = (r: RankingRow) =>
    r.learned !== undefined && r.learned.recall_top10_in_top10pct > r.analytic!.recall_top10_in_top10pct;
  return {
    best_model_based: bestMB?.s ?? null,
    model_based_trials_to_95: bestMB?.t ?? null,
    random_trials_to_95: randomT95 ?? null,
    model_based_at_most_third_of_random: bestMB && randomT95 !== undefined ? bestMB.t <= randomT95 / 3 : null,
    // With transfer on for every strategy (random uses no prior data, so its runs are the same).
    best_model_based_with_transfer: bestMBt?.s ?? null,
    model_based_with_transfer_trials_to_95: bestMBt?.t ?? null,
    model_based_with_transfer_at_most_third_of_random:
      bestMBt && randomT95 !== undefined ? bestMBt.t <= randomT95 / 3 : null,
    learned_recall_better_than_analytic: ranking.some((r) => r.learned)
      ? ranking.filter((r) => r.learned).every(learnedBetter)
      : null,
    learned_recall_better_than_analytic_on: ranking.filter(learnedBetter).map((r) => r.workload),
    learned_spearman_better_than_analytic_on: ranking
      .filter((r) => r.learned && r.learned.spearman > r.analytic!.spearman)
      .map((r) => r.workload),
    transfer: transferCmp.map((t) => ({ ...t, fewer_trials_with_transfer: t.with < t.without })),
  };
}

/** The RL tuner's acceptance: trials to 95% against the best traditional strategy, and the zero-shot checks. */
export function rlAcceptanceOf(
  o: CompareOptions,
  rl: string[],
  table: Table,
  perWorkload: PerWorkload,
  replayMedian: number | null,
  cold: Record<string, FirstBatch>,
) {
  // The same prior for all: the transfer-on variant of each model-based strategy when it ran, else the plain one.
  const withPrior = (s: string) => (table[`${s}+transfer`] ? `${s}+transfer` : s);
  const rlNames = rl.map(withPrior),
    tradNames = ['anneal', 'evolve'].filter((s) => o.strategies.includes(s)).map(withPrior);
  const best = fastest(rlNames, table),
    trad = fastest(tradNames, table);
  const bestZero =
    rlNames
      .filter((v) => table[v])
      .map((v) => ({ v, f: table[v].first8_fraction_of_best_known }))
      .sort((a, b) => b.f - a.f)[0] ?? null;
  const coldOfBest = bestZero ? (cold[bestZero.v.replace('+transfer', '')] ?? null) : null;
  // Per workload (medians over seeds): the fastest RL variant against the fastest traditional one. A workload where
  // the traditional strategy needs 1 trial cannot have the RL one at half of it.
  const perW: Record<
    string,
    { rl: string; rl_trials_to_95: number; traditional: string; traditional_trials_to_95: number; ratio: number }
  > = {};
  for (const [w, row] of Object.entries(perWorkload)) {
    const r = fastest(rlNames, row),
      t = fastest(tradNames, row);
    if (r && t)
      perW[w] = {
        rl: r.s,
        rl_trials_to_95: r.t,
        traditional: t.s,
        traditional_trials_to_95: t.t,
        ratio: round(r.t / t.t),
      };
  }
  return {
    best_rl: best?.s ?? null,
    rl_trials_to_95: best?.t ?? null,
    best_traditional: trad?.s ?? null,
    traditional_trials_to_95: trad?.t ?? null,
    rl_at_most_half_of_best_traditional: best && trad ? best.t <= trad.t / 2 : null,
    per_workload_rl_vs_traditional_95: perW,
    rl_at_most_half_on: Object.keys(perW).filter((w) => perW[w].ratio <= 0.5),
    rl_not_slower_on: Object.keys(perW).filter((w) => perW[w].ratio <= 1),
    half_unattainable_on: Object.keys(perW).filter((w) => perW[w].traditional_trials_to_95 < 2),
    zero_shot_best_rl: bestZero?.v ?? null,
    zero_shot_first8_fraction: bestZero?.f ?? null,
    zero_shot_at_least_80pct: bestZero ? bestZero.f >= 0.8 : null,
    replay_top8_fraction: replayMedian,
    zero_shot_beats_replay: bestZero && replayMedian !== null ? bestZero.f > replayMedian : null,
    // The ablation: the same strategy's first batch from a cold policy (no pretraining).
    zero_shot_cold_first8_fraction: coldOfBest?.first8_fraction_of_best_known ?? null,
    zero_shot_pretrained_beats_cold:
      bestZero && coldOfBest ? bestZero.f > coldOfBest.first8_fraction_of_best_known : null,
  };
}

/** Writes bench/results/tuners[-tag]-<date>.json and its chart (.svg) beside it. */
export function recordResult(
  repo: string,
  o: CompareOptions,
  result: { date: string; runs: RunRecord[] },
  bestKnownOf: (spec: string) => number,
): void {
  const day = result.date.slice(0, 10);
  const outDir = join(repo, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const stem = o.tag ? `tuners-${o.tag}-${day}` : `tuners-${day}`;
  writeFileSync(join(outDir, `${stem}.json`), JSON.stringify(result, null, 1) + '\n');
  writeFileSync(
    join(outDir, `${stem}.svg`),
    renderChart(
      result.runs,
      o.set.workloads.map((w) => w.name),
      (name) => bestKnownOf(o.set.workloads.find((w) => w.name === name)!.spec),
      o.budget,
    ),
  );
}
