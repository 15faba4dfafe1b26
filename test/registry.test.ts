import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  make,
  register,
  unregister,
  spec,
  registeredEnvs,
  Env,
  EnvChecker,
  TimeLimit,
  ResetNeededError,
  InvalidActionError,
  UnknownEnvError,
  findWrapper,
  Discrete,
  Box,
  type StepResult,
  type ResetResult,
  type ResetOptions,
} from '../src/rl/index.js';
import { LineWalkEnv } from './fixtures/line_walk.js';

const BUILTINS = [
  'Acrobot-v1',
  'CartPole-v1',
  'CliffWalking-v1',
  'FrozenLake-v1',
  'FrozenLake8x8-v1',
  'MountainCar-v0',
  'MountainCarContinuous-v0',
  'Pendulum-v1',
  'Taxi-v4',
];

test('every reference env is registered with its step limit and threshold', () => {
  const ids = registeredEnvs().map((s) => s.id);
  for (const id of BUILTINS) assert.ok(ids.includes(id), id);
  assert.equal(spec('CartPole-v1').maxEpisodeSteps, 500);
  assert.equal(spec('CartPole-v1').rewardThreshold, 475);
  assert.equal(spec('FrozenLake8x8-v1').maxEpisodeSteps, 200);
  assert.equal(spec('Pendulum-v1').rewardThreshold, null);
});

test('make applies TimeLimit and the checker, outermost checker', () => {
  const env = make('CartPole-v1');
  assert.ok(env instanceof EnvChecker);
  const tl = findWrapper(env, TimeLimit);
  assert.ok(tl && tl.maxEpisodeSteps === 500);
  assert.equal(env.spec?.id, 'CartPole-v1');
  assert.equal(env.unwrapped.spec?.id, 'CartPole-v1');
  const bare = make('CartPole-v1', { disableEnvChecker: true, maxEpisodeSteps: null });
  assert.ok(!(bare instanceof EnvChecker) && findWrapper(bare, TimeLimit) === null);
  const short = make('CartPole-v1', { maxEpisodeSteps: 3 });
  short.reset({ seed: 0 });
  short.step(0);
  short.step(1);
  const r = short.step(0);
  assert.equal(r.truncated, true);
});

test('user envs register and make like built-ins; kwargs merge', () => {
  const env = make<Float32Array, number>('test/LineWalk-v0', { size: 4 });
  assert.ok(env.unwrapped instanceof LineWalkEnv);
  assert.equal(env.unwrapped.size, 4);
  const { obs } = env.reset({ seed: 1 });
  assert.equal(obs.length, 2);
  register('test/Factory-v0', { entryPoint: (k) => new LineWalkEnv({ size: 3, ...k }), maxEpisodeSteps: 5 });
  const f = make('test/Factory-v0');
  assert.equal((f.unwrapped as LineWalkEnv).size, 3);
  assert.ok(unregister('test/Factory-v0'));
  assert.throws(() => make('test/Factory-v0'), UnknownEnvError);
});

test('unknown ids suggest close matches', () => {
  assert.throws(
    () => make('CartPole-v0'),
    (e: Error) => e instanceof UnknownEnvError && /Did you mean "CartPole-v1"/.test(e.message),
  );
  assert.throws(() => make('cartpole-v1'), /Did you mean "CartPole-v1"/);
  assert.throws(() => make('FrozenLake'), /"FrozenLake-v1"/);
  assert.throws(() => make('Zzzzzzzzzzzzzz-v9'), /No environment registered with id "Zzzzzzzzzzzzzz-v9"/);
});

test('wrong kwargs get errors naming the argument and what was expected', () => {
  assert.throws(() => make('CartPole-v1', { nope: 1 }), /unknown argument "nope"; accepted arguments: /);
  assert.throws(() => make('test/LineWalk-v0', { size: 'big' }), /argument size must be an integer, got "big"/);
  assert.throws(() => make('test/LineWalk-v0', { size: 1 }), /size = 1 is invalid: expected at least 2/);
  assert.throws(() => make('CartPole-v1', { renderMode: 'human' }), /renderMode "human" is not supported/);
  assert.throws(
    () => make('CartPole-v1', { maxEpisodeSteps: -3 }),
    /maxEpisodeSteps must be a non-negative integer or null, got -3/,
  );
  assert.throws(() => make('CartPole-v1', 5 as never), /overrides must be an object, got 5/);
});

test('register validates its input', () => {
  assert.throws(() => register('bad id!', { entryPoint: LineWalkEnv }), /id must look like/);
  assert.throws(() => register('X-v0', { entryPoint: 3 as never }), /entryPoint must be an Env class or a function/);
  assert.throws(
    () => register('X-v0', { entryPoint: LineWalkEnv, maxEpisodeSteps: 0 }),
    /maxEpisodeSteps must be a positive integer or null, got 0/,
  );
  register('test/NotAnEnv-v0', { entryPoint: () => ({}) as never });
  assert.throws(() => make('test/NotAnEnv-v0'), /the entry point returned \{\}, not an Env/);
  unregister('test/NotAnEnv-v0');
});

test('order and contract checker: clear errors for misuse', () => {
  const env = make('CartPole-v1');
  assert.throws(
    () => env.step(0),
    (e: Error) => e instanceof ResetNeededError && /step\(\) called before reset\(\)/.test(e.message),
  );
  assert.throws(() => env.render(), ResetNeededError);
  env.reset({ seed: 0 });
  assert.throws(
    () => env.step(2),
    (e: Error) =>
      e instanceof InvalidActionError && /action 2 is not in the action space Discrete\(2\)/.test(e.message),
  );
  assert.throws(() => env.step('left'), /action "left" is not in the action space Discrete\(2\)/);
  let r: StepResult<unknown>;
  do r = env.step(1);
  while (!r.terminated && !r.truncated);
  assert.throws(() => env.step(0), /after the episode ended .* call reset\(\) first/);
  env.reset();
  env.step(0); // usable again after reset
  const pend = make('Pendulum-v1');
  pend.reset({ seed: 0 });
  assert.throws(() => pend.step([5]), /action \[5\] is not in the action space Box\(-2, 2, \(1,\), float32\)/);
  assert.throws(() => pend.step([0, 0]), /is not in the action space/);
  assert.throws(() => env.reset({ seed: -1 }), /seed: expected a non-negative safe integer, got -1/);
});

test('the checker catches a broken env on its first reset and step', () => {
  class Broken extends Env<number, number> {
    readonly observationSpace = new Discrete(2);
    readonly actionSpace = new Box(-1, 1, [1]) as never;
    override reset(opts: ResetOptions = {}): ResetResult<number> {
      super.reset(opts);
      return { obs: 5, info: {} };
    }
    step(): StepResult<number> {
      return { obs: 0, reward: 0, terminated: false, truncated: false, info: {} };
    }
  }
  register('test/Broken-v0', { entryPoint: Broken });
  const env = make('test/Broken-v0');
  assert.throws(() => env.reset(), /reset\(\) returned observation 5 which is not in Discrete\(2\)/);
  unregister('test/Broken-v0');
});

test('seeded resets reproduce episodes; unseeded resets continue the stream', () => {
  const run = (seed: number) => {
    const env = make<Float32Array, number>('CartPole-v1');
    const out: number[] = [...env.reset({ seed }).obs, ...env.reset().obs];
    return out;
  };
  assert.deepEqual(run(3), run(3));
  assert.notDeepEqual(run(3), run(4));
});
