import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

// Short runs of the learning benchmarks so that they keep working; their verdicts live in bench/results.
for (const [script, key] of [
  ['dist/bench/rl/onpolicy.js', 'results'],
  ['dist/bench/rl/offpolicy.js', 'results'],
  ['dist/bench/rl/tabular.js', 'machine'],
] as const) {
  test(`${script} --quick prints one JSON object`, () => {
    const r = spawnSync(process.execPath, [script, '--quick'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const j = JSON.parse(lines[0]);
    assert.ok(key in j, key);
    assert.ok(j.machine.cpu_model.length > 0);
  });
}
