/**
 * `rltune bench op`: the best recorded kernel of a workload against the anchors, in one run. Each round
 * measures ours (native/harness.c), then each anchor, each in its own process pinned to the runner core(s)
 * and timed the same way (calls per repeat filling minRepeatMs, the median of `repeat` repeats); the result of
 * each contender is the median over the rounds (at least 5), so drifts of the machine hit all of them alike.
 *
 * Anchors: `openblas` (cblas_sgemm as OpenBLAS auto-selects its kernel: OPENBLAS_CORETYPE unset),
 * `openblas_avx512` (OPENBLAS_CORETYPE=SKYLAKEX, its AVX-512 kernel forced), `openblas_haswell` (HASWELL: its
 * AVX2+FMA kernel, the anchor of code restricted to AVX2), `onnxruntime` (the same
 * computation as one optimized ONNX graph, epilogue included; ort_worker.ts). OpenBLAS computes the plain
 * GEMM: for a workload with an epilogue it is the lower bound of an unfused library call.
 *
 * Ratios are paired: each round gives theirs / ours from the two times of that round, and a ratio is the median of
 * the per-round ratios (with their min and max: the spread). Shapes with M <= 16 (decode) are memory-bound: there
 * the reference is the read bandwidth of the machine for a buffer the size of B (native/probe.c `read`, measured in
 * the same run on the same cores), and the result gives the fraction of it that ours reaches (bytes of B per second).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findCompiler } from '../measure/compiler.js';
import { host, noteNoPinning } from '../measure/host.js';
import { readBandwidth } from '../measure/machine.js';
import { packageFile } from '../measure/package_file.js';
import type { Runner } from '../measure/runner.js';
import type { TuningTask } from '../task/task.js';

export const ANCHORS = ['openblas', 'openblas_avx512', 'openblas_haswell', 'onnxruntime'] as const;
export type AnchorName = (typeof ANCHORS)[number];

interface Timing {
  ok: boolean;
  median_ms?: number;
  message?: string;
  corename?: string;
  version?: string;
}

function anchorBinary(workDir: string): string {
  const exe = join(workDir, 'anchor_openblas');
  if (!existsSync(exe)) {
    mkdirSync(workDir, { recursive: true });
    execFileSync(
      findCompiler().path,
      ['-O2', '-o', `${exe}.tmp`, packageFile('native', 'anchor_openblas.c'), '-ldl', '-lm'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    renameSync(`${exe}.tmp`, exe);
  }
  return exe;
}

function runJson(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Timing> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        const line = String(stdout).trim().split('\n').at(-1) ?? '';
        try {
          resolve(JSON.parse(line) as Timing);
        } catch {
          resolve({ ok: false, message: `${cmd} failed: ${err?.message ?? ''} ${String(stderr).slice(0, 300)}` });
        }
      },
    );
  });
}

export interface CompareOptions {
  task: TuningTask;
  /** Our kernel, built. */
  libPath: string;
  dataPath: string;
  runner: Runner;
  workDir: string;
  anchors: AnchorName[];
  rounds: number;
  firstCore: number;
  repeat: number;
  minRepeatMs: number;
  peakGflopsPerCore: number;
}

export interface CompareResult {
  op: string;
  gflops: number;
  ms: number;
  vs: Partial<
    Record<
      AnchorName,
      {
        gflops: number | null;
        /** Median over the rounds of theirs / ours within the round. */
        ratio: number | null;
        ratio_min?: number;
        ratio_max?: number;
        ms: number | null;
        error?: string;
        kernel?: string;
      }
    >
  >;
  peak_gflops: number;
  fraction_of_peak: number;
  /** compute (M > 16) or memory (M <= 16: B streams from where it fits, the FMAs wait for it). */
  bound: 'compute' | 'memory';
  /** Memory-bound shapes: bytes of B, the read bandwidth for a buffer of that size, and the fraction ours reaches. */
  b_bytes?: number;
  read_bandwidth_gbs?: number;
  fraction_of_bandwidth?: number;
  /**
   * Memory-bound shapes: the roofline, min(peak, read bandwidth x flops per byte of B), and the fraction of it reached.
   * Where the bandwidth times the intensity exceeds the peak (M = 16 against a cache-resident B), the FMAs bound the
   * kernel before the bandwidth does, and 100% of the bandwidth cannot be reached by any kernel.
   */
  roofline_gflops?: number;
  fraction_of_roofline?: number;
  rounds: number;
  rounds_ms: Record<string, number[]>;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export async function compareWithAnchors(o: CompareOptions): Promise<CompareResult> {
  const w = o.task.workload;
  if (w.op !== 'gemm') throw new RangeError(`bench op compares gemm workloads with the anchors (got ${w.op})`);
  const threads = w.threads;
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  // The onnxruntime worker is pinned from outside (the BLAS anchor pins itself); without taskset it runs unpinned, said
  // once.
  const taskset = host().taskset;
  const tasksetPrefix = (cmd: string, args: string[]): [string, string[]] =>
    taskset
      ? [taskset, ['-c', Array.from({ length: threads }, (_, i) => o.firstCore + i).join(','), cmd, ...args]]
      : [cmd, args];
  const blasArgs = [
    String(w.M),
    String(w.N),
    String(w.K),
    String(o.firstCore),
    String(threads),
    '0',
    String(o.repeat),
    String(o.minRepeatMs),
  ];
  const contenders: { name: string; run: () => Promise<Timing> }[] = [
    {
      name: 'ours',
      run: async () => {
        const r = await o.runner.run(o.libPath, o.dataPath, threads);
        return r.ok ? { ok: true, median_ms: r.ms!.median } : { ok: false, message: r.error?.message };
      },
    },
  ];
  const blas = o.anchors.includes('openblas') || o.anchors.includes('openblas_avx512') ? anchorBinary(o.workDir) : '';
  if (o.anchors.includes('openblas'))
    contenders.push({
      name: 'openblas',
      run: () => runJson(blas, blasArgs, { ...env, OPENBLAS_NUM_THREADS: String(threads) }, 120_000),
    });
  if (o.anchors.includes('openblas_avx512'))
    contenders.push({
      name: 'openblas_avx512',
      run: () =>
        runJson(
          blas,
          blasArgs,
          { ...env, OPENBLAS_NUM_THREADS: String(threads), OPENBLAS_CORETYPE: 'SKYLAKEX' },
          120_000,
        ),
    });
  if (o.anchors.includes('openblas_haswell'))
    contenders.push({
      name: 'openblas_haswell',
      run: () =>
        runJson(
          blas,
          blasArgs,
          { ...env, OPENBLAS_NUM_THREADS: String(threads), OPENBLAS_CORETYPE: 'HASWELL' },
          120_000,
        ),
    });
  if (o.anchors.includes('onnxruntime')) {
    const worker = fileURLToPath(new URL('./ort_worker.js', import.meta.url));
    if (!taskset) noteNoPinning();
    const [cmd, args] = tasksetPrefix(process.execPath, [
      worker,
      o.task.spec,
      String(threads),
      String(o.repeat),
      String(o.minRepeatMs),
      '8',
    ]);
    contenders.push({
      name: 'onnxruntime',
      run: () => runJson(cmd, args, { ...env, OMP_NUM_THREADS: String(threads) }, 300_000),
    });
  }
  const times: Record<string, number[]> = {},
    errors: Record<string, string> = {},
    kernels: Record<string, string> = {};
  for (let r = 0; r < o.rounds; r++) {
    // The order rotates from round to round: no contender always runs right after another's heat or cache traffic.
    for (const c of contenders.map((_, i) => contenders[(i + r) % contenders.length])) {
      if (errors[c.name]) continue;
      const t = await c.run();
      if (!t.ok || t.median_ms === undefined) {
        errors[c.name] = t.message ?? 'failed';
        if (c.name === 'ours') throw new Error(`our kernel failed while benchmarking: ${errors[c.name]}`);
        continue;
      }
      (times[c.name] ??= []).push(t.median_ms);
      if (t.corename) kernels[c.name] = t.corename;
      if (t.version) kernels[c.name] = `onnxruntime ${t.version}`;
    }
  }
  const ours = median(times.ours);
  const gf = (ms: number) => o.task.flops / (ms * 1e6);
  const vs: CompareResult['vs'] = {};
  for (const a of o.anchors) {
    if (errors[a] || !times[a]) vs[a] = { gflops: null, ratio: null, ms: null, error: errors[a] ?? 'not run' };
    else {
      const ms = median(times[a]);
      // Rounds where ours and the anchor both ran, in order (ours runs first in every round, so index = round).
      const perRound = times[a].map((t, r) => t / times.ours[r]);
      vs[a] = {
        gflops: gf(ms),
        ratio: median(perRound),
        ratio_min: Math.min(...perRound),
        ratio_max: Math.max(...perRound),
        ms,
        ...(kernels[a] ? { kernel: kernels[a] } : {}),
      };
    }
  }
  const peak = o.peakGflopsPerCore * threads;
  const bound = w.M <= 16 ? 'memory' : 'compute';
  const memory: Partial<CompareResult> = {};
  if (bound === 'memory') {
    const bBytes = 4 * w.K * w.N;
    const bw = readBandwidth(o.workDir, o.firstCore, bBytes, threads);
    memory.b_bytes = bBytes;
    memory.read_bandwidth_gbs = bw;
    memory.fraction_of_bandwidth = bBytes / (ours * 1e6) / bw;
    memory.roofline_gflops = Math.min(peak, (bw * o.task.flops) / bBytes);
    memory.fraction_of_roofline = gf(ours) / memory.roofline_gflops;
  }
  return {
    op: o.task.spec,
    gflops: gf(ours),
    ms: ours,
    vs,
    peak_gflops: peak,
    fraction_of_peak: gf(ours) / peak,
    bound,
    ...memory,
    rounds: o.rounds,
    rounds_ms: times,
  };
}
