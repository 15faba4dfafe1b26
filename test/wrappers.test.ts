import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  make,
  RecordEpisodeStatistics,
  NormalizeObservation,
  NormalizeReward,
  RunningMeanStd,
  ClipAction,
  RescaleAction,
  FlattenObservation,
  TransformObservation,
  TransformReward,
  TimeLimit,
  Box,
  Discrete,
  Dict,
  Env,
  hasState,
  type ResetOptions,
  type ResetResult,
  type StepResult,
} from '../src/rl/index.js';

test('RecordEpisodeStatistics reports return and length at episode end', () => {
  const env = new RecordEpisodeStatistics(make<Float32Array, number>('CartPole-v1'));
  env.reset({ seed: 0 });
  let total = 0,
    len = 0;
  for (let ep = 0; ep < 3; ep++) {
    for (;;) {
      const r = env.step(len % 2);
      total += r.reward;
      len++;
      if (r.terminated || r.truncated) {
        const s = r.info.episode as { r: number; l: number; t: number };
        assert.equal(s.r, total);
        assert.equal(s.l, len);
        assert.ok(s.t >= 0);
        break;
      }
      assert.equal('episode' in r.info, false);
    }
    total = 0;
    len = 0;
    env.reset();
  }
  assert.equal(env.episodeCount, 3);
  assert.equal(env.returnQueue.length, 3);
});

test('RunningMeanStd: batch and one-by-one updates agree with the direct statistics', () => {
  const xs = Array.from({ length: 300 }, (_v, i) => [Math.sin(i) * 3 + 1, (i % 7) - 2]);
  const a = new RunningMeanStd(2),
    b = new RunningMeanStd(2);
  xs.forEach((x) => a.update(x));
  b.updateBatch(xs.flat(), xs.length);
  for (let d = 0; d < 2; d++) {
    const col = xs.map((x) => x[d]);
    const mean = col.reduce((s, v) => s + v, 0) / col.length;
    const variance = col.reduce((s, v) => s + (v - mean) ** 2, 0) / col.length;
    assert.ok(Math.abs(a.mean[d] - mean) < 1e-5 && Math.abs(b.mean[d] - mean) < 1e-5);
    assert.ok(Math.abs(a.var[d] - variance) < 1e-3 * variance + 1e-5, `${a.var[d]} vs ${variance}`);
    assert.ok(Math.abs(a.var[d] - b.var[d]) < 1e-9);
  }
  const back = RunningMeanStd.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
  assert.deepEqual(back.mean, a.mean);
});

test('NormalizeObservation standardizes with the running statistics', () => {
  const env = new NormalizeObservation(make<Float32Array, number>('CartPole-v1'));
  assert.equal(String(env.observationSpace), 'Box(-inf, inf, (4,), float32)');
  const raw: ArrayLike<number>[] = [];
  const inner = env.env;
  const origStep = inner.step.bind(inner);
  inner.step = (a: number) => {
    const r = origStep(a);
    raw.push(r.obs.slice());
    return r;
  };
  env.reset({ seed: 1 });
  let last: Float32Array = new Float32Array(4);
  for (let t = 0; t < 200; t++) {
    const r = env.step(t % 2);
    last = r.obs;
    if (r.terminated || r.truncated) env.reset();
  }
  assert.ok(last instanceof Float32Array);
  const x = raw[raw.length - 1];
  const { mean, var: v } = env.obsRms;
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(last[i] - (x[i] - mean[i]) / Math.sqrt(v[i] + 1e-8)) < 1e-5);
  env.updateRunningMean = false;
  const count = env.obsRms.count;
  env.step(0);
  assert.equal(env.obsRms.count, count, 'frozen statistics');
});

test('NormalizeReward divides by the std of the discounted return, without subtracting a mean', () => {
  const env = new NormalizeReward(make<Float32Array, number>('CartPole-v1', { maxEpisodeSteps: 20 }), 0.9);
  env.reset({ seed: 0 });
  const rms = new RunningMeanStd(1);
  let g = 0;
  for (let t = 0; t < 100; t++) {
    const r = env.step(t % 2);
    g = g * 0.9 * (r.terminated ? 0 : 1) + 1; // CartPole pays 1 per step
    rms.update([g]);
    assert.ok(r.reward > 0, 'sign kept');
    assert.ok(Math.abs(r.reward - 1 / Math.sqrt(rms.var[0] + 1e-8)) < 1e-12);
    if (r.terminated || r.truncated) env.reset();
  }
  assert.throws(() => new NormalizeReward(make('CartPole-v1'), 2), /gamma must be in \[0, 1\], got 2/);
});

test('ClipAction clips into the bounds; RescaleAction maps affinely', () => {
  const pairs: [number, number][] = [];
  for (const [a, expected] of [
    [5, 2],
    [-7, -2],
    [0.5, 0.5],
  ])
    pairs.push([a, expected]);
  for (const [a, expected] of pairs) {
    const clipped = new ClipAction(make<Float32Array, Float32Array>('Pendulum-v1', { disableEnvChecker: true }));
    const ref = make<Float32Array, Float32Array>('Pendulum-v1', { disableEnvChecker: true });
    clipped.reset({ seed: 4 });
    ref.reset({ seed: 4 });
    assert.deepEqual(clipped.step([a]), ref.step(new Float32Array([expected])));
  }
  const clipped = new ClipAction(make('Pendulum-v1'));
  assert.equal(String(clipped.actionSpace), 'Box(-inf, inf, (1,), float32)');
  const scaled = new RescaleAction(make<Float32Array, Float32Array>('Pendulum-v1'), -1, 1);
  assert.equal(String(scaled.actionSpace), 'Box(-1, 1, (1,), float32)');
  for (const [a, expected] of [
    [1, 2],
    [-1, -2],
    [0.25, 0.5],
  ]) {
    const s = new RescaleAction(make<Float32Array, Float32Array>('Pendulum-v1'), -1, 1);
    const ref = make<Float32Array, Float32Array>('Pendulum-v1');
    s.reset({ seed: 9 });
    ref.reset({ seed: 9 });
    assert.deepEqual(s.step(new Float32Array([a])), ref.step(new Float32Array([expected])));
  }
  assert.throws(
    () => new RescaleAction(make('Pendulum-v1'), 1, 1),
    /minAction\[0\] = 1 must be below maxAction\[0\] = 1/,
  );
  assert.throws(() => new ClipAction(make('CartPole-v1') as never), /expected a Box action space, got Discrete\(2\)/);
});

test('FlattenObservation one-hot encodes discrete observations and flattens dicts', () => {
  const env = new FlattenObservation(make<number, number>('FrozenLake-v1'));
  assert.equal(String(env.observationSpace), 'Box(0, 1, (16,), float32)');
  const { obs } = env.reset({ seed: 0 });
  assert.ok(obs instanceof Float32Array && obs.length === 16 && obs[0] === 1 && obs.reduce((a, b) => a + b) === 1);

  class DictEnv extends Env<Record<string, unknown>, number> {
    readonly observationSpace = new Dict({ pos: new Box(-1, 1, [2], 'float64'), cell: new Discrete(3) });
    readonly actionSpace = new Discrete(2);
    override reset(opts: ResetOptions = {}): ResetResult<Record<string, unknown>> {
      super.reset(opts);
      return { obs: { pos: new Float64Array([0.5, -0.25]), cell: 2 }, info: {} };
    }
    step(): StepResult<Record<string, unknown>> {
      return {
        obs: { pos: new Float64Array([0, 0]), cell: 0 },
        reward: 0,
        terminated: true,
        truncated: false,
        info: {},
      };
    }
  }
  const d = new FlattenObservation(new DictEnv());
  assert.equal(d.observationSpace.flatDim, 5);
  const o = d.reset().obs;
  assert.ok(o instanceof Float64Array);
  assert.deepEqual(Array.from(o), [0, 0, 1, 0.5, -0.25], 'keys in sorted order: cell, pos');
});

test('TransformObservation and TransformReward apply their functions', () => {
  const env = new TransformReward(
    new TransformObservation(make<Float32Array, number>('CartPole-v1'), (o) => o.map((v) => v * 2)),
    (r) => r - 1,
  );
  const ref = make<Float32Array, number>('CartPole-v1');
  const a = env.reset({ seed: 2 }).obs,
    b = ref.reset({ seed: 2 }).obs;
  assert.deepEqual(
    Array.from(a),
    Array.from(b).map((v) => Math.fround(v * 2)),
  );
  const r = env.step(1);
  assert.equal(r.reward, 0);
});

test('wrappers forward spec, metadata, rng and unwrapped', () => {
  const env = new RecordEpisodeStatistics(make('CartPole-v1'));
  assert.equal(env.spec?.id, 'CartPole-v1');
  assert.ok(env.metadata.renderModes.includes('ansi'));
  assert.ok(hasState(env.unwrapped));
  env.reset({ seed: 5 });
  assert.equal(env.rng, env.unwrapped.rng);
  assert.throws(() => new TimeLimit(make('CartPole-v1'), 0), /maxEpisodeSteps must be a positive integer, got 0/);
  assert.match(String(env), /RecordEpisodeStatistics.*CartPole-v1/);
});
