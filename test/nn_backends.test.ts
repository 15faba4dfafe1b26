import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../src/rl/core/rng.js';
import { initParams, orthogonalWeight, resolveSpec } from '../src/rl/nn/init.js';
import { createMLP, createMLPAsync, resolveMLPBackend } from '../src/rl/nn/make_mlp.js';
import { countParams, type Activation, type MLP } from '../src/rl/nn/mlp.js';
import { NativeMLP, nativeAdamStep, nativeAvailable, nativeInfo, nativeLoadError } from '../src/rl/nn/native_mlp.js';
import { TfjsMLP, initTfjs, tfjsBackend } from '../src/rl/nn/tfjs_mlp.js';

function randomArray(n: number, rng: Rng, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = scale * rng.normal();
  return a;
}

/** max |a - b| / max(max |b|, 1e-2): relative to the size of the reference, floored so near-zero outputs compare absolutely. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0, m = 1e-2;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / m;
}

// Runs first, before initTfjs below: in CI the compiler is always there, so a missing addon is a failure.
test('the native addon was built by npm install and loads', () => {
  assert.ok(nativeAvailable(), `native addon unavailable: ${nativeLoadError()}`);
  const info = nativeInfo();
  assert.ok(info && info.vectorLanes >= 4, JSON.stringify(info));
  assert.equal(resolveMLPBackend('auto'), 'native');
  assert.equal(createMLP({ sizes: [2, 3, 1] }).backend, 'native');
});

test("createMLP with backend 'tfjs' before initTfjs() names the fix", () => {
  assert.equal(tfjsBackend(), null);
  assert.throws(() => createMLP({ sizes: [2, 3, 1] }, { backend: 'tfjs' }), /initTfjs\(\)/);
  assert.throws(() => createMLP({ sizes: [2, 3, 1] }, { backend: 'gpu' as never }), /'native', 'tfjs', 'js' or 'auto', got "gpu"/);
});

test('initTfjs selects the wasm backend', async () => {
  assert.equal(await initTfjs(), 'wasm');
  assert.equal(tfjsBackend(), 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
});

const CASES: Array<{ sizes: number[]; activation: Activation; batch: number }> = [
  { sizes: [4, 64, 64, 2], activation: 'tanh', batch: 128 },
  { sizes: [4, 64, 64, 1], activation: 'tanh', batch: 512 },
  { sizes: [4, 64, 64, 2], activation: 'relu', batch: 1 },
  { sizes: [3, 37, 19, 5], activation: 'relu', batch: 7 },
  { sizes: [5, 17, 3], activation: 'tanh', batch: 33 },
  { sizes: [6, 20, 1], activation: 'tanh', batch: 2 },
  { sizes: [8, 100, 70, 4], activation: 'relu', batch: 13 },
  { sizes: [1, 1], activation: 'tanh', batch: 3 },
  { sizes: [2, 16, 33, 48, 3], activation: 'tanh', batch: 9 },
];

for (const { sizes, activation, batch } of CASES) {
  test(`native and tfjs agree: ${sizes.join('-')} ${activation}, batch ${batch}`, async () => {
    if (!tfjsBackend()) await initTfjs();
    const spec = { sizes, activation, seed: 11 };
    const nat = createMLP(spec, { backend: 'native' });
    const ref = createMLP(spec, { backend: 'tfjs' });
    assert.equal(nat.backend, 'native');
    assert.equal(ref.backend, 'tfjs');
    assert.deepEqual(nat.params, ref.params, 'same spec and seed, same parameters');
    // Non-zero biases, so that the bias paths are compared too.
    const rng = new Rng(batch);
    for (let i = 0; i < nat.params.length; i++) nat.params[i] += 0.1 * rng.normal();
    ref.params.set(nat.params);
    const x = randomArray(batch * sizes[0], rng, 1.5);
    const dy = randomArray(batch * sizes[sizes.length - 1], rng);
    const yn = nat.forwardTrain(x, batch).slice();
    const yr = ref.forwardTrain(x, batch).slice();
    assert.ok(relErr(yn, yr) < 1e-4, `outputs differ: ${relErr(yn, yr)}`);
    assert.deepEqual(nat.forward(x, batch), yn, 'forward equals forwardTrain');
    nat.backward(dy);
    ref.backward(dy);
    assert.ok(relErr(nat.grads, ref.grads) < 1e-4, `gradients differ: ${relErr(nat.grads, ref.grads)}`);
    // Per layer too, so a small layer's error cannot hide behind a large one's scale.
    let off = 0;
    for (let l = 0; l + 1 < sizes.length; l++) {
      const n = sizes[l] * sizes[l + 1] + sizes[l + 1];
      const e = relErr(nat.grads.subarray(off, off + n), ref.grads.subarray(off, off + n));
      assert.ok(e < 1e-4, `layer ${l} gradients differ: ${e}`);
      off += n;
    }
    nat.dispose();
    ref.dispose();
  });
}

test('native backward accumulates into grads, zeroGrad clears, a forward() between forwardTrain and backward is harmless', () => {
  const rng = new Rng(5);
  const net = new NativeMLP({ sizes: [3, 24, 2], seed: 2 });
  const x = randomArray(10 * 3, rng), dy = randomArray(10 * 2, rng);
  net.forwardTrain(x, 10);
  net.backward(dy);
  const once = net.grads.slice();
  net.forward(randomArray(4 * 3, rng), 4);
  net.backward(dy);
  for (let i = 0; i < once.length; i++) assert.ok(Math.abs(net.grads[i] - 2 * once[i]) <= 1e-6 * Math.max(1, Math.abs(once[i])));
  net.zeroGrad();
  assert.ok(net.grads.every((g) => g === 0));
});

test('native forward is deterministic and a row does not depend on the rest of the batch', () => {
  const rng = new Rng(9);
  const net = new NativeMLP({ sizes: [4, 64, 64, 2], seed: 3 });
  const x = randomArray(50 * 4, rng);
  const all = net.forward(x, 50).slice();
  assert.deepEqual(net.forward(x, 50), all);
  for (const r of [0, 17, 49]) {
    const one = net.forward(x.slice(r * 4, r * 4 + 4), 1);
    assert.deepEqual(Array.from(one), Array.from(all.subarray(r * 2, r * 2 + 2)), `row ${r}`);
  }
});

test('native: a NaN input gives NaN outputs (tanh and relu) and an infinite one saturates tanh', () => {
  for (const activation of ['tanh', 'relu'] as const) {
    const net = new NativeMLP({ sizes: [2, 20, 2], activation, seed: 1 });
    const y = net.forward(new Float32Array([NaN, 0.5, 0.1, 0.2]), 2);
    assert.ok(Number.isNaN(y[0]) && Number.isNaN(y[1]), `${activation}: ${y}`);
    assert.ok(Number.isFinite(y[2]) && Number.isFinite(y[3]), `${activation}: ${y}`);
  }
  const net = new NativeMLP({ sizes: [1, 1, 1], gains: [1, 1], seed: 1 });
  net.params.set([1, 0, 1, 0]);
  const y = net.forward(new Float32Array([Infinity, -Infinity, 0.5]), 3);
  // Within the approximation's 3e-7 of tanh (which is 1 - 2.7e-7 at the clamp point 7.905).
  for (const [got, want] of [[y[0], 1], [y[1], -1], [y[2], Math.tanh(0.5)]]) assert.ok(Math.abs(got - want) <= 3e-7, `${got} vs ${want}`);
});

test('native gradient matches central finite differences (float64 loss) on a tiny tanh net', () => {
  const rng = new Rng(21);
  const sizes = [3, 5, 4, 2], batch = 4;
  const net = new NativeMLP({ sizes, activation: 'tanh', seed: 4 });
  for (let i = 0; i < net.params.length; i++) net.params[i] += 0.2 * rng.normal();
  const x = randomArray(batch * 3, rng), g = randomArray(batch * 2, rng);
  // L = sum(y * g), so dL/dy = g.
  const loss = (): number => {
    const y = net.forward(x, batch);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * g[i];
    return s;
  };
  net.forwardTrain(x, batch);
  net.backward(g);
  const eps = 1e-2;
  let worst = 0;
  for (let i = 0; i < net.numParams; i++) {
    const p = net.params[i];
    net.params[i] = p + eps;
    const up = loss();
    net.params[i] = p - eps;
    const down = loss();
    net.params[i] = p;
    // The perturbed parameter is float32 (p +- eps rounded): divide by the step actually taken.
    const fd = (up - down) / (Math.fround(p + eps) - Math.fround(p - eps));
    worst = Math.max(worst, Math.abs(fd - net.grads[i]) / Math.max(1, Math.abs(fd)));
  }
  assert.ok(worst < 5e-4, `finite differences differ by ${worst}`);
});

test('orthogonal init: W^T W = gain^2 I for square layers, orthonormal rows or columns otherwise; biases 0', () => {
  const sizes = [4, 64, 64, 2];
  const gains = [Math.SQRT2, Math.SQRT2, 0.01];
  const p = initParams(sizes, gains, 7);
  assert.equal(p.length, countParams(sizes));
  let off = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const nin = sizes[l], nout = sizes[l + 1], g2 = gains[l] ** 2;
    const W = (i: number, o: number) => p[off + i * nout + o];
    // Gram matrix over the smaller dimension: W^T W (out x out) when out <= in, else W W^T (in x in).
    const small = Math.min(nin, nout);
    let worst = 0;
    for (let a = 0; a < small; a++) {
      for (let b = 0; b < small; b++) {
        let s = 0;
        if (nout <= nin) for (let i = 0; i < nin; i++) s += W(i, a) * W(i, b);
        else for (let o = 0; o < nout; o++) s += W(a, o) * W(b, o);
        worst = Math.max(worst, Math.abs(s - (a === b ? g2 : 0)));
      }
    }
    assert.ok(worst < 1e-5 * Math.max(1, g2), `layer ${l}: max |Gram - gain^2 I| = ${worst}`);
    for (let o = 0; o < nout; o++) assert.equal(p[off + nin * nout + o], 0);
    off += nin * nout + nout;
  }
  assert.deepEqual(initParams(sizes, gains, 7), p, 'same seed, same parameters');
  assert.notDeepEqual(initParams(sizes, gains, 8), p, 'another seed, other parameters');
  // The Gaussian matrix is drawn in torch's (out x in) order: the first layer's Q spans the 4 drawn columns.
  const w = orthogonalWeight(4, 64, 1, new Rng(7));
  assert.ok(Math.abs(w[0] - p[0] / Math.SQRT2) < 1e-6);
  assert.deepEqual(resolveSpec({ sizes: [4, 8, 2] }).gains, [Math.SQRT2, 1]);
  assert.throws(() => resolveSpec({ sizes: [4, 0, 2] }), /sizes/);
  assert.throws(() => resolveSpec({ sizes: [4, 8, 2], gains: [1] }), /2 finite/);
  assert.throws(() => resolveSpec({ sizes: [4, 2], activation: 'sigmoid' as never }), /'tanh' or 'relu'/);
});

test('tfjs backend: the live tensor count stays flat over 100 forward/backward rounds', async () => {
  if (!tfjsBackend()) await initTfjs();
  const rng = new Rng(1);
  const net = createMLP({ sizes: [4, 64, 64, 2], seed: 1 }, { backend: 'tfjs' });
  const x = randomArray(32 * 4, rng), dy = randomArray(32 * 2, rng);
  const round = () => {
    net.forward(x, 32);
    net.forwardTrain(x, 32);
    net.backward(dy);
    net.params[0] += 1e-3;
  };
  round();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 100; i++) round();
  assert.equal(tf.memory().numTensors, before);
  net.dispose();
  assert.ok(tf.memory().numTensors < before, 'dispose frees the variables');
});

test('bad input: wrong lengths, batch, and backward before forwardTrain name the problem', async () => {
  if (!tfjsBackend()) await initTfjs();
  for (const backend of ['native', 'tfjs'] as const) {
    const net: MLP = createMLP({ sizes: [3, 8, 2] }, { backend });
    assert.throws(() => net.backward(new Float32Array(2)), /forwardTrain first/);
    assert.throws(() => net.forward(new Float32Array(5), 2), /at least batch \* 3 = 6/);
    assert.throws(() => net.forward(new Float32Array(6), 0), /positive integer, got 0/);
    net.forwardTrain(new Float32Array(6), 2);
    assert.throws(() => net.backward(new Float32Array(3)), /= 4 numbers, got 3/);
    net.dispose();
  }
  assert.throws(() => new TfjsMLP({ sizes: [3] }), /at least two/);
});

test('createMLPAsync and the js backend start from the same parameters', async () => {
  const spec = { sizes: [4, 16, 2], seed: 5 };
  const a = await createMLPAsync(spec, { backend: 'tfjs' });
  const b = createMLP(spec, { backend: 'js' });
  const c = createMLP(spec);
  assert.deepEqual(a.params, b.params);
  assert.deepEqual(c.params, b.params);
  a.dispose();
});

test('native Adam step: bias-corrected Adam with a gradient scale, as in src/rl/nn/adam.ts', () => {
  const rng = new Rng(3);
  const n = 100, lr = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  const p = randomArray(n, rng), g = randomArray(n, rng);
  const m = new Float32Array(n), v = new Float32Array(n);
  // Reference in float64: m <- b1 m + (1-b1) g';  v <- b2 v + (1-b2) g'^2;  p <- p - lr/(1-b1^t) m / (sqrt(v/(1-b2^t)) + eps)
  const rp = Float64Array.from(p), rm = new Float64Array(n), rv = new Float64Array(n);
  for (let t = 1; t <= 20; t++) {
    const scale = t % 2 ? 1 : 0.3;
    nativeAdamStep(p, g, m, v, { lr, beta1: b1, beta2: b2, eps, step: t, gradScale: scale });
    for (let i = 0; i < n; i++) {
      const gi = g[i] * scale;
      rm[i] = b1 * rm[i] + (1 - b1) * gi;
      rv[i] = b2 * rv[i] + (1 - b2) * gi * gi;
      rp[i] -= (lr / (1 - b1 ** t)) * rm[i] / (Math.sqrt(rv[i] / (1 - b2 ** t)) + eps);
    }
  }
  assert.ok(relErr(p, rp) < 1e-5, `params differ: ${relErr(p, rp)}`);
  assert.ok(relErr(m, rm) < 1e-5 && relErr(v, rv) < 1e-5);
  assert.throws(() => nativeAdamStep(p, g.subarray(1), m, v, { lr, beta1: b1, beta2: b2, eps, step: 1 }), /same length/);
});
