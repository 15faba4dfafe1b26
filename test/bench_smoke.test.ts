import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

// A short run of the benchmark so that it keeps working; its numbers are checked in bench/results, not here.
test('bench/envs --quick prints one JSON object with every field', () => {
  const r = spawnSync(process.execPath, ['dist/bench/envs.js', '--quick'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const j = JSON.parse(lines[0]);
  for (const k of [
    'cartpole_make_steps_per_s',
    'cartpole_raw_steps_per_s',
    'target_steps_per_s',
    'meets_target',
    'machine',
    'vector',
  ])
    assert.ok(k in j, k);
  assert.ok(j.cartpole_make_steps_per_s > 0);
  for (const mode of ['sync', 'worker'])
    for (const n of [1, 8, 64]) assert.ok(j.vector[`${mode}_${n}`].env_steps_per_s > 0);
  assert.ok(j.machine.cpu_model.length > 0);
});
