/**
 * WorkerVectorEnv: runs its envs in worker threads, each thread owning a contiguous slice of them
 * (`numWorkers` threads, default min(n, CPUs - 1): one core stays with this thread, which runs the learner,
 * and then the threads may spin-wait instead of paying a futex wake-up per step). Observations, rewards, flags and actions travel through
 * shared memory, so `reset()` and `step()` are synchronous and return exactly what SyncVectorEnv returns.
 *
 * Envs are made in the workers from a registered id: built-ins always work; a user env works when the module
 * that registers it is named in its registration (`register(id, {..., modules: [import.meta.url]})`) or in
 * the `modules` option. The main thread also makes one env itself first, to read the spaces and to report a
 * bad id or bad kwargs before any thread starts.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { Info } from '../core/env.js';
import { make, spec as getSpec, type MakeOptions } from '../core/registry.js';
import { describe } from '../core/rng.js';
import { createBatch, writeBatch, type Batch } from './batch.js';
import { VectorEnv, type VectorEnvOptions } from './vector_env.js';
import {
  CMD, CMD_CLOSE, CMD_RESET, CMD_STEP, CTRL_SIZE, DONE, REQ, STATUS, STATUS_ERROR, STATUS_INFOS,
  type ErrorMessage, type ResetMessage, type WorkerInit,
} from './worker_protocol.js';

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
    const obsSpace = probe.observationSpace, actSpace = probe.actionSpace;
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
    const modules = [...new Set([...getSpec(envId).modules, ...(opts.modules ?? [])])];
    const url = new URL('./worker_main.js', import.meta.url);
    let offset = 0;
    for (let w = 0; w < this.numWorkers; w++) {
      const count = Math.floor(numEnvs / this.numWorkers) + (w < numEnvs % this.numWorkers ? 1 : 0);
      const ctrl = sharedArray(Int32Array, CTRL_SIZE);
      ctrl[REQ] = 1; // the first request is "initialize"
      const { port1, port2 } = new MessageChannel();
      const init: WorkerInit = {
        envId, makeOptions, modules, offset, count, autoreset: this.autoresetMode,
        obs: this.obsBuf, actions: this.actBuf, rewards: this.rewardsBuf, terminated: this.terminatedBuf,
        truncated: this.truncatedBuf, ctrl, port: port2, spin: this.spin,
      };
      const worker = new Worker(url, { workerData: init, transferList: [port2] });
      worker.unref();
      port1.unref();
      this.workers.push({ worker, ctrl, port: port1, offset, count });
      offset += count;
    }
    try {
      this.waitAll(1, 'starting');
    } catch (err) {
      this.terminate();
      this.closed = true;
      throw err;
    }
  }

  protected resetEnvs(seeds: (number | undefined)[], options: Record<string, unknown> | undefined, mask: Uint8Array | null): (Info | null)[] {
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

  protected stepEnvs(actions: unknown[]): (Info | null)[] {
    for (let i = 0; i < this.numEnvs; i++) writeBatch(this.singleActionSpace, this.actBuf, i, actions[i]);
    return this.command(CMD_STEP, 'step');
  }

  protected closeEnvs(): void {
    try {
      this.command(CMD_CLOSE, 'close');
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

  private command(cmd: number, what: string): (Info | null)[] {
    let seq = 0;
    for (const h of this.workers) {
      Atomics.store(h.ctrl, CMD, cmd);
      seq = Atomics.add(h.ctrl, REQ, 1) + 1;
      Atomics.notify(h.ctrl, REQ);
    }
    return this.waitAll(seq, what);
  }

  /** Waits until every worker has answered request `seq`; collects infos and the first error. */
  private waitAll(seq: number, what: string): (Info | null)[] {
    const infos: (Info | null)[] = new Array(this.numEnvs).fill(null);
    let firstError: Error | null = null;
    const deadline = performance.now() + this.timeoutMs;
    for (const [w, h] of this.workers.entries()) {
      if (this.spin) for (let k = 0; k < SPIN_ITERATIONS && Atomics.load(h.ctrl, DONE) !== seq; k++);
      for (;;) {
        const done = Atomics.load(h.ctrl, DONE);
        if (done === seq) break;
        if (performance.now() > deadline) {
          this.terminate();
          this.closed = true;
          throw new Error(`${this.name}: worker ${w} did not answer ${what} within ${this.timeoutMs} ms; the vector env was closed`);
        }
        Atomics.wait(h.ctrl, DONE, done, 100);
      }
      const status = Atomics.load(h.ctrl, STATUS);
      if (status === STATUS_INFOS) {
        const msg = receiveMessageOnPort(h.port)?.message as { infos: (Info | null)[] } | undefined;
        msg?.infos.forEach((inf, j) => (infos[h.offset + j] = inf));
      } else if (status === STATUS_ERROR) {
        const msg = receiveMessageOnPort(h.port)?.message as ErrorMessage | undefined;
        if (firstError === null) {
          const e = new Error(`${this.name}: ${what} failed in worker ${w}: ${msg?.error.message ?? 'unknown error'}`);
          if (msg) e.name = msg.error.name;
          firstError = e;
        }
      }
    }
    if (firstError) throw firstError;
    return infos;
  }
}

function sharedArray<T extends Float64ArrayConstructor | Uint8ArrayConstructor | Int32ArrayConstructor>(Ctor: T, n: number): InstanceType<T> {
  const sab = new SharedArrayBuffer(n * Ctor.BYTES_PER_ELEMENT) as unknown as ArrayBuffer;
  return new Ctor(sab) as InstanceType<T>;
}
