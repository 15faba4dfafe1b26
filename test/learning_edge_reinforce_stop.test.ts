/**
 * Review: a callback that stops training from onStep (documented in callbacks.ts) makes REINFORCE update on
 * zero finished episodes; its losses are 0/0 = NaN and the loop reports a spurious NonFiniteError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reinforce } from '../src/rl/algos/index.js';

test('review2: REINFORCE stopped by an onStep callback ends cleanly (no NaN loss error)', async () => {
  const a = new Reinforce('CartPole-v1', { nEnvs: 2, seed: 1 });
  let n = 0;
  const res = await a.learn({ totalSteps: 10_000, callbacks: [{ onStep: () => ++n < 3 }] });
  a.close();
  assert.ok(res.steps > 0);
});
