import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

// A short run of the tuning benchmark so that it keeps working; its verdicts live in bench/results.
test('bench/tune/gemm --quick tunes, compares with the anchors (per-round ratios, fraction of peak or bandwidth, why) and prints one JSON object', () => {
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
  assert.equal(j.shapes.length, 3);
  for (const x of j.shapes) {
    assert.ok(x.gflops > 0 && x.fraction_of_peak > 0, x.name);
    for (const a of ['openblas', 'onnxruntime']) assert.ok(a in x.vs, `${x.name} ${a}`);
    assert.ok(x.why.text.length > 20, x.why.text);
  }
  const decode = j.shapes.find((x: { name: string }) => x.name === 'quick/decode');
  assert.equal(decode.bound, 'memory');
  assert.ok(decode.fraction_of_bandwidth > 0 && decode.read_bandwidth_gbs > 0);
});
