import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Categorical, DiagGaussian, Adam, Rng } from '../src/rl/index.js';

/** Loss L = sum_b (wl_b log p_b + we_b H_b): its gradient by finite differences must match evaluate's. */
function fdCheck(n: number, f: (x: Float32Array) => number, x: Float32Array, grad: Float32Array, what: string): void {
  for (let k = 0; k < n; k++) {
    const old = x[k],
      h = 1e-3;
    x[k] = old + h;
    const up = f(x);
    x[k] = old - h;
    const down = f(x);
    x[k] = old;
    const fd = (up - down) / (2 * h);
    assert.ok(
      Math.abs(fd - grad[k]) < 2e-3 * Math.max(1, Math.abs(fd)),
      `${what}[${k}]: finite difference ${fd}, analytic ${grad[k]}`,
    );
  }
}

test('Categorical: log-probs, entropy and their gradients (with and without a mask)', () => {
  const B = 3,
    K = 4;
  const cat = new Categorical(K);
  const logits = Float32Array.from({ length: B * K }, (_v, i) => Math.sin(i * 1.7));
  const actions = [0, 3, 1];
  const wl = [0.5, -1.2, 0.7],
    we = [0.3, 0.1, -0.4];
  for (const mask of [null, Uint8Array.from([1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0])]) {
    const acts = mask ? [0, 3, 1] : actions;
    const lp = new Float64Array(B),
      ent = new Float64Array(B);
    const loss = (x: Float32Array) => {
      cat.evaluate(x, B, acts, lp, ent, mask);
      return lp.reduce((a, v, b) => a + wl[b] * v, 0) + ent.reduce((a, v, b) => a + we[b] * v, 0);
    };
    const dLogits = new Float32Array(B * K);
    cat.evaluate(logits, B, acts, lp, ent, mask, { dLogp: wl, dEnt: we, dLogits });
    // probabilities sum to 1 and masked actions have probability 0
    for (let b = 0; b < B; b++) {
      let s = 0;
      for (let a = 0; a < K; a++) {
        cat.evaluate(
          logits.subarray(b * K, (b + 1) * K),
          1,
          [a],
          lp,
          ent,
          mask ? mask.subarray(b * K, (b + 1) * K) : null,
        );
        s += Math.exp(lp[0]);
        if (mask && !mask[b * K + a]) assert.equal(lp[0], -Infinity);
      }
      assert.ok(Math.abs(s - 1) < 1e-9);
    }
    fdCheck(B * K, loss, logits, dLogits, mask ? 'masked dL/dlogits' : 'dL/dlogits');
    if (mask)
      for (let k = 0; k < B * K; k++) if (!mask[k]) assert.equal(dLogits[k], 0, 'no gradient into masked logits');
  }
  const rng = new Rng(1);
  const out = new Int32Array(1),
    lpo = new Float32Array(1);
  for (let i = 0; i < 200; i++) {
    cat.sample(logits, 1, rng, out, lpo, Uint8Array.from([0, 1, 0, 1]));
    assert.ok(out[0] === 1 || out[0] === 3);
  }
  assert.throws(() => cat.sample(logits, 1, rng, out, lpo, new Uint8Array(4)), /every action masked out/);
});

test('DiagGaussian: log-prob, entropy and gradients by finite differences; sampling moments', () => {
  const B = 2,
    D = 3;
  const g = new DiagGaussian(D);
  const mean = Float32Array.from([0.1, -0.5, 0.3, 1, 0, -1]);
  const logStd = Float32Array.from([-0.3, 0.2, 0]);
  const actions = Float32Array.from([0.4, -0.2, 0.1, 0.5, 0.7, -1.5]);
  const wl = [0.8, -0.6],
    we = [0.25, 0.5];
  const lp = new Float64Array(B),
    ent = new Float64Array(B);
  const lossMean = (m: Float32Array) => {
    g.evaluate(m, logStd, B, actions, lp, ent);
    return lp.reduce((a, v, b) => a + wl[b] * v, 0) + ent.reduce((a, v, b) => a + we[b] * v, 0);
  };
  const lossStd = (s: Float32Array) => {
    g.evaluate(mean, s, B, actions, lp, ent);
    return lp.reduce((a, v, b) => a + wl[b] * v, 0) + ent.reduce((a, v, b) => a + we[b] * v, 0);
  };
  const dMean = new Float32Array(B * D),
    dLogStd = new Float32Array(D);
  g.evaluate(mean, logStd, B, actions, lp, ent, { dLogp: wl, dEnt: we, dMean, dLogStd });
  fdCheck(B * D, lossMean, mean, dMean, 'dL/dmean');
  fdCheck(D, lossStd, logStd, dLogStd, 'dL/dlogStd');
  const rng = new Rng(2),
    one = new Float32Array(D),
    lpo = new Float32Array(1);
  let s = 0,
    sq = 0;
  for (let i = 0; i < 20000; i++) {
    g.sample(mean, logStd, 1, rng, one, lpo);
    s += one[0];
    sq += (one[0] - 0.1) ** 2;
  }
  assert.ok(Math.abs(s / 20000 - 0.1) < 0.02 && Math.abs(Math.sqrt(sq / 20000) - Math.exp(-0.3)) < 0.02);
});

test('Adam: first step is lr * sign(g); converges on a quadratic; clips the global gradient norm', () => {
  const p = Float32Array.from([1, -2]),
    gr = new Float32Array(2);
  const opt = new Adam([{ params: p, grads: gr }], { lr: 0.1 });
  gr.set([3, -0.5]);
  opt.step();
  assert.ok(Math.abs(p[0] - 0.9) < 1e-6 && Math.abs(p[1] - -1.9) < 1e-6, `after one step ${p.join(',')}`);
  for (let i = 0; i < 500; i++) {
    gr[0] = 2 * p[0];
    gr[1] = 2 * p[1];
    opt.step();
  }
  assert.ok(Math.abs(p[0]) < 1e-2 && Math.abs(p[1]) < 1e-2, `converged to ${p.join(',')}`);
  const q = Float32Array.from([0]),
    qg = Float32Array.from([100]);
  const clipped = new Adam([{ params: q, grads: qg }], { lr: 1, maxGradNorm: 0.5 });
  assert.equal(clipped.step(), 100, 'returns the norm before clipping');
  assert.throws(() => new Adam([], { lr: 0 }), /lr must be positive/);
});
