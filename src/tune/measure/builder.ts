/**
 * Builder: compiles generated kernels into shared libraries with the system compiler, several at once, each
 * with a timeout, its arguments passed as an array (never through a shell), pinned with taskset to the
 * builder cores so that the runner's core stays quiet (where the host has taskset; else unpinned, said once).
 * Errors are results, never exceptions: compile-error (the compiler's message) and compile-timeout.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { noRoom } from '../../rl/train/no_room.js';
import { findCompiler } from './compiler.js';
import { host, noteNoPinning } from './host.js';
import { Semaphore } from './semaphore.js';

export interface BuildResult {
  ok: boolean;
  /** The shared library (ok only). */
  libPath?: string;
  sourcePath: string;
  error?: { kind: 'compile-error' | 'compile-timeout'; message: string };
  buildMs: number;
}

export interface BuilderOptions {
  workDir: string;
  /** Cores the compiler may run on (taskset); empty: no pinning. */
  cores: number[];
  /** Compilations at once. */
  parallel: number;
  timeoutMs: number;
  /** Extra compiler flags (the target's -m flags). */
  flags: string[];
}

export const BASE_CFLAGS = ['-O3', '-ffp-contract=fast', '-fPIC', '-shared', '-fno-math-errno', '-w'];

export class Builder {
  private readonly sem: Semaphore;
  readonly compiler = findCompiler();
  /** The taskset that pins the compilers to the builder cores; null: not pinned. */
  private readonly taskset: string | null;

  constructor(readonly opts: BuilderOptions) {
    mkdirSync(opts.workDir, { recursive: true });
    // No taskset: the compilers run wherever the system puts them, and the user is told once.
    this.taskset = opts.cores.length > 0 ? host().taskset : null;
    if (opts.cores.length > 0 && !this.taskset) noteNoPinning();
    this.sem = new Semaphore(Math.max(1, opts.parallel));
  }

  /** Compiles `source` (OpenMP when `openmp`); the file name is the source's hash, so a rebuild is skipped. */
  async build(source: string, openmp: boolean): Promise<BuildResult> {
    return (await this.buildUnless(source, openmp))!;
  }

  /**
   * The same, or null when `signal` had ended (a time budget) before its compiler could start: a build that waits
   * for a free builder core is dropped, not started past the budget.
   */
  async buildUnless(source: string, openmp: boolean, signal?: AbortSignal): Promise<BuildResult | null> {
    const job = this.prepare(source, openmp);
    if ('done' in job) return job.done;
    return this.sem.run(async () => {
      if (signal?.aborted) return null;
      const t0 = performance.now();
      const r = await new Promise<Exit>((resolve) => {
        const child = execFile(
          job.cmd,
          job.argv,
          { timeout: this.opts.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 << 20 },
          (err, _stdout, stderr) => {
            const e = err as (NodeJS.ErrnoException & { killed?: boolean; signal?: NodeJS.Signals }) | null;
            resolve({
              code: e ? (typeof e.code === 'number' ? e.code : 1) : 0,
              signal: e?.signal ?? null,
              stderr: String(stderr),
              timedOut: !!e?.killed && e.signal === 'SIGKILL',
            });
          },
        );
        child.stdin?.end();
      });
      return this.finish(job, r, performance.now() - t0);
    });
  }

  /**
   * The same build, blocking (for a synchronous caller such as an environment's reward): one compiler at a
   * time, outside the parallel builds' semaphore.
   */
  buildSync(source: string, openmp: boolean): BuildResult {
    const job = this.prepare(source, openmp);
    if ('done' in job) return job.done;
    const t0 = performance.now();
    const p = spawnSync(job.cmd, job.argv, {
      timeout: this.opts.timeoutMs,
      killSignal: 'SIGKILL',
      maxBuffer: 4 << 20,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const error: NodeJS.ErrnoException | undefined = p.error;
    const timedOut = error?.code === 'ETIMEDOUT';
    return this.finish(
      job,
      { code: p.status ?? (p.error ? 1 : null), signal: p.signal, stderr: String(p.stderr ?? ''), timedOut },
      performance.now() - t0,
    );
  }

  private prepare(source: string, openmp: boolean): { done: BuildResult } | Job {
    const hash = createHash('sha256')
      .update(source)
      .update(this.opts.flags.join(' '))
      .update(this.compiler.version)
      .digest('hex')
      .slice(0, 20);
    const sourcePath = join(this.opts.workDir, `k_${hash}.c`),
      libPath = join(this.opts.workDir, `k_${hash}.so`);
    if (existsSync(libPath)) return { done: { ok: true, libPath, sourcePath, buildMs: 0 } };
    try {
      writeFileSync(sourcePath, source);
    } catch (err) {
      // A full disk or the file size limit: say which file (the kernel sources are tens of KiB).
      throw noRoom(err, `the kernel source ${sourcePath}`) ?? err;
    }
    const args = [
      ...BASE_CFLAGS,
      ...this.opts.flags,
      ...(openmp ? ['-fopenmp'] : []),
      '-o',
      `${libPath}.tmp`,
      sourcePath,
      '-lm',
    ];
    const cmd = this.taskset ?? this.compiler.path;
    const argv = this.taskset ? ['-c', this.opts.cores.join(','), this.compiler.path, ...args] : args;
    return { cmd, argv, sourcePath, libPath };
  }

  private finish(job: Job, r: Exit, buildMs: number): BuildResult {
    const { sourcePath, libPath } = job;
    if (r.timedOut)
      return {
        ok: false,
        sourcePath,
        buildMs,
        error: { kind: 'compile-timeout', message: `${this.compiler.path} took longer than ${this.opts.timeoutMs} ms` },
      };
    if (r.code !== 0)
      return {
        ok: false,
        sourcePath,
        buildMs,
        error: {
          kind: 'compile-error',
          message: r.stderr.trim().slice(0, 4000) || `${this.compiler.path} exited with ${r.code ?? r.signal}`,
        },
      };
    renameSync(`${libPath}.tmp`, libPath);
    return { ok: true, libPath, sourcePath, buildMs };
  }
}

interface Job {
  cmd: string;
  argv: string[];
  sourcePath: string;
  libPath: string;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  timedOut: boolean;
}
