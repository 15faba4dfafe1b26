/**
 * The protocol between WorkerVectorEnv (main thread) and its worker threads. Per worker, a shared Int32Array
 * `ctrl` carries a request counter, a done counter, a status and a command; observations, rewards, flags and
 * actions live in shared buffers. The main thread posts a command by bumping REQ and waits (Atomics.wait)
 * until DONE equals REQ; infos and errors travel over a MessagePort read synchronously with
 * `receiveMessageOnPort`, so `step()` stays synchronous like the sync vector env's.
 */
import type { MessagePort } from 'node:worker_threads';
import type { MakeOptions } from '../core/registry.js';
import type { Batch } from './batch.js';
import type { AutoresetMode } from './vector_env.js';

export const REQ = 0;
export const DONE = 1;
export const STATUS = 2;
export const CMD = 3;
/** Set to 1 by a worker thread as it exits (process.exit in env code, say), with its exit code in EXIT_CODE. */
export const EXITED = 4;
export const EXIT_CODE = 5;
export const CTRL_SIZE = 6;

export const CMD_RESET = 1;
export const CMD_STEP = 2;
export const CMD_CLOSE = 3;

/** Nothing was posted: no env reported an info and none failed. */
export const STATUS_QUIET = 0;
/** A WorkerReply was posted on the port. */
export const STATUS_REPLY = 1;

export interface WorkerInit {
  envId: string;
  makeOptions: MakeOptions;
  modules: string[];
  offset: number;
  count: number;
  autoreset: AutoresetMode;
  obs: Batch;
  actions: Batch;
  rewards: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  status: Uint8Array;
  ctrl: Int32Array;
  port: MessagePort;
  /** Busy-wait briefly for the next command before sleeping (only when every thread has a core). */
  spin: boolean;
}

export interface ResetMessage {
  seeds: (number | undefined)[];
  options: Record<string, unknown> | undefined;
  mask: Uint8Array | null;
}

export interface ErrorPayload {
  name: string;
  message: string;
  stack?: string;
}

/** What a worker posts after a command: the infos of its envs (null when all were empty) and its first error. */
export interface WorkerReply {
  infos: (Record<string, unknown> | null)[] | null;
  error: ErrorPayload | null;
}
