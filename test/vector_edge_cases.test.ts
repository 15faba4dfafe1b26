// Vector-env edge cases (found in review); each test states the invariant it checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Env,
  Box,
  Discrete,
  Dict,
  SyncVectorEnv,
  makeVec,
  WorkerVectorEnv,
  type ResetOptions,
  type ResetResult,
  type StepResult,
  type AutoresetMode,
} from '../src/rl/index.js';
import type { MessagePort } from 'node:worker_threads';
import { CMD, CMD_RESET, REQ, DONE } from '../src/rl/vector/worker_protocol.js';

/** Terminates on every step; counts steps taken after its episode ended without a reset. */
class TermEveryStep extends Env<Float32Array, number> {
  readonly observationSpace = new Box(0, 1, [1]);
  readonly actionSpace = new Discrete(2);
  over = false;
  stepsAfterEnd = 0;
  override reset(opts: ResetOptions = {}): ResetResult<Float32Array> {
    super.reset(opts);
    this.over = false;
    return { obs: new Float32Array([0]), info: {} };
  }
  step(): StepResult<Float32Array> {
    if (this.over) this.stepsAfterEnd++;
    this.over = true;
    return { obs: new Float32Array([1]), reward: 1, terminated: true, truncated: false, info: {} };
  }
}

/** Throws on its first step ever; counts steps taken after that throw without a reset. */
class ThrowsOnce extends Env<Float32Array, number> {
  readonly observationSpace = new Box(0, 1, [1]);
  readonly actionSpace = new Discrete(2);
  calls = 0;
  broken = false;
  stepsWhileBroken = 0;
  override reset(opts: ResetOptions = {}): ResetResult<Float32Array> {
    super.reset(opts);
    this.broken = false;
    return { obs: new Float32Array([0]), info: {} };
  }
  step(): StepResult<Float32Array> {
    if (this.broken) this.stepsWhileBroken++;
    if (this.calls++ === 0) {
      this.broken = true;
      throw new Error('boom');
    }
    return { obs: new Float32Array([0]), reward: 0, terminated: false, truncated: false, info: {} };
  }
}

for (const mode of ['next-step', 'same-step', 'disabled'] as AutoresetMode[]) {
  test(`an env error mid-step leaves the vector env consistent (${mode})`, () => {
    const term = new TermEveryStep(),
      flaky = new ThrowsOnce();
    const v = new SyncVectorEnv([() => term, () => flaky], { autoreset: mode });
    v.reset({ seed: 0 });
    assert.throws(() => v.step([0, 0]), /env 1: boom/);
    const lengths: number[] = [];
    for (let t = 0; t < 6; t++) {
      let r;
      try {
        r = v.step([0, 0]);
      } catch {
        // disabled mode may legitimately refuse; reset what ended, as a user would
        v.reset({ options: { resetMask: [1, 1] } });
        continue;
      }
      const ep = r.info.episode as { l: Int32Array } | undefined;
      if (ep && (r.info._episode as Uint8Array)[0]) lengths.push(ep.l[0]);
      if (mode === 'disabled' && (r.terminated[0] || r.truncated[0])) v.reset({ options: { resetMask: [1, 0] } });
    }
    // env 0 ends every episode after exactly one step
    assert.ok(
      lengths.every((l) => l === 1),
      `episode lengths reported for env 0: ${JSON.stringify(lengths)} (each is 1)`,
    );
    assert.equal(term.stepsAfterEnd, 0, 'env 0 was stepped after its episode ended, without a reset');
    assert.equal(flaky.stepsWhileBroken, 0, 'env 1 threw in step() and was stepped again without a reset');
    v.close();
  });
}

test('a scalar seed whose seed + i is not a safe integer fails before any env is reset', () => {
  // README: "Bad actions, bad seeds and calls out of order fail before any env is stepped".
  const a = makeVec('CartPole-v1', 2),
    b = makeVec('CartPole-v1', 2);
  a.reset({ seed: 5 });
  b.reset({ seed: 5 });
  assert.throws(() => a.reset({ seed: Number.MAX_SAFE_INTEGER }));
  const x = a.step([1, 1]),
    y = b.step([1, 1]);
  assert.deepEqual(
    Array.from(x.obs as Float32Array),
    Array.from(y.obs as Float32Array),
    'env 0 was reset by the failed reset()',
  );
  a.close();
  b.close();
});

class DictObsEnv extends Env<Record<string, unknown>, number> {
  readonly observationSpace = new Dict({ pos: new Box(0, 10, [1]), k: new Discrete(3) });
  readonly actionSpace = new Discrete(2);
  t = 0;
  override reset(opts: ResetOptions = {}): ResetResult<Record<string, unknown>> {
    super.reset(opts);
    this.t = 0;
    return { obs: { pos: new Float32Array([0]), k: 0 }, info: {} };
  }
  step(): StepResult<Record<string, unknown>> {
    this.t++;
    return {
      obs: { pos: new Float32Array([this.t]), k: 1 },
      reward: 1,
      terminated: this.t >= 2,
      truncated: false,
      info: {},
    };
  }
}

test('same-step final_obs[i] holds the last observation for Dict observation spaces too', () => {
  // README: "info.final_obs[i] ... the last one". Gymnasium special-cases "final_obs" in _add_info so it is never
  // recursed into; here a Dict observation is merged key by key and final_obs[i] is undefined.
  const v = new SyncVectorEnv([() => new DictObsEnv(), () => new DictObsEnv()], { autoreset: 'same-step' });
  v.reset({ seed: 0 });
  v.step([0, 0]);
  const r = v.step([0, 0]);
  assert.deepEqual(Array.from(r.info._final_obs as Uint8Array), [1, 1]);
  const fin = r.info.final_obs as unknown[];
  assert.ok(Array.isArray(fin), `final_obs is ${Object.prototype.toString.call(fin)}, not one entry per env`);
  assert.equal((fin[0] as { k: number }).k, 1);
  v.close();
});

// A user env for worker threads, as a data: module (no fixture file needed).
const rlUrl = new URL('../src/rl/index.js', import.meta.url).href;
const modSrc = `
import { Env, Box, Discrete, register } from ${JSON.stringify(rlUrl)};
class FnInfoOnce extends Env {
  observationSpace = new Box(0, 1, [1]); actionSpace = new Discrete(2); t = 0; episodes = 0;
  reset(o = {}) { super.reset(o); this.t = 0; return { obs: new Float32Array([0]), info: {} }; }
  step() {
    this.t++;
    const done = this.t >= 2;
    const info = done && this.episodes++ === 0 ? { callback: () => 1 } : {};
    return { obs: new Float32Array([0]), reward: 1, terminated: done, truncated: false, info };
  }
}
register('review/FnInfoOnce-v0', { entryPoint: FnInfoOnce, modules: [import.meta.url] });
`;
const modUrl = 'data:text/javascript,' + encodeURIComponent(modSrc);
await import(modUrl);

test('worker mode: a step that fails (info not cloneable) must not silently lose an episode end', () => {
  // Every episode lasts 2 steps. The first episode's last info holds a function: fine in sync mode; in worker mode
  // the worker has already stepped (and will autoreset) its envs when postMessage fails, but the main thread never
  // learns that the episode ended, so the next reported episode length is wrong.
  const lengths: Record<string, number[]> = {};
  for (const mode of ['sync', 'worker'] as const) {
    const v = makeVec('review/FnInfoOnce-v0', 1, { mode, timeoutMs: 10000 });
    v.reset({ seed: 0 });
    lengths[mode] = [];
    for (let t = 0; t < 8; t++) {
      try {
        const r = v.step([0]);
        if (r.info.episode) lengths[mode].push((r.info.episode as { l: Int32Array }).l[0]);
      } catch {
        /* the failed step */
      }
    }
    v.close();
  }
  assert.ok(lengths.sync.every((l) => l === 2));
  assert.ok(
    lengths.worker.every((l) => l === 2),
    `worker-mode episode lengths: ${JSON.stringify(lengths.worker)} (each is 2)`,
  );
});

test('worker protocol survives the request counter passing 2^31 - 1', () => {
  // worker_vector_env.ts: seq = Atomics.add(ctrl, REQ, 1) + 1 is not wrapped to int32, but the worker echoes
  // the wrapped Int32 value in DONE: after 2^31 - 1 commands every command times out.
  const v = new WorkerVectorEnv('CartPole-v1', 1, { numWorkers: 1, timeoutMs: 3000 });
  const h = (v as unknown as { workers: { ctrl: Int32Array; port: MessagePort }[] }).workers[0];
  // Drive the worker to request number 2^31 - 1 with a legitimate reset command.
  h.port.postMessage({ seeds: [0], options: undefined, mask: null });
  Atomics.store(h.ctrl, CMD, CMD_RESET);
  Atomics.store(h.ctrl, REQ, 2 ** 31 - 1);
  Atomics.notify(h.ctrl, REQ);
  const until = Date.now() + 5000;
  while (Atomics.load(h.ctrl, DONE) !== 2 ** 31 - 1 && Date.now() < until)
    Atomics.wait(h.ctrl, DONE, Atomics.load(h.ctrl, DONE), 50);
  assert.equal(Atomics.load(h.ctrl, DONE), 2 ** 31 - 1);
  // The next command is number 2^31.
  try {
    assert.doesNotThrow(() => v.reset({ seed: 1 }));
  } finally {
    v.close();
  }
});

test('next-step autoreset ignores the actions of resetting envs in worker mode as in sync mode', () => {
  // vector_env.ts skips validation of those actions ("its action is ignored"), but WorkerVectorEnv.stepEnvs
  // still writes them into shared memory and crashes on null.
  for (const mode of ['sync', 'worker'] as const) {
    const v = makeVec('Pendulum-v1', 2, { mode, makeOptions: { maxEpisodeSteps: 1 } });
    v.reset({ seed: 0 });
    v.step(new Float32Array([0, 0])); // both truncate
    assert.doesNotThrow(() => v.step([null, null]), `${mode} mode`);
    v.close();
  }
});

const throwSrc = `
import { Env, Box, Discrete, register } from ${JSON.stringify(rlUrl)};
class ThrowsTypeErrorOnce extends Env {
  observationSpace = new Box(0, 1, [1]); actionSpace = new Discrete(2); calls = 0;
  reset(o = {}) { super.reset(o); return { obs: new Float32Array([0.5]), info: {} }; }
  step() {
    if (this.calls++ === 1) throw new TypeError('bad wiring');
    return { obs: new Float32Array([1]), reward: 1, terminated: false, truncated: false, info: {} };
  }
}
register('edge/ThrowsTypeErrorOnce-v0', { entryPoint: ThrowsTypeErrorOnce, modules: [import.meta.url] });
`;
await import('data:text/javascript,' + encodeURIComponent(throwSrc));

test('an env error inside a worker keeps its class, names the env, and the env is reset before its next step', () => {
  for (const mode of ['sync', 'worker'] as const) {
    const v = makeVec('edge/ThrowsTypeErrorOnce-v0', 3, {
      mode,
      numWorkers: mode === 'worker' ? 2 : undefined,
      autoreset: 'same-step',
    });
    v.reset({ seed: 0 });
    v.step([0, 0, 0]);
    assert.throws(
      () => v.step([0, 0, 0]),
      (e: Error) => e instanceof TypeError && /env 0: bad wiring/.test(e.message),
      mode,
    );
    const r = v.step([0, 0, 0]);
    // Every env threw on its second step: each is reset on this step (reward 0, first observation).
    assert.deepEqual(Array.from(r.obs as Float32Array), [0.5, 0.5, 0.5], mode);
    assert.deepEqual(Array.from(r.rewards), [0, 0, 0], mode);
    const r2 = v.step([0, 0, 0]);
    assert.deepEqual(Array.from(r2.rewards), [1, 1, 1], mode);
    if (mode === 'worker')
      assert.throws(() => v.reset({ options: { fn: () => 1 } }), /options must be structured-cloneable/);
    else v.reset({ options: { fn: () => 1 } }); // in this thread any value can be passed
    v.close();
  }
});

// The main thread waits for its workers in Atomics.wait, where it cannot hear a worker's exit event: a worker that
// ends (env code calling process.exit ends its thread) says so in shared memory, and the vector env fails at once
// with the exit code, not after its timeout (60 s by default) with "did not answer".
test('a worker thread that exits fails the vector env at once, naming the worker, its exit code and the command', async () => {
  await import('./fixtures/exits_in_worker.js');
  assert.throws(
    () => makeVec('test/ExitsOnMake-v0', 2, { mode: 'worker', numWorkers: 1 }),
    /WorkerVectorEnv: worker 0 exited with code 9 during starting/,
  );
  const v = makeVec('test/ExitsOnStep-v0', 4, { mode: 'worker', numWorkers: 2 });
  v.reset({ seed: 1 });
  v.step([0, 0, 0, 0]);
  assert.throws(
    () => v.step([0, 0, 0, 1]),
    /WorkerVectorEnv: worker 1 exited with code 7 during step.*the vector env was closed/,
  );
  assert.throws(() => v.step([0, 0, 0, 0]), /closed/, 'a closed vector env refuses further steps');
});

// A worker thread starts from worker_boot.js, which imports nothing that can fail; when the rest of the worker's
// module graph cannot load (here: a copy of the built package with a module that only the worker thread imports
// removed), the vector env fails at once with the import's error instead of waiting out its timeout.
test('a worker whose modules cannot be loaded fails the vector env at once, with the reason', async () => {
  const { cpSync, mkdtempSync, rmSync } = await import('node:fs');
  const path = await import('node:path');
  const { fileURLToPath, pathToFileURL } = await import('node:url');
  const built = path.dirname(path.dirname(fileURLToPath(import.meta.url))); // dist/, where node_modules is found above
  const copy = mkdtempSync(path.join(built, 'broken-worker-'));
  try {
    cpSync(path.join(built, 'src'), path.join(copy, 'src'), { recursive: true });
    rmSync(path.join(copy, 'src', 'rl', 'vector', 'import_module.js')); // imported by worker_main.js, not by the main thread's graph
    const rl = (await import(
      pathToFileURL(path.join(copy, 'src', 'rl', 'index.js')).href
    )) as typeof import('../src/rl/index.js');
    const t0 = performance.now();
    assert.throws(
      () => new rl.WorkerVectorEnv('CartPole-v1', 2, { numWorkers: 1, timeoutMs: 30_000 }),
      /starting failed in worker 0: the worker thread could not load its modules: .*import_module\.js/,
    );
    assert.ok(performance.now() - t0 < 15_000, `failed after ${Math.round(performance.now() - t0)} ms, not at once`);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});
