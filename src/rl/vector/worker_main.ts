/**
 * Worker-thread side of WorkerVectorEnv: makes its slice of envs, then serves reset/step commands until close.
 * Everything here is synchronous; the thread sleeps in Atomics.wait between commands.
 */
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { make } from '../core/registry.js';
import type { Env, Info } from '../core/env.js';
import { registerBuiltinEnvs } from '../envs/builtin.js';
import { readBatch } from './batch.js';
import { EnvSlice } from './env_slice.js';
import { importModule } from './import_module.js';
import {
  CMD, CMD_CLOSE, CMD_RESET, CMD_STEP, DONE, REQ, STATUS, STATUS_ERROR, STATUS_INFOS, STATUS_OK,
  type ErrorMessage, type ResetMessage, type WorkerInit,
} from './worker_protocol.js';

const init = workerData as WorkerInit;
/** Polls before sleeping, when the vector env decided that spinning threads have cores of their own. */
const SPIN_ITERATIONS = init.spin ? 20000 : 0;
const { ctrl, port } = init;

function finish(status: number, seq: number): void {
  Atomics.store(ctrl, STATUS, status);
  Atomics.store(ctrl, DONE, seq);
  Atomics.notify(ctrl, DONE);
}

function sendError(err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  const msg: ErrorMessage = { error: { name: e.name, message: e.message, stack: e.stack } };
  port.postMessage(msg);
}

function sendInfos(infos: (Info | null)[]): number {
  if (infos.every((i) => i === null)) return STATUS_OK;
  port.postMessage({ infos });
  return STATUS_INFOS;
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
    sendError(err);
    finish(STATUS_ERROR, seq);
    return;
  }
  const actSpace = slice.envs[0].actionSpace;
  const actions = new Array<unknown>(init.count);
  finish(STATUS_OK, seq);
  for (;;) {
    // Spin briefly before sleeping: a futex wake-up costs ~10-20 us, more than a fast env's whole step.
    for (let k = 0; k < SPIN_ITERATIONS && Atomics.load(ctrl, REQ) === seq; k++);
    Atomics.wait(ctrl, REQ, seq);
    seq = Atomics.load(ctrl, REQ);
    const cmd = Atomics.load(ctrl, CMD);
    try {
      if (cmd === CMD_STEP) {
        for (let j = 0; j < init.count; j++) actions[j] = readBatch(actSpace, init.actions, init.offset + j);
        finish(sendInfos(slice.step(actions)), seq);
      } else if (cmd === CMD_RESET) {
        const msg = receiveMessageOnPort(port)?.message as ResetMessage | undefined;
        if (msg === undefined) throw new Error('worker: reset command without its arguments');
        finish(sendInfos(slice.reset(msg.seeds, msg.options, msg.mask)), seq);
      } else if (cmd === CMD_CLOSE) {
        slice.close();
        finish(STATUS_OK, seq);
        port.close();
        return;
      } else {
        throw new Error(`worker: unknown command ${cmd}`);
      }
    } catch (err) {
      sendError(err);
      finish(STATUS_ERROR, seq);
    }
  }
}

void main();
