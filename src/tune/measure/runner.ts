/**
 * Runner: executes one built kernel in a fresh harness process (native/harness.c) pinned to the runner core(s),
 * with a timeout, and turns what happened into a measurement: the harness's timings, or an error kind --
 * crash (killed by a signal, a canary or input overwritten, an error return), run-timeout (killed after
 * timeoutMs), wrong-result (outside the tolerance of the reference, NaN included). Never throws for what a
 * kernel does.
 *
 * The harness is compiled once per compiler and source into the work directory.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { findCompiler } from './compiler.js';
import { host, note, noteNoPinning } from './host.js';
import { packageFile } from './package_file.js';

export type ErrorKind = 'compile-error' | 'compile-timeout' | 'crash' | 'run-timeout' | 'wrong-result';
export const ERROR_KINDS: readonly ErrorKind[] = [
  'compile-error',
  'compile-timeout',
  'crash',
  'run-timeout',
  'wrong-result',
];

export interface RunSettings {
  /** Calls per repeat; 0: as many as fill minRepeatMs. */
  number: number;
  repeat: number;
  minRepeatMs: number;
  /** Evict the caches before each repeat. */
  flush: boolean;
  timeoutMs: number;
  /**
   * Paired timing: each repeat times the task's reference config and then the kernel, in the same process, and
   * the result is the kernel's time relative to the reference's (see Measurer). A slow period of a shared
   * machine slows both alike; bench/results/measure-noise-*.json has what it removes on this machine.
   */
  paired?: boolean;
}

export const DEFAULT_RUN_SETTINGS: RunSettings = {
  number: 0,
  repeat: 5,
  minRepeatMs: 20,
  flush: false,
  timeoutMs: 20_000,
};

export interface RunResult {
  ok: boolean;
  ms?: { median: number; min: number; max: number; runs: number };
  number?: number;
  /**
   * Paired timing (a reference library given): the kernel's time over the reference's, per repeat, and the reference's
   * median.
   */
  rel?: { median: number; min: number; max: number };
  refMs?: number;
  error?: { kind: ErrorKind; message: string };
  runMs: number;
}

/** Compiles the harness into `workDir` once (per compiler and harness source) and returns its path. */
export function ensureHarness(workDir: string): string {
  const cc = findCompiler();
  const src = packageFile('native', 'harness.c');
  const hash = createHash('sha256').update(readFileSync(src)).update(cc.version).digest('hex').slice(0, 16);
  const exe = join(workDir, `harness-${hash}`);
  if (existsSync(exe)) return exe;
  mkdirSync(workDir, { recursive: true });
  execFileSync(cc.path, ['-O2', '-o', `${exe}.tmp`, src, '-ldl', '-lm'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 60_000,
  });
  renameSync(`${exe}.tmp`, exe);
  return exe;
}

export class Runner {
  readonly harness: string;

  /** `firstCore` < 0: no pinning. */
  constructor(
    workDir: string,
    readonly firstCore: number,
    readonly settings: RunSettings = DEFAULT_RUN_SETTINGS,
  ) {
    this.harness = ensureHarness(workDir);
  }

  /** Runs the kernel in `libPath`; with `refLib` (paired timing), against the reference kernel in it. */
  run(libPath: string, dataPath: string, threads: number, refLib?: string): Promise<RunResult> {
    const s = this.settings;
    const t0 = performance.now();
    return new Promise((resolve) => {
      execFile(
        this.harness,
        this.args(libPath, dataPath, threads, refLib),
        { timeout: s.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1 << 20, env: harnessEnv(threads) },
        (err, stdout, stderr) => {
          const e = err as
            | (NodeJS.ErrnoException & { killed?: boolean; signal?: NodeJS.Signals | null; code?: number | string })
            | null;
          resolve(
            this.interpret(
              {
                timedOut: !!(e && e.killed && e.signal === 'SIGKILL'),
                signal: e?.signal ?? null,
                code: e?.code ?? 0,
                stdout: String(stdout),
                stderr: String(stderr),
              },
              performance.now() - t0,
            ),
          );
        },
      );
    });
  }

  /** The same run, blocking (for a synchronous caller such as an environment's reward). */
  runSync(libPath: string, dataPath: string, threads: number, refLib?: string): RunResult {
    const s = this.settings;
    const t0 = performance.now();
    const p = spawnSync(this.harness, this.args(libPath, dataPath, threads, refLib), {
      timeout: s.timeoutMs,
      killSignal: 'SIGKILL',
      maxBuffer: 1 << 20,
      env: harnessEnv(threads),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const error: NodeJS.ErrnoException | undefined = p.error;
    const timedOut = error?.code === 'ETIMEDOUT';
    return this.interpret(
      {
        timedOut,
        signal: timedOut ? 'SIGKILL' : p.signal,
        code: p.status ?? error?.code ?? 0,
        stdout: String(p.stdout ?? ''),
        stderr: String(p.stderr ?? ''),
      },
      performance.now() - t0,
    );
  }

  private args(libPath: string, dataPath: string, threads: number, refLib?: string): string[] {
    const s = this.settings;
    return [
      libPath,
      dataPath,
      String(this.firstCore),
      String(threads),
      String(s.number),
      String(s.repeat),
      String(s.minRepeatMs),
      s.flush ? '1' : '0',
      ...(refLib ? [refLib] : []),
    ];
  }

  /** What the harness process did, as a measurement or an error kind. */
  private interpret(
    p: { timedOut: boolean; signal: NodeJS.Signals | null; code: number | string; stdout: string; stderr: string },
    runMs: number,
  ): RunResult {
    const s = this.settings;
    if (p.timedOut)
      return { ok: false, runMs, error: { kind: 'run-timeout', message: `no result within ${s.timeoutMs} ms` } };
    if (p.signal)
      return {
        ok: false,
        runMs,
        error: {
          kind: 'crash',
          message: `killed by ${p.signal}${p.stderr ? `: ${p.stderr.trim().slice(0, 500)}` : ''}`,
        },
      };
    const line = p.stdout.trim().split('\n').at(-1) ?? '';
    let j: {
      ok?: boolean;
      kind?: ErrorKind;
      message?: string;
      median_ms?: number;
      min_ms?: number;
      max_ms?: number;
      runs?: number;
      number?: number;
      ref_median_ms?: number;
      rel_median?: number;
      rel_min?: number;
      rel_max?: number;
    } | null;
    try {
      j = JSON.parse(line) as typeof j;
    } catch {
      j = null;
    }
    if (!j)
      return {
        ok: false,
        runMs,
        error: {
          kind: 'crash',
          message: `the harness exited with ${p.code} and no result${p.stderr ? `: ${p.stderr.trim().slice(0, 500)}` : ''}`,
        },
      };
    if (!j.ok) return { ok: false, runMs, error: { kind: j.kind ?? 'crash', message: j.message ?? 'failed' } };
    const paired =
      j.rel_median !== undefined
        ? { rel: { median: j.rel_median, min: j.rel_min!, max: j.rel_max! }, refMs: j.ref_median_ms! }
        : {};
    return {
      ok: true,
      runMs,
      number: j.number,
      ms: { median: j.median_ms!, min: j.min_ms!, max: j.max_ms!, runs: j.runs! },
      ...paired,
    };
  }
}

const harnessEnv = (threads: number) => ({ ...process.env, OMP_NUM_THREADS: String(threads), OMP_PROC_BIND: 'true' });

/**
 * Keeps this process (and its threads) off the runner's core, so that only the kernel runs there. Where that
 * cannot be done (no taskset, not allowed) it says so once on stderr: measurements stay valid, only noisier.
 */
export function leaveRunnerCore(runnerCore: number): void {
  const h = host();
  const cores = h.allowedCores.filter((c) => c !== runnerCore);
  if (cores.length === 0) return; // one core: nowhere else to go
  if (!h.taskset) return noteNoPinning(h);
  try {
    execFileSync(h.taskset, ['-a', '-p', '-c', cores.join(','), String(process.pid)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (err) {
    const why =
      String((err as { stderr?: Buffer }).stderr ?? '')
        .trim()
        .split('\n')[0] || (err as Error).message;
    note(`taskset could not move this process off core ${runnerCore} (${why}): timings are noisier`);
  }
}
