import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Env, type StepResult } from '../src/rl/core/env.js';
import { make, register } from '../src/rl/core/registry.js';
import { Discrete } from '../src/rl/core/spaces/index.js';
import { FrozenLakeEnv } from '../src/rl/envs/toy_text/index.js';
import {
  ExpectedSARSA,
  PolicyIteration,
  QLearning,
  SARSA,
  TD_SETTINGS,
  ValueIteration,
  policyValue,
} from '../src/rl/algos/tabular/index.js';
import type { TDControl } from '../src/rl/algos/tabular/index.js';
import { CheckpointError, readCheckpoint } from '../src/rl/train/checkpoint.js';

const LEFT = 0,
  DOWN = 1,
  RIGHT = 2,
  UP = 3;

/**
 * One state, one action, reward 1 every step, never terminated (or always, with `terminal`). Registered with a
 * step limit of 1: every step is truncated, so only a learner that bootstraps on truncation sees the future.
 */
class OneStateEnv extends Env<number, number> {
  readonly observationSpace = new Discrete(1);
  readonly actionSpace = new Discrete(1);
  readonly terminal: boolean;
  constructor(kwargs: Record<string, unknown> = {}) {
    super();
    this.terminal = kwargs.terminal === true;
  }
  override reset(opts = {}) {
    super.reset(opts);
    return { obs: 0, info: {} };
  }
  step(_a: number): StepResult<number> {
    return { obs: 0, reward: 1, terminated: this.terminal, truncated: false, info: {} };
  }
}
register('TabularTest/OneState-v0', { entryPoint: OneStateEnv, maxEpisodeSteps: 1 });

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'rltune-tabular-'));
}

// --- Dynamic programming ---

test('value iteration and policy iteration find the optimal policy of FrozenLake-v1', async () => {
  const gamma = 0.99;
  const vi = new ValueIteration('FrozenLake-v1', { gamma });
  const pi = new PolicyIteration('FrozenLake-v1', { gamma });
  const rv = await vi.learn({ totalSteps: 1 });
  const rp = await pi.learn({ totalSteps: 1 });
  // They stop themselves on convergence and take no env step.
  assert.ok(vi.converged && pi.converged);
  assert.equal(rv.steps, 0);
  assert.equal(rp.steps, 0);
  assert.ok(vi.sweeps < vi.cfg.maxSweeps && pi.sweeps < pi.cfg.maxSweeps);
  assert.ok(pi.rounds >= 2 && pi.rounds < 20, `policy iteration took ${pi.rounds} rounds`);

  const P = new FrozenLakeEnv({ mapName: '4x4' }).P;
  const Q = vi.qTable();
  let residual = 0;
  for (let s = 0; s < 16; s++)
    residual = Math.max(residual, Math.abs(vi.values[s] - Math.max(...Q.subarray(s * 4, s * 4 + 4))));
  assert.ok(residual < 1e-8, `Bellman optimality residual ${residual}`);

  // Both policies are optimal: their exact values equal V*, and they agree wherever the best action is unique.
  for (const algo of [vi, pi]) {
    const v = policyValue(P, algo.policy, gamma);
    for (let s = 0; s < 16; s++)
      assert.ok(Math.abs(v[s] - vi.values[s]) < 1e-8, `${algo.name}: V_pi(${s}) = ${v[s]}, V*(${s}) = ${vi.values[s]}`);
    for (let s = 0; s < 16; s++) assert.ok(Math.abs(algo.values[s] - vi.values[s]) < 1e-8);
  }
  let unique = 0;
  for (let s = 0; s < 16; s++) {
    const q = [...Q.subarray(s * 4, s * 4 + 4)].sort((a, b) => b - a);
    if (q[0] - q[1] > 1e-9) {
      unique++;
      assert.equal(pi.policy[s], vi.policy[s], `state ${s}`);
    }
  }
  assert.equal(unique, 10, 'every one of the 11 non-terminal states but 6 has a unique best action');

  // Known facts: holes (5, 7, 11, 12) and the goal (15) are terminal, V = 0 there; the classic optimal policy
  // (gamma 0.99): LEFT UP UP UP / LEFT - LEFT - / UP DOWN LEFT - / - RIGHT DOWN -. In state 6, LEFT and RIGHT
  // have the same outcomes (up, the hole, down; or down, the hole, up), so q ties exactly and the lowest wins.
  for (const s of [5, 7, 11, 12, 15]) assert.equal(vi.values[s], 0);
  const classic: Record<number, number> = {
    0: LEFT,
    1: UP,
    2: UP,
    3: UP,
    4: LEFT,
    6: LEFT,
    8: UP,
    9: DOWN,
    10: LEFT,
    13: RIGHT,
    14: DOWN,
  };
  for (const [s, a] of Object.entries(classic)) {
    assert.equal(vi.policy[Number(s)], a, `value iteration, state ${s}`);
    assert.equal(pi.policy[Number(s)], a, `policy iteration, state ${s}`);
    assert.equal(vi.predict(Number(s)), a);
  }
  assert.equal(Q[6 * 4 + LEFT], Q[6 * 4 + RIGHT]);
  assert.ok(Math.abs(vi.values[0] - 0.542) < 1e-3, `V*(0) = ${vi.values[0]}`);
});

test('dynamic programming: the greedy policy solves FrozenLake-v1 as well as a success rate of ~0.74 allows', async () => {
  const vi = new ValueIteration('FrozenLake-v1');
  await vi.learn({ totalSteps: 1 });
  const ev = vi.evaluate(1000);
  assert.ok(ev.mean_return >= 0.7, `success rate ${ev.mean_return}`);
});

test('dynamic programming: envs without P, bad configs, maxSweeps', async () => {
  assert.throws(() => new ValueIteration('TabularTest/OneState-v0'), /transition table P.*has no P/);
  assert.throws(
    () => new PolicyIteration('CartPole-v1'),
    /Discrete observation.*CartPole-v1 has observation space Box/,
  );
  assert.throws(
    () => new ValueIteration('FrozenLake-v1', { gamma: 1.5 }),
    /gamma must be a number in \[0, 1\], got 1\.5/,
  );
  assert.throws(() => new ValueIteration('FrozenLake-v1', { theta: 0 }), /theta/);
  const vi = new ValueIteration('FrozenLake-v1', { maxSweeps: 5 });
  const sweeps: number[] = [];
  await vi.learn({ totalSteps: 1, callbacks: [{ onIterationEnd: (_ctx, st) => void sweeps.push(st.sweeps) }] });
  assert.deepEqual(sweeps, [1, 2, 3, 4, 5]);
  assert.equal(vi.converged, false);
});

test('dynamic programming: checkpoint round trip and mismatch', async () => {
  const dir = tmp();
  try {
    const pi = new PolicyIteration('FrozenLake-v1');
    await pi.learn({ totalSteps: 1 });
    pi.save(dir);
    const again = new PolicyIteration('FrozenLake-v1');
    again.restore(readCheckpoint(dir), dir);
    assert.deepEqual(again.policy, pi.policy);
    assert.deepEqual(again.values, pi.values);
    assert.equal(again.rounds, pi.rounds);
    assert.equal(again.converged, true);
    const other = new ValueIteration('FrozenLake8x8-v1');
    assert.throws(
      () => other.restore(readCheckpoint(dir), dir),
      (err: Error) =>
        err instanceof CheckpointError && /array policy has 16 Int32Array entries, expected 64/.test(err.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// --- TD control ---

async function trained<T extends TDControl>(algo: T, steps: number): Promise<T> {
  await algo.learn({ totalSteps: steps });
  return algo;
}

test('CliffWalking-v1: with GLIE exploration SARSA finds the optimal path (-13) as Q-learning does; with epsilon 0.1 a safe one', async () => {
  const { steps, config } = TD_SETTINGS['CliffWalking-v1'];
  assert.equal(config.epsSchedule, 'visits');
  for (const Algo of [SARSA, QLearning, ExpectedSARSA]) {
    const a = await trained(new Algo('CliffWalking-v1', { ...config, seed: 1 }), steps);
    assert.equal(a.evaluate(1).mean_return, -13, a.name);
    assert.ok(a.epsilon > 0 && a.epsilon < 0.01, `${a.name}: epsilon of the last step ${a.epsilon}`);
  }
  // Sutton & Barto, Example 6.6: with a constant epsilon 0.1 SARSA values the exploring policy and keeps away from
  // the cliff edge, while Q-learning learns the greedy policy's values and takes the edge.
  const textbook = { epsStart: 0.1, epsEnd: 0.1, alpha: 0.5, seed: 1 };
  const r = (await trained(new SARSA('CliffWalking-v1', textbook), 20_000)).evaluate(1).mean_return;
  assert.ok(r > -100 && r < -13, `SARSA (epsilon 0.1) greedy return ${r}`);
  assert.equal((await trained(new QLearning('CliffWalking-v1', textbook), 20_000)).evaluate(1).mean_return, -13);
});

test("the 'visits' epsilon schedule: epsilon(s) = min(epsStart, epsC / (1 + n(s))), counts kept in checkpoints", async () => {
  // One state: n(s) = t before step t, so the epsilon logged after the last step of iteration k is epsC / (100 k).
  const one = new SARSA('TabularTest/OneState-v0', {
    epsSchedule: 'visits',
    epsStart: 0.5,
    epsC: 2,
    stepsPerIteration: 100,
    seed: 1,
  });
  const seen: number[] = [];
  await one.learn({ totalSteps: 300, callbacks: [{ onIterationEnd: (_c, st) => void seen.push(st.epsilon) }] });
  assert.equal(one.stateVisits[0], 300);
  assert.deepEqual(seen, [2 / 100, 2 / 200, 2 / 300]);

  const a = await trained(
    new SARSA('CliffWalking-v1', { epsSchedule: 'visits', epsStart: 0.5, epsC: 2, seed: 4 }),
    3_000,
  );
  assert.equal(
    a.stateVisits.reduce((x, y) => x + y, 0),
    3_000,
  );
  assert.ok(a.stateVisits[36] > 0 && a.stateVisits[47] === 0, 'the start is visited, the goal never acted in');
  const epsAt = (a as unknown as { epsilonAt(s: number): number }).epsilonAt.bind(a);
  for (let s = 0; s < 48; s++) assert.equal(epsAt(s), Math.min(0.5, 2 / (1 + a.stateVisits[s])), `state ${s}`);
  assert.equal(epsAt(47), 0.5);

  // Expected SARSA averages under epsilon(s'): n = 9, epsC = 2 gives epsilon 0.2, as in the test above.
  const es = new ExpectedSARSA('FrozenLake-v1', { epsSchedule: 'visits', epsC: 2, seed: 1 });
  es.Q.set([1, 3, 3, -1], 4 * 2);
  es.stateVisits[2] = 9;
  const expected = (es as unknown as { expectedQ(s: number, m: Uint8Array | null): number }).expectedQ.bind(es);
  assert.ok(Math.abs(expected(2, null) - (0.05 * 6 + 0.8 * 3)) < 1e-12);

  const dir = tmp();
  try {
    a.save(dir);
    const again = new SARSA('CliffWalking-v1', { epsSchedule: 'visits', epsStart: 0.5, epsC: 2, seed: 99 });
    again.restore(readCheckpoint(dir), dir);
    assert.deepEqual(again.stateVisits, a.stateVisits);
    for (let s = 0; s < 48; s++)
      assert.equal(again.predict(s, { deterministic: false }), a.predict(s, { deterministic: false }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  assert.throws(
    () => new SARSA('CliffWalking-v1', { epsSchedule: 'visits', epsC: 0 }),
    (err: Error) => err instanceof RangeError && /epsC .* must be a finite number > 0, got 0/.test(err.message),
  );
  assert.throws(() => new SARSA('CliffWalking-v1', { epsSchedule: 'visits', epsC: Number.NaN }), /epsC .*got NaN/);
  // The other schedules ignore epsC and still count visits.
  const lin = await trained(new QLearning('CliffWalking-v1', { epsC: -1, seed: 1 }), 500);
  assert.equal(
    lin.stateVisits.reduce((x, y) => x + y, 0),
    500,
  );
});

test('Q-learning reaches a greedy success rate >= 0.7 on FrozenLake-v1 and a mean return >= 7.5 on Taxi-v4', async () => {
  const fl = TD_SETTINGS['FrozenLake-v1'];
  const ql = await trained(new QLearning('FrozenLake-v1', { ...fl.config, seed: 1 }), fl.steps);
  const success = ql.evaluate(1000).mean_return;
  assert.ok(success >= 0.7, `success rate ${success}`);
  const taxi = TD_SETTINGS['Taxi-v4'];
  const qt = await trained(new QLearning('Taxi-v4', { ...taxi.config, seed: 1 }), taxi.steps);
  const ret = qt.evaluate(100).mean_return;
  assert.ok(ret >= 7.5, `Taxi mean return ${ret}`);
});

test('truncation bootstraps: Q converges to r / (1 - gamma) when every step is cut by the TimeLimit', async () => {
  // Reward 1 per step; one step per episode, always truncated, never terminated: Q = 1 + gamma Q = 10.
  const gamma = 0.9;
  for (const Algo of [QLearning, SARSA, ExpectedSARSA]) {
    const cut = await trained(
      new Algo('TabularTest/OneState-v0', { gamma, alpha: 0.5, epsStart: 0, epsEnd: 0, seed: 3 }),
      400,
    );
    assert.equal(cut.episodes, 400);
    assert.ok(Math.abs(cut.q(0, 0) - 1 / (1 - gamma)) < 1e-6, `${cut.name}: Q(0, 0) = ${cut.q(0, 0)}, expected 10`);
    const ended = await trained(
      new Algo('TabularTest/OneState-v0', {
        gamma,
        alpha: 0.5,
        epsStart: 0,
        epsEnd: 0,
        seed: 3,
        envKwargs: { terminal: true },
      }),
      400,
    );
    assert.ok(
      Math.abs(ended.q(0, 0) - 1) < 1e-6,
      `${ended.name}: with termination Q(0, 0) = ${ended.q(0, 0)}, expected 1`,
    );
  }
});

test("Expected SARSA averages Q(s', .) under the epsilon-greedy policy", () => {
  const es = new ExpectedSARSA('FrozenLake-v1', { seed: 1 });
  es.Q.set([1, 3, 3, -1], 4 * 2);
  es.epsilon = 0.2;
  const expected = (es as unknown as { expectedQ(s: number, m: Uint8Array | null): number }).expectedQ.bind(es);
  // pi = 0.05 each + 0.8 split over the two greedy actions: 0.05 * 6 + 0.8 * 3.
  assert.ok(Math.abs(expected(2, null) - (0.05 * 6 + 0.8 * 3)) < 1e-12);
  // Only actions 0 and 3 allowed: pi = 0.1 each + 0.8 on action 0.
  assert.ok(Math.abs(expected(2, Uint8Array.from([1, 0, 0, 1])) - (0.1 * 0 + 0.8 * 1)) < 1e-12);
});

test('same seed, same Q-table; different seed, different Q-table', async () => {
  const a = await trained(new SARSA('FrozenLake-v1', { seed: 7 }), 20_000);
  const b = await trained(new SARSA('FrozenLake-v1', { seed: 7 }), 20_000);
  const c = await trained(new SARSA('FrozenLake-v1', { seed: 8 }), 20_000);
  assert.deepEqual(a.Q, b.Q);
  assert.notDeepEqual(a.Q, c.Q);
});

test('TD checkpoint: round trip, resumed step count, mismatch is a CheckpointError', async () => {
  const dir = tmp();
  try {
    const ql = await trained(new QLearning('FrozenLake-v1', { seed: 2 }), 5_000);
    ql.save(dir);
    const again = new QLearning('FrozenLake-v1', { seed: 99 });
    again.restore(readCheckpoint(dir), dir);
    assert.deepEqual(again.Q, ql.Q);
    assert.equal(again.numTimesteps, 5_000);
    assert.equal(again.epsilon, ql.epsilon);
    // The generator is restored too, so even tie-breaks and exploration agree.
    for (let s = 0; s < 16; s++) {
      assert.equal(again.predict(s), ql.predict(s));
      assert.equal(again.predict(s, { deterministic: false }), ql.predict(s, { deterministic: false }));
    }
    const r = await again.learn({ totalSteps: 6_000 });
    assert.equal(r.steps, 6_000);

    const cliff = new QLearning('CliffWalking-v1');
    assert.throws(
      () => cliff.restore(readCheckpoint(dir), dir),
      (err: Error) =>
        err instanceof CheckpointError &&
        err.message.includes('array q has 64 Float64Array entries, expected 192') &&
        !err.message.includes('    at '),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('TD control refuses non-Discrete spaces and bad hyperparameters with clear messages', () => {
  for (const Algo of [QLearning, SARSA, ExpectedSARSA]) {
    assert.throws(
      () => new Algo('CartPole-v1'),
      (err: Error) =>
        err instanceof TypeError &&
        err.message.includes('supports only Discrete observation and Discrete action spaces') &&
        err.message.includes('CartPole-v1 has observation space Box'),
    );
  }
  assert.throws(() => new QLearning('FrozenLake-v1', { alpha: 0 }), /alpha must be a number in \(0, 1\], got 0/);
  assert.throws(
    () => new QLearning('FrozenLake-v1', { epsSchedule: 'cosine' as never }),
    /epsSchedule must be one of "linear", "exponential", "visits", got "cosine"/,
  );
  assert.throws(
    () => new QLearning('FrozenLake-v1', { epsSchedule: 'exponential', epsEnd: 0 }),
    /exponential epsilon schedule needs epsStart > 0 and epsEnd > 0/,
  );
  const ql = new QLearning('FrozenLake-v1');
  assert.throws(() => ql.predict(16), /observation: expected an integer in Discrete\(16\) \(0\.\.15\), got 16/);
});

test('epsilon and step-size schedules follow the step count', async () => {
  const ql = new QLearning('FrozenLake-v1', {
    epsStart: 1,
    epsEnd: 0.1,
    epsFraction: 0.5,
    alphaSchedule: 'linear',
    alpha: 0.5,
    alphaEnd: 0.1,
    stepsPerIteration: 100,
  });
  const seen: Record<string, number>[] = [];
  await ql.learn({ totalSteps: 1000, callbacks: [{ onIterationEnd: (_c, st) => void seen.push(st) }] });
  assert.equal(seen.length, 10);
  // The last step of iteration k is step 100k - 1 (0-based): epsilon = 1 - 0.9 * t / 500 until t = 500.
  assert.ok(Math.abs(seen[0].epsilon - (1 - (0.9 * 99) / 500)) < 1e-12);
  assert.equal(seen[9].epsilon, 0.1);
  assert.ok(Math.abs(seen[9].alpha - (0.5 - (0.4 * 999) / 1000)) < 1e-12);
  const ex = new QLearning('FrozenLake-v1', { epsSchedule: 'exponential', epsStart: 1, epsEnd: 0.01, epsFraction: 1 });
  await ex.learn({ totalSteps: 1001 });
  assert.ok(Math.abs(ex.epsilon - 0.1 ** ((2 * 1000) / 1001)) < 1e-12);
});

test('action masks: only allowed actions are chosen', async () => {
  const ql = await trained(new QLearning('Taxi-v4', { seed: 1 }), 2_000);
  const env = make<number, number>('Taxi-v4');
  const { obs, info } = env.reset({ seed: 5 });
  const mask = info.action_mask as ArrayLike<number>;
  for (let i = 0; i < 50; i++) {
    assert.equal(mask[ql.predict(obs, { actionMask: mask })], 1);
    assert.equal(mask[ql.predict(obs, { actionMask: mask, deterministic: false })], 1);
  }
});
