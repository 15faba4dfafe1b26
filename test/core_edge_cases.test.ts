// Edge cases of spaces, wrappers, the registry and the checker (found in review).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Box,
  Discrete,
  make,
  register,
  unregister,
  Env,
  RescaleAction,
  checkEnv,
  type StepResult,
  type ResetResult,
  type ResetOptions,
} from '../src/rl/index.js';

test('Box.contains treats a number and a one-entry array alike (float32 rounding)', () => {
  const b = new Box(0, 1, [1]);
  // [1.00000001] is accepted (rounded to float32 first), the bare number is not.
  assert.equal(b.contains(1.00000001), b.contains([1.00000001]));
});

test('RescaleAction maps its own action-space bounds inside the inner bounds', () => {
  // minAction/maxAction are kept in float64 for the mapping but rounded to float32 in the wrapper's action space:
  // actionSpace.high (= fround(1.1)) maps to 1.0000004768 > 1, and make()'s checker throws InvalidActionError.
  // Float32 samples near high round to exactly high, so this also happens during training (about 1e-6 per sample).
  const env = new RescaleAction(make<Float32Array, Float32Array>('MountainCarContinuous-v0'), 1, 1.1);
  env.reset({ seed: 0 });
  const high = (env.actionSpace as Box).high as Float32Array;
  assert.doesNotThrow(() => env.step(Float32Array.from(high)));
});

test('Box.sample stays in the space for a float64 box spanning the whole float64 range', () => {
  // high - low overflows to Infinity; Gymnasium raises ("Range exceeds valid bounds"), this returns Infinity/NaN.
  const b = new Box(-Number.MAX_VALUE, Number.MAX_VALUE, [4], 'float64');
  b.seed(0);
  for (let i = 0; i < 10; i++) {
    const x = b.sample();
    assert.ok(b.contains(x), `sample ${Array.from(x).join(',')} is not in ${b}`);
  }
});

class KwEnv extends Env<number, number> {
  readonly observationSpace = new Discrete(100);
  readonly actionSpace = new Discrete(2);
  readonly size: number;
  constructor(k: Record<string, unknown> = {}) {
    super();
    this.size = (k.size as number | undefined) ?? 8;
  }
  override reset(o: ResetOptions = {}): ResetResult<number> {
    super.reset(o);
    return { obs: this.size, info: {} };
  }
  step(): StepResult<number> {
    return { obs: this.size, reward: 0, terminated: true, truncated: false, info: {} };
  }
}

test('make(id, {k: undefined}) keeps the registered kwarg', () => {
  // {...spec.kwargs, ...overrides} lets an undefined override erase the registered value (the env then uses its own
  // default).
  register('review/Kw-v0', { entryPoint: KwEnv, kwargs: { size: 5 } });
  try {
    const e = make<number, number>('review/Kw-v0', { size: undefined });
    assert.equal(e.reset({ seed: 0 }).obs, 5);
  } finally {
    unregister('review/Kw-v0');
  }
});

class HugeBoundsEnv extends Env<Float32Array, Float32Array> {
  readonly observationSpace = new Box(0, 1, [1]);
  readonly actionSpace = new Box(-3.4028234663852886e38, 3.4028234663852886e38, [1]);
  override reset(o: ResetOptions = {}): ResetResult<Float32Array> {
    super.reset(o);
    return { obs: new Float32Array([0]), info: {} };
  }
  step(): StepResult<Float32Array> {
    return { obs: new Float32Array([0]), reward: 0, terminated: false, truncated: false, info: {} };
  }
}

test('checkEnv does not fail a correct env whose action bound is float32 max', () => {
  // check_env.ts outsideValue(): high + 1 === high for large bounds, so the "outside" action is inside the space.
  register('review/HugeBounds-v0', { entryPoint: HugeBoundsEnv, maxEpisodeSteps: 10 });
  try {
    const rep = checkEnv('review/HugeBounds-v0', { steps: 20 });
    assert.deepEqual(
      rep.results.filter((r) => !r.ok),
      [],
    );
  } finally {
    unregister('review/HugeBounds-v0');
  }
});

test('Rng state includes a pending normal draw; MultiDiscrete prints its start; re-registering warns', async () => {
  const { Rng, MultiDiscrete, Discrete, batchSpace, register, unregister, Env } = await import('../src/rl/index.js');
  const r = new Rng(3);
  r.normal();
  const st = r.getState();
  const next = [r.normal(), r.normal()];
  const q = new Rng(99);
  q.setState(st);
  assert.deepEqual([q.normal(), q.normal()], next);
  assert.throws(() => q.setState([1, 2, 3] as never), /expected four uint32 words/);
  assert.equal(String(new MultiDiscrete([2, 3], [1, 0])), 'MultiDiscrete([2 3], start=[1 0])');
  assert.equal(String(batchSpace(new Discrete(3, 1), 2)), 'MultiDiscrete([3 3], start=[1 1])');
  assert.throws(() => new MultiDiscrete([2], [2 ** 31]), /within int32/);
  class E extends Env<number, number> {
    readonly observationSpace = new Discrete(2);
    readonly actionSpace = new Discrete(2);
    step() {
      return { obs: 0, reward: 0, terminated: true, truncated: false, info: {} };
    }
  }
  const warnings: string[] = [];
  const onWarn = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarn);
  register('edge/Twice-v0', { entryPoint: E });
  register('edge/Twice-v0', { entryPoint: E });
  await new Promise((res) => setImmediate(res));
  process.off('warning', onWarn);
  unregister('edge/Twice-v0');
  assert.ok(warnings.some((m) => /overriding the registration of edge\/Twice-v0/.test(m)));
});
