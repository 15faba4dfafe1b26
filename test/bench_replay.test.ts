/**
 * The acceptance that recorded benchmark results reproduce from their records: the headline held-out result
 * (bench/results/tuners-rl-v6-paired-2026-12-05.json, paired timing, every strategy) replayed by bench/tuners/replay
 * from bench/data's records into a temporary database, nothing measured, with the same numbers. One workload of the
 * four (all five strategies, three seeds, the zero-shot checks): the whole set takes minutes of CPU on the RL
 * strategies' policy training; `npm run bench:replay` replays every cited result whole.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { hostTarget } from '../src/tune/space/target.js';
import { diffResults, restrictTo, type Result } from '../bench/tuners/replay_diff.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const HEADLINE = 'bench/results/tuners-rl-v6-paired-2026-12-05.json';
const WORKLOAD = 'llama-mini-s40/mlp_gate';

test('the comparison of a replay: times and paths are not numbers to reproduce, a trial or a verdict is', () => {
  const rec = {
    table: { evolve: { trials_to_95: 1, median_wall_s: 0.7 } },
    date: 'then',
    runs: [{ workload: 'w', measured_now: 90, per_trial: [1, 2], cost_model: { fit_ms: 5 } }],
  };
  const same = {
    table: { evolve: { trials_to_95: 1, median_wall_s: 2.1, first8: 0.9 } },
    date: 'now',
    runs: [{ workload: 'w', measured_now: 0, per_trial: [1, 2], cost_model: { fit_ms: 9 } }],
  };
  assert.deepEqual(diffResults(rec, same), [], 'times, dates, measured_now and fields added since are not differences');
  const other = { ...same, runs: [{ workload: 'w', measured_now: 0, per_trial: [1, 3] }] };
  assert.deepEqual(diffResults(rec, other), [
    { path: '.runs[0].per_trial[1]', recorded: 2, replayed: 3 },
    { path: '.runs[0].cost_model', recorded: { fit_ms: 5 }, replayed: undefined },
  ]);
  // The ranking's order follows the database's record counts (a later pass reorders it): compared by workload.
  const ranked = (names: string[], sp: number) => ({
    ranking_quality: names.map((workload) => ({ workload, spearman: workload === 'b' ? sp : 0.5 })),
    acceptance: { learned_spearman_better_than_analytic_on: names },
  });
  assert.deepEqual(diffResults(ranked(['a', 'b'], 0.8), ranked(['b', 'a'], 0.8)), []);
  assert.deepEqual(diffResults(ranked(['a', 'b'], 0.8), ranked(['b', 'a'], 0.7)), [
    { path: '.ranking_quality(by workload)[1].spearman', recorded: 0.8, replayed: 0.7 },
  ]);
  const r = {
    per_workload: { a: 1, b: 2 },
    spaces: { a: 3 },
    acceptance: {},
    runs: [
      { workload: 'a', measured_now: 0 },
      { workload: 'b', measured_now: 0 },
    ],
  } as unknown as Result;
  assert.deepEqual(restrictTo(r, new Set(['a'])), {
    per_workload: { a: 1 },
    spaces: { a: 3 },
    per_workload_rl_vs_traditional_95: {},
    zero_shot: null,
    runs: [{ workload: 'a', measured_now: 0 }],
  });
});

test(`the headline held-out result replays from its records with the same numbers, nothing measured (${WORKLOAD})`, (t) => {
  // The replay serves the recorded machine's records and caches on any host of its instruction set (AVX-512: 16
  // lanes); another instruction set has other search spaces.
  if (hostTarget().isa !== 'avx512') {
    t.skip(`recorded on an AVX-512 machine; this host's target is ${hostTarget().isa}`);
    return;
  }
  const r = spawnSync(process.execPath, ['dist/bench/tuners/replay.js', HEADLINE, '--workload', WORKLOAD], {
    cwd: root,
    encoding: 'utf8',
    timeout: 600_000,
  });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const out = JSON.parse(r.stdout.trim());
  assert.equal(out.replays.length, 1);
  const [one] = out.replays;
  assert.equal(one.status, 'same', JSON.stringify(one.differences));
  assert.equal(one.measured, 0);
  assert.equal(one.runs, 5 * 3, 'every strategy and seed of the workload');
  assert.equal(out.all_same, true);
});
