// The native reference of big GEMM and bmm workloads (data.ts, reference.ts): the data file it writes holds a
// reference within its own tolerance's half of exact float64 results, and a broken routine is caught by the sample
// check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataFile, dataFileAsync } from '../src/tune/measure/data.js';
import { checkSample, FAST_REFERENCE_MACS, productsSync, ReferenceAborted } from '../src/tune/measure/reference.js';
import { parseSpec } from '../src/tune/task/spec.js';

function readData(file: string): { inputs: Float32Array[]; ref: Float32Array; tol: Float32Array } {
  const b = readFileSync(file);
  assert.equal(b.toString('latin1', 0, 4), 'RLTD');
  const n = b.readUInt32LE(8),
    outLen = Number(b.readBigUInt64LE(12));
  const lens = Array.from({ length: n }, (_, i) => Number(b.readBigUInt64LE(20 + 8 * i)));
  let off = 20 + 8 * n;
  const take = (len: number) => {
    const a = new Float32Array(b.buffer.slice(b.byteOffset + off, b.byteOffset + off + 4 * len));
    off += 4 * len;
    return a;
  };
  const inputs = lens.map(take);
  return { inputs, ref: take(outLen), tol: take(outLen) };
}

const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

test('a GEMM above the threshold gets a native reference within half its tolerance of the exact result', () => {
  const w = parseSpec('gemm:M=600,N=520,K=480,epilogue=bias+gelu');
  assert.ok(w.op === 'gemm' && w.M * w.N * w.K > FAST_REFERENCE_MACS);
  const d = readData(dataFile(mkdtempSync(join(tmpdir(), 'rltune-ref-')), w, 3));
  const [A, B, bias] = d.inputs;
  const { M, N, K } = w;
  const acc = new Float64Array(N);
  for (let m = 0; m < M; m++) {
    acc.fill(0);
    for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) acc[n] += A[m * K + k] * B[k * N + n];
    for (let n = 0; n < N; n++) {
      const exact = gelu(acc[n] + bias[n]),
        i = m * N + n;
      assert.ok(Math.abs(d.ref[i] - exact) <= d.tol[i] / 2, `(${m}, ${n}): ${d.ref[i]} vs ${exact}, tol ${d.tol[i]}`);
    }
  }
});

test('a transposed bmm above the threshold: the same, batch by batch', async () => {
  const w = parseSpec('bmm:B=4,M=300,N=260,K=480,transA=1,transB=1');
  assert.ok(w.op === 'bmm');
  const d = readData(await dataFileAsync(mkdtempSync(join(tmpdir(), 'rltune-ref-')), w, 5));
  const [A, Bm] = d.inputs;
  const { M, N, K } = w;
  for (let b = 0; b < w.B; b++)
    for (let m = 0; m < M; m += 7)
      for (let n = 0; n < N; n++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc += A[b * M * K + k * M + m] * Bm[b * K * N + n * K + k];
        const i = b * M * N + m * N + n;
        assert.ok(Math.abs(d.ref[i] - acc) <= d.tol[i] / 2, `(${b}, ${m}, ${n}): ${d.ref[i]} vs ${acc}`);
      }
});

test('the sample check refuses products that are off, naming the entry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-ref-'));
  const job = { nb: 1, M: 64, N: 48, K: 40, transA: false, transB: false, seed: 1, label: 'gemm:M=64,N=48,K=40' };
  const p = productsSync(dir, job);
  checkSample(job, p);
  p.C.fill(0.5);
  assert.throws(
    () => checkSample(job, p),
    /reference routine \(.+\) is wrong at batch 0, row \d+, column \d+ of gemm:M=64/,
  );
});

test('an aborted reference writes no data file and says how far it got', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-ref-'));
  const w = parseSpec('gemm:M=2048,N=2048,K=2048');
  await assert.rejects(dataFileAsync(dir, w, 1, AbortSignal.timeout(50)), ReferenceAborted);
  assert.deepEqual(
    (await import('node:fs')).readdirSync(dir).filter((f) => f.endsWith('.bin') || f.endsWith('.tmp')),
    [],
  );
});

test('the blocked loop (no OpenBLAS) passes the same check on every sampled entry, transposed batches included', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-ref-'));
  const job = { nb: 2, M: 300, N: 260, K: 480, transA: true, transB: true, seed: 9, label: 'bmm blocked' };
  process.env.RLTUNE_REFERENCE_BLOCKED = '1';
  try {
    const p = productsSync(dir, job);
    assert.equal(p.routine, 'blocked');
    checkSample(job, p, 4000);
  } finally {
    delete process.env.RLTUNE_REFERENCE_BLOCKED;
  }
});
