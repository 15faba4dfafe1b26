import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { run } from './fixtures/run_cli.js';

test('rltune export writes .c, .h, .so and a Node binding whose kernel computes the workload', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-export-'));
  const db = join(dir, 'r.db'),
    out = join(dir, 'kernel');
  const spec = 'gemm:M=33,N=20,K=17,epilogue=bias+relu';
  assert.equal(run('tune', 'op', spec, '--trials', '4', '--seed', '2', '--db', db, '--json').code, 0);
  const e = run('export', spec, '--db', db, '--out', out, '--name', 'mlp_up', '--json');
  assert.equal(e.code, 0, e.stderr);
  const j = JSON.parse(e.stdout.trim().split('\n').at(-1)!);
  assert.equal(j.bindingError, null);
  for (const f of ['mlp_up.c', 'mlp_up.h', 'libmlp_up.so', 'mlp_up.node', 'index.js', 'index.d.ts'])
    assert.ok(existsSync(join(out, f)), f);
  assert.match(
    readFileSync(join(out, 'mlp_up.h'), 'utf8'),
    /int mlp_up\(const float \*A, const float \*B, const float \*bias, float \*C\);/,
  );
  const k = await import(pathToFileURL(join(out, 'index.js')).href);
  assert.deepEqual(k.inputs, ['A', 'B', 'bias']);
  const M = 33,
    N = 20,
    K = 17;
  let s = 1;
  const rnd = (n: number) =>
    Float32Array.from({ length: n }, () => ((s = (s * 48271) % 2147483647) / 2147483647) * 2 - 1);
  const A = rnd(M * K),
    B = rnd(K * N),
    bias = rnd(N);
  const C = k.run({ A, B, bias });
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let acc = bias[n];
      for (let q = 0; q < K; q++) acc += A[m * K + q] * B[q * N + n];
      const want = Math.max(acc, 0);
      assert.ok(Math.abs(C[m * N + n] - want) < 1e-4, `C[${m},${n}] = ${C[m * N + n]}, expected ${want}`);
    }
  }
  assert.throws(() => k.run({ A: A.subarray(1), B, bias }), /mlp_up: A must be a Float32Array of 561 numbers, got 560/);
  const none = run('export', 'gemm:M=7,N=7,K=7', '--db', db, '--out', out);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /has no correct record on this machine/);
});
