/**
 * What a replay of a recorded bench/tuners/compare result must reproduce, and the differences: every number but
 * times (wall times, the cost model's milliseconds: they depend on the machine's load), paths (the settings' files,
 * the policy a run started from: where the checkout is), dates and the machine's description. A run's `measured_now` is
 * not compared either: a result recorded in a measuring pass
 * measured its new configs, its replay serves them (replay.ts checks that the replay measured nothing).
 */
export interface Result {
  workload_set: string;
  machine: { fingerprint: string; probe: unknown };
  settings: {
    trials: number;
    seeds: number[];
    strategies: string[];
    transfer: string[];
    prior_workloads: string | null;
    policy: string | null;
    rl_options?: Record<string, number>;
    paired?: boolean;
    /** The GEMM space version of the runs; results without it were recorded in version 1. */
    gemm_space?: number;
  };
  runs: { workload: string; measured_now: number }[];
  [field: string]: unknown;
}

const IGNORED = new Set([
  'date',
  'wall_s',
  'median_wall_s',
  'median_wall_s_with_pretraining',
  'machine',
  'settings',
  'measured_now',
  'policy_from',
]);
const ignored = (key: string) => IGNORED.has(key) || key.endsWith('_ms');

/**
 * Lists whose order is the database's, not the result's: the ranking check takes the workloads with the most
 * records first, and a later pass that adds records to the same workloads (the v5 ablation did) reorders them.
 * Compared in a fixed order (by workload name).
 */
const UNORDERED = new Set([
  'ranking_quality',
  'learned_recall_better_than_analytic_on',
  'learned_spearman_better_than_analytic_on',
]);
const byWorkload = (x: unknown) => (typeof x === 'string' ? x : String((x as { workload?: unknown })?.workload));
const sorted = (xs: unknown[]) => [...xs].sort((x, y) => byWorkload(x).localeCompare(byWorkload(y)));

/** The paths (a.b[3].c) where `recorded` and `replayed` differ, with both values. */
export function diffResults(
  recorded: unknown,
  replayed: unknown,
  path = '',
): { path: string; recorded: unknown; replayed: unknown }[] {
  const out: { path: string; recorded: unknown; replayed: unknown }[] = [];
  const walk = (a: unknown, b: unknown, p: string) => {
    if (Array.isArray(a) && Array.isArray(b) && UNORDERED.has(p.slice(p.lastIndexOf('.') + 1)) && !p.endsWith(']')) {
      walk(sorted(a), sorted(b), `${p}(by workload)`);
    } else if (Array.isArray(a) && Array.isArray(b)) {
      if (a.length !== b.length) out.push({ path: `${p}.length`, recorded: a.length, replayed: b.length });
      else a.forEach((x, i) => walk(x, b[i], `${p}[${i}]`));
    } else if (
      a !== null &&
      b !== null &&
      typeof a === 'object' &&
      typeof b === 'object' &&
      !Array.isArray(a) &&
      !Array.isArray(b)
    ) {
      const ra = a as Record<string, unknown>,
        rb = b as Record<string, unknown>;
      for (const k of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
        if (ignored(k)) continue;
        // A field added after the result was recorded is not a difference (benchmarks add fields, never drop them).
        if (!(k in ra)) continue;
        if (!(k in rb)) out.push({ path: `${p}.${k}`, recorded: ra[k], replayed: undefined });
        else walk(ra[k], rb[k], `${p}.${k}`);
      }
    } else if (!Object.is(a, b)) out.push({ path: p, recorded: a, replayed: b });
  };
  walk(recorded, replayed, path);
  return out;
}

/**
 * The part of a result that belongs to `workloads` (null: all of it): what a replay of those workloads alone
 * reproduces.
 */
export function restrictTo(r: Result, workloads: Set<string> | null): unknown {
  if (!workloads) return r;
  const pick = (o: unknown) =>
    Object.fromEntries(Object.entries((o ?? {}) as Record<string, unknown>).filter(([w]) => workloads.has(w)));
  const rows = (o: unknown) =>
    Object.fromEntries(
      Object.entries((o ?? {}) as Record<string, { per_workload: unknown }>).map(([k, v]) => [k, pick(v.per_workload)]),
    );
  const zs = r.zero_shot as
    { first_batch: unknown; replay_top8: unknown; cold_policy_first_batch: unknown } | undefined;
  const acc = r.acceptance as { per_workload_rl_vs_traditional_95?: unknown };
  return {
    per_workload: pick(r.per_workload),
    spaces: pick(r.spaces),
    per_workload_rl_vs_traditional_95: pick(acc.per_workload_rl_vs_traditional_95),
    zero_shot: zs
      ? {
          first_batch: rows(zs.first_batch),
          replay_top8: pick(zs.replay_top8),
          cold_policy_first_batch: rows(zs.cold_policy_first_batch),
        }
      : null,
    runs: r.runs.filter((x) => workloads.has(x.workload)),
  };
}
