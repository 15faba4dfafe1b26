// The float32 arithmetic of the reference under NumPy 2 (NEP 50): Pendulum's torque terms and
// MountainCarContinuous' float32 steps. The 1e-5 observation tolerance of the golden replay cannot see these
// differences, so the traces of test/golden are replayed here with exact observations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { make, type Env, type HasState } from '../src/rl/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Episode {
  state: number[];
  actions: number[][];
  observations: number[][];
  rewards: number[];
}

function trace(id: string): { maxEpisodeSteps: number; episodes: Episode[] } {
  const j = JSON.parse(readFileSync(`${root}test/golden/${id}.json`, 'utf8'));
  return { maxEpisodeSteps: j.max_episode_steps, episodes: j.episodes };
}

function inner(env: Env): HasState {
  return env.unwrapped as unknown as HasState;
}

/** The first step (of episode `e` from step `from` on) whose observation is not exactly the trace's, or null. */
function firstMismatch(env: Env, ep: Episode, from: number): string | null {
  for (let t = from; t < ep.actions.length; t++) {
    const obs = Array.from(env.step(ep.actions[t]).obs as Float32Array);
    if (obs.some((x, i) => x !== ep.observations[t][i]))
      return `step ${t}: ${obs.join(',')} vs ${ep.observations[t].join(',')}`;
  }
  return null;
}

for (const id of ['Pendulum-v1', 'MountainCarContinuous-v0']) {
  test(`${id} reproduces the reference's float32 observations exactly`, () => {
    const { maxEpisodeSteps, episodes } = trace(id);
    episodes.forEach((ep, e) => {
      const env = make(id, { maxEpisodeSteps, disableEnvChecker: true });
      env.reset({ seed: e });
      inner(env).setState(ep.state);
      assert.equal(firstMismatch(env, ep, 0), null, `episode ${e}`);
      env.close();
    });
  });
}

test('Pendulum-v1 computes the torque cost and the torque acceleration in float32', () => {
  // Values from the reference (Gymnasium 1.4.0 source under NEP 50 promotion), from the state [0, 0].
  const cases: [number, number, number][] = [
    [2.0, -0.004000000189989805, 0.30000000000000004],
    [-1.5, -0.002250000135973096, -0.225],
    [1.9999999, -0.003999999724328518, 0.2999999761581421],
  ];
  const env = make('Pendulum-v1', { disableEnvChecker: true });
  env.reset({ seed: 0 });
  for (const [u, reward, thetaDot] of cases) {
    inner(env).setState([0, 0]);
    assert.equal(env.step([u]).reward, reward, `u = ${u}`);
    assert.equal(inner(env).getState()[1], thetaDot, `u = ${u}`);
  }
});

test('MountainCarContinuous-v0 takes a Float32Array state as the float32 state the reference holds after a step', () => {
  // Resuming a traced episode mid-way from its float32 observation (= the reference's stored state) must follow
  // the trace exactly; plain numbers would start a float64 step instead, as after reset.
  const { maxEpisodeSteps, episodes } = trace('MountainCarContinuous-v0');
  let resumed = 0;
  episodes.forEach((ep, e) => {
    if (ep.actions.length < 60) return;
    const env = make('MountainCarContinuous-v0', { maxEpisodeSteps, disableEnvChecker: true });
    env.reset({ seed: e });
    inner(env).setState(Float32Array.from(ep.observations[29]));
    assert.equal(firstMismatch(env, ep, 30), null, `episode ${e} resumed at step 30`);
    resumed++;
    env.close();
  });
  assert.ok(resumed >= 6);
});
