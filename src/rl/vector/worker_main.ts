/**
 * Worker-thread side of WorkerVectorEnv (loaded by worker_boot.ts): makes its slice of envs, then serves reset/step
 * commands until close.
 * Everything here is synchronous; the thread sleeps in Atomics.wait between commands.
 */
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { make } from '../core/registry.js';
import type { Env } from '../core/env.js';
import { registerBuiltinEnvs } from '../envs/builtin.js';
import { readBatch } from './batch.js';
import { EnvSlice, type SliceResult } from './env_slice.js';
import { importModule } from './import_module.js';
import {
  CMD,
  CMD_CLOSE,
  CMD_RESET,
  CMD_STEP,
  DONE,
  REQ,
  STATUS,
  STATUS_QUIET,
  STATUS_REPLY,
  type ErrorPayload,
  type ResetMessage,
  type WorkerInit,
  type WorkerReply,
} from './worker_protocol.js';

const init = workerData as WorkerInit;
const { ctrl, port } = init;
// The exit hook (a thread that ends in the middle of a command) is registered by worker_boot.ts, which loads this
// module.
/** Polls before sleeping, when the vector env decided that spinning threads have cores of their own. */
const SPIN_ITERATIONS = init.spin ? 20000 : 0;

function finish(status: number, seq: number): void {
  Atomics.store(ctrl, STATUS, status);
  Atomics.store(ctrl, DONE, seq);
  Atomics.notify(ctrl, DONE);
}

function payload(err: unknown): ErrorPayload {
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: e.name, message: e.message, stack: e.stack };
}

/** Posts what the main thread needs to know; the status buffers in shared memory already hold the rest. */
function reply(result: SliceResult): number {
  const infos = result.infos.some((i) => i !== null) ? result.infos : null;
  if (infos === null && result.error === null) return STATUS_QUIET;
  const msg: WorkerReply = { infos, error: result.error ? payload(result.error) : null };
  try {
    port.postMessage(msg);
  } catch (err) {
    // An info that cannot be cloned (a function, say): the step itself happened and is in shared memory.
    const e = new TypeError(
      `env infos must be structured-cloneable to leave a worker thread: ${(err as Error).message}`,
    );
    port.postMessage({ infos: null, error: payload(result.error ?? e) } satisfies WorkerReply);
  }
  return STATUS_REPLY;
}

async function main(): Promise<void> {
  let slice: EnvSlice;
  let seq = Atomics.load(ctrl, REQ);
  try {
    registerBuiltinEnvs();
    for (const m of init.modules) await importModule(m);
    const envs: Env[] = [];
    for (let j = 0; j < init.count; j++) envs.push(make(init.envId, init.makeOptions));
    slice = new EnvSlice(envs, init.offset, envs[0].observationSpace, init.autoreset, init);
  } catch (err) {
    port.postMessage({ infos: null, error: payload(err) } satisfies WorkerReply);
    finish(STATUS_REPLY, seq);
    return;
  }
  const actSpace = slice.envs[0].actionSpace;
  const actions = new Array<unknown>(init.count);
  finish(STATUS_QUIET, seq);
  for (;;) {
    // Spin briefly before sleeping: a futex wake-up costs ~10-20 us, more than a fast env's whole step.
    for (let k = 0; k < SPIN_ITERATIONS && Atomics.load(ctrl, REQ) === seq; k++);
    // Atomics.wait can return "ok" with REQ unchanged (seen under load in Node 20: a wake-up meant for no one);
    // serving the old request again would step the envs twice, so sleep until REQ really moves.
    while (Atomics.load(ctrl, REQ) === seq) Atomics.wait(ctrl, REQ, seq);
    seq = Atomics.load(ctrl, REQ);
    const cmd = Atomics.load(ctrl, CMD);
    try {
      if (cmd === CMD_STEP) {
        for (let j = 0; j < init.count; j++) actions[j] = readBatch(actSpace, init.actions, init.offset + j);
        finish(reply(slice.step(actions)), seq);
      } else if (cmd === CMD_RESET) {
        const msg = receiveMessageOnPort(port)?.message as ResetMessage | undefined;
        if (msg === undefined) throw new Error('worker: reset command without its arguments');
        finish(reply(slice.reset(msg.seeds, msg.options, msg.mask)), seq);
      } else if (cmd === CMD_CLOSE) {
        slice.close();
        finish(STATUS_QUIET, seq);
        port.close();
        return;
      } else {
        throw new Error(`worker: unknown command ${cmd}`);
      }
    } catch (err) {
      port.postMessage({ infos: null, error: payload(err) } satisfies WorkerReply);
      finish(STATUS_REPLY, seq);
    }
  }
}

void main();
