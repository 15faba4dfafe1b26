/**
 * The strategies by name: the classic ones (strategies/) and the RL ones (rl/), behind the one Tuner contract.
 */
import type { TuningTask } from '../task/task.js';
import { GrpoTuner, PpoTuner } from './rl/policy_tuner.js';
import { GridTuner } from './strategies/grid.js';
import { AnnealTuner, EvolveTuner } from './strategies/model_based.js';
import { RandomTuner } from './strategies/random.js';
import type { Tuner, TunerContext, TunerFactory } from './tuner.js';

export const STRATEGIES: Record<string, TunerFactory> = {
  random: (task, seed) => new RandomTuner(task, seed),
  grid: (task, seed) => new GridTuner(task, seed),
  anneal: (task, seed, ctx) => new AnnealTuner(task, seed, ctx),
  evolve: (task, seed, ctx) => new EvolveTuner(task, seed, ctx),
  grpo: (task, seed, ctx) => new GrpoTuner(task, seed, ctx, { ...ctx?.policy }),
  ppo: (task, seed, ctx) => new PpoTuner(task, seed, ctx, { ...ctx?.policy }),
};

/** Strategies that rank with the cost model (and use a transfer prior when given one). */
export const MODEL_BASED = new Set(['anneal', 'evolve', 'grpo', 'ppo']);

export function createTuner(name: string, task: TuningTask, seed: number, ctx?: TunerContext): Tuner {
  const f = STRATEGIES[name];
  if (!f)
    throw new RangeError(
      `unknown strategy ${JSON.stringify(name)}; expected one of ${Object.keys(STRATEGIES).join(', ')}`,
    );
  return f(task, seed, ctx);
}
