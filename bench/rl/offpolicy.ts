/**
 * bench/rl/offpolicy: the off-policy acceptance runs of the learning issue (DQN, DDPG, TD3, SAC), prioritized
 * against uniform replay, and TD3's speed. Prints one JSON object.
 *
 *   node dist/bench/rl/offpolicy.js [--quick] [--record] [--only=td3-speed,dqn-cartpole,...]
 *
 * Runs (each over seeds 1..3 with the preset of `rltune train`, stopped once solved unless said otherwise):
 *   dqn-cartpole      DQN CartPole-v1 reaches 475 within 100,000 steps (3 of 3 seeds)
 *   dqn-acrobot       DQN Acrobot-v1 reaches -100
 *   dqn-mountaincar   DQN MountainCar-v0 reaches -110 within 300,000 steps
 *   td3-pendulum, sac-pendulum   reach -200 within 20,000 steps;  ddpg-pendulum reaches -250
 *   td3-mountaincarcontinuous    reaches 90
 *   per-vs-uniform    DQN on CartPole-v1 and Acrobot-v1 with the preset (uniform replay) and with prioritized
 *                     replay (same settings otherwise), full budget, not stopped: median solve step and mean
 *                     evaluation return of each
 *   td3-speed         10,000 TD3 steps on Pendulum-v1 with the issue's fixed configuration (actor and twin
 *                     critics 64-64, batch 100, learning starts at 1,000, one critic update per env step, actor and
 *                     targets every second update): wall time, steps/s, mean return of the last 5 episodes,
 *                     where the time goes (env, inference, update) and a per-call profile of the update's parts.
 * "Reaches" is the contract of `rltune train`: the mean return of the last 20 training episodes. Each run also
 * reports a deterministic evaluation over 10 episodes at its end. `--quick` runs one seed of each with a tiny
 * budget (a smoke run for CI: numbers, not verdicts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createAlgorithm, polyakUpdate, TD3 } from '../../src/rl/algos/index.js';
import { Logger } from '../../src/rl/train/logger.js';
import { runFields, trainRun } from '../util/train_run.js';
import { presetFor } from '../../src/rl/train/presets.js';
import { machineInfo } from '../machine.js';
import { benchArgs, listFlag } from '../util/args.js';
import { medianOrNull as median, round } from '../util/stats.js';

const { values, quick, record } = benchArgs('bench/rl/offpolicy', { only: { type: 'string' } });
const onlyList = values.only === undefined ? null : listFlag(values.only, '');
const only = (name: string) => onlyList === null || onlyList.includes(name);
const SEEDS = quick ? [1] : [1, 2, 3];

interface RunSpec {
  name: string;
  algo: string;
  env: string;
  budget: number;
  target: number;
  config?: Record<string, unknown>;
  stopWhenSolved?: boolean;
}

const RUNS: RunSpec[] = [
  { name: 'dqn-cartpole', algo: 'dqn', env: 'CartPole-v1', budget: 100_000, target: 475 },
  { name: 'dqn-acrobot', algo: 'dqn', env: 'Acrobot-v1', budget: presetFor('dqn', 'Acrobot-v1').steps, target: -100 },
  { name: 'dqn-mountaincar', algo: 'dqn', env: 'MountainCar-v0', budget: 300_000, target: -110 },
  { name: 'td3-pendulum', algo: 'td3', env: 'Pendulum-v1', budget: 20_000, target: -200 },
  { name: 'sac-pendulum', algo: 'sac', env: 'Pendulum-v1', budget: 20_000, target: -200 },
  { name: 'ddpg-pendulum', algo: 'ddpg', env: 'Pendulum-v1', budget: 20_000, target: -250 },
  {
    name: 'td3-mountaincarcontinuous',
    algo: 'td3',
    env: 'MountainCarContinuous-v0',
    budget: presetFor('td3', 'MountainCarContinuous-v0').steps,
    target: 90,
  },
];

/** The TD3 configuration of the speed target (the issue's), beside the defaults. */
export const TD3_SPEED_CONFIG = {
  hidden: [64, 64],
  batchSize: 100,
  learningStarts: 1000,
  trainFreq: 1,
  gradientSteps: 1,
  policyDelay: 2,
  bufferSize: 1_000_000,
  actorLr: 1e-3,
  criticLr: 1e-3,
  explorationNoise: 0.1,
};

async function runOne(spec: RunSpec, seed: number) {
  const preset = presetFor(spec.algo, spec.env);
  const algo = createAlgorithm(spec.algo, spec.env, { ...preset.config, ...spec.config, seed });
  const budget = quick ? Math.min(spec.budget, 3_000) : spec.budget;
  const stopWhenSolved = spec.stopWhenSolved !== false && !quick;
  const { result: r, time_s } = await trainRun(algo, { steps: budget, target: spec.target, stopWhenSolved });
  const ev = algo.evaluate(quick ? 2 : 10);
  algo.close();
  return {
    ...runFields(seed, r),
    final_mean_return: r.final_mean_return === null ? null : round(r.final_mean_return, 2),
    eval_mean_return: round(ev.mean_return, 2),
    time_s,
  };
}

function summarize(spec: RunSpec, runs: Awaited<ReturnType<typeof runOne>>[]) {
  const solved = runs.map((r) => r.solved_step).filter((x): x is number => x !== null && x <= spec.budget);
  return {
    algo: spec.algo,
    env: spec.env,
    budget: spec.budget,
    target: spec.target,
    config: { ...presetFor(spec.algo, spec.env).config, ...spec.config },
    runs,
    solved_seeds: solved.length,
    median_solved_step: solved.length === runs.length ? median(solved) : null,
    median_eval_return: median(runs.map((r) => r.eval_mean_return)),
    median_sps: median(runs.map((r) => r.sps)),
  };
}

/** Median per-call time (microseconds) of `fn` over `n` calls after a warm-up. */
function timeCall(fn: () => void, n: number): number {
  for (let i = 0; i < Math.min(50, n); i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  return round(((performance.now() - t0) * 1000) / n, 2);
}

async function td3Speed() {
  const runs = [];
  let profile: Record<string, number> | null = null;
  for (const seed of SEEDS) {
    const a = new TD3('Pendulum-v1', { ...TD3_SPEED_CONFIG, seed });
    const logger = new Logger(null);
    const steps = quick ? 2_000 : 10_000;
    const r = await a.learn({ totalSteps: steps, logger });
    const updates = logger.records.filter((x) => x.event === 'update');
    const sum = (k: string) => updates.reduce((acc, x) => acc + Number(x[k] ?? 0), 0) / 1000;
    const last5 = logger.records
      .filter((x) => x.event === 'episode')
      .slice(-5)
      .map((x) => Number(x.return));
    runs.push({
      seed,
      steps: r.steps,
      wall_s: r.wall_s,
      sps: r.sps,
      updates: a.updates,
      episodes: r.episodes,
      mean_return_last5: last5.length ? round(last5.reduce((x, y) => x + y, 0) / last5.length, 2) : null,
      time_s: {
        env: round(sum('time_env_ms')),
        inference: round(sum('time_inference_ms')),
        update: round(sum('time_update_ms')),
        loop_other: round(r.wall_s - sum('time_env_ms') - sum('time_inference_ms') - sum('time_update_ms')),
      },
    });
    if (profile === null) {
      // Per-call cost of the update's parts on this run's networks and buffer (batch 100).
      const B = TD3_SPEED_CONFIG.batchSize,
        s = a.buffer.sample(B, a.rng, a.buffer.createSample(B));
      const sa = new Float32Array(B * 4),
        dq = new Float32Array(B).fill(0.01),
        n = quick ? 200 : 2000;
      profile = {
        full_update_us: timeCall(
          () => (a as unknown as { update(s: unknown, step: number): unknown }).update(a.buffer.sample(B, a.rng, s), 0),
          n,
        ),
        buffer_sample_us: timeCall(() => a.buffer.sample(B, a.rng, s), n),
        actor_forward_1_us: timeCall(() => a.actor.forward(s.obs.subarray(0, 3), 1), n),
        actor_forward_batch_us: timeCall(() => a.actorTarget.forward(s.nextObs, B), n),
        critic_forward_batch_us: timeCall(() => a.criticTargets[0].forward(sa, B), n),
        critic_train_step_us: timeCall(() => {
          a.critics[0].forwardTrain(sa, B);
          a.critics[0].backward(dq);
          a.critics[0].zeroGrad();
        }, n),
        adam_step_critic_us: timeCall(() => a.criticOpts[0].step(), n),
        actor_objective_us: timeCall(() => {
          a.actorObjective(s.obs, B);
          a.actor.zeroGrad();
        }, n),
        polyak_all_targets_us: timeCall(() => {
          polyakUpdate(a.actorTarget.params, a.actor.params, 0.005);
          for (let i = 0; i < 2; i++) polyakUpdate(a.criticTargets[i].params, a.critics[i].params, 0.005);
        }, n),
        params_actor: a.actor.numParams,
        params_critic: a.critics[0].numParams,
      };
    }
    a.close();
  }
  const wall = median(runs.map((r) => r.wall_s));
  return {
    config: TD3_SPEED_CONFIG,
    env: 'Pendulum-v1',
    steps: quick ? 2_000 : 10_000,
    runs,
    median_wall_s: wall,
    median_sps: median(runs.map((r) => r.sps)),
    median_mean_return_last5: median(runs.map((r) => r.mean_return_last5 ?? NaN)),
    profile_us: profile,
    backend: 'native',
    target_s: 4.5,
    quoted: {
      rltools_s: 1.5,
      cleanrl_td3_s: 39,
      note: 'quoted from the issue (RLtools with OpenBLAS, CleanRL with 256-unit networks on this kind of machine); neither can run here (no C++ RLtools checkout, no torch)',
    },
  };
}

async function perVsUniform() {
  const out: Record<string, unknown> = {};
  for (const env of ['CartPole-v1', 'Acrobot-v1']) {
    const target = env === 'CartPole-v1' ? 475 : -100;
    const budget = presetFor('dqn', env).steps;
    const row: Record<string, unknown> = {};
    for (const [label, config] of [
      ['uniform', { prioritized: false }],
      ['prioritized', { prioritized: true }],
    ] as const) {
      const spec: RunSpec = {
        name: `per-${env}-${label}`,
        algo: 'dqn',
        env,
        budget,
        target,
        config,
        stopWhenSolved: false,
      };
      const runs = [];
      for (const seed of SEEDS) runs.push(await runOne(spec, seed));
      row[label] = summarize(spec, runs);
    }
    const u = row.uniform as ReturnType<typeof summarize>,
      p = row.prioritized as ReturnType<typeof summarize>;
    row.prioritized_better = {
      solved_seeds: p.solved_seeds > u.solved_seeds,
      median_solved_step:
        p.median_solved_step !== null && (u.median_solved_step === null || p.median_solved_step < u.median_solved_step),
      median_eval_return: (p.median_eval_return ?? -Infinity) > (u.median_eval_return ?? -Infinity),
    };
    out[env] = row;
  }
  return out;
}

const results: Record<string, unknown> = {};
// The speed run first, while nothing else of this benchmark has warmed or loaded the machine.
if (only('td3-speed')) results['td3-speed'] = await td3Speed();
for (const spec of RUNS) {
  if (!only(spec.name)) continue;
  const runs = [];
  for (const s of SEEDS) runs.push(await runOne(spec, s));
  results[spec.name] = summarize(spec, runs);
}
if (only('per-vs-uniform')) results['per-vs-uniform'] = await perVsUniform();

type Summary = ReturnType<typeof summarize> | undefined;
const r = results as Record<string, Summary>;
const all3 = (name: string) => (r[name] ? r[name].solved_seeds === r[name].runs.length : null);
const speed = results['td3-speed'] as { median_wall_s: number | null } | undefined;
const per = results['per-vs-uniform'] as Record<string, { prioritized_better: Record<string, boolean> }> | undefined;
const out = {
  benchmark: 'rl-offpolicy',
  date: new Date().toISOString(),
  quick,
  machine: machineInfo(),
  results,
  acceptance: quick
    ? null
    : {
        dqn_cartpole_475_within_100k_3_of_3: all3('dqn-cartpole'),
        dqn_acrobot_minus100: r['dqn-acrobot'] ? r['dqn-acrobot'].solved_seeds > 0 : null,
        dqn_acrobot_seeds: r['dqn-acrobot']?.solved_seeds ?? null,
        dqn_mountaincar_minus110_within_300k: r['dqn-mountaincar'] ? r['dqn-mountaincar'].solved_seeds > 0 : null,
        dqn_mountaincar_seeds: r['dqn-mountaincar']?.solved_seeds ?? null,
        td3_pendulum_minus200_within_20k: all3('td3-pendulum'),
        sac_pendulum_minus200_within_20k: all3('sac-pendulum'),
        ddpg_pendulum_minus250_within_20k: all3('ddpg-pendulum'),
        td3_mountaincarcontinuous_90: r['td3-mountaincarcontinuous']
          ? r['td3-mountaincarcontinuous'].solved_seeds > 0
          : null,
        td3_mountaincarcontinuous_seeds: r['td3-mountaincarcontinuous']?.solved_seeds ?? null,
        td3_10k_steps_s: speed?.median_wall_s ?? null,
        td3_speed_target_4_5s: speed?.median_wall_s != null ? speed.median_wall_s <= 4.5 : null,
        prioritized_beats_uniform_somewhere: per
          ? Object.values(per).some((x) => Object.values(x.prioritized_better).some(Boolean))
          : null,
      },
};
process.stdout.write(JSON.stringify(out) + '\n');
if (record) {
  const dir = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}rl-offpolicy-${out.date.slice(0, 10)}.json`, JSON.stringify(out, null, 2) + '\n');
}
