import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DQN, loadAlgorithm } from '../src/rl/algos/index.js';
import './fixtures/train_envs.js';

const FAST = {
  lr: 1e-3,
  batchSize: 64,
  bufferSize: 20_000,
  learningStarts: 500,
  targetUpdateInterval: 250,
  trainFreq: 1,
  gradientSteps: 1,
  explorationFraction: 0.3,
  epsEnd: 0.02,
  hidden: [64, 64],
};

for (const variant of [
  {},
  { dueling: true },
  { prioritized: true, nStep: 3 },
  { loss: 'mse' as const, tau: 0.01, targetUpdateInterval: 1 },
]) {
  test(`DQN ${JSON.stringify(variant)} learns something on CartPole-v1 in a small budget (smoke)`, async () => {
    const a = new DQN('CartPole-v1', { ...FAST, ...variant, seed: 1 });
    const r = await a.learn({ totalSteps: 25_000 });
    a.close();
    assert.ok(r.final_mean_return! > 40, `mean return of the last 20 episodes ${r.final_mean_return} (random: ~22)`);
  });
}

test('DQN: truncation bootstraps, termination does not (targets from the buffer)', async () => {
  // test/Forever-v0 pays 1 per step and is only ever truncated (every 5 steps): Q converges towards 1/(1-gamma).
  const a = new DQN('test/Forever-v0', {
    ...FAST,
    gamma: 0.5,
    learningStarts: 100,
    targetUpdateInterval: 50,
    hidden: [16],
    seed: 2,
  });
  await a.learn({ totalSteps: 6000 });
  const q = a.q.forward(Float32Array.from([2, 1]), 1);
  assert.ok(
    Math.abs(q[0] - 2) < 0.3 && Math.abs(q[1] - 2) < 0.3,
    `Q = ${Array.from(q).join(',')} (expected ~2 = 1/(1-0.5))`,
  );
  a.close();
  // test/Cliff-v0 pays 1 per step and terminates after 5: Q(s_4, .) = 1 (no bootstrap past the end).
  const c = new DQN('test/Cliff-v0', {
    ...FAST,
    gamma: 0.5,
    learningStarts: 100,
    targetUpdateInterval: 50,
    hidden: [16],
    seed: 2,
  });
  await c.learn({ totalSteps: 6000 });
  const q4 = c.q.forward(Float32Array.from([4, 1]), 1);
  assert.ok(Math.abs(q4[0] - 1) < 0.3, `Q(s4) = ${q4[0]} (expected ~1)`);
  c.close();
});

test('DQN checkpoints keep the replay buffer on request and refuse mismatches', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-dqn-'));
  const a = new DQN('CartPole-v1', { ...FAST, saveBuffer: true, seed: 3 });
  await a.learn({ totalSteps: 1500 });
  a.save(dir);
  const b = loadAlgorithm(dir) as DQN;
  assert.equal(b.buffer.size, a.buffer.size);
  for (const obs of [
    [0, 0, 0, 0],
    [0.1, -0.2, 0.05, 0.3],
  ])
    assert.equal(b.predict(obs), a.predict(obs));
  a.close();
  b.close();
  assert.throws(
    () => new DQN('Pendulum-v1', {}),
    /dqn needs a Box observation space and a Discrete action space; Pendulum-v1 has/,
  );
});
