/**
 * The entry point of a WorkerVectorEnv thread. It imports nothing at run time but the protocol's constants, so it
 * always loads: it registers the exit hook, then loads worker_main.js. When that module graph cannot be loaded (a
 * file missing from a partial build, a package that fails to initialise), it answers the "initialize" request with
 * the import's error, so the main thread, asleep in Atomics.wait and deaf to the worker's events, fails at once
 * with the reason instead of waiting out its timeout.
 */
import { workerData } from 'node:worker_threads';
import {
  DONE,
  EXIT_CODE,
  EXITED,
  REQ,
  STATUS,
  STATUS_REPLY,
  type WorkerInit,
  type WorkerReply,
} from './worker_protocol.js';

const { ctrl, port } = workerData as WorkerInit;
// The thread may end in the middle of a command (env code calling process.exit ends this thread only): say so in
// shared memory, so that the main thread fails at once.
process.on('exit', (code) => {
  Atomics.store(ctrl, EXIT_CODE, code);
  Atomics.store(ctrl, EXITED, 1);
  Atomics.notify(ctrl, DONE);
});

try {
  await import('./worker_main.js');
} catch (err) {
  const e = err instanceof Error ? err : new Error(String(err));
  const msg: WorkerReply = {
    infos: null,
    error: { name: e.name, message: `the worker thread could not load its modules: ${e.message}`, stack: e.stack },
  };
  port.postMessage(msg);
  Atomics.store(ctrl, STATUS, STATUS_REPLY);
  Atomics.store(ctrl, DONE, Atomics.load(ctrl, REQ));
  Atomics.notify(ctrl, DONE);
}
