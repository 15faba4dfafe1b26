import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DDPG,
  SAC,
  TD3,
  createAlgorithm,
  loadAlgorithm,
  type OffPolicyActorCritic,
  type OffPolicyConfig,
} from '../src/rl/algos/index.js';
import { Rng } from '../src/rl/core/rng.js';
import { CheckpointCallback } from '../src/rl/train/callbacks.js';
import { NonFiniteError } from '../src/rl/train/algorithm.js';
import './fixtures/train_envs.js';

const SMALL = { hidden: [64, 64], batchSize: 64, learningStarts: 500, actorLr: 1e-3, criticLr: 1e-3 };
type AnyOffPolicy = OffPolicyActorCritic<OffPolicyConfig>;

/** Max relative difference between analytic actor gradients and central finite differences of `loss`. */
function worstFdError(params: Float32Array, grads: Float32Array, loss: () => number): number {
  const analytic = Float32Array.from(grads);
  const h = 1e-2;
  let worst = 0;
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    params[i] = p + h;
    const up = loss();
    params[i] = p - h;
    const down = loss();
    params[i] = p;
    const fd = (up - down) / (Math.fround(p + h) - Math.fround(p - h));
    worst = Math.max(worst, Math.abs(fd - analytic[i]) / Math.max(0.05, Math.abs(fd)));
  }
  return worst;
}

function randomObs(n: number, d: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * d }, () => rng.uniform(-1, 1));
}

test('TD3 actor gradient (through the critic input gradient and tanh) matches finite differences', () => {
  const a = new TD3('Pendulum-v1', { hidden: [6], activation: 'tanh', batchSize: 5, backend: 'js', seed: 3 });
  const obs = randomObs(5, 3, 1);
  a.actor.zeroGrad();
  a.actorObjective(obs, 5);
  const critic = Float32Array.from(a.critics[0].grads);
  const loss = () => {
    const l = a.actorObjective(obs, 5);
    a.actor.zeroGrad();
    return l;
  };
  const err = worstFdError(a.actor.params, a.actor.grads, loss);
  assert.ok(err < 2e-2, `relative error ${err}`);
  assert.deepEqual(
    Array.from(a.critics[0].grads),
    Array.from(critic),
    'the actor step must not touch the critic grads',
  );
  a.close();
});

test('SAC actor gradient (reparameterized tanh-Gaussian, log-prob correction, min of twin critics) matches finite differences', () => {
  const a = new SAC('MountainCarContinuous-v0', {
    hidden: [6],
    activation: 'tanh',
    batchSize: 5,
    backend: 'js',
    seed: 4,
  });
  const obs = randomObs(5, 2, 2);
  const state = a.rng.getState();
  for (const alpha of [0, 0.7]) {
    a.rng.setState(state);
    a.actor.zeroGrad();
    a.actorObjective(obs, 5, alpha);
    const loss = () => {
      a.rng.setState(state); // the same eps for every evaluation
      const l = a.actorObjective(obs, 5, alpha).loss;
      a.actor.zeroGrad();
      return l;
    };
    const err = worstFdError(a.actor.params, a.actor.grads, loss);
    assert.ok(err < 2e-2, `alpha ${alpha}: relative error ${err}`);
  }
  for (const q of a.critics)
    assert.ok(
      q.grads.every((g) => g === 0),
      'critic grads untouched',
    );
  a.close();
});

for (const [name, make] of [
  ['td3', () => new TD3('Pendulum-v1', { ...SMALL, seed: 1 })],
  ['sac', () => new SAC('Pendulum-v1', { ...SMALL, alphaLr: 1e-3, seed: 1 })],
  ['ddpg', () => new DDPG('Pendulum-v1', { ...SMALL, seed: 1 })],
] as const) {
  test(`${name} learns something on Pendulum-v1 in a small budget (smoke)`, async () => {
    const a: AnyOffPolicy = make();
    const r = await a.learn({ totalSteps: 6000 });
    const ev = a.evaluate(5);
    a.close();
    // A random policy scores about -1200 to -1500 per episode.
    assert.ok(
      ev.mean_return > -900,
      `${name}: evaluation return ${ev.mean_return}, last episodes ${r.final_mean_return}`,
    );
  });
}

test('off-policy: truncation bootstraps, termination does not (critic targets from the buffer)', async () => {
  const cfg = { hidden: [16], batchSize: 32, learningStarts: 100, gamma: 0.5, criticLr: 3e-3, tau: 0.05, seed: 2 };
  // ForeverBox pays 1 per step and is only ever truncated: Q -> 1 / (1 - gamma) = 2 everywhere.
  const a = new TD3('test/ForeverBox-v0', cfg);
  await a.learn({ totalSteps: 4000 });
  const q = a.critics[0].forward(Float32Array.from([4, 1, 0]), 1)[0];
  assert.ok(Math.abs(q - 2) < 0.25, `Q(s4) = ${q} (expected ~2 = 1/(1-0.5))`);
  a.close();
  // CliffBox terminates after 5 steps: Q(s4, .) = 1, no bootstrap past the end.
  const c = new SAC('test/CliffBox-v0', { ...cfg, alpha: 0 });
  await c.learn({ totalSteps: 4000 });
  const q4 = c.critics[0].forward(Float32Array.from([4, 1, 0]), 1)[0];
  assert.ok(Math.abs(q4 - 1) < 0.25, `Q(s4) = ${q4} (expected ~1)`);
  c.close();
});

test('off-policy: a batch larger than the buffer waits for data instead of failing', async () => {
  const a = new TD3('Pendulum-v1', { hidden: [8], batchSize: 64, learningStarts: 0, seed: 1 });
  await a.learn({ totalSteps: 40 });
  assert.equal(a.updates, 0);
  assert.equal(a.buffer.size, 40);
  await a.learn({ totalSteps: 100 });
  assert.equal(a.updates, 100 - 63, 'one update per step from the 64th transition on');
  a.close();
});

test('off-policy: same seed, same run; checkpoints round-trip and resume with the replay buffer', async () => {
  const run = async () => {
    const a = new SAC('Pendulum-v1', { hidden: [16], batchSize: 32, learningStarts: 200, seed: 5, saveBuffer: true });
    await a.learn({ totalSteps: 600 });
    return a;
  };
  const a = await run(),
    b = await run();
  assert.deepEqual(Array.from(a.actor.params), Array.from(b.actor.params));
  const dir = mkdtempSync(join(tmpdir(), 'rltune-sac-'));
  a.save(dir);
  const c = loadAlgorithm(dir) as SAC;
  assert.equal(c.numTimesteps, 600);
  assert.equal(c.buffer.size, a.buffer.size);
  assert.equal(c.alpha, a.alpha);
  for (const obs of [
    [1, 0, 0],
    [0.3, -0.9, 2],
  ])
    assert.deepEqual(Array.from(c.predict(obs)), Array.from(a.predict(obs)));
  // Resuming continues the step count (with fresh episodes: env states are not saved), the same way each time.
  const d = loadAlgorithm(dir) as SAC;
  await c.learn({ totalSteps: 800 });
  await d.learn({ totalSteps: 800 });
  assert.equal(c.numTimesteps, 800);
  assert.ok(c.updates > 600 - 200, `updates ${c.updates} carried over and continued`);
  assert.deepEqual(Array.from(c.actor.params), Array.from(d.actor.params));
  for (const x of [a, b, c, d]) x.close();
});

test('off-policy: a replay buffer that does not match the env is refused with a clear error', async () => {
  const a = new TD3('Pendulum-v1', { hidden: [8], batchSize: 8, learningStarts: 10, seed: 1, saveBuffer: true });
  await a.learn({ totalSteps: 20 });
  const arrays = a.buffer.toArrays();
  const b = new TD3('MountainCarContinuous-v0', { hidden: [8], seed: 1 });
  assert.throws(() => b.buffer.loadArrays(arrays, 'buffer.bin'), /buffer\.bin: obsDim is 3, this buffer has 2/);
  // The same through a checkpoint whose buffer was edited to another observation size.
  const dir = mkdtempSync(join(tmpdir(), 'rltune-td3-'));
  a.save(dir);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  manifest.config.saveBuffer = false;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  assert.equal((loadAlgorithm(dir) as TD3).buffer.size, 0, 'without saveBuffer the buffer is not loaded');
  a.close();
  b.close();
});

test('off-policy: NaN in the critic targets stops training naming the step; the last checkpoint stays good', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-td3-nan-'));
  const a = new TD3('Pendulum-v1', { hidden: [8], batchSize: 16, learningStarts: 50, seed: 1 });
  await a.learn({ totalSteps: 100, callbacks: [new CheckpointCallback(100, dir)] });
  a.save(dir);
  a.criticTargets[0].params.fill(NaN);
  await assert.rejects(a.learn({ totalSteps: 300, callbacks: [new CheckpointCallback(50, dir)] }), (err: Error) => {
    assert.ok(err instanceof NonFiniteError);
    assert.match(err.message, /td3: critic target y is not finite \(NaN at index 0\) at step 101/);
    return true;
  });
  const good = loadAlgorithm(dir) as TD3;
  assert.equal(good.numTimesteps, 100);
  assert.ok(good.criticTargets[0].params.every(Number.isFinite));
  good.close();
  a.close();
});

test('off-policy: wrong spaces and bad settings get errors that say what is supported', () => {
  assert.throws(
    () => createAlgorithm('td3', 'CartPole-v1', {}),
    /td3 needs a Box observation space and a Box action space; CartPole-v1 has .*Discrete\(2\).*\(td3 supports: Box observations and bounded Box actions\)/,
  );
  assert.throws(() => createAlgorithm('sac', 'FrozenLake-v1', {}), /sac needs a Box observation space/);
  assert.throws(() => new TD3('Pendulum-v1', { policyDelay: 0 }), /td3: policyDelay must be a positive integer, got 0/);
  assert.throws(
    () => new DDPG('Pendulum-v1', { noiseType: 'pink' as never }),
    /ddpg: noiseType must be 'normal' or 'ornstein-uhlenbeck', got "pink"/,
  );
  assert.throws(
    () => new SAC('Pendulum-v1', { alpha: -1 }),
    /sac: alpha must be 'auto' or a finite number >= 0, got -1/,
  );
  assert.throws(
    () => new SAC('Pendulum-v1', { gradientSteps: 0 }),
    /sac: gradientSteps must be a positive integer or -1/,
  );
  assert.throws(
    () => createAlgorithm('dqn', 'Pendulum-v1', {}),
    /dqn needs a Box observation space and a Discrete action space/,
  );
});

test('off-policy: actions are rescaled to the env bounds; SAC tunes alpha towards the target entropy', async () => {
  const a = new SAC('Pendulum-v1', { hidden: [16], batchSize: 32, learningStarts: 100, alphaLr: 3e-3, seed: 7 });
  for (let i = 0; i < 20; i++) {
    const act = a.predict([Math.cos(i), Math.sin(i), i - 10], { deterministic: false });
    assert.ok(act[0] >= -2 && act[0] <= 2, `Pendulum action ${act[0]} outside [-2, 2]`);
  }
  await a.learn({ totalSteps: 1500 });
  assert.notEqual(a.alpha, 1, 'alpha moved from its initial value');
  assert.ok(a.alpha > 0 && a.alpha < 1, `alpha ${a.alpha}: a policy with entropy above -1 lowers it`);
  a.close();
});

test('dqn on the shared off-policy loop: NaN in the TD targets stops training naming the step', async () => {
  const { DQN } = await import('../src/rl/algos/index.js');
  const a = new DQN('CartPole-v1', { hidden: [8], batchSize: 16, learningStarts: 40, trainFreq: 1, seed: 1 });
  await a.learn({ totalSteps: 50 });
  a.qTarget.params.fill(NaN);
  await assert.rejects(a.learn({ totalSteps: 100 }), /dqn: TD target y is not finite \(NaN at index 0\) at step 51/);
  a.close();
});
