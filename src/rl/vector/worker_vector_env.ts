/**
 * WorkerVectorEnv: runs its envs in worker threads, each thread owning a contiguous slice of them
 * (`numWorkers` threads, default min(n, CPUs - 1): one core stays with this thread, which runs the learner,
 * and then the threads may spin-wait instead of paying a futex wake-up per step). Observations, rewards, flags and
 * actions travel through
 * shared memory, so `reset()` and `step()` are synchronous and return exactly what SyncVectorEnv returns.
 *
 * Envs are made in the workers from a registered id: built-ins always work; a user env works when the module
 * that registers it is named in its registration (`register(id, {..., modules: [import.meta.url]})`) or in
 * the `modules` option. The main thread also makes one env itself first, to read the spaces and to report a
 * bad id or bad kwargs before any thread starts.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { make, spec as getSpec, type MakeOptions } from '../core/registry.js';
import { describe } from '../core/rng.js';
import { EnvContractError, InvalidActionError, ResetNeededError } from '../wrappers/env_checker.js';
import { createBatch, writeBatch, type Batch } from './batch.js';
import type { SliceResult } from './env_slice.js';
import { VectorEnv, type VectorEnvOptions } from './vector_env.js';
import {
  CMD,
  CMD_CLOSE,
  CMD_RESET,
  CMD_STEP,
  CTRL_SIZE,
  DONE,
  EXIT_CODE,
  EXITED,
  REQ,
  STATUS,
  STATUS_REPLY,
  type ErrorPayload,
  type ResetMessage,
  type WorkerInit,
  type WorkerReply,
} from './worker_protocol.js';

/** Error classes that keep their class across the thread boundary (others arrive as Error with their name). */
const ERROR_CLASSES: Record<string, new (message: string) => Error> = {
  InvalidActionError,
  ResetNeededError,
  EnvContractError,
  TypeError,
  RangeError,
};

function rebuildError(p: ErrorPayload, prefix: string): Error {
  const Cls = ERROR_CLASSES[p.name] ?? Error;
  const e = new Cls(`${prefix}${p.message}`);
  if (!(p.name in ERROR_CLASSES)) e.name = p.name;
  if (p.stack)
    e.stack = `${e.name}: ${e.message}\n    (in a worker thread)\n${p.stack.split('\n').slice(1).join('\n')}`;
  return e;
}

export interface WorkerVectorEnvOptions extends VectorEnvOptions {
  /** Number of worker threads (default min(numEnvs, available CPUs - 1), at least 1). */
  numWorkers?: number;
  /** Extra modules each worker imports before making envs (they should register the env id). */
  modules?: string[];
  /** Overrides passed to `make()` for every env. */
  makeOptions?: MakeOptions;
  /** How long to wait for a worker to answer a command before failing (ms, default 60000). */
  timeoutMs?: number;
}

/**
 * Polls of the done counter before sleeping in Atomics.wait: a futex wake-up costs 10-20 us, more than a fast
 * env's whole step. Only when the workers and this thread each have a core; spinning on shared cores would
 * steal the time the workers need.
 */
const SPIN_ITERATIONS = 20000;

interface WorkerHandle {
  worker: Worker;
  ctrl: Int32Array;
  port: MessagePort;
  offset: number;
  count: number;
}

export class WorkerVectorEnv extends VectorEnv {
  readonly numWorkers: number;
  private readonly workers: WorkerHandle[] = [];
  private readonly actBuf: Batch;
  private readonly timeoutMs: number;
  private readonly spin: boolean;

  constructor(envId: string, numEnvs: number, opts: WorkerVectorEnvOptions = {}) {
    const makeOptions = opts.makeOptions ?? {};
    const probe = make(envId, makeOptions); // reports unknown ids and bad kwargs here, before threads start
    const obsSpace = probe.observationSpace,
      actSpace = probe.actionSpace;
    probe.close();
    super('WorkerVectorEnv', numEnvs, obsSpace, actSpace, opts);
    const workersWanted = opts.numWorkers ?? Math.max(1, Math.min(numEnvs, availableParallelism() - 1));
    if (!Number.isInteger(workersWanted) || workersWanted < 1) {
      throw new TypeError(`WorkerVectorEnv: numWorkers must be a positive integer, got ${describe(workersWanted)}`);
    }
    this.numWorkers = Math.min(workersWanted, numEnvs);
    this.timeoutMs = opts.timeoutMs ?? 60000;
    this.spin = this.numWorkers + 1 <= availableParallelism();
    this.obsBuf = createBatch(obsSpace, numEnvs, true);
    this.actBuf = createBatch(actSpace, numEnvs, true);
    this.rewardsBuf = sharedArray(Float64Array, numEnvs);
    this.terminatedBuf = sharedArray(Uint8Array, numEnvs);
    this.truncatedBuf = sharedArray(Uint8Array, numEnvs);
    this.statusBuf = sharedArray(Uint8Array, numEnvs);
    const modules = [...new Set([...getSpec(envId).modules, ...(opts.modules ?? [])])];
    const url = new URL('./worker_boot.js', import.meta.url);
    let offset = 0;
    try {
      for (let w = 0; w < this.numWorkers; w++) {
        const count = Math.floor(numEnvs / this.numWorkers) + (w < numEnvs % this.numWorkers ? 1 : 0);
        const ctrl = sharedArray(Int32Array, CTRL_SIZE);
        ctrl[REQ] = 1; // the first request is "initialize"
        const { port1, port2 } = new MessageChannel();
        const init: WorkerInit = {
          envId,
          makeOptions,
          modules,
          offset,
          count,
          autoreset: this.autoresetMode,
          obs: this.obsBuf,
          actions: this.actBuf,
          rewards: this.rewardsBuf,
          terminated: this.terminatedBuf,
          truncated: this.truncatedBuf,
          status: this.statusBuf,
          ctrl,
          port: port2,
          spin: this.spin,
        };
        const worker = new Worker(url, { workerData: init, transferList: [port2] });
        worker.unref();
        port1.unref();
        this.workers.push({ worker, ctrl, port: port1, offset, count });
        offset += count;
      }
      const started = this.waitAll(1, 'starting');
      if (started.error) throw started.error;
    } catch (err) {
      this.terminate();
      this.closed = true;
      throw err;
    }
  }

  protected resetEnvs(
    seeds: (number | undefined)[],
    options: Record<string, unknown> | undefined,
    mask: Uint8Array | null,
  ): SliceResult {
    try {
      structuredClone(options);
    } catch (err) {
      throw new TypeError(
        `${this.name}.reset: options must be structured-cloneable to reach the worker threads: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    for (const h of this.workers) {
      const msg: ResetMessage = {
        seeds: seeds.slice(h.offset, h.offset + h.count),
        options,
        mask: mask ? mask.slice(h.offset, h.offset + h.count) : null,
      };
      h.port.postMessage(msg);
    }
    return this.command(CMD_RESET, 'reset');
  }

  protected stepEnvs(actions: unknown[]): SliceResult {
    for (let i = 0; i < this.numEnvs; i++) {
      if (actions[i] !== undefined) writeBatch(this.singleActionSpace, this.actBuf, i, actions[i]);
    }
    return this.command(CMD_STEP, 'step');
  }

  protected closeEnvs(): void {
    try {
      const r = this.command(CMD_CLOSE, 'close');
      if (r.error) throw r.error;
    } finally {
      this.terminate();
    }
  }

  private terminate(): void {
    for (const h of this.workers) {
      h.port.close();
      void h.worker.terminate();
    }
  }

  private command(cmd: number, what: string): SliceResult {
    let seq = 0;
    for (const h of this.workers) {
      Atomics.store(h.ctrl, CMD, cmd);
      seq = (Atomics.add(h.ctrl, REQ, 1) + 1) | 0; // the counter is an int32: it wraps, and so must seq
      Atomics.notify(h.ctrl, REQ);
    }
    return this.waitAll(seq, what);
  }

  /** A worker is lost: stop them all, close the vector env and say why. */
  private fail(why: string): never {
    this.terminate();
    this.closed = true;
    throw new Error(`${this.name}: ${why}; the vector env was closed`);
  }

  /** Waits until every worker has answered request `seq`; collects infos and the first error. */
  private waitAll(seq: number, what: string): SliceResult {
    const infos: SliceResult['infos'] = new Array<SliceResult['infos'][number]>(this.numEnvs).fill(null);
    let firstError: Error | null = null;
    const deadline = performance.now() + this.timeoutMs;
    for (const [w, h] of this.workers.entries()) {
      if (this.spin) for (let k = 0; k < SPIN_ITERATIONS && Atomics.load(h.ctrl, DONE) !== seq; k++);
      for (;;) {
        const done = Atomics.load(h.ctrl, DONE);
        if (done === seq) break;
        if (Atomics.load(h.ctrl, EXITED) === 1)
          this.fail(
            `worker ${w} exited with code ${Atomics.load(h.ctrl, EXIT_CODE)} during ${what} (env code called process.exit, or the thread died)`,
          );
        if (performance.now() > deadline) this.fail(`worker ${w} did not answer ${what} within ${this.timeoutMs} ms`);
        Atomics.wait(h.ctrl, DONE, done, 100);
      }
      if (Atomics.load(h.ctrl, STATUS) !== STATUS_REPLY) continue;
      const msg = receiveMessageOnPort(h.port)?.message as WorkerReply | undefined;
      if (msg === undefined) {
        firstError ??= new Error(`${this.name}: worker ${w} announced a reply to ${what} but none arrived`);
        continue;
      }
      msg.infos?.forEach((inf, j) => (infos[h.offset + j] = inf));
      if (msg.error) firstError ??= rebuildError(msg.error, `${this.name}: ${what} failed in worker ${w}: `);
    }
    return { infos, error: firstError };
  }
}

function sharedArray<T extends Float64ArrayConstructor | Uint8ArrayConstructor | Int32ArrayConstructor>(
  Ctor: T,
  n: number,
): InstanceType<T> {
  const sab = new SharedArrayBuffer(n * Ctor.BYTES_PER_ELEMENT) as unknown as ArrayBuffer;
  return new Ctor(sab) as InstanceType<T>;
}
