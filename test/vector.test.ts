import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import {
  makeVec,
  make,
  SyncVectorEnv,
  WorkerVectorEnv,
  InvalidActionError,
  ResetNeededError,
  UnknownEnvError,
  type VectorEnv,
  type AutoresetMode,
} from '../src/rl/index.js';
import { REQ } from '../src/rl/vector/worker_protocol.js';
import './fixtures/line_walk.js';

type Trace = unknown[];

function rollout(venv: VectorEnv, steps: number, seed: number): Trace {
  const n = venv.numEnvs;
  const trace: Trace = [];
  const r0 = venv.reset({ seed });
  trace.push(Array.from(r0.obs as Float32Array));
  venv.singleActionSpace.seed(seed);
  for (let t = 0; t < steps; t++) {
    const acts = new Int32Array(n);
    for (let i = 0; i < n; i++) acts[i] = venv.singleActionSpace.sample() as number;
    const r = venv.step(acts);
    trace.push(
      Array.from(r.obs as Float32Array),
      Array.from(r.rewards),
      Array.from(r.terminated),
      Array.from(r.truncated),
    );
    const fin = r.info.final_obs as unknown[] | undefined;
    if (fin) trace.push(fin.map((o) => (o ? Array.from(o as Float32Array) : null)));
    const ep = r.info.episode as { r: Float64Array; l: Int32Array } | undefined;
    if (ep) trace.push(Array.from(ep.r), Array.from(ep.l), Array.from(r.info._episode as Uint8Array));
  }
  return trace;
}

for (const mode of ['next-step', 'same-step'] as AutoresetMode[]) {
  test(`sync and worker vector envs give identical trajectories (${mode})`, () => {
    const sync = makeVec('CartPole-v1', 5, { mode: 'sync', autoreset: mode });
    const worker = makeVec('CartPole-v1', 5, { mode: 'worker', autoreset: mode, numWorkers: 2 });
    try {
      assert.ok(worker instanceof WorkerVectorEnv);
      assert.deepEqual(rollout(sync, 300, 11), rollout(worker, 300, 11));
    } finally {
      sync.close();
      worker.close();
    }
  });
}

// Atomics.wait may return "ok" with nothing new to do (seen in Node 20 under load: a worker stepped its envs a
// second time and the trajectories above parted). A wake-up without a new request must not serve the last again.
test('a worker woken without a new request does not step its envs again', () => {
  const worker = makeVec('CartPole-v1', 2, { mode: 'worker', numWorkers: 1 });
  const sync = makeVec('CartPole-v1', 2, { mode: 'sync' });
  try {
    const acts = Int32Array.from([1, 0]);
    for (const v of [worker, sync]) {
      v.reset({ seed: 5 });
      v.step(acts);
    }
    const { ctrl } = (worker as unknown as { workers: { ctrl: Int32Array }[] }).workers[0];
    const sleep = new Int32Array(new SharedArrayBuffer(4));
    for (let k = 0; k < 5; k++) {
      Atomics.notify(ctrl, REQ); // a wake-up with the request counter unchanged
      Atomics.wait(sleep, 0, 0, 20);
    }
    const a = Array.from(worker.step(acts).obs as Float32Array);
    assert.deepEqual(a, Array.from(sync.step(acts).obs as Float32Array));
  } finally {
    worker.close();
    sync.close();
  }
});

test('next-step autoreset: the step after an episode ends resets that env (reward 0, flags false)', () => {
  const n = 3;
  const venv = makeVec('CartPole-v1', n, { autoreset: 'next-step' });
  const singles = Array.from({ length: n }, () => make<Float32Array, number>('CartPole-v1'));
  const r0 = venv.reset({ seed: 100 });
  singles.forEach((e, i) =>
    assert.deepEqual(
      Array.from((r0.obs as Float32Array).subarray(i * 4, i * 4 + 4)),
      Array.from(e.reset({ seed: 100 + i }).obs),
    ),
  );
  const ended = new Array(n).fill(false);
  let sawReset = false;
  for (let t = 0; t < 120; t++) {
    const acts = Int32Array.from({ length: n }, (_v, i) => (t + i) % 2);
    const r = venv.step(acts);
    for (let i = 0; i < n; i++) {
      const o = Array.from((r.obs as Float32Array).subarray(i * 4, i * 4 + 4));
      if (ended[i]) {
        sawReset = true;
        assert.deepEqual(o, Array.from(singles[i].reset().obs));
        assert.equal(r.rewards[i], 0);
        assert.equal(r.terminated[i] + r.truncated[i], 0);
        ended[i] = false;
      } else {
        const s = singles[i].step(acts[i]);
        assert.deepEqual(o, Array.from(s.obs));
        assert.equal(r.rewards[i], s.reward);
        assert.equal(r.terminated[i], s.terminated ? 1 : 0);
        ended[i] = s.terminated || s.truncated;
      }
    }
  }
  assert.ok(sawReset);
  venv.close();
});

test('same-step autoreset puts the final observation and info in the info', () => {
  const venv = makeVec('CartPole-v1', 2, { autoreset: 'same-step' });
  const single = make<Float32Array, number>('CartPole-v1');
  venv.reset({ seed: 5 });
  single.reset({ seed: 5 });
  for (let t = 0; t < 200; t++) {
    const r = venv.step([1, 1]);
    const s = single.step(1);
    if (s.terminated || s.truncated) {
      const mask = r.info._final_obs as Uint8Array;
      assert.equal(mask[0], 1);
      assert.deepEqual(Array.from((r.info.final_obs as Float32Array[])[0]), Array.from(s.obs));
      assert.deepEqual(Array.from((r.obs as Float32Array).subarray(0, 4)), Array.from(single.reset().obs));
      assert.equal((r.info.episode as { l: Int32Array }).l[0], t + 1);
      venv.close();
      return;
    }
    assert.deepEqual(Array.from((r.obs as Float32Array).subarray(0, 4)), Array.from(s.obs));
  }
  assert.fail('episode never ended');
});

test('disabled autoreset: stepping an ended env is refused until it is reset by mask', () => {
  const venv = makeVec('CartPole-v1', 2, { autoreset: 'disabled' });
  venv.reset({ seed: 1 });
  let r;
  do r = venv.step([1, 0]);
  while (!r.terminated[0] && !r.truncated[0] && !r.terminated[1]);
  assert.throws(
    () => venv.step([1, 0]),
    (e: Error) => e instanceof ResetNeededError && /autoreset is disabled/.test(e.message),
  );
  const ended = Array.from(r.terminated, (v, i) => v || r.truncated[i]);
  venv.reset({ options: { resetMask: ended } });
  const after = venv.step([0, 0]);
  assert.equal(after.obs instanceof Float32Array, true);
  assert.throws(() => venv.reset({ options: { resetMask: [1] } }), /resetMask must have 2 entries/);
  venv.close();
});

test('bad input never leaves a vector env broken', () => {
  for (const mode of ['sync', 'worker'] as const) {
    const a = makeVec('CartPole-v1', 3, { mode });
    const b = makeVec('CartPole-v1', 3, { mode: 'sync' });
    try {
      assert.throws(() => a.step([0, 0, 0]), /called before reset/);
      a.reset({ seed: 9 });
      b.reset({ seed: 9 });
      assert.throws(
        () => a.step([0, 2, 0]),
        (e: Error) =>
          e instanceof InvalidActionError &&
          /action 2 for env 1 is not in the action space Discrete\(2\)/.test(e.message),
      );
      assert.throws(() => a.step([0, 1]), /expected 3 actions in Discrete\(2\)/);
      assert.throws(() => a.step('x'), /expected 3 actions/);
      assert.throws(() => a.reset({ seed: [1, 2] }), /seed must be a number or an array of 3 seeds/);
      assert.throws(() => a.reset({ seed: -4 }), /non-negative safe integer, got -4/);
      // Nothing was stepped by the failed calls: a and b are still in step.
      for (let t = 0; t < 50; t++) {
        const x = a.step([1, 0, 1]),
          y = b.step([1, 0, 1]);
        assert.deepEqual(x.obs, y.obs);
        assert.deepEqual(x.rewards, y.rewards);
      }
    } finally {
      a.close();
      b.close();
    }
  }
  assert.throws(
    () => makeVec('CartPol-v1', 2),
    (e: Error) => e instanceof UnknownEnvError && /CartPole-v1/.test(e.message),
  );
  assert.throws(() => makeVec('CartPole-v1', 0), /n must be a positive integer, got 0/);
  assert.throws(
    () => makeVec('CartPole-v1', 2, { mode: 'threads' as never }),
    /mode must be "sync" or "worker", got "threads"/,
  );
  assert.throws(() => makeVec('CartPole-v1', 2, { autoreset: 'always' as never }), /autoreset must be one of/);
  assert.throws(
    () => makeVec('CartPole-v1', 2, { mode: 'worker', makeOptions: { bogus: 1 } }),
    /unknown argument "bogus"/,
  );
  const closed = makeVec('CartPole-v1', 1);
  closed.close();
  assert.throws(() => closed.reset(), /closed/);
});

test('worker mode runs user-registered envs and reports worker-side errors', () => {
  const venv = makeVec('test/LineWalk-v0', 4, { mode: 'worker', makeOptions: { size: 5 } });
  const ref = makeVec('test/LineWalk-v0', 4, { mode: 'sync', makeOptions: { size: 5 } });
  const a = venv.reset({ seed: 3 }),
    b = ref.reset({ seed: 3 });
  assert.deepEqual(a.obs, b.obs);
  assert.deepEqual(a.info, b.info, 'reset infos travel from the workers');
  const noTime = (r: ReturnType<typeof venv.step>) => {
    const ep = r.info.episode as { t?: unknown } | undefined;
    if (ep) delete ep.t; // wall time differs between runs
    return r;
  };
  for (let t = 0; t < 30; t++) assert.deepEqual(noTime(venv.step([1, 1, 0, 1])), noTime(ref.step([1, 1, 0, 1])));
  venv.close();
  ref.close();
  const bad = fileURLToPath(new URL('./fixtures/throws_on_import.js', import.meta.url));
  assert.throws(
    () => new WorkerVectorEnv('CartPole-v1', 2, { modules: [bad] }),
    /starting failed in worker 0: cannot load module .*throws_on_import/,
  );
});

test('batched observations, infos and episode statistics', () => {
  const venv = makeVec('FrozenLake-v1', 4, { copy: false });
  const r = venv.reset({ seed: 0 });
  assert.ok(r.obs instanceof Int32Array && r.obs.length === 4);
  assert.equal(String(venv.observationSpace), 'MultiDiscrete([16 16 16 16])');
  const s = venv.step(new Int32Array([1, 2, 1, 2]));
  assert.ok(s.info.prob instanceof Float64Array);
  assert.deepEqual(Array.from(s.info._prob as Uint8Array), [1, 1, 1, 1]);
  venv.close();
  const cp = makeVec('Pendulum-v1', 3);
  assert.equal(String(cp.actionSpace), 'Box(-2, 2, (3, 1), float32)');
  const o = cp.reset({ seed: 0 }).obs as Float32Array;
  assert.ok(o instanceof Float32Array && o.length === 9);
  let last = cp.step(new Float32Array([0.5, -0.5, 0]));
  for (let t = 1; t < 200; t++) last = cp.step(new Float32Array([0.5, -0.5, 0]));
  const ep = last.info.episode as { r: Float64Array; l: Int32Array };
  assert.deepEqual(Array.from(ep.l), [200, 200, 200]);
  assert.deepEqual(Array.from(last.truncated), [1, 1, 1]);
  assert.ok(ep.r.every((v) => v < 0));
  cp.close();
});

test('SyncVectorEnv from closures; mismatched spaces are refused', () => {
  const v = new SyncVectorEnv([() => make('CartPole-v1'), () => make('CartPole-v1')]);
  assert.equal(v.numEnvs, 2);
  v.close();
  assert.throws(
    () => new SyncVectorEnv([() => make('CartPole-v1'), () => make('Acrobot-v1')]),
    /env 1 has spaces .* all must match/,
  );
  assert.throws(() => new SyncVectorEnv([]), /non-empty array of functions/);
});
