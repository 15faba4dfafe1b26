/**
 * The transfer prior of a tuning run: the records of OTHER workloads of the same feature family on this machine
 * (the same space version), one sample per config (the mean GFLOP/s of its records; a config that failed once
 * counts as failed). Verification re-measurements are folded into their config like any record.
 */
import type { RecordsDB, ResultRow } from '../records/db.js';
import { canonicalSpec, parseSpec } from '../task/spec.js';
import { createTask, type TuningTask } from '../task/task.js';
import { featureFamily } from './features.js';
import type { CostSample } from './learned.js';

export interface PriorOptions {
  /** Specs left out besides the task's own (e.g. held-out workloads). */
  exclude?: Iterable<string>;
  /** Only specs in this set (e.g. a benchmark's workload set). */
  only?: Iterable<string>;
  /** Only records whose run_id starts with this (e.g. a benchmark's equal-prior snapshot). */
  runIdPrefix?: string;
  /** Keep the task's own records too (policy training reads every training workload, the first included). */
  includeSelf?: boolean;
  /** At most this many samples per workload (the newest are dropped first). Default 2000. */
  perWorkload?: number;
}

export function priorSamples(db: RecordsDB, machine: string, task: TuningTask, opts: PriorOptions = {}): CostSample[] {
  // Specs as given by users or set files are canonicalized (defaults filled in), as the records store them.
  const canon = (s: string) => {
    try {
      return canonicalSpec(parseSpec(s));
    } catch {
      return s;
    }
  };
  const exclude = new Set([...(opts.includeSelf ? [] : [task.spec]), ...[...(opts.exclude ?? [])].map(canon)]);
  const only = opts.only ? new Set([...opts.only].map(canon)) : null;
  const family = featureFamily(task);
  const bySpec = new Map<string, Map<number, ResultRow[]>>();
  for (const r of db.allResults()) {
    if (r.machine !== machine || exclude.has(r.spec) || (only && !only.has(r.spec))) continue;
    if (opts.runIdPrefix !== undefined && !(r.run_id ?? '').startsWith(opts.runIdPrefix)) continue;
    let m = bySpec.get(r.spec);
    if (!m) bySpec.set(r.spec, (m = new Map<number, ResultRow[]>()));
    let rows = m.get(r.config_index);
    if (!rows) m.set(r.config_index, (rows = []));
    rows.push(r);
  }
  const out: CostSample[] = [];
  const limit = opts.perWorkload ?? 2000;
  for (const [spec, configs] of bySpec) {
    let other: TuningTask;
    try {
      other = createTask(spec, task.space.target);
    } catch {
      continue; // a spec this version cannot read
    }
    if (featureFamily(other) !== family) continue;
    let n = 0;
    for (const [index, rows] of configs) {
      if (n >= limit) break;
      if (rows[0].space !== other.spaceId || index >= other.space.size) continue;
      const failed = rows.some((r) => r.ok !== 1);
      const g = failed ? null : rows.reduce((s, r) => s + (r.gflops ?? 0), 0) / rows.length;
      out.push({ task: other, index, gflops: g });
      n++;
    }
  }
  return out;
}
