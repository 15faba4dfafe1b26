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

/**
 * max |a - b| / max(max |b|, 1e-2): relative to the size of the reference, floored so near-zero outputs compare
 * absolutely.
 */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0,
    m = 1e-2;
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
  assert.throws(
    () => createMLP({ sizes: [2, 3, 1] }, { backend: 'gpu' as never }),
    /'native', 'tfjs', 'js' or 'auto', got "gpu"/,
  );
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
  const x = randomArray(10 * 3, rng),
    dy = randomArray(10 * 2, rng);
  net.forwardTrain(x, 10);
  net.backward(dy);
  const once = net.grads.slice();
  net.forward(randomArray(4 * 3, rng), 4);
  net.backward(dy);
  for (let i = 0; i < once.length; i++)
    assert.ok(Math.abs(net.grads[i] - 2 * once[i]) <= 1e-6 * Math.max(1, Math.abs(once[i])));
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
    assert.ok(Number.isNaN(y[0]) && Number.isNaN(y[1]), `${activation}: ${y.join(',')}`);
    assert.ok(Number.isFinite(y[2]) && Number.isFinite(y[3]), `${activation}: ${y.join(',')}`);
  }
  const net = new NativeMLP({ sizes: [1, 1, 1], gains: [1, 1], seed: 1 });
  net.params.set([1, 0, 1, 0]);
  const y = net.forward(new Float32Array([Infinity, -Infinity, 0.5]), 3);
  // Within the approximation's 3e-7 of tanh (which is 1 - 2.7e-7 at the clamp point 7.905).
  for (const [got, want] of [
    [y[0], 1],
    [y[1], -1],
    [y[2], Math.tanh(0.5)],
  ])
    assert.ok(Math.abs(got - want) <= 3e-7, `${got} vs ${want}`);
});

test('native gradient matches central finite differences (float64 loss) on a tiny tanh net', () => {
  const rng = new Rng(21);
  const sizes = [3, 5, 4, 2],
    batch = 4;
  const net = new NativeMLP({ sizes, activation: 'tanh', seed: 4 });
  for (let i = 0; i < net.params.length; i++) net.params[i] += 0.2 * rng.normal();
  const x = randomArray(batch * 3, rng),
    g = randomArray(batch * 2, rng);
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
    const nin = sizes[l],
      nout = sizes[l + 1],
      g2 = gains[l] ** 2;
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
  const x = randomArray(32 * 4, rng),
    dy = randomArray(32 * 2, rng);
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
  const n = 100,
    lr = 1e-2,
    b1 = 0.9,
    b2 = 0.999,
    eps = 1e-8;
  const p = randomArray(n, rng),
    g = randomArray(n, rng);
  const m = new Float32Array(n),
    v = new Float32Array(n);
  // Reference in float64: m <- b1 m + (1-b1) g';  v <- b2 v + (1-b2) g'^2;  p <- p - lr/(1-b1^t) m / (sqrt(v/(1-b2^t))
  // + eps)
  const rp = Float64Array.from(p),
    rm = new Float64Array(n),
    rv = new Float64Array(n);
  for (let t = 1; t <= 20; t++) {
    const scale = t % 2 ? 1 : 0.3;
    nativeAdamStep(p, g, m, v, { lr, beta1: b1, beta2: b2, eps, step: t, gradScale: scale });
    for (let i = 0; i < n; i++) {
      const gi = g[i] * scale;
      rm[i] = b1 * rm[i] + (1 - b1) * gi;
      rv[i] = b2 * rv[i] + (1 - b2) * gi * gi;
      rp[i] -= ((lr / (1 - b1 ** t)) * rm[i]) / (Math.sqrt(rv[i] / (1 - b2 ** t)) + eps);
    }
  }
  assert.ok(relErr(p, rp) < 1e-5, `params differ: ${relErr(p, rp)}`);
  assert.ok(relErr(m, rm) < 1e-5 && relErr(v, rv) < 1e-5);
  assert.throws(
    () => nativeAdamStep(p, g.subarray(1), m, v, { lr, beta1: b1, beta2: b2, eps, step: 1 }),
    /same length/,
  );
});

// ---- dL/dx: backward(dLdy, dLdx?, { accumulate? }) ----

/** The three backends, same spec and seed, with the same perturbed (non-zero bias) parameters. */
async function threeNets(sizes: number[], activation: Activation, rng: Rng): Promise<MLP[]> {
  if (!tfjsBackend()) await initTfjs();
  const spec = { sizes, activation, seed: 13 };
  const nets = (['native', 'tfjs', 'js'] as const).map((backend) => createMLP(spec, { backend }));
  for (let i = 0; i < nets[0].params.length; i++) nets[0].params[i] += 0.1 * rng.normal();
  for (const n of nets.slice(1)) n.params.set(nets[0].params);
  return nets;
}

const DX_CASES: Array<{ sizes: number[]; activation: Activation; batch: number }> = [
  ...CASES,
  // A critic Q(s, a): [obs + act, 256, 256, 1]; wide inputs (> one vector) and narrow first layers (K < lanes).
  { sizes: [17 + 6, 256, 256, 1], activation: 'relu', batch: 64 },
  { sizes: [20, 32, 1], activation: 'tanh', batch: 5 },
  { sizes: [17, 5, 2], activation: 'tanh', batch: 11 },
  { sizes: [3, 2], activation: 'tanh', batch: 4 },
  { sizes: [40, 3], activation: 'relu', batch: 9 },
];

for (const { sizes, activation, batch } of DX_CASES) {
  test(`dL/dx agrees across native, tfjs and js: ${sizes.join('-')} ${activation}, batch ${batch}`, async () => {
    const rng = new Rng(100 + batch);
    const nets = await threeNets(sizes, activation, rng);
    const nIn = batch * sizes[0];
    const x = randomArray(nIn, rng, 1.5);
    const dy = randomArray(batch * sizes[sizes.length - 1], rng);
    const dxs: Float32Array[] = [];
    for (const net of nets) {
      net.forwardTrain(x, batch);
      // Longer than needed and pre-filled: the first batch x inputs numbers are overwritten, the rest untouched.
      const dx = new Float32Array(nIn + 3).fill(NaN);
      net.backward(dy, dx);
      assert.ok(dx.subarray(0, nIn).every(Number.isFinite), `${net.backend}: dL/dx not all written`);
      assert.ok(dx.subarray(nIn).every(Number.isNaN), `${net.backend}: wrote past batch x inputs`);
      dxs.push(dx.slice(0, nIn));
      // The parameter gradients are those of a plain backward.
      const plain = createMLP({ sizes, activation }, { backend: net.backend as 'native' | 'tfjs' | 'js' });
      plain.params.set(net.params);
      plain.forwardTrain(x, batch);
      plain.backward(dy);
      assert.ok(
        relErr(net.grads, plain.grads) < 1e-6,
        `${net.backend}: grads with dL/dx differ from plain backward: ${relErr(net.grads, plain.grads)}`,
      );
      plain.dispose();
      // Not accumulated: a second call gives the same dL/dx; with accumulate false, the same numbers again.
      const again = new Float32Array(nIn).fill(7);
      net.backward(dy, again);
      assert.deepEqual(again, dxs[dxs.length - 1], `${net.backend}: dL/dx is overwritten, not accumulated`);
      const only = new Float32Array(nIn);
      net.backward(dy, only, { accumulate: false });
      assert.deepEqual(only, dxs[dxs.length - 1], `${net.backend}: accumulate false gives the same dL/dx`);
    }
    const [nat, ref, js] = dxs;
    assert.ok(relErr(nat, ref) < 1e-4, `native vs tfjs dL/dx: ${relErr(nat, ref)}`);
    assert.ok(relErr(js, ref) < 1e-4, `js vs tfjs dL/dx: ${relErr(js, ref)}`);
    assert.ok(relErr(nat, js) < 1e-4, `native vs js dL/dx: ${relErr(nat, js)}`);
    assert.ok(relErr(nets[2].grads, nets[1].grads) < 1e-4, `js vs tfjs grads: ${relErr(nets[2].grads, nets[1].grads)}`);
    for (const n of nets) n.dispose();
  });
}

for (const activation of ['tanh', 'relu'] as const) {
  test(`dL/dx matches central finite differences (float64 loss), every backend, ${activation}`, async () => {
    const rng = new Rng(activation === 'tanh' ? 31 : 32);
    for (const sizes of [
      [3, 5, 4, 2],
      [6, 9, 1],
      [2, 3],
    ]) {
      const batch = 4;
      const nets = await threeNets(sizes, activation, rng);
      const x = randomArray(batch * sizes[0], rng),
        g = randomArray(batch * sizes[sizes.length - 1], rng);
      for (const net of nets) {
        // L = sum(y * g), so dL/dy = g.
        const loss = (): number => {
          const y = net.forward(x, batch);
          let s = 0;
          for (let i = 0; i < y.length; i++) s += y[i] * g[i];
          return s;
        };
        net.forwardTrain(x, batch);
        const dx = new Float32Array(x.length);
        net.backward(g, dx, { accumulate: false });
        // relu is piecewise linear: a small step rarely crosses a kink; tanh wants a larger one against float32
        // rounding.
        const eps = activation === 'tanh' ? 1e-2 : 1e-3;
        let worst = 0;
        for (let i = 0; i < x.length; i++) {
          const v = x[i];
          x[i] = v + eps;
          const up = loss();
          x[i] = v - eps;
          const down = loss();
          x[i] = v;
          const fd = (up - down) / (Math.fround(v + eps) - Math.fround(v - eps));
          worst = Math.max(worst, Math.abs(fd - dx[i]) / Math.max(1, Math.abs(fd)));
        }
        assert.ok(worst < 5e-4, `${net.backend} ${sizes.join('-')}: finite differences differ by ${worst}`);
        net.dispose();
      }
    }
  });
}

test('backward with accumulate false leaves grads untouched on every backend', async () => {
  const rng = new Rng(41);
  const sizes = [5, 32, 16, 1],
    batch = 8;
  const nets = await threeNets(sizes, 'tanh', rng);
  const x = randomArray(batch * 5, rng),
    dy = randomArray(batch, rng);
  const before = randomArray(nets[0].numParams, rng);
  for (const net of nets) {
    net.grads.set(before);
    net.forwardTrain(x, batch);
    const dx = new Float32Array(batch * 5);
    net.backward(dy, dx, { accumulate: false });
    assert.deepEqual(net.grads, before, `${net.backend}: grads changed`);
    assert.ok(
      dx.some((v) => v !== 0),
      `${net.backend}: no dL/dx`,
    );
    net.backward(dy, undefined, { accumulate: false });
    assert.deepEqual(net.grads, before, `${net.backend}: accumulate false without dLdx must do nothing`);
    net.backward(dy, dx, { accumulate: true });
    assert.notDeepEqual(net.grads, before, `${net.backend}: accumulate true adds`);
    net.dispose();
  }
});

test('dL/dx: a forward() in between is harmless, dLdx may be dLdy itself, bad arguments name the problem', async () => {
  const rng = new Rng(43);
  const sizes = [3, 16, 3],
    batch = 6;
  const nets = await threeNets(sizes, 'relu', rng);
  const x = randomArray(batch * 3, rng),
    dy = randomArray(batch * 3, rng);
  for (const net of nets) {
    net.forwardTrain(x, batch);
    const want = new Float32Array(batch * 3);
    net.backward(dy, want, { accumulate: false });
    net.forward(randomArray(2 * 3, rng), 2);
    const got = new Float32Array(batch * 3);
    net.backward(dy, got, { accumulate: false });
    assert.deepEqual(got, want, `${net.backend}: forward() between forwardTrain and backward changed dL/dx`);
    const inPlace = dy.slice();
    net.backward(inPlace, inPlace, { accumulate: false });
    assert.deepEqual(inPlace, want, `${net.backend}: dLdx === dLdy`);
    const grads = net.grads.slice();
    const shared = new Float32Array(batch * 3 + 4);
    shared.set(dy, 2);
    net.backward(shared.subarray(2), shared.subarray(0, batch * 3), { accumulate: false });
    assert.deepEqual(shared.subarray(0, batch * 3), want, `${net.backend}: overlapping dLdx and dLdy`);
    assert.deepEqual(net.grads, grads);
    const who = { native: 'NativeMLP', tfjs: 'TfjsMLP', js: 'JsMLP' }[net.backend];
    assert.throws(
      () => net.backward(dy, new Float32Array(batch * 3 - 1)),
      new RegExp(`${who}\\.backward: dLdx must be a Float32Array of at least batch x inputs = 18 numbers, got 17`),
    );
    assert.throws(() => net.backward(dy, [] as unknown as Float32Array), /dLdx must be a Float32Array/);
    assert.throws(
      () => net.backward(dy, want, { accumulate: 0 as unknown as boolean }),
      /accumulate must be a boolean/,
    );
    assert.deepEqual(net.grads, grads, `${net.backend}: a rejected call changed grads`);
    net.dispose();
  }
  const js = createMLP({ sizes: [2, 2] }, { backend: 'js' });
  assert.throws(
    () => js.backward(new Float32Array(2), new Float32Array(2)),
    /JsMLP\.backward: call forwardTrain first/,
  );
});

test('native: dL/dx with and without parameter gradients is bit-identical and deterministic', () => {
  const rng = new Rng(47);
  const net = new NativeMLP({ sizes: [10, 64, 64, 1], activation: 'relu', seed: 5 });
  const x = randomArray(128 * 10, rng),
    dy = randomArray(128, rng);
  net.forwardTrain(x, 128);
  const a = new Float32Array(128 * 10),
    b = new Float32Array(128 * 10);
  net.backward(dy, a);
  net.backward(dy, b, { accumulate: false });
  assert.deepEqual(a, b);
  // A row's dL/dx does not depend on the rest of the batch.
  net.forwardTrain(x.slice(30, 40), 1);
  const one = new Float32Array(10);
  net.backward(dy.slice(3, 4), one, { accumulate: false });
  assert.deepEqual(Array.from(one), Array.from(a.subarray(30, 40)));
});

test('tfjs backend: backward with dL/dx keeps the live tensor count flat', async () => {
  if (!tfjsBackend()) await initTfjs();
  const rng = new Rng(2);
  const net = createMLP({ sizes: [6, 32, 1], seed: 1 }, { backend: 'tfjs' });
  const x = randomArray(16 * 6, rng),
    dy = randomArray(16, rng),
    dx = new Float32Array(16 * 6);
  const round = () => {
    net.forwardTrain(x, 16);
    net.backward(dy, dx);
    net.backward(dy, dx, { accumulate: false });
  };
  round();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 50; i++) round();
  assert.equal(tf.memory().numTensors, before);
  net.dispose();
});

test('fused (native) Adam follows the TypeScript Adam, and native Polyak averaging follows its formula', async () => {
  assert.ok(nativeAvailable(), `native addon unavailable: ${nativeLoadError()}`);
  const { Adam } = await import('../src/rl/nn/adam.js');
  const { polyakUpdate } = await import('../src/rl/nn/polyak.js');
  const rng = new Rng(5);
  const n = 257;
  const p1 = randomArray(n, rng),
    p2 = Float32Array.from(p1),
    g = new Float32Array(n);
  const ts = new Adam([{ params: p1, grads: g }], { lr: 1e-2, maxGradNorm: 0.5 });
  const fused = new Adam([{ params: p2, grads: g }], { lr: 1e-2, maxGradNorm: 0.5, fused: true });
  assert.equal(fused.fused, true);
  for (let t = 0; t < 50; t++) {
    for (let i = 0; i < n; i++) g[i] = rng.normal();
    ts.step();
    fused.step();
  }
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(p1[i] - p2[i]));
  assert.ok(worst < 1e-5, `fused Adam differs by ${worst}`);
  const target = randomArray(n, rng),
    source = randomArray(n, rng),
    want = target.map((x, i) => Math.fround(0.005 * source[i] + 0.995 * x));
  polyakUpdate(target, source, 0.005);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(target[i] - want[i]) < 1e-6, `polyak ${target[i]} vs ${want[i]}`);
  assert.throws(() => polyakUpdate(target, source.subarray(1), 0.5), /target has 257 numbers, source 256/);
});
