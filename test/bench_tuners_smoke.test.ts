import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

// A short run of the strategy benchmark (two small workloads, 16 trials, one seed, its own temporary database and
// best-known file) so that it keeps working; its verdicts live in bench/results/tuners-*.json.
test('bench/tuners/compare --quick runs every strategy, freezes a best-known and prints one JSON object', () => {
  const r = spawnSync(process.execPath, ['dist/bench/tuners/compare.js', '--quick', '--transfer', 'off,on'], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const j = JSON.parse(lines[0]);
  for (const v of ['random', 'anneal', 'evolve', 'anneal+transfer', 'evolve+transfer']) {
    assert.ok(j.table[v], v);
    for (const k of ['trials_to_90', 'trials_to_95', 'trials_to_99']) assert.ok(j.table[v][k] >= 1 && j.table[v][k] <= 17, `${v} ${k}: ${j.table[v][k]}`);
  }
  assert.equal(j.runs.length, 2 * 5);
  for (const w of ['small-gemm', 'small-softmax']) {
    assert.ok(j.spaces[w].size > 0 && j.spaces[w].best_known_gflops > 0, w);
    assert.ok(j.spaces[w].pruned_fraction >= 0 && j.spaces[w].pruned_fraction < 1, w);
  }
  assert.ok('model_based_at_most_third_of_random' in j.acceptance);
});
