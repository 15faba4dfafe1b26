/**
 * The RL tuner's held-out checks in bench/tuners/compare (with --prior-workloads and an RL strategy). Zero-shot: the
 * best of a run's first batch (its first 8 proposals, before any measurement of this workload has refitted anything)
 * as a fraction of best-known, against two baselines: the replay of the training workloads' best configs on the
 * held-out shape, and the same first batch from a cold policy (what pretraining itself adds).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TuningSession } from '../../src/tune/session.js';
import type { TuningTask } from '../../src/tune/task/task.js';
import { median, round } from '../util/stats.js';
import { BATCH, RL_STRATEGIES, type CompareOptions } from './options.js';
import { variant, type RunRecord } from './runs.js';

export interface ReplayTop8 {
  configs: number[];
  best_gflops: number;
  fraction_of_best_known: number;
}
export interface FirstBatch {
  first8_fraction_of_best_known: number;
  per_workload: Record<string, number>;
}

/** The RL strategies among the benchmarked ones. */
export const rlOf = (o: CompareOptions) => RL_STRATEGIES.filter((s) => o.strategies.includes(s));

/** The best GFLOP/s of a run's first batch (0 when all of it failed). */
export const firstBatchBest = (r: RunRecord) => Math.max(0, ...r.per_trial.slice(0, BATCH).map((g) => g ?? 0));

/**
 * The replay of the training workloads' best configs on each held-out shape: the 8 configs whose GFLOP/s is the
 * largest fraction of their own workload's best (this machine's records of the prior workloads in the same space),
 * skipping those not valid on the held-out shape, measured once (served from the records when measured before).
 */
export async function replayTop8(
  session: TuningSession,
  o: CompareOptions,
  tasks: Map<string, TuningTask>,
  bestKnownOf: (spec: string) => number,
  log: (m: string) => void,
): Promise<Record<string, ReplayTop8>> {
  const replay: Record<string, ReplayTop8> = {};
  if (!o.priorWorkloads || rlOf(o).length === 0) return replay;
  const priorSet = new Set(o.priorWorkloads);
  // This machine's working records of the prior workloads, by spec (read once for all held-out workloads).
  const priorRows = new Map<string, { space: string; index: number; g: number }[]>();
  for (const r of session.db.allResults()) {
    if (r.machine !== session.machine || !priorSet.has(r.spec) || r.ok !== 1 || !r.gflops) continue;
    let g = priorRows.get(r.spec);
    if (!g) priorRows.set(r.spec, (g = []));
    g.push({ space: r.space, index: r.config_index, g: r.gflops });
  }
  for (const w of o.set.workloads) {
    const task = tasks.get(w.spec)!;
    const ranked: { index: number; frac: number }[] = [];
    for (const all of priorRows.values()) {
      const rows = all.filter((x) => x.space === task.spaceId);
      if (rows.length === 0) continue;
      const top = Math.max(...rows.map((x) => x.g));
      for (const x of rows) ranked.push({ index: x.index, frac: x.g / top });
    }
    ranked.sort((a, b) => b.frac - a.frac || a.index - b.index);
    const picked: number[] = [];
    for (const { index } of ranked) {
      if (picked.length === BATCH) break;
      if (!picked.includes(index) && index < task.space.size && task.space.isValid(task.space.config(index)))
        picked.push(index);
    }
    if (picked.length === 0) continue;
    const res = await session
      .measurer(task, { runId: 'bench-tuners:replay-top8', run: { paired: o.paired } })
      .measure(picked);
    const best = Math.max(0, ...res.map((x) => (x.ok ? (x.gflops ?? 0) : 0)));
    replay[w.name] = {
      configs: picked,
      best_gflops: round(best, 2),
      fraction_of_best_known: round(best / bestKnownOf(w.spec)),
    };
    log(`replay of the training workloads' top 8 on ${w.name}: ${best.toFixed(1)} GFLOP/s`);
  }
  return replay;
}

/**
 * The RL strategies' first batch from a cold policy (no pretraining, the same transfer prior of the cost model and
 * the same walks on it), per strategy: what the pretrained policy itself adds to the zero-shot result.
 */
export async function coldFirstBatch(
  session: TuningSession,
  o: CompareOptions,
  tasks: Map<string, TuningTask>,
  bestKnownOf: (spec: string) => number,
  log: (m: string) => void,
): Promise<Record<string, FirstBatch>> {
  const cold: Record<string, FirstBatch> = {};
  if (!o.priorWorkloads) return cold;
  for (const strategy of rlOf(o)) {
    const fr: number[] = [];
    const perW: Record<string, number> = {};
    for (const w of o.set.workloads) {
      const ws: number[] = [];
      for (const seed of o.seeds) {
        const per: number[] = [];
        await session.tune(tasks.get(w.spec)!, {
          strategy,
          trials: Math.min(BATCH, o.budget),
          seed,
          batch: BATCH,
          verifyTop: 0,
          run: { paired: o.paired },
          runId: `bench-tuners:cold-first8:${strategy}:${seed}`,
          prior: 'records',
          priorOptions: { only: o.priorWorkloads },
          policy: { defaultPolicy: false, ...o.rlOptions },
          context: { log: () => {} },
          onResults: (rs) => rs.forEach((x) => per.push(x.ok ? (x.gflops ?? 0) : 0)),
        });
        ws.push(Math.max(0, ...per) / bestKnownOf(w.spec));
      }
      fr.push(...ws);
      perW[w.name] = round(median(ws));
    }
    cold[strategy] = { first8_fraction_of_best_known: round(median(fr)), per_workload: perW };
    log(`${strategy} from a cold policy, first batch: ${cold[strategy].first8_fraction_of_best_known} of best-known`);
  }
  return cold;
}

/** Per variant, the best of the first batch as a fraction of best-known: the median over runs and per workload. */
export function zeroShotOf(
  o: CompareOptions,
  runs: RunRecord[],
  bestKnownOf: (spec: string) => number,
): Record<string, FirstBatch> {
  const out: Record<string, FirstBatch> = {};
  for (const v of [...new Set(runs.map(variant))]) {
    const rs = runs.filter((r) => variant(r) === v);
    const perW: Record<string, number> = {};
    for (const w of o.set.workloads) {
      const ws = rs.filter((r) => r.workload === w.name);
      if (ws.length) perW[w.name] = round(median(ws.map((r) => firstBatchBest(r) / bestKnownOf(r.spec))));
    }
    out[v] = {
      first8_fraction_of_best_known: round(median(rs.map((r) => firstBatchBest(r) / bestKnownOf(r.spec)))),
      per_workload: perW,
    };
  }
  return out;
}

/** The training time of the pretrained policy (its policy.json's train_s), or null without one. */
export function policyTrainS(o: CompareOptions): number | null {
  const file = o.policyDir && o.policyDir !== 'cold' ? join(resolve(o.policyDir), 'policy.json') : '';
  return file && existsSync(file)
    ? ((JSON.parse(readFileSync(file, 'utf8')) as { train_s?: number }).train_s ?? null)
    : null;
}
