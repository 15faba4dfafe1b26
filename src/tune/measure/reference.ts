/**
 * The inputs and the plain products (C = op(A) op(B), MAG = |op(A)| |op(B)|) of a big GEMM or bmm workload, made by
 * native/reference.c (OpenBLAS's sgemm where installed, else a blocked loop on every core), compiled once per work
 * folder with the system compiler. data.ts uses it above FAST_REFERENCE_MACS multiply-adds, where its float64 loop
 * in JavaScript takes seconds to hours (7 s at 1024^3, over 30 min at 8192^3); it checks a sample of the products
 * against exact float64 dot products (checkSample) before any kernel is judged by them.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { findCompiler } from './compiler.js';
import { host } from './host.js';
import { packageFile } from './package_file.js';

/** Multiply-adds (batch x M x N x K) above which the reference is made natively: about 1 s of the JavaScript loop. */
export const FAST_REFERENCE_MACS = 2 ** 27;

export interface ProductJob {
  nb: number;
  M: number;
  N: number;
  K: number;
  transA: boolean;
  transB: boolean;
  seed: number;
  /** Names the workload in the progress lines. */
  label: string;
}

export interface Products {
  A: Float32Array;
  B: Float32Array;
  C: Float32Array;
  MAG: Float32Array;
  /** "openblas CORENAME" or "blocked". */
  routine: string;
}

/** The reference program, compiled on first use into `dir` (optimized for this CPU where the compiler can). */
export function referenceBinary(dir: string): string {
  const src = packageFile('native', 'reference.c');
  // Named by its source's hash: a changed reference.c (an upgrade) is compiled again, not served stale.
  const exe = join(dir, `reference-${createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12)}`);
  if (existsSync(exe)) return exe;
  mkdirSync(dir, { recursive: true });
  const tmp = `${exe}.${process.pid}.tmp`;
  // -march=native where the compiler knows it; a compiler that does not still builds the portable loop.
  const build = (opt: string[]) =>
    execFileSync(findCompiler().path, [...opt, '-o', tmp, src, '-ldl', '-lm', '-lpthread'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 120_000,
    });
  try {
    build(['-O3', '-march=native']);
  } catch {
    try {
      build(['-O2']);
    } catch (err) {
      throw new Error(`cannot compile ${src} with ${findCompiler().path}: ${(err as Error).message}`, { cause: err });
    }
  }
  renameSync(tmp, exe);
  return exe;
}

let made = 0;
/** A fresh output file: one per call, so that two workloads made at once in one folder do not share it. */
const outFile = (dir: string) => join(dir, `products.${process.pid}.${++made}.tmp`);

function args(job: ProductJob, out: string): string[] {
  const cores = host().allowedCores;
  return [
    out,
    String(job.nb),
    String(job.M),
    String(job.N),
    String(job.K),
    job.transA ? '1' : '0',
    job.transB ? '1' : '0',
    String(job.seed),
    String(cores.length),
    cores.join(','),
    job.label,
  ];
}

function readProducts(job: ProductJob, out: string, routine: string): Products {
  const buf = readFileSync(out);
  rmSync(out, { force: true });
  const f = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const na = job.nb * job.M * job.K,
    nbk = job.nb * job.K * job.N,
    nc = job.nb * job.M * job.N;
  if (f.length !== na + nbk + 2 * nc)
    throw new Error(`reference: ${out} holds ${f.length} floats, expected ${na + nbk + 2 * nc}`);
  return {
    A: f.subarray(0, na),
    B: f.subarray(na, na + nbk),
    C: f.subarray(na + nbk, na + nbk + nc),
    MAG: f.subarray(na + nbk + nc),
    routine: routine.trim(),
  };
}

/** The products, blocking (progress lines go to this process's stderr). */
export function productsSync(dir: string, job: ProductJob): Products {
  const out = outFile(dir);
  const routine = execFileSync(referenceBinary(dir), args(job, out), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return readProducts(job, out, routine);
}

/** Thrown when `signal` ends the reference before it is done; `percent` is how far it got. */
export class ReferenceAborted extends Error {
  override name = 'ReferenceAborted';
  constructor(
    readonly label: string,
    readonly percent: number,
  ) {
    super(`the reference result of ${label} was stopped at ${percent}%`);
  }
}

/** The products without blocking; `signal` kills the program (ReferenceAborted). Progress is forwarded to stderr. */
export function products(dir: string, job: ProductJob, signal?: AbortSignal): Promise<Products> {
  const out = outFile(dir);
  const exe = referenceBinary(dir);
  return new Promise((resolve, reject) => {
    let percent = 0,
      stdout = '',
      stderr = '';
    const child = spawn(exe, args(job, out), { stdio: ['ignore', 'pipe', 'pipe'] });
    const abort = () => child.kill('SIGKILL');
    if (signal?.aborted) abort();
    signal?.addEventListener('abort', abort, { once: true });
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString();
      stderr += text;
      const m = /(\d+)% \(\d+ s\)\s*$/.exec(text);
      if (m) percent = Number(m[1]);
      process.stderr.write(text);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      signal?.removeEventListener('abort', abort);
      if (signal?.aborted) {
        rmSync(out, { force: true });
        reject(new ReferenceAborted(job.label, percent));
      } else if (code !== 0) {
        rmSync(out, { force: true });
        reject(new Error(`${exe} failed (exit ${code}): ${stderr.trim().slice(-500)}`));
      } else {
        try {
          resolve(readProducts(job, out, stdout));
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      }
    });
  });
}

/**
 * Checks `samples` entries of the products against float64 dot products of the same inputs: C within the float32
 * rounding of a K-term sum (2^-20 sqrt(K) MAG, the tolerance's own term, which leaves kernels the rest), MAG within
 * 1e-4 of it relatively (a sum of positive terms). A routine that fails it (a broken BLAS) is an error, not data.
 */
export function checkSample(job: ProductJob, p: Products, samples = 256): void {
  const { nb, M, N, K } = job;
  let s = job.seed >>> 0 || 1;
  const next = (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
  for (let i = 0; i < samples; i++) {
    const b = next(nb),
      m = next(M),
      n = next(N);
    let acc = 0,
      mag = 0;
    for (let k = 0; k < K; k++) {
      const a = p.A[b * M * K + (job.transA ? k * M + m : m * K + k)],
        x = p.B[b * K * N + (job.transB ? n * K + k : k * N + n)];
      acc += a * x;
      mag += Math.abs(a * x);
    }
    const c = p.C[b * M * N + m * N + n],
      g = p.MAG[b * M * N + m * N + n];
    const bound = 2 ** -20 * Math.sqrt(K) * mag + 1e-6;
    if (!(Math.abs(c - acc) <= bound) || !(Math.abs(g - mag) <= 1e-4 * mag + 1e-6))
      throw new Error(
        `the reference routine (${p.routine}) is wrong at batch ${b}, row ${m}, column ${n} of ${job.label}: ${c} (magnitude ${g}), expected ${acc} (magnitude ${mag}) within ${bound}`,
      );
  }
}
