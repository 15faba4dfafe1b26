/**
 * One training run of a benchmark of bench/rl: train with a logger, stopping at the target unless told not to
 * (the time to solve is what CleanRL's timings measure), and report what every such benchmark records of it.
 */
import type { Algorithm, TrainResult } from '../../src/rl/train/algorithm.js';
import { Logger } from '../../src/rl/train/logger.js';
import { round } from './stats.js';

/** Learns `steps` env steps (stopping once solved when `stopWhenSolved`) and times the loop's phases. */
export async function trainRun(
  algo: Algorithm,
  opts: { steps: number; target?: number; stopWhenSolved: boolean },
): Promise<{ result: TrainResult; time_s: { env: number; inference: number; update: number } }> {
  const logger = new Logger(null);
  const result = await algo.learn({
    totalSteps: opts.steps,
    logger,
    target: opts.target,
    callbacks: opts.stopWhenSolved ? [{ onIterationEnd: (ctx) => ctx.solvedStep === null }] : [],
  });
  // The phases' times of every update record (milliseconds), in seconds.
  const updates = logger.records.filter((x) => x.event === 'update');
  const sum = (k: string) => updates.reduce((a, x) => a + Number(x[k] ?? 0), 0) / 1000;
  const time_s = {
    env: round(sum('time_env_ms')),
    inference: round(sum('time_inference_ms')),
    update: round(sum('time_update_ms')),
  };
  return { result, time_s };
}

/** The fields of a run that every bench/rl result holds. */
export function runFields(seed: number, r: TrainResult) {
  return { seed, steps: r.steps, solved_step: r.solved_step, solved_s: r.solved_s, wall_s: r.wall_s, sps: r.sps };
}
