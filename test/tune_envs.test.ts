/**
 * The tuning environments (src/tune/search/schedule_envs.ts): the Gym contract (the env checker of src/rl),
 * masks that keep configs valid, rewards at the end (never NaN), the walk's moves and rewards, and bad input.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../src/rl/core/rng.js';
import { checkEnv } from '../src/rl/core/check_env.js';
import { make } from '../src/rl/core/registry.js';
import { GRPO } from '../src/rl/algos/grpo.js';
import { analytic } from '../src/tune/cost/analytic.js';
import { costMachine } from '../src/tune/cost/features.js';
import {
  INVALID_PENALTY,
  referenceConfig,
  ScheduleConstructEnv,
  scheduleEnvFactory,
  ScheduleWalkEnv,
  type RewardFn,
} from '../src/tune/search/rl/schedule_envs.js';
import { hostTarget } from '../src/tune/space/target.js';
import { createTask } from '../src/tune/task/task.js';

const machine = costMachine(hostTarget(), null, {});

test('ScheduleConstruct-v0 and ScheduleWalk-v0 pass the env checker', () => {
  for (const id of ['ScheduleConstruct-v0', 'ScheduleWalk-v0']) {
    const r = checkEnv(id, { steps: 120, seed: 3 });
    assert.equal(r.failed, 0, JSON.stringify(r.results.filter((x) => !x.ok)));
  }
});

test('ScheduleConstruct: masked episodes always build a valid config; the reward is the analytic log speedup over the reference', () => {
  const env = new ScheduleConstructEnv({
    workloads: ['gemm:M=128,N=3072,K=768,epilogue=bias+gelu', 'bmm:B=12,M=128,N=128,K=64,transB=1'],
    machine,
  });
  const rng = new Rng(1);
  const seenWorkloads = new Set<string>();
  for (let ep = 0; ep < 40; ep++) {
    let { info } = env.reset({ seed: ep });
    seenWorkloads.add(info.workload as string);
    let steps = 0,
      done = false,
      last: Record<string, unknown> = {},
      reward = 0;
    while (!done) {
      const mask = info.action_mask as Int8Array;
      const allowed = [...mask.keys()].filter((a) => mask[a] === 1);
      assert.ok(allowed.length > 0);
      const s = env.step(allowed[rng.below(allowed.length)]);
      steps++;
      if (!s.terminated) assert.equal(s.reward, 0);
      done = s.terminated || s.truncated;
      info = s.info;
      last = s.info;
      reward = s.reward;
    }
    assert.equal(steps, env.currentTask.space.knobs.length);
    const index = last.config as number,
      t = env.currentTask;
    assert.ok(t.space.isValid(t.space.config(index)), `config ${index} is valid`);
    const expected =
      Math.log(analytic(t, index, machine).gflops) - Math.log(analytic(t, referenceConfig(t), machine).gflops);
    assert.ok(Math.abs(reward - expected) < 1e-9, `${reward} vs ${expected}`);
  }
  assert.equal(seenWorkloads.size, 2, 'the pool is sampled');
  // A chosen workload, and a masked action: the episode ends with the defined penalty.
  const { info } = env.reset({ seed: 1, options: { workload: 'gemm:M=8,N=2304,K=768,epilogue=bias' } });
  assert.equal(info.workload, 'gemm:M=8,N=2304,K=768,epilogue=bias,threads=1');
  env.step(8); // mr = 16
  const m = env.mask();
  assert.ok(m[3] === 0, 'nv = 4 with mr = 16 needs 69 registers: masked');
  const bad = env.step(3);
  assert.equal(bad.terminated, true);
  assert.equal(bad.reward, INVALID_PENALTY);
  assert.match(String(bad.info.invalid_action), /knob nv is masked/);
});

test('rewards are never NaN: a failing reward function gives the penalty', () => {
  const env = new ScheduleConstructEnv({ workloads: ['softmax:rows=16,cols=64'], machine, reward: () => NaN });
  env.reset({ seed: 1 });
  env.step(0);
  const s = env.step(0);
  assert.equal(s.terminated, true);
  assert.equal(s.reward, INVALID_PENALTY);
  assert.match(String(s.info.reward_error), /returned NaN/);
  const thrower = new ScheduleWalkEnv({
    workloads: ['softmax:rows=16,cols=64'],
    machine,
    reward: () => {
      throw new Error('measurement failed');
    },
  });
  thrower.reset({ seed: 1 });
  const w = thrower.step(1);
  assert.equal(w.reward, INVALID_PENALTY);
});

test('ScheduleWalk: moves change one knob by one value, the reward is the change of the estimate, staying is free', () => {
  const task = createTask('gemm:M=128,N=768,K=768');
  const env = new ScheduleWalkEnv({ workloads: [task], machine, horizon: 10 });
  const { info } = env.reset({ seed: 2 });
  assert.equal(info.config, referenceConfig(task));
  const mask = info.action_mask as Int8Array;
  assert.equal(mask[2 * task.space.knobs.length], 1, 'stay is allowed');
  assert.equal(mask[0], 1, 'mr down from 4 is allowed');
  const before = env.currentConfig;
  const s = env.step(1); // mr up: 4 -> 6
  assert.equal((task.space.config(env.currentConfig) as { mr: number }).mr, 6);
  assert.equal((task.space.config(before) as { mr: number }).mr, 4);
  const v = (i: number) => Math.log(analytic(task, i, machine).gflops);
  assert.ok(Math.abs(s.reward - (v(env.currentConfig) - v(before))) < 1e-9);
  assert.equal(env.step(2 * task.space.knobs.length).reward, 0);
  let last = env.step(2 * task.space.knobs.length); // step 3
  for (let t = 3; t < 10; t++) last = env.step(2 * task.space.knobs.length);
  assert.equal(last.truncated, true);
  assert.throws(() => env.step(0), /episode is over/);
});

test('bad input: mixed families, another family at reset, an invalid start', () => {
  assert.throws(
    () => new ScheduleConstructEnv({ workloads: ['gemm:M=8,N=8,K=8', 'softmax:rows=4,cols=8'] }),
    /one env holds workloads of one family; .* is gemm, .* is row/,
  );
  const env = new ScheduleWalkEnv({ workloads: ['gemm:M=8,N=8,K=8'] });
  assert.throws(
    () => env.reset({ options: { workload: 'softmax:rows=4,cols=8' } }),
    /is of the row family; this env holds gemm workloads/,
  );
  assert.throws(() => env.reset({ options: { start: -3 } }), /options.start must be the index of a valid config/);
  const made = make('ScheduleConstruct-v0', { workloads: ['rmsnorm:rows=16,cols=4096'] });
  const r = made.reset({ seed: 1 });
  assert.equal((r.info as { workload: string }).workload, 'rmsnorm:rows=16,cols=4096,eps=0.000001,threads=1');
});

/** Runs one ScheduleConstruct episode with the first allowed value of each knob: its final reward and config. */
function firstAllowedEpisode(env: { reset: ScheduleConstructEnv['reset']; step: ScheduleConstructEnv['step'] }): {
  reward: number;
  config: number;
} {
  let { info } = env.reset({ seed: 1 });
  for (;;) {
    const r = env.step((info.action_mask as Int8Array).indexOf(1));
    if (r.terminated) return { reward: r.reward, config: r.info.config as number };
    info = r.info;
  }
}

test('the reward comes from the function the env is given: two reward functions in one process, no global state', async () => {
  const workloads = ['gemm:M=64,N=64,K=64'];
  const asked: string[] = [];
  const rewardOf =
    (name: string, value: number): RewardFn =>
    () => {
      asked.push(name);
      return value;
    };
  // Two envs and two factories, interleaved: each asks its own function.
  const a = new ScheduleConstructEnv({ workloads, machine, reward: rewardOf('a', 0.25) });
  const b = new ScheduleConstructEnv({ workloads, machine, reward: rewardOf('b', 0.75) });
  const fa = make<Float32Array, number>(scheduleEnvFactory('ScheduleConstruct-v0', rewardOf('fa', -0.5)), {
    workloads,
    machine,
  });
  const fb = make<Float32Array, number>(scheduleEnvFactory('ScheduleConstruct-v0', rewardOf('fb', 1.5)), {
    workloads,
    machine,
  });
  assert.deepEqual(
    [a, fa, b, fb, a].map((e) => firstAllowedEpisode(e).reward),
    [0.25, -0.5, 0.75, 1.5, 0.25],
  );
  assert.deepEqual(asked, ['a', 'fa', 'b', 'fb', 'a']);
  // The registered id keeps the analytic cost model's reward.
  const task = createTask(workloads[0]);
  const registered = firstAllowedEpisode(make<Float32Array, number>('ScheduleConstruct-v0', { workloads, machine }));
  const v = (i: number) => Math.log(analytic(task, i, machine).gflops);
  assert.ok(Math.abs(registered.reward - (v(registered.config) - v(referenceConfig(task)))) < 1e-9);
  // An algorithm made from a factory trains and evaluates on that factory's reward.
  const g = new GRPO(
    scheduleEnvFactory('ScheduleConstruct-v0', () => 0.125),
    {
      groupSize: 2,
      promptsPerIteration: 2,
      seed: 1,
      envKwargs: { workloads, machine: { ...machine, bw: { ...machine.bw } } },
    },
  );
  const r = await g.learn({ totalSteps: 1 });
  assert.equal(g.envId, 'ScheduleConstruct-v0');
  assert.equal(r.final_mean_return, 0.125);
  assert.deepEqual(g.evaluate(3).returns, [0.125, 0.125, 0.125]);
  g.close();
});
