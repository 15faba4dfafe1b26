import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

// A short run of the tuning benchmark so that it keeps working; its verdicts live in bench/results.
test('bench/tune/gemm --quick tunes, compares with the anchors it finds and prints one JSON object', () => {
  const r = spawnSync(process.execPath, ['dist/bench/tune/gemm.js', '--quick'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const j = JSON.parse(lines[0]);
  assert.ok(j.machine.probe.fma_peak_gflops > 0);
  for (const k of ['gemm512', 'gemm1024x2', 'gpt2mlp']) {
    const x = j.results[k];
    assert.ok(x.best_gflops > 0, k);
    assert.ok(x.bench.gflops > 0 && x.bench.fraction_of_peak > 0, k);
    for (const a of ['openblas', 'openblas_avx512', 'onnxruntime']) assert.ok(a in x.bench.vs, `${k} ${a}`);
  }
});
