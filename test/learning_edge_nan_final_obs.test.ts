/**
 * Review: NaN/infinity in observations must stop training with an error naming the step and the quantity.
 * collectStep checks only r.obs, which after a same-step autoreset holds the *reset* observation: a NaN in the
 * final observation of a truncated episode (info.final_obs, the one that is bootstrapped) goes unchecked into
 * gamma V(final obs), poisons the advantages and surfaces later as a NaN loss (or not at all).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Box, Discrete, Env, register, type ResetOptions, type ResetResult, type StepResult } from '../src/rl/index.js';
import { PPO } from '../src/rl/algos/index.js';

class NaNAtCut extends Env<Float32Array, number> {
  readonly observationSpace = new Box(-1e9, 1e9, [2]);
  readonly actionSpace = new Discrete(2);
  private t = 0;
  override reset(opts: ResetOptions = {}): ResetResult<Float32Array> {
    super.reset(opts);
    this.t = 0;
    return { obs: new Float32Array([0, 1]), info: {} };
  }
  step(_a: number): StepResult<Float32Array> {
    this.t++;
    // The 4th observation (the one TimeLimit(4) truncates on) is NaN.
    return {
      obs: new Float32Array([this.t === 4 ? NaN : this.t, 1]),
      reward: 1,
      terminated: false,
      truncated: false,
      info: {},
    };
  }
}
register('review2/NaNAtCut-v0', {
  entryPoint: () => new NaNAtCut(),
  maxEpisodeSteps: 4,
  modules: [import.meta.url],
  disableEnvChecker: true,
} as never);

test('review2: a NaN final observation (truncation) stops training with an error naming the observation', async () => {
  const a = new PPO('review2/NaNAtCut-v0', { nEnvs: 1, nSteps: 8, nMinibatches: 1, seed: 1 });
  await assert.rejects(
    a.learn({ totalSteps: 64 }),
    (e: Error) => /observation/.test(e.message) && /step 4\b/.test(e.message),
  );
  a.close();
});

/**
 * Review: a diverging update (NaN weights) must stop with a NonFiniteError naming the step and the quantity.
 * The loop checks the losses only after the whole iteration; PPO's next minibatch already runs the policy on
 * NaN weights, and rowLogSoftmax (distributions.ts:105) reports NaN logits as "every action masked out".
 */
test('review2: diverging PPO (NaN weights) is reported as a non-finite quantity, not as a masking error', async () => {
  const a = new PPO('CartPole-v1', { lr: 1e20, nEnvs: 2, nSteps: 64, seed: 1 });
  await assert.rejects(
    a.learn({ totalSteps: 4096 }),
    (e: Error) => e.name === 'NonFiniteError' && /at step \d+/.test(e.message),
  );
  a.close();
});
