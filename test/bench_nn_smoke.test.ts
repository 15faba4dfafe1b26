import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

// A short run of the benchmark so that it keeps working; its numbers are checked in bench/results, not here.
test('bench/nn --quick prints one JSON object with every field', () => {
  const r = spawnSync(process.execPath, ['dist/bench/nn.js', '--quick'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, r.stdout);
  const j = JSON.parse(lines[0]);
  for (const k of [
    'benchmark',
    'machine',
    'shapes',
    'native',
    'backends',
    'target_native_ms_512',
    'meets_target',
    'speedup_native_vs_tfjs_wasm',
  ])
    assert.ok(k in j, k);
  assert.equal(j.benchmark, 'nn');
  assert.ok(j.machine.cpu_model.length > 0);
  assert.equal(j.native.available, true, j.native.why);
  for (const b of ['native', 'tfjs_wasm', 'js']) {
    const e = j.backends[b];
    assert.ok(e, `backend ${b} measured`);
    for (const mb of ['mb128', 'mb512']) {
      assert.ok(e[mb].ms > 0 && Number.isFinite(e[mb].ms), `${b} ${mb} ms`);
      assert.ok(e[mb].gflops > 0, `${b} ${mb} gflops`);
    }
    assert.ok(e.infer_4_ms > 0, `${b} infer_4_ms`);
  }
  assert.ok(j.speedup_native_vs_tfjs_wasm.mb512 > 0);
});
