import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/rl/core/rng.js';
import { makeVec } from '../src/rl/index.js';
import { readCheckpoint, writeCheckpoint, type StoredArray } from '../src/rl/train/checkpoint.js';
import {
  MinTree,
  NStepAccumulator,
  NStepCollector,
  PrioritizedReplayBuffer,
  ReplayBuffer,
  SumTree,
  TransitionBatch,
  annealedBeta,
  nextObservations,
} from '../src/rl/algos/replay/index.js';

/** n transitions where transition j has obs [j, -j], action j % 3, reward j, nextObs [j + 1, -j - 1]. */
function numbered(from: number, n: number, flags: { term?: number[]; trunc?: number[] } = {}) {
  const obs = new Float32Array(2 * n),
    nextObs = new Float32Array(2 * n),
    actions = new Float32Array(n),
    rewards = new Float64Array(n);
  const terminated = new Uint8Array(n),
    truncated = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const j = from + i;
    obs.set([j, -j], 2 * i);
    nextObs.set([j + 1, -j - 1], 2 * i);
    actions[i] = j % 3;
    rewards[i] = j;
  }
  for (const i of flags.term ?? []) terminated[i] = 1;
  for (const i of flags.trunc ?? []) truncated[i] = 1;
  return { obs, actions, rewards, terminated, truncated, nextObs };
}

test('ring buffer: fills, wraps around onto the oldest slots, and samples only filled slots', () => {
  const buf = new ReplayBuffer({ capacity: 5, obsDim: 2, actDim: 1 });
  const rng = new Rng(1);
  const out = buf.createSample(64);
  buf.add(numbered(0, 3)); // a vector env step of 3 envs
  assert.equal(buf.size, 3);
  assert.equal(buf.full, false);
  assert.equal(buf.pos, 3);
  for (let rep = 0; rep < 20; rep++) {
    buf.sample(64, rng, out);
    for (let b = 0; b < 64; b++) {
      const s = out.indices[b];
      assert.ok(s >= 0 && s < 3, `slot ${s} is not filled yet`);
      assert.deepEqual(
        [out.obs[2 * b], out.obs[2 * b + 1], out.rewards[b], out.nextObs[2 * b], out.actions[b]],
        [s, -s, s, s + 1, s % 3],
      );
    }
  }
  buf.add(numbered(3, 3));
  buf.add(numbered(6, 3));
  // 9 transitions in 5 slots: slot s holds the newest j with j % 5 == s, i.e. 5..8 in slots 0..3 and 4 in slot 4.
  assert.equal(buf.size, 5);
  assert.equal(buf.full, true);
  assert.equal(buf.pos, 9 % 5);
  assert.equal(buf.added, 9);
  assert.deepEqual(Array.from(buf.rewards), [5, 6, 7, 8, 4]);
  assert.deepEqual(Array.from(buf.obs), [5, -5, 6, -6, 7, -7, 8, -8, 4, -4]);
  assert.deepEqual(Array.from(buf.nextObs.filter((_, k) => k % 2 === 0)), [6, 7, 8, 9, 5]);
  const counts = new Array<number>(5).fill(0);
  for (let rep = 0; rep < 200; rep++) {
    const r = buf.sample(50, rng, out);
    assert.equal(r, out, 'sample writes into the preallocated output');
    assert.equal(out.count, 50);
    for (let b = 0; b < 50; b++) {
      counts[out.indices[b]]++;
      assert.equal(out.rewards[b], buf.rewards[out.indices[b]]);
      assert.equal(out.weights[b], 1);
    }
  }
  // Uniform: 2000 draws per slot expected; 5 sigma is about 200.
  for (const c of counts) assert.ok(Math.abs(c - 2000) < 250, `counts ${counts.join(',')}`);
});

test('ring buffer: terminated and truncated are stored and sampled separately', () => {
  const buf = new ReplayBuffer({ capacity: 8, obsDim: 2, actDim: 1 });
  // rows: 0 neither, 1 terminated, 2 truncated, 3 both (terminated wins in the TD target: no bootstrap)
  buf.add(numbered(0, 4, { term: [1, 3], trunc: [2, 3] }));
  assert.deepEqual(Array.from(buf.terminated.subarray(0, 4)), [0, 1, 0, 1]);
  assert.deepEqual(Array.from(buf.truncated.subarray(0, 4)), [0, 0, 1, 1]);
  const out = buf.createSample(32);
  buf.sample(32, new Rng(3), out);
  for (let b = 0; b < 32; b++) {
    const s = out.indices[b];
    assert.equal(out.terminated[b], s === 1 || s === 3 ? 1 : 0);
    assert.equal(out.truncated[b], s === 2 || s === 3 ? 1 : 0);
  }
});

test('ring buffer: bad input is refused with the bad value named, and leaves the buffer as it was', () => {
  const buf = new ReplayBuffer({ capacity: 4, obsDim: 2, actDim: 1 });
  buf.add(numbered(0, 1));
  const bad = numbered(1, 2);
  bad.terminated[1] = 2;
  assert.throws(() => buf.add(bad), /terminated\[1\] is 2, expected 0 or 1/);
  const nan = numbered(1, 2);
  nan.rewards[0] = NaN;
  assert.throws(() => buf.add(nan), /rewards\[0\] is NaN/);
  const inf = numbered(1, 2);
  inf.nextObs[3] = Infinity;
  assert.throws(() => buf.add(inf), /nextObs entry 1 of row 1 is Infinity/);
  assert.throws(
    () => buf.add({ ...numbered(1, 2), obs: new Float32Array(3) }),
    /obs has 3 numbers, expected 4 \(2 transitions x 2\)/,
  );
  assert.throws(() => buf.add({ ...numbered(1, 2), discounts: new Float32Array(2) }), /without storeDiscounts/);
  assert.equal(buf.size, 1);
  assert.equal(buf.pos, 1);
  const withDisc = new ReplayBuffer({ capacity: 4, obsDim: 2, actDim: 1, storeDiscounts: true });
  assert.throws(() => withDisc.add(numbered(0, 1)), /discounts is missing/);
  assert.throws(() => withDisc.add({ ...numbered(0, 1), discounts: [1.5] }), /discounts\[0\] is 1.5/);
  assert.throws(
    () => new ReplayBuffer({ capacity: 0, obsDim: 2, actDim: 1 }),
    /capacity must be an integer >= 1, got 0/,
  );
  assert.throws(
    () => new ReplayBuffer({ capacity: 4, obsDim: 2, actDim: 1 }).sample(8, new Rng(1), buf.createSample(8)),
    /empty/,
  );
  assert.throws(() => buf.sample(8, new Rng(1), buf.createSample(4)), /createSample\(n\) with n >= 8/);
  assert.equal(buf.canSample(2), false);
  assert.equal(buf.canSample(1), true);
});

test('ring buffer: a batch of 256 from a 1e6-slot buffer lands in the same preallocated arrays every time', () => {
  const buf = new ReplayBuffer({ capacity: 1_000_000, obsDim: 3, actDim: 1 });
  for (let t = 0; t < 100; t++) {
    // 10 envs; env i's observation is [j, j, j] for transition j = 10 t + i, its reward j.
    const step = numbered(t * 10, 10),
      obs = new Float32Array(30);
    for (let k = 0; k < 30; k++) obs[k] = t * 10 + Math.floor(k / 3);
    buf.add({ ...step, obs, nextObs: obs });
  }
  const out = buf.createSample(256),
    rng = new Rng(5);
  const arrays = [out.obs, out.actions, out.rewards, out.nextObs, out.indices];
  for (let rep = 0; rep < 10; rep++) {
    assert.equal(buf.sample(256, rng, out), out);
    assert.deepEqual([out.obs, out.actions, out.rewards, out.nextObs, out.indices], arrays);
    for (let b = 0; b < 256; b++) {
      assert.ok(out.indices[b] < 1000);
      assert.equal(out.obs[3 * b + 2], out.rewards[b]);
    }
  }
});

/** Runs rows (obs, reward, term, trunc, nextObs) through one accumulator; returns the emitted rows. */
function runNStep(n: number, gamma: number, steps: [number, number, number, number, number][], flushAtEnd: boolean) {
  const acc = new NStepAccumulator(n, gamma, 1, 1);
  const out = new TransitionBatch(64, 1, 1, true);
  const perPush: number[] = [];
  for (const [s, r, term, trunc, s1] of steps)
    perPush.push(acc.push([s], 0, [10 * s], 0, r, term, trunc, [s1], 0, out));
  if (flushAtEnd) perPush.push(acc.flush(out));
  const rows = [];
  for (let k = 0; k < out.count; k++) {
    rows.push({
      s: out.obs[k],
      a: out.actions[k],
      R: out.rewards[k],
      next: out.nextObs[k],
      disc: out.discounts![k],
      term: out.terminated[k],
      trunc: out.truncated[k],
    });
  }
  return { rows, perPush, pending: acc.pending };
}

// Episode A: states 0..4, rewards 1..5, terminated on its 5th step (final obs 99).
// Episode B: states 10, 11, rewards 1, 2, truncated on its 2nd step (final obs 77).
// Episode C: states 20, 21, rewards 1, 1, still running when the run stops (next obs 22): the flushed tail.
const EPISODES: [number, number, number, number, number][] = [
  [0, 1, 0, 0, 1],
  [1, 2, 0, 0, 2],
  [2, 3, 0, 0, 3],
  [3, 4, 0, 0, 4],
  [4, 5, 1, 0, 99],
  [10, 1, 0, 0, 11],
  [11, 2, 0, 1, 77],
  [20, 1, 0, 0, 21],
  [21, 1, 0, 0, 22],
];

test('n-step returns, n = 3, gamma = 0.5: full windows, a termination and a truncation inside the window, a flushed tail', () => {
  const { rows, perPush, pending } = runNStep(3, 0.5, EPISODES, true);
  const row = (s: number, R: number, next: number, disc: number, term: number, trunc: number) => ({
    s,
    a: 10 * s,
    R,
    next,
    disc,
    term,
    trunc,
  });
  assert.deepEqual(rows, [
    row(0, 1 + 0.5 * 2 + 0.25 * 3, 3, 0.125, 0, 0), // 2.75, s_3
    row(1, 2 + 0.5 * 3 + 0.25 * 4, 4, 0.125, 0, 0), // 4.5, s_4
    // termination at state 4: the three pending windows are cut and flushed, no bootstrap
    row(2, 3 + 0.5 * 4 + 0.25 * 5, 99, 0.125, 1, 0), // 6.25
    row(3, 4 + 0.5 * 5, 99, 0.25, 1, 0), // 6.5
    row(4, 5, 99, 0.5, 1, 0),
    // truncation after 2 steps: bootstrapped from the final observation with gamma^m
    row(10, 1 + 0.5 * 2, 77, 0.25, 0, 1),
    row(11, 2, 77, 0.5, 0, 1),
    // the tail of episode C, flushed as cut windows bootstrapped from the last next obs
    row(20, 1 + 0.5 * 1, 22, 0.25, 0, 1),
    row(21, 1, 22, 0.5, 0, 1),
  ]);
  assert.deepEqual(perPush, [0, 0, 1, 1, 3, 0, 2, 0, 0, 2]);
  assert.equal(pending, 0);
});

test('n-step returns, n = 1: the plain transitions with discount gamma', () => {
  const { rows, perPush } = runNStep(1, 0.5, EPISODES, true);
  assert.equal(rows.length, EPISODES.length);
  assert.deepEqual(perPush, [...EPISODES.map(() => 1), 0]);
  rows.forEach((r, k) => {
    const [s, rew, term, trunc, s1] = EPISODES[k];
    assert.deepEqual(r, { s, a: 10 * s, R: rew, next: s1, disc: 0.5, term, trunc });
  });
});

test('n-step collector over a vector env step feeds a discount-storing buffer, losing no transition', () => {
  const N = 2,
    n = 3,
    gamma = 0.9;
  const col = new NStepCollector({ numEnvs: N, n, gamma, obsDim: 1, actDim: 1 });
  const buf = new ReplayBuffer({ capacity: 100, obsDim: 1, actDim: 1, storeDiscounts: true });
  // env 0 runs episode A then B of EPISODES; env 1 runs 7 steps that never end.
  let pushed = 0;
  for (let t = 0; t < 7; t++) {
    const [s, r, term, trunc, s1] = EPISODES[t];
    const out = col.push({
      obs: [s, 100 + t],
      actions: [10 * s, 0],
      rewards: [r, 1],
      terminated: [term, 0],
      truncated: [trunc, 0],
      nextObs: [s1, 101 + t],
    });
    buf.add(out);
    pushed += N;
  }
  assert.equal(buf.size + col.pending, pushed);
  assert.equal(col.pending, 2, 'env 1 holds n - 1 steps');
  buf.add(col.flush());
  assert.equal(buf.size, pushed);
  const envOne = [];
  for (let i = 0; i < buf.size; i++)
    if (buf.obs[i] >= 100) envOne.push([buf.obs[i], buf.rewards[i], buf.discounts![i], buf.nextObs[i]]);
  const close = (a: number, b: number) => Math.abs(a - b) < 1e-6;
  for (const [s, R, disc, next] of envOne) {
    const m = next - s; // env 1's next obs is s_{t+m}
    assert.ok(
      close(R, (1 - gamma ** m) / (1 - gamma)) && close(disc, gamma ** m),
      `env 1 row ${s}: R ${R}, discount ${disc}, m ${m}`,
    );
    assert.ok(m === 3 || s >= 105, 'only the flushed tail has m < n');
  }
  assert.throws(
    () =>
      col.push({ obs: [0], actions: [0, 0], rewards: [0, 0], terminated: [0, 0], truncated: [0, 0], nextObs: [0, 0] }),
    /obs has 1 numbers, expected 2/,
  );
});

test('nextObservations: an ended env gets its final observation, not the first one of its next episode', () => {
  const venv = makeVec('CartPole-v1', 3, { autoreset: 'same-step' });
  try {
    venv.reset({ seed: 4 });
    const next = new Float32Array(3 * 4);
    let ended = 0;
    for (let t = 0; t < 200 && ended < 2; t++) {
      const r = venv.step(new Int32Array([0, 0, 1]));
      nextObservations(r.obs as Float32Array, r.info, 4, next);
      for (let i = 0; i < 3; i++) {
        const expected =
          r.terminated[i] || r.truncated[i]
            ? (r.info.final_obs as Float32Array[])[i]
            : (r.obs as Float32Array).subarray(4 * i, 4 * i + 4);
        assert.deepEqual(Array.from(next.subarray(4 * i, 4 * i + 4)), Array.from(expected));
        if (r.terminated[i] || r.truncated[i]) {
          ended++;
          assert.notDeepEqual(Array.from(expected), Array.from((r.obs as Float32Array).subarray(4 * i, 4 * i + 4)));
        }
      }
    }
    assert.ok(ended >= 2);
  } finally {
    venv.close();
  }
});

test('sum tree: totals, every internal node and the prefix-sum search match a brute-force reference', () => {
  const rng = new Rng(42);
  for (const capacity of [1, 7, 1000]) {
    const tree = new SumTree(capacity),
      mins = new MinTree(capacity);
    // Integer priorities (zeros included) make every sum exact, so the search must agree exactly.
    const p = new Float64Array(capacity);
    for (let rep = 0; rep < 3 * capacity; rep++) {
      const i = rng.below(capacity),
        v = rng.below(4) === 0 ? 0 : rng.below(100);
      p[i] = v;
      tree.set(i, v);
      mins.set(i, v);
    }
    const total = p.reduce((a, b) => a + b, 0);
    assert.equal(tree.total, total);
    assert.equal(mins.min, Math.min(...p));
    for (let k = 1; k < tree.leafBase; k++) assert.equal(tree.tree[k], tree.tree[2 * k] + tree.tree[2 * k + 1]);
    if (total === 0) continue;
    const reference = (mass: number) => {
      let acc = 0;
      for (let i = 0; i < capacity; i++) {
        acc += p[i];
        if (mass < acc) return i;
      }
      return -1;
    };
    for (let q = 0; q < 2000; q++) {
      const mass = q % 4 === 0 ? rng.below(total) : rng.random() * total; // integers hit the segment boundaries
      assert.equal(tree.find(mass), reference(mass), `capacity ${capacity}, mass ${mass}`);
    }
    // A mass at or past the total (rounding) gives the last positive leaf, never a zero one.
    let last = capacity - 1;
    while (p[last] === 0) last--;
    assert.equal(tree.find(total), last);
    assert.equal(tree.find(total * (1 + 1e-12)), last);
  }
  // Random float priorities: every drawn leaf is positive and its segment holds the mass (up to rounding).
  const tree = new SumTree(513),
    p = new Float64Array(513);
  for (let i = 0; i < 513; i++) tree.set(i, (p[i] = rng.below(3) === 0 ? 0 : rng.random()));
  const prefix = new Float64Array(514);
  for (let i = 0; i < 513; i++) prefix[i + 1] = prefix[i] + p[i];
  assert.ok(Math.abs(tree.total - prefix[513]) < 1e-9);
  for (let q = 0; q < 2000; q++) {
    const mass = rng.random() * tree.total,
      i = tree.find(mass);
    assert.ok(p[i] > 0 && prefix[i] - 1e-9 <= mass && mass < prefix[i + 1] + 1e-9, `mass ${mass} -> leaf ${i}`);
  }
  assert.throws(() => tree.set(3, -1), /value of leaf 3 is -1/);
  assert.throws(() => tree.set(513, 1), /index 513 is outside \[0, 513\)/);
});

/** A prioritized buffer of `n` numbered transitions whose priorities come from TD errors `deltas`. */
function prioritized(
  deltas: number[],
  opts: { alpha?: number; beta0?: number; betaSteps?: number; capacity?: number } = {},
) {
  const buf = new PrioritizedReplayBuffer({
    capacity: opts.capacity ?? deltas.length,
    obsDim: 2,
    actDim: 1,
    alpha: opts.alpha ?? 0.6,
    beta0: opts.beta0 ?? 0.4,
    betaSteps: opts.betaSteps ?? 1000,
    eps: 1e-6,
  });
  buf.add(numbered(0, deltas.length));
  buf.updatePriorities(Int32Array.from(deltas.keys()), deltas);
  return buf;
}

test('prioritized replay: sampling frequencies are proportional to (|delta| + eps)^alpha (chi-square, fixed seed)', () => {
  const deltas = [0.1, 1, 2, 4, 0.5, 8, 3, 0.01];
  for (const alpha of [1, 0.6]) {
    const buf = prioritized(deltas, { alpha });
    const p = deltas.map((d) => (Math.abs(d) + 1e-6) ** alpha),
      total = p.reduce((a, b) => a + b);
    const counts = new Array(deltas.length).fill(0),
      out = buf.createSample(64),
      rng = new Rng(7);
    const draws = 64 * 2000;
    for (let rep = 0; rep < 2000; rep++) {
      buf.sample(64, rng, out);
      for (let b = 0; b < 64; b++) counts[out.indices[b]]++;
    }
    let chi2 = 0;
    for (let i = 0; i < deltas.length; i++) {
      const e = (draws * p[i]) / total;
      chi2 += (counts[i] - e) ** 2 / e;
    }
    // 7 degrees of freedom: P(chi2 > 24.3) = 0.001 under multinomial draws (stratified draws vary less).
    assert.ok(chi2 < 24.3, `alpha ${alpha}: chi2 ${chi2.toFixed(2)}, counts ${counts.join(',')}`);
  }
});

test('prioritized replay: importance weights are (N P(i))^-beta / max_j w_j, with beta annealed over transitions added', () => {
  const deltas = [0.1, 1, 2, 4, 0.5];
  const buf = prioritized(deltas, { capacity: 16, alpha: 0.7, beta0: 0.4, betaSteps: 20 });
  assert.equal(buf.added, 5);
  assert.equal(buf.beta, 0.4 + 0.6 * (5 / 20));
  const check = (beta: number) => {
    const N = buf.size,
      p = deltas.map((d) => (Math.abs(d) + 1e-6) ** 0.7),
      total = p.reduce((a, b) => a + b);
    const w = p.map((pi) => (N * (pi / total)) ** -beta),
      wMax = Math.max(...w);
    const out = buf.createSample(32);
    buf.sample(32, new Rng(9), out);
    for (let b = 0; b < 32; b++) {
      const i = out.indices[b];
      assert.ok(i < N);
      assert.ok(Math.abs(out.weights[b] - w[i] / wMax) < 1e-6, `w[${i}] = ${out.weights[b]}, expected ${w[i] / wMax}`);
      assert.ok(out.weights[b] <= 1 + 1e-6);
    }
  };
  check(buf.beta);
  assert.equal(annealedBeta(0.4, 20, 30), 1);
  assert.equal(annealedBeta(0.4, 20, 0), 0.4);
  // More transitions: beta reaches 1 (only the numbers that enter the weights change; the old slots keep their
  // priorities).
  buf.add(numbered(5, 20));
  assert.equal(buf.beta, 1);
});

test('prioritized replay: priority updates, new transitions at the max priority, bad TD errors named', () => {
  const buf = new PrioritizedReplayBuffer({ capacity: 4, obsDim: 2, actDim: 1, alpha: 0.5, eps: 0.01 });
  buf.add(numbered(0, 2));
  assert.equal(buf.priority(0), 1, 'the first transitions get priority 1^alpha');
  assert.equal(buf.priority(2), 0, 'an unfilled slot has priority 0');
  buf.updatePriorities([0, 1], [-3, 0.5]);
  assert.ok(Math.abs(buf.priority(0) - Math.sqrt(3.01)) < 1e-12);
  assert.ok(Math.abs(buf.priority(1) - Math.sqrt(0.51)) < 1e-12);
  assert.ok(Math.abs(buf.sums.total - Math.sqrt(3.01) - Math.sqrt(0.51)) < 1e-12);
  buf.add(numbered(2, 3)); // fills slots 2, 3 and overwrites slot 0
  for (const s of [2, 3, 0])
    assert.ok(Math.abs(buf.priority(s) - Math.sqrt(3.01)) < 1e-12, `slot ${s} gets the max priority seen`);
  assert.ok(Math.abs(buf.mins.min - Math.sqrt(0.51)) < 1e-12);
  buf.updatePriorities([1], [10]);
  buf.add(numbered(5, 1)); // slot 1 again
  assert.ok(Math.abs(buf.priority(1) - Math.sqrt(10.01)) < 1e-12);
  assert.throws(() => buf.updatePriorities([2, 3], [0.1, NaN]), /tdErrors\[1\] \(slot 3\) is NaN/);
  assert.throws(() => buf.updatePriorities([4], [0.1]), /indices\[0\] is 4, expected a filled slot in \[0, 4\)/);
  assert.throws(
    () => new PrioritizedReplayBuffer({ capacity: 4, obsDim: 1, actDim: 1, eps: 0 }),
    /eps must be a finite number > 0, got 0/,
  );
  // Only filled slots are drawn while the buffer fills.
  const young = new PrioritizedReplayBuffer({ capacity: 1000, obsDim: 2, actDim: 1 });
  young.add(numbered(0, 3));
  const out = young.createSample(100);
  young.sample(100, new Rng(2), out);
  for (let b = 0; b < 100; b++) assert.ok(out.indices[b] < 3);
});

function sameArrays(a: Record<string, StoredArray>, b: Record<string, StoredArray>): void {
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
  for (const k of Object.keys(a)) assert.deepEqual(Array.from(a[k]), Array.from(b[k]), `array ${k}`);
}

test('checkpoint round trip: toArrays -> writeCheckpoint -> readCheckpoint -> fromArrays gives the same buffer and the same samples', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-replay-'));
  const uni = new ReplayBuffer({ capacity: 7, obsDim: 2, actDim: 1, storeDiscounts: true });
  for (let t = 0; t < 4; t++)
    uni.add({ ...numbered(3 * t, 3, { term: [t % 3], trunc: [(t + 1) % 3] }), discounts: [0.9, 0.81, 0.729] });
  const per = prioritized([0.1, 1, 2, 4, 0.5], { capacity: 8 });
  per.add(numbered(5, 2));
  const prefixed: Record<string, StoredArray> = {};
  for (const [k, v] of Object.entries(uni.toArrays())) prefixed[`replay.${k}`] = v;
  for (const [k, v] of Object.entries(per.toArrays())) prefixed[`per.${k}`] = v;
  writeCheckpoint(
    dir,
    { algo: 'test', env: 'none', env_kwargs: {}, config: {}, num_timesteps: 0, state: {} },
    prefixed,
  );
  const ck = readCheckpoint(dir);
  const unprefix = (p: string) =>
    Object.fromEntries(
      Object.entries(ck.tensors)
        .filter(([k]) => k.startsWith(p))
        .map(([k, v]) => [k.slice(p.length), v]),
    );

  const uni2 = ReplayBuffer.fromArrays(unprefix('replay.'), `${dir} replay`);
  sameArrays(uni.toArrays(), uni2.toArrays());
  assert.deepEqual([uni2.size, uni2.pos, uni2.added, uni2.full], [uni.size, uni.pos, uni.added, true]);
  const per2 = PrioritizedReplayBuffer.fromArrays(unprefix('per.'));
  sameArrays(per.toArrays(), per2.toArrays());
  assert.equal(per2.beta, per.beta);
  for (const [a, b] of [
    [uni, uni2],
    [per, per2],
  ] as const) {
    const oa = a.createSample(16),
      ob = b.createSample(16);
    a.sample(16, new Rng(11), oa);
    b.sample(16, new Rng(11), ob);
    for (const k of ['indices', 'obs', 'actions', 'rewards', 'nextObs', 'terminated', 'truncated', 'weights'] as const)
      assert.deepEqual(oa[k], ob[k], k);
    // Both continue alike: the next add lands in the same slot, with the same priority.
    const next = { ...numbered(100, 1, { trunc: [0] }), discounts: a.discounts ? [0.9] : null };
    a.add(next);
    b.add(next);
  }
  sameArrays(per.toArrays(), per2.toArrays());

  // Arrays that do not fit the buffer they are loaded into: clear errors, nothing changed.
  const arrays = unprefix('replay.');
  const other = new ReplayBuffer({ capacity: 7, obsDim: 3, actDim: 1, storeDiscounts: true });
  assert.throws(
    () => other.loadArrays(arrays, 'run/buffer'),
    /run\/buffer: obsDim is 2, this buffer has 3 \(the saved buffer was written for an env with other observation spaces\)/,
  );
  assert.throws(
    () => new ReplayBuffer({ capacity: 9, obsDim: 2, actDim: 1, storeDiscounts: true }).loadArrays(arrays),
    /capacity is 7, this buffer has 9/,
  );
  assert.throws(
    () => new ReplayBuffer({ capacity: 7, obsDim: 2, actDim: 1 }).loadArrays(arrays),
    /hasDiscounts is 1, this buffer has 0/,
  );
  assert.throws(
    () => new PrioritizedReplayBuffer({ capacity: 7, obsDim: 2, actDim: 1, storeDiscounts: true }).loadArrays(arrays),
    /a uniform replay buffer, expected a prioritized one/,
  );
  const flags = Int32Array.from(arrays.flags as Int32Array);
  flags[2] = 9;
  const target = new ReplayBuffer({ capacity: 7, obsDim: 2, actDim: 1, storeDiscounts: true });
  assert.throws(() => target.loadArrays({ ...arrays, flags }), /flags\[2\] is 9, expected 0..3/);
  assert.throws(
    () => target.loadArrays({ ...arrays, rewards: new Float32Array(3) }),
    /rewards is Float32Array of length 3, expected a Float32Array of length 7/,
  );
  assert.throws(() => target.loadArrays({ ...arrays, meta: undefined as never }), /meta is missing/);
  assert.equal(target.size, 0);

  // A prioritized buffer resumed with another alpha re-raises its priorities: p^(alpha_new / alpha_old).
  const perArrays = per.toArrays();
  const per3 = new PrioritizedReplayBuffer({ capacity: 8, obsDim: 2, actDim: 1, alpha: 0.3 });
  per3.loadArrays(perArrays);
  for (let i = 0; i < per.size; i++) assert.ok(Math.abs(per3.priority(i) - per.priority(i) ** 0.5) < 1e-12);
});
