import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PPO, loadAlgorithm, createAlgorithm } from '../src/rl/algos/index.js';
import { presetFor } from '../src/rl/train/presets.js';
import { CheckpointError, readCheckpoint } from '../src/rl/train/checkpoint.js';
import { NonFiniteError } from '../src/rl/train/algorithm.js';
import { Logger } from '../src/rl/train/logger.js';
import type { TrainContext } from '../src/rl/train/context.js';
import './fixtures/train_envs.js';

/** PPO with its rollout buffer and collection exposed, for white-box tests. */
class OpenPPO extends PPO {
  rollout(): {
    rewards: Float32Array;
    dones: Uint8Array;
    obs: Float32Array;
    actions: Float32Array;
    values: Float32Array;
    returns: Float32Array;
  } {
    const ctx = {
      numTimesteps: 0,
      startTimesteps: 0,
      totalSteps: 1e9,
      startTime: performance.now(),
      logger: new Logger(null),
      recentReturns: [],
      recentLengths: [],
      episodes: 0,
      target: null,
      solvedStep: null,
      solvedSeconds: null,
      stop: false,
      callbacks: [],
      algorithm: null,
    } as TrainContext;
    this.collectRollout(ctx);
    return this.buffer;
  }
  value(obs: number[]): number {
    return this.stateValues(Float32Array.from(obs), 1)[0];
  }
}

test('truncation is not termination: a truncated step is bootstrapped with V(final obs), a terminated one is not', () => {
  const gamma = 0.9;
  const trunc = new OpenPPO('test/Forever-v0', { nEnvs: 2, nSteps: 12, gamma, seed: 3 });
  const b = trunc.rollout();
  let truncatedSteps = 0;
  for (let k = 0; k < b.rewards.length; k++) {
    if (!b.dones[k]) {
      assert.equal(b.rewards[k], 1);
      continue;
    }
    truncatedSteps++;
    // The episode was cut after 5 steps: its final observation is [5, 1]; the reward includes gamma V([5, 1]).
    assert.ok(Math.abs(b.rewards[k] - (1 + gamma * trunc.value([5, 1]))) < 1e-5, `reward ${b.rewards[k]}`);
  }
  assert.ok(truncatedSteps >= 4);
  trunc.close();
  const term = new OpenPPO('test/Cliff-v0', { nEnvs: 2, nSteps: 12, gamma, seed: 3 });
  const c = term.rollout();
  for (let k = 0; k < c.rewards.length; k++) assert.equal(c.rewards[k], 1, 'terminated steps keep the plain reward');
  term.close();
});

test('GAE: returns equal discounted rewards to the episode end on a terminating env (lambda = 1)', () => {
  const algo = new OpenPPO('test/Cliff-v0', {
    nEnvs: 1,
    nSteps: 5,
    nMinibatches: 1,
    gamma: 0.5,
    gaeLambda: 1,
    seed: 1,
  });
  const b = algo.rollout();
  // One full episode of 5 steps with reward 1: R_t = sum_{k<5-t} 0.5^k.
  for (let t = 0; t < 5; t++)
    assert.ok(Math.abs(b.returns[t] - (2 - 2 * 0.5 ** (5 - t))) < 1e-5, `R_${t} = ${b.returns[t]}`);
  algo.close();
});

test('action masks: masked actions are never sampled, and PPO learns within the allowed ones', async () => {
  const algo = new PPO('test/Masked-v0', { nEnvs: 2, nSteps: 32, nMinibatches: 2, nEpochs: 4, lr: 3e-3, seed: 2 });
  const res = await algo.learn({ totalSteps: 3000 }); // the env throws if action 2 is ever taken
  assert.ok(res.final_mean_return! > 7, `mean return ${res.final_mean_return} (10 is the best)`);
  assert.equal(algo.predict([1, 1], { actionMask: [0, 1, 0] }), 1);
  algo.close();
});

test('same seed, same machine: identical learning curves', async () => {
  const curve = async () => {
    const logger = new Logger(null);
    const a = new PPO('CartPole-v1', { nEnvs: 2, nSteps: 64, seed: 7 });
    await a.learn({ totalSteps: 1024, logger });
    a.close();
    return logger.records
      .filter((r) => r.event !== 'solved')
      .map((r) => JSON.stringify({ ...r, time_s: 0, sps: 0, time_env_ms: 0, time_inference_ms: 0, time_update_ms: 0 }));
  };
  assert.deepEqual(await curve(), await curve());
});

test('checkpoints: save, load, same predictions; resume continues the step count', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-ck-'));
  const a = new PPO('CartPole-v1', { nEnvs: 2, nSteps: 64, seed: 5 });
  await a.learn({ totalSteps: 512 });
  a.save(dir);
  const b = loadAlgorithm(dir);
  for (const obs of [
    [0, 0, 0, 0],
    [0.1, -0.2, 0.05, 0.3],
  ])
    assert.equal(b.predict(obs), a.predict(obs));
  assert.equal(b.numTimesteps, a.numTimesteps);
  const r = await b.learn({ totalSteps: 1024 });
  assert.equal(r.steps, 1024);
  assert.equal(readCheckpoint(dir).manifest.algo, 'ppo');
  a.close();
  b.close();
});

test('corrupt, foreign or mismatched checkpoints get clear messages', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-ck-'));
  assert.throws(
    () => loadAlgorithm(dir),
    (e: Error) => e instanceof CheckpointError && /manifest\.json is missing/.test(e.message),
  );
  writeFileSync(join(dir, 'manifest.json'), '{not json');
  assert.throws(() => loadAlgorithm(dir), /manifest\.json is corrupt/);
  const a = new PPO('CartPole-v1', { nEnvs: 1, nSteps: 16, seed: 1 });
  a.save(dir);
  a.close();
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...m, version: 0 }));
  assert.throws(() => loadAlgorithm(dir), /checkpoint format version 0 .* reads version 1/);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...m, config: { ...m.config, hidden: [32] } }));
  assert.throws(() => loadAlgorithm(dir), /array actor has \d+ Float32Array entries, expected \d+/);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
  // Version 2 names its data file in the manifest (tensors.bin in version 1) and lists its size.
  writeFileSync(join(dir, m.tensors_file), Buffer.alloc(10));
  assert.throws(() => loadAlgorithm(dir), /damaged: tensors-[0-9a-f]{16}\.bin is 10 bytes, manifest\.json says \d+/);
});

test('NaN rewards stop training with an error naming the step and the quantity', async () => {
  const a = new PPO('test/NaN-v0', { nEnvs: 1, nSteps: 16, seed: 1 });
  await assert.rejects(
    a.learn({ totalSteps: 64 }),
    (e: Error) => e instanceof NonFiniteError && /reward NaN at step 7/.test(e.message),
  );
  a.close();
});

test('shared network (one trunk, policy and value heads): PPO solves CartPole-v1; A2C round-trips checkpoints', async () => {
  const p = createAlgorithm('ppo', 'CartPole-v1', {
    ...presetFor('ppo', 'CartPole-v1').config,
    sharedNetwork: true,
    seed: 1,
  }) as PPO;
  const r = await p.learn({ totalSteps: 100_000 });
  assert.equal(p.critic, null);
  assert.ok(r.final_mean_return! > 300, `shared-network PPO mean return ${r.final_mean_return}`);
  p.close();
  const dir = mkdtempSync(join(tmpdir(), 'rltune-shared-'));
  const a = createAlgorithm('a2c', 'CartPole-v1', {
    ...presetFor('a2c', 'CartPole-v1').config,
    sharedNetwork: true,
    seed: 1,
  });
  await a.learn({ totalSteps: 5_000 });
  a.save(dir);
  const b = loadAlgorithm(dir);
  for (const obs of [
    [0, 0, 0, 0],
    [0.1, -0.2, 0.05, 0.3],
  ])
    assert.equal(b.predict(obs), a.predict(obs));
  a.close();
  b.close();
});

test('unknown algorithms and unsupported spaces are named', () => {
  assert.throws(() => createAlgorithm('dqnn', 'CartPole-v1', {}), /unknown algorithm "dqnn"; expected one of .*ppo/);
  assert.throws(
    () => createAlgorithm('ppo', 'FrozenLake-v1', {}),
    /ppo needs a Box observation space .*FrozenLake-v1 has Discrete\(16\).*supports:/,
  );
});

for (const [name, steps, minReturn] of [
  ['ppo', 20_000, 100],
  ['a2c', 20_000, 40],
  ['reinforce', 20_000, 40],
] as const) {
  test(`${name} learns something on CartPole-v1 in a tiny budget, with its preset (smoke)`, async () => {
    const a = createAlgorithm(name, 'CartPole-v1', { ...presetFor(name, 'CartPole-v1').config, seed: 1 });
    const r = await a.learn({ totalSteps: steps });
    a.close();
    // A random policy averages about 22.
    assert.ok(r.final_mean_return! > minReturn, `${name}: mean return of the last 20 episodes ${r.final_mean_return}`);
  });
}

test('EvalCallback logs deterministic evaluations without changing the training run; CheckpointCallback writes checkpoints', async () => {
  const { EvalCallback, CheckpointCallback } = await import('../src/rl/train/callbacks.js');
  const dir = mkdtempSync(join(tmpdir(), 'rltune-cb-'));
  const run = async (withEval: boolean) => {
    const logger = new Logger(null);
    const a = new PPO('CartPole-v1', { nEnvs: 2, nSteps: 64, seed: 4 });
    const ev = new EvalCallback(256, 3);
    await a.learn({ totalSteps: 1024, logger, callbacks: withEval ? [ev, new CheckpointCallback(512, dir)] : [] });
    a.close();
    return {
      updates: logger.records.filter((r) => r.event === 'update').map((r) => r.policy_loss),
      evals: logger.records.filter((r) => r.event === 'eval'),
      ev,
    };
  };
  const plain = await run(false),
    observed = await run(true);
  assert.deepEqual(observed.updates, plain.updates, 'evaluation does not change training');
  assert.equal(observed.evals.length, 4);
  assert.equal(observed.ev.history.length, 4);
  assert.ok(readCheckpoint(dir).manifest.num_timesteps >= 512);
});
