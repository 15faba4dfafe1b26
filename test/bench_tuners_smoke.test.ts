import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

const root = fileURLToPath(new URL('../../', import.meta.url));

// A short run of the strategy benchmark (two small workloads, 16 trials, one seed, its own temporary database and
// best-known file) so that it keeps working; its verdicts live in bench/results/tuners-*.json.
test('bench/tuners/compare --quick runs every strategy, freezes a best-known and prints one JSON object', () => {
  const r = spawnSync(process.execPath, ['dist/bench/tuners/compare.js', '--quick', '--transfer', 'off,on'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const j = JSON.parse(lines[0]);
  for (const v of ['random', 'anneal', 'evolve', 'anneal+transfer', 'evolve+transfer']) {
    assert.ok(j.table[v], v);
    for (const k of ['trials_to_90', 'trials_to_95', 'trials_to_99'])
      assert.ok(j.table[v][k] >= 1 && j.table[v][k] <= 17, `${v} ${k}: ${j.table[v][k]}`);
  }
  assert.equal(j.runs.length, 2 * 5);
  for (const w of ['small-gemm', 'small-softmax']) {
    assert.ok(j.spaces[w].size > 0 && j.spaces[w].best_known_gflops > 0, w);
    assert.ok(j.spaces[w].pruned_fraction >= 0 && j.spaces[w].pruned_fraction < 1, w);
  }
  assert.ok('model_based_at_most_third_of_random' in j.acceptance);
  assert.equal(
    j.machine.available_parallelism,
    availableParallelism(),
    "the cores the benchmark had, counted before it left the runner's core",
  );
});

// The RL tuner's held-out evaluation, small: the smoke set's records are the prior (and the replay baseline), the
// held-out file's workload is tuned by random, anneal and grpo with transfer on, and the zero-shot fields exist. The
// held-out runs use paired timing, the prior's records are plain (as in heldout-v6's benchmark).
test('bench/tuners/compare --quick --prior-workloads: held-out runs, zero-shot first batch and the replay of the training top 8', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-heldout-smoke-'));
  const db = join(dir, 'tuners.db');
  const prior = spawnSync(
    process.execPath,
    [
      'dist/bench/tuners/compare.js',
      '--quick',
      '--strategies',
      'random',
      '--db',
      db,
      '--best-known',
      join(dir, 'bk1.json'),
    ],
    { cwd: root, encoding: 'utf8', timeout: 300_000 },
  );
  assert.equal(prior.status, 0, prior.stderr);
  const r = spawnSync(
    process.execPath,
    [
      'dist/bench/tuners/compare.js',
      '--quick',
      '--workloads',
      'bench/tuners/heldout-smoke.json',
      '--prior-workloads',
      'bench/tuners/workloads-smoke.json',
      '--strategies',
      'random,anneal,grpo',
      '--transfer',
      'on',
      '--db',
      db,
      '--best-known',
      join(dir, 'bk2.json'),
      '--paired',
    ],
    { cwd: root, encoding: 'utf8', timeout: 300_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout.trim());
  assert.deepEqual(Object.keys(j.table).sort(), ['anneal+transfer', 'grpo+transfer', 'random']);
  // The model-based runs got the smoke set's GEMM records as their prior; the held-out spec's own are not in it.
  for (const run of j.runs.filter((x: { strategy: string }) => x.strategy !== 'random'))
    assert.ok(run.prior_records > 0, `${run.strategy}: prior ${run.prior_records}`);
  const rep = j.zero_shot.replay_top8['small-gemm-gelu'];
  assert.ok(rep.configs.length >= 1 && rep.configs.length <= 8, JSON.stringify(rep));
  assert.ok(rep.best_gflops > 0 && rep.fraction_of_best_known > 0);
  for (const v of ['random', 'anneal+transfer', 'grpo+transfer']) {
    const f = j.table[v].first8_fraction_of_best_known;
    assert.ok(f > 0 && f < 2, `${v}: ${f}`);
    assert.ok(j.table[v].median_wall_s_with_pretraining >= j.table[v].median_wall_s);
  }
  for (const k of [
    'rl_trials_to_95',
    'traditional_trials_to_95',
    'rl_at_most_half_of_best_traditional',
    'zero_shot_first8_fraction',
    'zero_shot_at_least_80pct',
    'replay_top8_fraction',
    'zero_shot_beats_replay',
  ])
    assert.ok(k in j.acceptance, k);
  // The ablation: grpo's first batch from a cold policy, the same prior and walks.
  const cold = j.zero_shot.cold_policy_first_batch.grpo;
  assert.ok(cold.first8_fraction_of_best_known > 0 && cold.first8_fraction_of_best_known < 2, JSON.stringify(cold));
  assert.ok(cold.per_workload['small-gemm-gelu'] > 0);
  assert.equal(j.acceptance.zero_shot_cold_first8_fraction, cold.first8_fraction_of_best_known);
  assert.equal(typeof j.acceptance.zero_shot_pretrained_beats_cold, 'boolean');
  assert.equal(j.acceptance.best_rl, 'grpo+transfer');
  assert.equal(j.acceptance.best_traditional, 'anneal+transfer');
  assert.deepEqual(j.settings.rl_options, {}, 'the RL strategies ran with their defaults');
  // Paired timing: recorded in the settings and in the freeze, and a plain run against that freeze is refused.
  assert.equal(j.settings.paired, true);
  const bk = JSON.parse(readFileSync(join(dir, 'bk2.json'), 'utf8'));
  assert.ok(
    Object.values(bk.entries).every((e) => (e as { paired?: boolean }).paired === true),
    JSON.stringify(bk.entries),
  );
  const plain = spawnSync(
    process.execPath,
    [
      'dist/bench/tuners/compare.js',
      '--quick',
      '--workloads',
      'bench/tuners/heldout-smoke.json',
      '--strategies',
      'random',
      '--db',
      db,
      '--best-known',
      join(dir, 'bk2.json'),
    ],
    { cwd: root, encoding: 'utf8', timeout: 300_000 },
  );
  assert.notEqual(plain.status, 0);
  assert.match(plain.stderr, /frozen with paired timing, and this benchmark runs plain: run it with --paired/);
  assert.doesNotMatch(plain.stderr, /random transfer/, 'refused before measuring');
  rmSync(dir, { recursive: true, force: true });
});

// --rl-options (ablations of the RL strategies) is checked before anything is measured or written.
test('bench/tuners/compare --rl-options: a bad value is refused with what was expected', () => {
  for (const [bad, why] of [
    ['{incumbents:0}', /--rl-options must be a JSON object such as/],
    ['[1]', /--rl-options must be a JSON object, got/],
    ['{"walk":3}', /"walk": 3 is not one of walkSteps, incumbents, coldShare, measuredIterations with a number/],
  ] as const) {
    const r = spawnSync(process.execPath, ['dist/bench/tuners/compare.js', '--quick', '--rl-options', bad], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.notEqual(r.status, 0, bad);
    assert.match(r.stderr, why, bad);
  }
});
