import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Box,
  Dict,
  Discrete,
  MultiBinary,
  MultiDiscrete,
  Tuple,
  spaceFromJSON,
  flattenSpace,
  Rng,
  Space,
} from '../src/rl/index.js';

const all = (): Space[] => [
  new Box(-1, 1, [3]),
  new Box([-1, -Infinity, 0], [1, Infinity, Infinity], undefined, 'float64'),
  new Box(-Infinity, Infinity, [2, 2]),
  new Discrete(5),
  new Discrete(3, -1),
  new MultiDiscrete([2, 3, 4], [0, 1, -2]),
  new MultiBinary(4),
  new MultiBinary([2, 3]),
  new Tuple([new Discrete(2), new Box(0, 1, [2])]),
  new Dict({ pos: new Box(-2, 2, [2]), id: new Discrete(4), flags: new MultiBinary(2) }),
];

test('seeded samples are contained and reproducible for every space type', () => {
  for (const s of all()) {
    s.seed(7);
    const a = Array.from({ length: 50 }, () => s.sample());
    s.seed(7);
    const b = Array.from({ length: 50 }, () => s.sample());
    for (const x of a) assert.ok(s.contains(x), `${s} should contain ${JSON.stringify(x)}`);
    assert.deepEqual(a, b, `${s}: same seed, same samples`);
    s.seed(8);
    const c = Array.from({ length: 50 }, () => s.sample());
    assert.notDeepEqual(a, c, `${s}: different seeds give different samples`);
  }
});

test('flatten/unflatten round-trip and flatDim', () => {
  for (const s of all()) {
    s.seed(1);
    const x = s.sample();
    const flat = s.flatten(x);
    assert.equal(flat.length, s.flatDim, String(s));
    const back = s.unflatten(flat);
    assert.deepEqual(back, x, String(s));
    assert.equal(flattenSpace(s).size, s.flatDim);
  }
  assert.deepEqual(Array.from(new Discrete(4).flatten(2)), [0, 0, 1, 0]);
  assert.deepEqual(Array.from(new MultiDiscrete([2, 3]).flatten([1, 0])), [0, 1, 1, 0, 0]);
});

test('JSON round-trip (infinite bounds included)', () => {
  for (const s of all()) {
    const text = JSON.stringify(s.toJSON());
    const back = spaceFromJSON(text);
    assert.ok(back.equals(s), `${s} vs ${back}`);
    assert.equal(String(back), String(s));
  }
  assert.throws(() => spaceFromJSON({ type: 'Blob' }), /unknown space type "Blob"/);
});

test('contains rejects wrong shapes, types, NaN and out-of-bound values', () => {
  const b = new Box(-1, 1, [2]);
  assert.ok(b.contains(new Float32Array([0.5, -1])));
  assert.ok(b.contains([1, 1]));
  assert.ok(!b.contains([1.5, 0]));
  assert.ok(!b.contains([NaN, 0]));
  assert.ok(!b.contains([0]));
  assert.ok(!b.contains('x'));
  const d = new Discrete(3, 1);
  assert.ok(d.contains(1) && d.contains(3) && !d.contains(0) && !d.contains(4) && !d.contains(1.5) && !d.contains('1'));
  const md = new MultiDiscrete([2, 2]);
  assert.ok(md.contains([1, 0]) && !md.contains([2, 0]) && !md.contains([1]));
  const mb = new MultiBinary(2);
  assert.ok(mb.contains([0, 1]) && !mb.contains([0, 2]));
  const t = new Tuple([new Discrete(2)]);
  assert.ok(t.contains([1]) && !t.contains([2]) && !t.contains(1));
  const dict = new Dict({ a: new Discrete(2) });
  assert.ok(dict.contains({ a: 1 }) && !dict.contains({ a: 1, b: 2 }) && !dict.contains({ b: 1 }));
});

test('masked sampling', () => {
  const d = new Discrete(5);
  d.seed(3);
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) seen.add(d.sample(new Int8Array([0, 1, 0, 1, 0])));
  assert.deepEqual([...seen].sort(), [1, 3]);
  assert.equal(new Discrete(3, 2).sample(new Int8Array(3)), 2, 'all-zero mask gives start');
  assert.throws(() => d.sample([1, 1]), /mask must have 5 entries/);
  assert.throws(() => d.sample([1, 1, 1, 1, 7]), /mask entries must be 0 or 1/);
  const md = new MultiDiscrete([3, 3]);
  md.seed(1);
  for (let i = 0; i < 50; i++) {
    const x = md.sample([[0, 0, 1], null]);
    assert.equal(x[0], 2);
  }
  const mb = new MultiBinary(3);
  assert.deepEqual(Array.from(mb.sample([1, 0, 1])), [1, 0, 1]);
});

test('Box sampling follows the bounded/half-bounded/unbounded rule', () => {
  const b = new Box([0, -Infinity, 0, -Infinity], [1, 2, Infinity, Infinity], undefined, 'float64');
  b.seed(0);
  for (let i = 0; i < 500; i++) {
    const x = b.sample();
    assert.ok(x[0] >= 0 && x[0] <= 1);
    assert.ok(x[1] <= 2);
    assert.ok(x[2] >= 0);
  }
  assert.ok(b.sample() instanceof Float64Array);
  assert.ok(new Box(0, 1, [1]).sample() instanceof Float32Array);
});

test('bad space definitions get clear errors', () => {
  assert.throws(() => new Box(1, 0, [2]), /low\[0\] = 1 is above high\[0\] = 0/);
  assert.throws(() => new Box([0, 0], [1], undefined), /high must have 2 numbers/);
  assert.throws(() => new Box(0, 1), /give a shape/);
  assert.throws(() => new Box(0, 1, [2], 'int8' as never), /dtype must be "float32" or "float64", got "int8"/);
  assert.throws(() => new Discrete(0), /n must be a positive integer, got 0/);
  assert.throws(() => new Discrete(2.5), /got 2.5/);
  assert.throws(() => new MultiDiscrete([2, 0]), /nvec must be/);
  assert.throws(() => new MultiBinary(-1), /n must be a positive integer/);
  assert.throws(() => new Tuple([1 as never]), /array of spaces/);
  assert.throws(() => new Dict({ a: 3 as never }), /values are spaces/);
  assert.throws(() => new Discrete(2).seed(-1), /non-negative safe integer, got -1/);
});

test('Rng: reproducible, uniform enough, state round-trip', () => {
  const a = new Rng(42),
    b = new Rng(42);
  for (let i = 0; i < 100; i++) assert.equal(a.nextUint32(), b.nextUint32());
  const counts = new Array(7).fill(0);
  const r = new Rng(1);
  for (let i = 0; i < 70000; i++) counts[r.below(7)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10000) < 500, `bucket ${c}`);
  let sum = 0,
    sq = 0;
  for (let i = 0; i < 20000; i++) {
    const z = r.normal();
    sum += z;
    sq += z * z;
  }
  assert.ok(Math.abs(sum / 20000) < 0.05 && Math.abs(sq / 20000 - 1) < 0.05);
  const st = r.getState();
  const x = r.random();
  r.setState(st);
  assert.equal(r.random(), x);
  assert.notEqual(new Rng(1).nextUint32(), new Rng(2).nextUint32());
  assert.notEqual(
    new Rng(2 ** 40).nextUint32(),
    new Rng(2 ** 40 + 2 ** 32).nextUint32(),
    'high bits of the seed matter',
  );
});
