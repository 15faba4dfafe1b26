/**
 * Classic-control environments: conformance with the reference (Gymnasium 1.4.0) through the golden traces,
 * plus seeding, state access, arguments, action clipping and rendering.
 *
 * Golden files are found by the env id they declare, in test/golden and, when it exists, in the shared folder
 * beside the repository (../shared/golden).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HasState, ResetOptions, ResetResult, StepResult } from '../src/rl/core/env.js';
import {
  AcrobotEnv,
  CartPoleEnv,
  ContinuousMountainCarEnv,
  MountainCarEnv,
  PendulumEnv,
} from '../src/rl/envs/classic_control/index.js';

const OBS_TOLERANCE = 1e-5;
const REWARD_TOLERANCE = 1e-9;

/** The repository root: this file runs as dist/test/classic_control.test.js. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GOLDEN_DIRS = [
  path.join(ROOT, 'test', 'golden'),
  path.join(ROOT, 'test', 'golden-numpy1'),
  path.resolve(ROOT, '..', 'shared', 'golden'),
];

type Action = number | number[];

/** An env under test, with a step that takes the trace's action form. */
interface Subject extends HasState {
  reset(opts?: ResetOptions): ResetResult<Float32Array>;
  step(action: Action): StepResult<Float32Array>;
  render(): string | null;
}

interface EnvCase {
  make(kwargs?: Record<string, unknown>): Subject;
  stateSize: number;
  /** A deterministic action for step i, covering the action space (and beyond it, for continuous envs). */
  action(i: number): Action;
}

function discrete<E extends { step(a: number): StepResult<Float32Array> } & Omit<Subject, 'step'>>(env: E): Subject {
  return {
    reset: (opts) => env.reset(opts),
    step: (a) => env.step(a as number),
    render: () => env.render(),
    getState: () => env.getState(),
    setState: (s) => env.setState(s),
  };
}

const CASES: Record<string, EnvCase> = {
  'CartPole-v1': { make: (k) => discrete(new CartPoleEnv(k)), stateSize: 4, action: (i) => (i * 7) % 2 },
  'MountainCar-v0': { make: (k) => discrete(new MountainCarEnv(k)), stateSize: 2, action: (i) => (i * 5) % 3 },
  'MountainCarContinuous-v0': {
    make: (k) => new ContinuousMountainCarEnv(k),
    stateSize: 2,
    action: (i) => [2.5 * Math.sin(i)],
  },
  'Acrobot-v1': { make: (k) => discrete(new AcrobotEnv(k)), stateSize: 4, action: (i) => (i * 5) % 3 },
  'Pendulum-v1': { make: (k) => new PendulumEnv(k), stateSize: 2, action: (i) => [2.5 * Math.sin(i)] },
};

interface GoldenEpisode {
  state: number[];
  actions: Action[];
  observations: number[][];
  rewards: number[];
  terminated: boolean[];
  truncated: boolean[];
}

interface GoldenFile {
  env: string;
  max_episode_steps: number | null;
  /** The NumPy promotion rules of the recording (absent: NumPy 1.x's). */
  numpy_promotion?: 'nep50' | 'legacy';
  episodes: GoldenEpisode[];
}

function goldenFiles(dir: string): { file: string; golden: GoldenFile }[] {
  if (!fs.existsSync(dir)) return [];
  const out: { file: string; golden: GoldenFile }[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    if (!name.endsWith('.json')) continue;
    const file = path.join(dir, name);
    const golden = JSON.parse(fs.readFileSync(file, 'utf8')) as GoldenFile;
    if (typeof golden.env === 'string' && golden.env in CASES) out.push({ file, golden });
  }
  return out;
}

/** Replays every episode of `golden`; returns the largest errors seen. */
function replay(golden: GoldenFile): { obs: number; reward: number; steps: number } {
  const c = CASES[golden.env];
  const maxSteps = golden.max_episode_steps;
  let obsErr = 0,
    rewardErr = 0,
    steps = 0;
  golden.episodes.forEach((ep, e) => {
    const env = c.make({ numpyPromotion: golden.numpy_promotion ?? 'legacy' });
    env.reset({ seed: 0 });
    env.setState(ep.state);
    for (let i = 0; i < ep.actions.length; i++) {
      const r = env.step(ep.actions[i]);
      const where = `${golden.env} episode ${e} step ${i}`;
      const want = ep.observations[i];
      assert.equal(r.obs.length, want.length, `${where}: observation length`);
      for (let j = 0; j < want.length; j++) {
        const err = Math.abs(r.obs[j] - want[j]);
        obsErr = Math.max(obsErr, err);
        assert.ok(err <= OBS_TOLERANCE, `${where}: obs[${j}] = ${r.obs[j]}, reference ${want[j]}`);
      }
      const rErr = Math.abs(r.reward - ep.rewards[i]);
      rewardErr = Math.max(rewardErr, rErr);
      assert.ok(rErr <= REWARD_TOLERANCE, `${where}: reward ${r.reward}, reference ${ep.rewards[i]}`);
      assert.equal(r.terminated, ep.terminated[i], `${where}: terminated`);
      // The reference's TimeLimit wrapper: truncated once the elapsed steps reach max_episode_steps.
      const truncated = r.truncated || (maxSteps !== null && i + 1 >= maxSteps);
      assert.equal(truncated, ep.truncated[i], `${where}: truncated`);
      steps++;
      if (r.terminated || truncated) {
        assert.equal(i, ep.actions.length - 1, `${where}: the trace goes on after the episode ended`);
      }
    }
  });
  return { obs: obsErr, reward: rewardErr, steps };
}

const local = goldenFiles(GOLDEN_DIRS[0]);

test('every classic-control env has a golden trace in test/golden', () => {
  const found = new Set(local.map((g) => g.golden.env));
  for (const id of Object.keys(CASES)) assert.ok(found.has(id), `no golden file for ${id} in ${GOLDEN_DIRS[0]}`);
});

for (const dir of GOLDEN_DIRS) {
  for (const { file, golden } of goldenFiles(dir)) {
    test(`golden replay: ${golden.env} (${path.relative(ROOT, file)})`, (t) => {
      const err = replay(golden);
      assert.ok(err.steps > 0, 'the trace has no steps');
      t.diagnostic(`${golden.env}: ${err.steps} steps, max |obs error| ${err.obs}, max |reward error| ${err.reward}`);
    });
  }
}

for (const [id, c] of Object.entries(CASES)) {
  test(`${id}: the same seed gives the same start and trajectory`, () => {
    const a = c.make(),
      b = c.make();
    const ra = a.reset({ seed: 123 }),
      rb = b.reset({ seed: 123 });
    assert.deepEqual(ra.obs, rb.obs);
    assert.deepEqual(ra.info, {});
    for (let i = 0; i < 60; i++) {
      const sa = a.step(c.action(i)),
        sb = b.step(c.action(i));
      assert.deepEqual(sa.obs, sb.obs, `step ${i}`);
      assert.equal(sa.reward, sb.reward, `step ${i}`);
      assert.equal(sa.terminated, sb.terminated, `step ${i}`);
      assert.equal(sa.truncated, false, 'the env itself never truncates');
      assert.ok(sa.obs instanceof Float32Array);
      if (sa.terminated) break;
    }
    assert.deepEqual(a.reset({ seed: 123 }).obs, ra.obs, 'reseeding restarts the stream');
    assert.notDeepEqual(c.make().reset({ seed: 124 }).obs, ra.obs, 'another seed gives another start');
    const next = a.reset();
    assert.notDeepEqual(next.obs, ra.obs, 'a reset without a seed goes on with the stream');
  });

  test(`${id}: getState returns a copy and setState checks its input`, () => {
    const env = c.make();
    env.reset({ seed: 5 });
    const s = env.getState();
    assert.ok(s instanceof Float64Array);
    assert.equal(s.length, c.stateSize);
    s[0] = 1234;
    assert.notEqual(env.getState()[0], 1234);
    const wrong = new Array<number>(c.stateSize + 1).fill(0);
    assert.throws(
      () => env.setState(wrong),
      (e: Error) => e instanceof TypeError && new RegExp(`expected ${c.stateSize} numbers`).test(e.message),
    );
    assert.throws(() => env.setState(wrong.slice(0, c.stateSize - 1)), TypeError);
    assert.throws(() => env.setState(new Array(c.stateSize).fill('0')), TypeError);
    const target = Array.from({ length: c.stateSize }, (_, i) => 0.01 * (i + 1));
    env.setState(target);
    assert.deepEqual(Array.from(env.getState()), target);
  });

  test(`${id}: constructor arguments are validated`, () => {
    assert.throws(
      () => c.make({ bogus: 1 }),
      (e: Error) => e instanceof TypeError && /unknown argument "bogus"/.test(e.message),
    );
    assert.throws(() => c.make({ renderMode: 3 }), TypeError);
    assert.throws(
      () => c.make({ renderMode: 'human' }),
      (e: Error) => e instanceof TypeError && /not supported/.test(e.message),
    );
  });

  test(`${id}: render`, () => {
    assert.equal(c.make().render(), null);
    const env = c.make({ renderMode: 'ansi' });
    assert.match(env.render() ?? '', /not reset/);
    env.reset({ seed: 1 });
    env.step(c.action(0));
    const text = env.render();
    assert.equal(typeof text, 'string');
    assert.ok((text as string).length > 10 && (text as string).length < 300, `short text: ${text}`);
  });

  test(`${id}: step before reset fails`, () => {
    assert.throws(() => c.make().step(c.action(0)), /reset\(\)/);
  });
}

test('start states lie in the reference ranges; reset options change them', () => {
  for (let seed = 0; seed < 20; seed++) {
    const cart = new CartPoleEnv();
    for (const v of cart.reset({ seed }).obs) assert.ok(Math.abs(v) <= 0.05);
    assert.ok(cart.observationSpace.contains(cart.reset({ seed }).obs));
    for (const v of cart.reset({ seed, options: { low: 0.1, high: 0.2 } }).obs)
      assert.ok(v >= Math.fround(0.1) && v <= Math.fround(0.2));

    const car = new MountainCarEnv();
    const [p, v] = car.reset({ seed }).obs;
    assert.ok(p >= Math.fround(-0.6) && p <= Math.fround(-0.4));
    assert.equal(v, 0);
    const [p2] = new ContinuousMountainCarEnv().reset({ seed, options: { low: -0.7, high: -0.65 } }).obs;
    assert.ok(p2 >= Math.fround(-0.7) && p2 <= Math.fround(-0.65));

    const acrobot = new AcrobotEnv();
    const obs = acrobot.reset({ seed }).obs;
    assert.ok(acrobot.observationSpace.contains(obs));
    for (const s of acrobot.getState()) {
      assert.ok(Math.abs(s) <= 0.1);
      assert.equal(s, Math.fround(s), 'the reference rounds the start state to float32');
    }

    const pendulum = new PendulumEnv();
    pendulum.reset({ seed });
    const [th, thDot] = pendulum.getState();
    assert.ok(Math.abs(th) <= Math.PI && Math.abs(thDot) <= 1);
    pendulum.reset({ seed, options: { xInit: 0.1, yInit: 0.01 } });
    const [th2, thDot2] = pendulum.getState();
    assert.ok(Math.abs(th2) <= 0.1 && Math.abs(thDot2) <= 0.01);
  }
  assert.throws(() => new CartPoleEnv().reset({ options: { low: 0.2, high: 0.1 } }), RangeError);
  assert.throws(
    () => new AcrobotEnv().reset({ options: { low: 'a' } }),
    (e: Error) => e instanceof TypeError && /options\.low/.test(e.message),
  );
  assert.throws(() => new PendulumEnv().reset({ options: { xInit: null } }), TypeError);
});

test('invalid discrete actions are rejected', () => {
  const cart = new CartPoleEnv();
  cart.reset({ seed: 0 });
  for (const bad of [2, -1, 0.5, '1', NaN]) assert.throws(() => cart.step(bad as number), TypeError);
  const car = new MountainCarEnv();
  car.reset({ seed: 0 });
  assert.throws(() => car.step(3), /0, 1 or 2/);
  const acrobot = new AcrobotEnv();
  acrobot.reset({ seed: 0 });
  assert.throws(() => acrobot.step(-1), TypeError);
});

test('continuous actions: any array form, and out-of-bound actions are clipped as the reference does', () => {
  const start = [0.3, -0.2];
  const run = (env: PendulumEnv | ContinuousMountainCarEnv, action: Parameters<PendulumEnv['step']>[0]) => {
    env.reset({ seed: 0 });
    env.setState(start);
    return env.step(action);
  };
  // Pendulum clips the torque to [-2, 2] for both the dynamics and the reward.
  const p = new PendulumEnv();
  const atMax = run(p, [2]);
  for (const a of [[5], new Float32Array([5]), new Float64Array([5]), 5]) {
    const r = run(p, a);
    assert.deepEqual(r.obs, atMax.obs);
    assert.equal(r.reward, atMax.reward);
  }
  assert.deepEqual(run(p, [-9]).obs, run(p, [-2]).obs);
  assert.ok(p.actionSpace.contains(new Float32Array([2])) && !p.actionSpace.contains(new Float32Array([2.5])));

  // MountainCarContinuous clips the force for the dynamics, but its reward uses the action as given.
  const m = new ContinuousMountainCarEnv();
  const atOne = run(m, [1]);
  const beyond = run(m, new Float64Array([3]));
  assert.deepEqual(beyond.obs, atOne.obs);
  assert.equal(atOne.reward, -0.1);
  assert.equal(beyond.reward, -(3 * 3 * 0.1));
  assert.equal(run(m, -4).reward, -(4 * 4 * 0.1));
  assert.deepEqual(run(m, -4).obs, run(m, [-1]).obs);

  // Actions are float32 values, as in the reference's float32 action space.
  assert.equal(run(m, [0.1]).reward, -(Math.fround(0.1) * Math.fround(0.1) * 0.1));

  for (const env of [new PendulumEnv(), new ContinuousMountainCarEnv()]) {
    env.reset({ seed: 0 });
    assert.throws(() => env.step([1, 2]), /shape \(1,\)/);
    assert.throws(() => env.step([] as number[]), TypeError);
    assert.throws(() => env.step(['1'] as unknown as number[]), TypeError);
  }
});

test('CartPole: rewards around termination, with and without suttonBartoReward', () => {
  const plain = new CartPoleEnv();
  plain.reset({ seed: 0 });
  assert.equal(plain.step(1).reward, 1.0);
  plain.setState([2.39, 1, 0, 0]);
  const first = plain.step(1);
  assert.equal(first.terminated, true);
  assert.equal(first.reward, 1.0, 'the terminating step still earns +1');
  const after = plain.step(1);
  assert.equal(after.terminated, true);
  assert.equal(after.reward, 0.0, 'steps after termination earn 0');
  assert.equal(plain.step(0).reward, 0.0);
  plain.reset({ seed: 1 });
  assert.equal(plain.step(0).reward, 1.0, 'reset clears the terminated marker');

  const sb = new CartPoleEnv({ suttonBartoReward: true });
  sb.reset({ seed: 0 });
  assert.equal(sb.step(0).reward, 0.0);
  sb.setState([0, 0, 0.2094, 1]);
  const end = sb.step(0);
  assert.equal(end.terminated, true);
  assert.equal(end.reward, -1.0);
  assert.equal(sb.step(0).reward, -1.0);
  assert.throws(() => new CartPoleEnv({ suttonBartoReward: 1 }), TypeError);
});

test('MountainCar: goalVelocity, and the inelastic left wall', () => {
  const near = [0.49, 0.02];
  const makers: [string, (k?: Record<string, unknown>) => Subject, Action][] = [
    ['MountainCarEnv', (k) => discrete(new MountainCarEnv(k)), 2],
    ['ContinuousMountainCarEnv', (k) => new ContinuousMountainCarEnv(k), [1]],
  ];
  for (const [name, make, push] of makers) {
    const plain = make();
    plain.reset({ seed: 0 });
    plain.setState(near);
    assert.equal(plain.step(push).terminated, true, name);
    const strict = make({ goalVelocity: 0.5 });
    strict.reset({ seed: 0 });
    strict.setState(near);
    assert.equal(strict.step(push).terminated, false, name);
    assert.throws(() => make({ goalVelocity: '0.1' }), TypeError);
  }
  const car = new MountainCarEnv();
  car.reset({ seed: 0 });
  car.setState([-1.19, -0.05]);
  const r = car.step(0);
  assert.equal(r.obs[0], Math.fround(-1.2));
  assert.equal(r.obs[1], 0);
  assert.equal(r.reward, -1);
  const cont = new ContinuousMountainCarEnv();
  cont.reset({ seed: 0 });
  cont.setState([0.44, 0.02]);
  const goal = cont.step([0.5]);
  assert.equal(goal.terminated, true);
  assert.equal(goal.reward, 100 - Math.fround(0.5) * Math.fround(0.5) * 0.1);
});

test('Pendulum: g changes the dynamics; the reward penalizes the angle from upright', () => {
  const a = new PendulumEnv();
  const b = new PendulumEnv({ g: 9.81 });
  for (const env of [a, b]) {
    env.reset({ seed: 0 });
    env.setState([1, 0]);
  }
  assert.notDeepEqual(a.step([0]).obs, b.step([0]).obs);
  assert.equal(a.g, 10.0);
  assert.throws(() => new PendulumEnv({ g: '9.81' }), TypeError);

  const p = new PendulumEnv();
  p.reset({ seed: 0 });
  p.setState([0, 0]);
  assert.ok(p.step([0]).reward === 0, 'upright at rest costs nothing');
  // theta = 2 pi + 0.5 is 0.5 from upright.
  p.setState([2 * Math.PI + 0.5, 0]);
  assert.ok(Math.abs(p.step([0]).reward + 0.25) < 1e-12);
  p.setState([-0.5, 2]);
  assert.ok(Math.abs(p.step([1]).reward + (0.25 + 0.1 * 4 + Math.fround(0.001))) < 1e-12); // 0.001 u^2 is float32 (NumPy 2)
});

test('Acrobot: terminates when the tip rises above the bar, reward 0 there and -1 elsewhere', () => {
  const env = new AcrobotEnv();
  env.reset({ seed: 0 });
  env.setState([Math.PI, 0, 0, 0]);
  const up = env.step(1);
  assert.equal(up.terminated, true);
  assert.equal(up.reward, 0);
  env.setState([0, 0, 0, 0]);
  const down = env.step(1);
  assert.equal(down.terminated, false);
  assert.equal(down.reward, -1);
  // Hanging straight down is a rest point (up to the rounding of cos(-pi/2)).
  [1, 0, 1, 0, 0, 0].forEach((v, i) => assert.ok(Math.abs(down.obs[i] - v) < 1e-12, `obs[${i}] = ${down.obs[i]}`));
  // Velocities are clipped to the reference's bounds and angles wrapped into [-pi, pi].
  env.setState([3.1, -3.1, 100, -100]);
  env.step(2);
  const s = env.getState();
  assert.ok(Math.abs(s[0]) <= Math.PI && Math.abs(s[1]) <= Math.PI);
  assert.ok(Math.abs(s[2]) <= 4 * Math.PI && Math.abs(s[3]) <= 9 * Math.PI);
});

test('spaces match the reference', () => {
  const cart = new CartPoleEnv().observationSpace;
  const theta = Math.fround(((12 * 2 * Math.PI) / 360) * 2);
  assert.deepEqual(Array.from(cart.high), [Math.fround(4.8), Infinity, theta, Infinity]);
  assert.deepEqual(Array.from(cart.low), [-Math.fround(4.8), -Infinity, -theta, -Infinity]);
  assert.equal(new CartPoleEnv().actionSpace.n, 2);
  assert.equal(new MountainCarEnv().actionSpace.n, 3);
  assert.equal(new AcrobotEnv().actionSpace.n, 3);
  assert.deepEqual(Array.from(new AcrobotEnv().observationSpace.high), [
    1,
    1,
    1,
    1,
    Math.fround(4 * Math.PI),
    Math.fround(9 * Math.PI),
  ]);
  assert.deepEqual(Array.from(new PendulumEnv().observationSpace.high), [1, 1, 8]);
  assert.deepEqual(Array.from(new PendulumEnv().actionSpace.low), [-2]);
  assert.deepEqual(Array.from(new ContinuousMountainCarEnv().actionSpace.high), [1]);
  assert.deepEqual(Array.from(new MountainCarEnv().observationSpace.low), [Math.fround(-1.2), Math.fround(-0.07)]);
  for (const env of [
    new CartPoleEnv(),
    new MountainCarEnv(),
    new ContinuousMountainCarEnv(),
    new AcrobotEnv(),
    new PendulumEnv(),
  ]) {
    assert.equal(env.observationSpace.dtype, 'float32');
    assert.deepEqual(env.metadata.renderModes, ['ansi']);
    assert.ok(env.observationSpace.contains(env.reset({ seed: 3 }).obs));
  }
});
