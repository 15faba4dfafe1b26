/**
 * Review: a resumed on-policy run must continue the learning-rate schedule where it stopped (the tabular
 * methods do: td_control.ts computes schedules from the absolute step count). on_policy.ts applySchedule
 * computes progress from ctx.startTimesteps, so after --resume the rate jumps back to the full lr.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PPO, loadAlgorithm } from '../src/rl/algos/index.js';
import { Logger } from '../src/rl/train/logger.js';

test('review2: resumed PPO continues the linear lr schedule instead of restarting it', async () => {
  const cfg = { nEnvs: 2, nSteps: 64, lr: 1e-3, lrSchedule: 'linear' as const, seed: 5 };
  const whole = new PPO('CartPole-v1', cfg);
  const l1 = new Logger(null);
  await whole.learn({ totalSteps: 512, logger: l1 });
  whole.close();
  const lrWhole = l1.records.filter((r) => r.event === 'update').map((r) => [r.step, r.lr]);

  const dir = mkdtempSync(join(tmpdir(), 'rv-sched-'));
  const first = new PPO('CartPole-v1', cfg);
  await first.learn({ totalSteps: 256 });
  first.save(dir);
  first.close();
  const resumed = loadAlgorithm(dir);
  const l2 = new Logger(null);
  await resumed.learn({ totalSteps: 512, logger: l2 });
  resumed.close();
  const lrResumed = l2.records.filter((r) => r.event === 'update').map((r) => [r.step, r.lr]);
  // The update that ends at step 384 started at 256 of 512: lr = 1e-3 * (1 - 256/512) = 5e-4 in the whole run.
  const at = (xs: unknown[][], s: number) => xs.find((x) => x[0] === s)?.[1] as number;
  assert.ok(Math.abs(at(lrWhole, 384) - 5e-4) < 1e-12, `uninterrupted lr ${at(lrWhole, 384)}`);
  assert.ok(
    Math.abs(at(lrResumed, 384) - at(lrWhole, 384)) < 1e-12,
    `resumed lr at step 384 is ${at(lrResumed, 384)}, uninterrupted ${at(lrWhole, 384)}`,
  );
});
