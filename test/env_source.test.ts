/**
 * Env sources (src/rl/core/registry.ts) and policies (src/rl/train/policy.ts): algorithms made from an env
 * factory whose id is not registered train, evaluate and checkpoint through the factory (and loading needs it
 * again); worker vector envs refuse factories; the on-policy methods' and GRPO's `policy` acts as `predict`
 * does, and its log-probabilities and parameters are those of the algorithm's network.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CartPoleEnv,
  CheckpointError,
  DQN,
  GRPO,
  PendulumEnv,
  PPO,
  QLearning,
  FrozenLakeEnv,
  Reinforce,
  SequenceMatchEnv,
  UnknownEnvError,
  loadAlgorithm,
  makeVec,
  readCheckpoint,
  spec,
  type EnvFactory,
  type PolicyAlgorithm,
  type StochasticPolicy,
} from '../src/rl/index.js';

/** A factory of CartPole under an id nobody registers, counting the envs it makes. */
function countingFactory(id = 'test/FactoryCartPole-v0'): EnvFactory & { made: number } {
  const f = {
    id,
    made: 0,
    maxEpisodeSteps: 200,
    entryPoint: (kw: Record<string, unknown>) => {
      f.made++;
      return new CartPoleEnv(kw);
    },
  };
  return f;
}

test("an algorithm made from an unregistered env factory trains and evaluates on the factory's envs", async () => {
  const env = countingFactory();
  assert.throws(() => spec(env.id), UnknownEnvError);
  for (const algo of [
    new PPO(env, { nEnvs: 2, nSteps: 16, seed: 1 }),
    new Reinforce(env, { nEnvs: 2, seed: 1 }),
    new DQN(env, { learningStarts: 16, seed: 1 }),
  ]) {
    const before = env.made;
    const r = await algo.learn({ totalSteps: 64 });
    assert.ok(r.steps >= 64);
    assert.equal(algo.envId, env.id);
    const atEval = env.made;
    const e = algo.evaluate(2, { maxSteps: 50 });
    assert.equal(e.returns.length, 2);
    assert.equal(env.made, atEval + 1, 'evaluation makes its env through the factory');
    assert.ok(atEval > before, 'training made its envs through the factory');
    algo.close();
  }
  // Tabular methods and GRPO take a factory too.
  const lake: EnvFactory = {
    id: 'test/FactoryLake-v0',
    entryPoint: (kw) => new FrozenLakeEnv(kw),
    maxEpisodeSteps: 100,
  };
  const q = new QLearning(lake, { seed: 1 });
  await q.learn({ totalSteps: 200 });
  assert.equal(q.evaluate(1).returns.length, 1);
  q.close();
  const seq: EnvFactory = { id: 'test/FactorySeq-v0', entryPoint: (kw) => new SequenceMatchEnv(kw) };
  const g = new GRPO(seq, { groupSize: 2, promptsPerIteration: 2, seed: 1 });
  await g.learn({ totalSteps: 10 });
  assert.equal(g.evaluate(2).returns.length, 2);
  g.close();
});

test('a checkpoint of a factory-made algorithm records the id; loading it needs the factory again', async () => {
  const env = countingFactory();
  const a = new PPO(env, { nEnvs: 2, nSteps: 16, seed: 2 });
  await a.learn({ totalSteps: 32 });
  const dir = mkdtempSync(join(tmpdir(), 'rltune-factory-'));
  a.save(dir);
  assert.equal(readCheckpoint(dir).manifest.env, env.id);
  assert.throws(
    () => loadAlgorithm(dir),
    (e: Error) =>
      e instanceof CheckpointError &&
      e.message.includes('"test/FactoryCartPole-v0", which is not registered') &&
      /loadAlgorithm\(dir, \{env: factory\}\)/.test(e.message),
  );
  assert.throws(
    () => loadAlgorithm(dir, { env: countingFactory('test/Other-v0') }),
    /trained on env "test\/FactoryCartPole-v0"; the env factory given makes "test\/Other-v0"/,
  );
  const b = loadAlgorithm(dir, { env });
  assert.equal(b.numTimesteps, a.numTimesteps);
  for (const obs of [
    [0, 0, 0, 0],
    [0.1, -0.3, 0.05, 0.4],
  ])
    assert.equal(b.predict(obs), a.predict(obs));
  a.close();
  b.close();
});

test('makeVec: a factory runs in sync mode; worker mode refuses it (a function cannot cross to a thread)', () => {
  const env = countingFactory();
  const v = makeVec(env, 3);
  assert.equal(env.made, 3);
  assert.equal(v.reset({ seed: 1 }).obs.length, 12);
  v.close();
  assert.throws(
    () => makeVec(env, 2, { mode: 'worker' }),
    (e: Error) =>
      e instanceof TypeError &&
      /makeVec\(test\/FactoryCartPole-v0\): mode "worker" .* cannot be sent to a thread; use mode "sync"/.test(
        e.message,
      ),
  );
});

/** The policy acts as predict does, from the same generator state, deterministic or not. */
function assertActsAsPredict(algo: PolicyAlgorithm, observations: number[][], mask?: number[]): void {
  const p: StochasticPolicy = algo.policy;
  for (const obs of observations) {
    assert.deepEqual(p.act(obs, { actionMask: mask }), algo.predict(obs, { actionMask: mask }));
    const state = algo.rng.getState();
    const sampled = p.act(obs, { deterministic: false, actionMask: mask });
    algo.rng.setState(state);
    assert.deepEqual(sampled, algo.predict(obs, { deterministic: false, actionMask: mask }));
  }
}

test("policy (Categorical): act is predict, logProb is a normalized (masked) distribution whose mode act picks, parameters are the checkpoint's actor", async () => {
  const ppo = new PPO('CartPole-v1', { nEnvs: 2, nSteps: 32, normalizeObs: true, seed: 3 });
  await ppo.learn({ totalSteps: 256 }); // the observation statistics are no longer the identity
  const seq = new GRPO('SequenceMatch-v0', { groupSize: 2, promptsPerIteration: 2, seed: 3 });
  await seq.learn({ totalSteps: 20 });
  for (const algo of [ppo, seq] as PolicyAlgorithm[]) {
    const p = algo.policy;
    assert.equal(p.discrete, true);
    const obs = Array.from({ length: p.obsDim }, (_, j) => 0.1 * (j + 1));
    assertActsAsPredict(algo, [obs, obs.map((v) => -v)]);
    const n = p.nAct,
      rows = new Float32Array(n * p.obsDim);
    for (let a = 0; a < n; a++) rows.set(obs, a * p.obsDim);
    const actions = Array.from({ length: n }, (_, a) => a);
    const lp = p.logProb(rows, actions, n);
    assert.ok(Math.abs(lp.reduce((s, v) => s + Math.exp(v), 0) - 1) < 1e-5);
    assert.equal(lp.indexOf(Math.max(...lp)), p.act(obs));
    // A mask that allows only the two last actions: their probabilities sum to 1 and act picks one of them.
    const mask = actions.map((a) => (a >= n - 2 ? 1 : 0));
    const masked = p.logProb(rows.subarray((n - 2) * p.obsDim), [n - 2, n - 1], 2, [...mask, ...mask]);
    assert.ok(Math.abs(Math.exp(masked[0]) + Math.exp(masked[1]) - 1) < 1e-5);
    assert.ok((p.act(obs, { actionMask: mask }) as number) >= n - 2);
    assertActsAsPredict(algo, [obs], mask);
    assert.throws(() => p.logProb(rows, actions, n + 1), /logProb: expected/);
    const dir = mkdtempSync(join(tmpdir(), 'rltune-policy-'));
    algo.save(dir);
    assert.deepEqual(readCheckpoint(dir).tensors.actor, p.parameters);
    // The parameters are live: zeroed weights give a uniform policy.
    p.parameters.fill(0);
    const flat = p.logProb(rows, actions, n);
    for (const v of flat) assert.ok(Math.abs(v + Math.log(n)) < 1e-6);
    algo.close();
  }
});

test('policy (Gaussian): act is predict (clipped to the bounds), the mode is the most likely action', async () => {
  const algo = new PPO(
    { id: 'test/FactoryPendulum-v0', entryPoint: (kw) => new PendulumEnv(kw), maxEpisodeSteps: 200 },
    { nEnvs: 2, nSteps: 16, seed: 4 },
  );
  await algo.learn({ totalSteps: 64 });
  const p = algo.policy;
  assert.equal(p.discrete, false);
  const obs = [0.5, -0.5, 1.5];
  assertActsAsPredict(algo, [obs, [1, 0, -3]]);
  const mode = p.act(obs) as Float32Array;
  const [atMode, beside] = p.logProb([...obs, ...obs], [mode[0], mode[0] + 0.5], 2);
  assert.ok(atMode > beside);
  algo.close();
});
