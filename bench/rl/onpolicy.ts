/**
 * bench/rl/onpolicy: the on-policy acceptance runs of the learning issue, and PPO's speed. Prints one JSON
 * object.
 *
 *   node dist/bench/rl/onpolicy.js [--quick] [--record] [--only ppo-cartpole,...]
 *
 * Runs (each over seeds 1..3, with the preset of `rltune train`):
 *   ppo-cartpole     PPO CartPole-v1, budget 150,000 steps: solved (mean of the last 20 episodes >= 475) by all
 *                    3 seeds; median wall time to solve (target 5 s; CleanRL's ppo.py needs ~14 s on this kind
 *                    of machine), steps/s, and where the time goes (env, inference, update).
 *   a2c-cartpole, reinforce-cartpole   budget 500,000 steps: the median solve step is within it.
 *   ppo-acrobot      PPO Acrobot-v1 reaches -100 (mean of the last 20 episodes).
 *   ppo-pendulum     PPO Pendulum-v1 reaches -250 (mean of the last 20 episodes).
 * `--quick` runs one seed of each with a tiny budget (a smoke run for CI: numbers, not verdicts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createAlgorithm } from '../../src/rl/algos/index.js';
import { runFields, trainRun } from '../util/train_run.js';
import { presetFor } from '../../src/rl/train/presets.js';
import { machineInfo } from '../machine.js';
import { benchArgs, listFlag } from '../util/args.js';
import { medianOrNull as median } from '../util/stats.js';

const { values, quick, record } = benchArgs('bench/rl/onpolicy', { only: { type: 'string' } });
const onlyList = values.only === undefined ? null : listFlag(values.only, '');

interface RunSpec {
  name: string;
  algo: string;
  env: string;
  budget: number;
  target: number;
}

const RUNS: RunSpec[] = [
  { name: 'ppo-cartpole', algo: 'ppo', env: 'CartPole-v1', budget: 150_000, target: 475 },
  { name: 'a2c-cartpole', algo: 'a2c', env: 'CartPole-v1', budget: 500_000, target: 475 },
  { name: 'reinforce-cartpole', algo: 'reinforce', env: 'CartPole-v1', budget: 500_000, target: 475 },
  { name: 'ppo-acrobot', algo: 'ppo', env: 'Acrobot-v1', budget: 500_000, target: -100 },
  { name: 'ppo-pendulum', algo: 'ppo', env: 'Pendulum-v1', budget: 300_000, target: -250 },
];

async function runOne(spec: RunSpec, seed: number) {
  const preset = presetFor(spec.algo, spec.env);
  const algo = createAlgorithm(spec.algo, spec.env, { ...preset.config, seed });
  const budget = quick ? Math.min(spec.budget, 8_192) : spec.budget;
  // Stop at the target, as CleanRL's timing does: the time to solve is what is measured.
  const { result: r, time_s } = await trainRun(algo, { steps: budget, target: spec.target, stopWhenSolved: !quick });
  const backend = (algo as unknown as { actor?: { backend: string } }).actor?.backend ?? null;
  algo.close();
  return { ...runFields(seed, r), final_mean_return: r.final_mean_return, time_s, backend };
}

const results: Record<string, unknown> = {};
for (const spec of RUNS) {
  if (onlyList && !onlyList.includes(spec.name)) continue;
  const seeds = quick ? [1] : [1, 2, 3];
  const runs = [];
  for (const s of seeds) runs.push(await runOne(spec, s));
  const solvedSteps = runs.map((r) => r.solved_step).filter((x): x is number => x !== null);
  const solvedTimes = runs.map((r) => r.solved_s).filter((x): x is number => x !== null);
  results[spec.name] = {
    algo: spec.algo,
    env: spec.env,
    budget: spec.budget,
    target: spec.target,
    runs,
    solved_seeds: solvedSteps.length,
    median_solved_step: solvedSteps.length === runs.length ? median(solvedSteps) : null,
    median_solve_s: solvedTimes.length === runs.length ? median(solvedTimes) : null,
    median_sps: median(runs.map((r) => r.sps)),
  };
}

const ppo = results['ppo-cartpole'] as { solved_seeds: number; median_solve_s: number | null } | undefined;
const out = {
  benchmark: 'rl-onpolicy',
  date: new Date().toISOString(),
  quick,
  machine: machineInfo(),
  results,
  acceptance: quick
    ? null
    : {
        ppo_cartpole_3_of_3: ppo ? ppo.solved_seeds === 3 : null,
        ppo_cartpole_median_solve_s: ppo?.median_solve_s ?? null,
        ppo_cartpole_speed_target_5s:
          ppo?.median_solve_s !== null && ppo?.median_solve_s !== undefined ? ppo.median_solve_s <= 5 : null,
        cleanrl_reference_s: 14,
      },
};
process.stdout.write(JSON.stringify(out) + '\n');
if (record) {
  const dir = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}rl-onpolicy-${out.date.slice(0, 10)}.json`, JSON.stringify(out, null, 2) + '\n');
}
