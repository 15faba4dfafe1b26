/**
 * The inputs, the reference output and the per-element tolerance of a workload, computed once (float64
 * accumulation) and written as the harness's data file (format in native/harness.c). Inputs are uniform in
 * [-1, 1) from the workload's seed, so every candidate of a workload is checked against the same numbers.
 *
 * Tolerance of output element i, for a reduction of K products (GEMM, bmm):
 *   tol_i = 1.2 * 2^-20 * sqrt(K) * mag_i + 2e-6 |ref_i| + 1e-6,   mag_i = sum_k |a_ik b_kj| (+ |bias| + |residual|)
 * float32 rounding of a K-term dot product grows like sqrt(K) u (u = 2^-24) times the magnitudes on average;
 * 2^-20 leaves a factor 16 of headroom over that, and 1.2 covers the epilogues' slopes (|gelu'| < 1.13). The
 * relative and absolute terms cover the epilogue's exp/tanh approximation (rl_expf, ~2e-7). A planted bug (a
 * skipped tile, an accumulator that is not reset, an off-by-one edge) moves elements by O(|ref|) and fails it.
 *
 * A GEMM or bmm above FAST_REFERENCE_MACS multiply-adds (512^3) is made natively instead (reference.ts: OpenBLAS's
 * sgemm or a blocked C loop, seconds where the float64 loop here takes minutes to hours), see dataPlan.
 */
import { closeSync, existsSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../rl/core/rng.js';
import {
  checkSample,
  FAST_REFERENCE_MACS,
  productsSync,
  products,
  type ProductJob,
  type Products,
} from './reference.js';
import { canonicalSpec, type BmmWorkload, type GemmWorkload, type RowWorkload, type Workload } from '../task/spec.js';

export interface WorkloadData {
  inputs: Float32Array[];
  ref: Float32Array;
  tol: Float32Array;
}

function uniform(n: number, rng: Rng): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = 2 * rng.random() - 1;
  return a;
}

const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

interface GemmExtras {
  bias: Float32Array | null;
  res: Float32Array | null;
}

function gemmExtras(w: GemmWorkload, rng: Rng): GemmExtras {
  const bias = w.epilogue.includes('bias') ? uniform(w.N, rng) : null;
  const res = w.epilogue.includes('residual') ? uniform(w.M * w.N, rng) : null;
  return { bias, res };
}

/** Row m of a GEMM's reference and tolerance from its plain product `acc` and magnitudes `mag` (row m of each). */
function finishGemmRow(
  w: GemmWorkload,
  m: number,
  acc: ArrayLike<number>,
  mag: ArrayLike<number>,
  sq: number,
  { bias, res }: GemmExtras,
  out: { ref: Float32Array; tol: Float32Array },
): void {
  const N = w.N;
  for (let n = 0; n < N; n++) {
    let x = acc[n],
      g = mag[n];
    for (const e of w.epilogue) {
      if (e === 'bias') {
        x += bias![n];
        g += Math.abs(bias![n]);
      } else if (e === 'relu') x = Math.max(x, 0);
      else if (e === 'gelu') x = gelu(x);
      else if (e === 'silu') x = x / (1 + Math.exp(-x));
      else {
        x += res![m * N + n];
        g += Math.abs(res![m * N + n]);
      }
    }
    out.ref[m * N + n] = x;
    out.tol[m * N + n] = sq * g + 2e-6 * Math.abs(x) + 1e-6;
  }
}

function gemmInputs(A: Float32Array, B: Float32Array, ex: GemmExtras): Float32Array[] {
  const inputs = [A, B];
  if (ex.bias) inputs.push(ex.bias);
  if (ex.res) inputs.push(ex.res);
  return inputs;
}

const sqrtKTerm = (K: number) => 1.2 * 2 ** -20 * Math.sqrt(K);

function gemmData(w: GemmWorkload, rng: Rng): WorkloadData {
  const { M, N, K } = w;
  const A = uniform(M * K, rng),
    B = uniform(K * N, rng);
  const ex = gemmExtras(w, rng);
  const out = { ref: new Float32Array(M * N), tol: new Float32Array(M * N) };
  const acc = new Float64Array(N),
    mag = new Float64Array(N);
  const sq = sqrtKTerm(K);
  for (let m = 0; m < M; m++) {
    acc.fill(0);
    mag.fill(0);
    for (let k = 0; k < K; k++) {
      const a = A[m * K + k],
        aa = Math.abs(a),
        row = k * N;
      for (let n = 0; n < N; n++) {
        acc[n] += a * B[row + n];
        mag[n] += aa * Math.abs(B[row + n]);
      }
    }
    finishGemmRow(w, m, acc, mag, sq, ex, out);
  }
  return { inputs: gemmInputs(A, B, ex), ...out };
}

/** bmm: batch b's A[m,k] is A[b][m][k] (A[b][k][m] with transA), B[k,n] is B[b][k][n] (B[b][n][k] with transB). */
function bmmData(w: BmmWorkload, rng: Rng): WorkloadData {
  const { B: nb, M, N, K } = w;
  const A = uniform(nb * M * K, rng),
    Bm = uniform(nb * K * N, rng);
  const ref = new Float32Array(nb * M * N),
    tol = new Float32Array(nb * M * N);
  const sq = sqrtKTerm(K);
  for (let b = 0; b < nb; b++) {
    const a0 = b * M * K,
      b0 = b * K * N,
      c0 = b * M * N;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let acc = 0,
          mag = 0;
        for (let k = 0; k < K; k++) {
          const a = A[a0 + (w.transA ? k * M + m : m * K + k)],
            x = Bm[b0 + (w.transB ? n * K + k : k * N + n)];
          acc += a * x;
          mag += Math.abs(a * x);
        }
        ref[c0 + m * N + n] = acc;
        tol[c0 + m * N + n] = sq * mag + 2e-6 * Math.abs(acc) + 1e-6;
      }
    }
  }
  return { inputs: [A, Bm], ref, tol };
}

/**
 * Row operators, inputs X (rows x cols, uniform in [-1, 1) scaled by 4 for softmax so that exp spreads) and
 * gamma/beta uniform. Tolerance 2e-5 (|ref| + 1e-2) for softmax (outputs in (0, 1]; the exp approximation and
 * the float32 sum), 2e-5 (|ref| + 1) for the norms (float32 sums over a row of cols values).
 */
function rowData(w: RowWorkload, rng: Rng): WorkloadData {
  const { rows, cols } = w;
  const X = uniform(rows * cols, rng);
  if (w.op === 'softmax') for (let i = 0; i < X.length; i++) X[i] *= 4;
  const gamma = w.op === 'softmax' ? null : uniform(cols, rng),
    beta = w.op === 'layernorm' ? uniform(cols, rng) : null;
  const ref = new Float32Array(rows * cols),
    tol = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    if (w.op === 'softmax') {
      let mx = -Infinity,
        sum = 0;
      for (let j = 0; j < cols; j++) mx = Math.max(mx, X[o + j]);
      for (let j = 0; j < cols; j++) sum += Math.exp(X[o + j] - mx);
      for (let j = 0; j < cols; j++) {
        ref[o + j] = Math.exp(X[o + j] - mx) / sum;
        tol[o + j] = 2e-5 * (ref[o + j] + 1e-2);
      }
      continue;
    }
    let mean = 0,
      sq = 0;
    for (let j = 0; j < cols; j++) mean += X[o + j];
    mean /= cols;
    if (w.op === 'layernorm') for (let j = 0; j < cols; j++) sq += (X[o + j] - mean) ** 2;
    else for (let j = 0; j < cols; j++) sq += X[o + j] ** 2;
    const scale = 1 / Math.sqrt(sq / cols + w.eps);
    for (let j = 0; j < cols; j++) {
      const v = w.op === 'layernorm' ? (X[o + j] - mean) * scale * gamma![j] + beta![j] : X[o + j] * scale * gamma![j];
      ref[o + j] = v;
      tol[o + j] = 2e-5 * (Math.abs(v) + 1);
    }
  }
  const inputs = [X];
  if (gamma) inputs.push(gamma);
  if (beta) inputs.push(beta);
  return { inputs, ref, tol };
}

/** The data of a workload for input seed `seed`, by the float64 loops here (any size: slow above 512^3). */
export function workloadData(w: Workload, seed: number): WorkloadData {
  const rng = new Rng(seed);
  if (w.op === 'gemm') return gemmData(w, rng);
  if (w.op === 'bmm') return bmmData(w, rng);
  return rowData(w, rng);
}

/**
 * How a workload's data is made: here at once (`data`), or from native products (`job`, reference.ts) that `finish`
 * turns into the data. Native for GEMM and bmm above FAST_REFERENCE_MACS; their inputs then come from the program's
 * generator (seeded by `seed`), so data files made before keep their numbers only below the threshold. The
 * products are float32 sums, whose rounding is of a kernel's size: the sqrt(K) term of the tolerance is doubled to
 * keep the kernels' headroom.
 */
type DataPlan = { data: WorkloadData } | { job: ProductJob; finish: (p: Products) => WorkloadData };

function dataPlan(w: Workload, seed: number): DataPlan {
  if (w.op !== 'gemm' && w.op !== 'bmm') return { data: workloadData(w, seed) };
  const nb = w.op === 'bmm' ? w.B : 1;
  if (nb * w.M * w.N * w.K <= FAST_REFERENCE_MACS) return { data: workloadData(w, seed) };
  const job: ProductJob = {
    nb,
    M: w.M,
    N: w.N,
    K: w.K,
    transA: w.op === 'bmm' && w.transA === 1,
    transB: w.op === 'bmm' && w.transB === 1,
    seed,
    label: canonicalSpec(w),
  };
  const sq = 2 * sqrtKTerm(w.K);
  return {
    job,
    finish: (p) => {
      checkSample(job, p);
      const out = { ref: new Float32Array(p.C.length), tol: new Float32Array(p.C.length) };
      if (w.op === 'bmm') {
        for (let i = 0; i < p.C.length; i++) {
          out.ref[i] = p.C[i];
          out.tol[i] = sq * p.MAG[i] + 2e-6 * Math.abs(p.C[i]) + 1e-6;
        }
        return { inputs: [p.A, p.B], ...out };
      }
      const ex = gemmExtras(w, new Rng(seed));
      for (let m = 0; m < w.M; m++) {
        const row = [m * w.N, (m + 1) * w.N] as const;
        finishGemmRow(w, m, p.C.subarray(...row), p.MAG.subarray(...row), sq, ex, out);
      }
      return { inputs: gemmInputs(p.A, p.B, ex), ...out };
    },
  };
}

function header(d: WorkloadData): Buffer {
  const h = Buffer.alloc(4 + 4 + 4 + 8 + 8 * d.inputs.length);
  h.write('RLTD', 0, 'latin1');
  h.writeUInt32LE(1, 4);
  h.writeUInt32LE(d.inputs.length, 8);
  h.writeBigUInt64LE(BigInt(d.ref.length), 12);
  d.inputs.forEach((x, i) => h.writeBigUInt64LE(BigInt(x.length), 20 + 8 * i));
  return h;
}

const parts = (d: WorkloadData): Uint8Array[] => [
  header(d),
  ...[...d.inputs, d.ref, d.tol].map((x) => new Uint8Array(x.buffer, x.byteOffset, x.byteLength)),
];

/** Serializes data in the harness's format. */
export function encodeData(d: WorkloadData): Buffer {
  return Buffer.concat(parts(d));
}

function fileOf(dir: string, w: Workload, seed: number): string {
  mkdirSync(dir, { recursive: true });
  const name = `${canonicalSpec(w)
    .replace(/[^A-Za-z0-9=,+._-]/g, '_')
    .replace(/[:,=+]/g, '_')}-seed${seed}.bin`;
  return join(dir, name);
}

/** Writes `d` as `file` part by part (a big workload's data is a gigabyte: no second copy), atomically: a rename. */
function writeData(file: string, d: WorkloadData): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    for (const p of parts(d)) writeSync(fd, p);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** The data file of (workload, seed) in `dir`, written on first use (blocking: the asynchronous one is dataFileAsync). */
export function dataFile(dir: string, w: Workload, seed: number): string {
  const file = fileOf(dir, w, seed);
  if (!existsSync(file)) {
    const plan = dataPlan(w, seed);
    writeData(file, 'data' in plan ? plan.data : plan.finish(productsSync(dir, plan.job)));
  }
  return file;
}

/**
 * The same without blocking on a big workload's products, which `signal` can stop (ReferenceAborted: no file is
 * written then).
 */
export async function dataFileAsync(dir: string, w: Workload, seed: number, signal?: AbortSignal): Promise<string> {
  const file = fileOf(dir, w, seed);
  if (!existsSync(file)) {
    const plan = dataPlan(w, seed);
    writeData(file, 'data' in plan ? plan.data : plan.finish(await products(dir, plan.job, signal)));
  }
  return file;
}
