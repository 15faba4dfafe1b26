/**
 * What the schedule envs (schedule_envs.ts) observe of a workload and a machine, and how they reward a config:
 * the workload and machine features, the reward function's type and the default reward, the analytic cost
 * model's log speedup over the reference config.
 */
import { analytic } from '../../cost/analytic.js';
import type { CostMachine } from '../../cost/features.js';
import { referenceConfig, type TuningTask } from '../../task/task.js';

/** The version of the observation and action encoding of both envs: a policy trained on another is refused. */
export const SCHEDULE_ENV_ENCODING = 1;

/** The estimated log speedup of config `index` over the reference config of `task`. */
export type RewardFn = (task: TuningTask, index: number) => number;

const lg = (x: number) => Math.log2(Math.max(x, 1e-30)) / 16;

/** Workload and machine features of the env observations (one length per family). */
export function workloadFeatures(task: TuningTask, m: CostMachine): number[] {
  const w = task.workload;
  const machine = [lg(m.peakGflops), lg(m.bw.l2), lg(m.bw.mem), m.lanes / 16];
  if (w.op === 'gemm' || w.op === 'bmm') {
    const g = w;
    const epi = g.op === 'gemm' ? g.epilogue : [];
    return [
      lg(g.M),
      lg(g.N),
      lg(g.K),
      lg(g.op === 'bmm' ? g.B : 1),
      g.op === 'bmm' ? g.transA : 0,
      g.op === 'bmm' ? g.transB : 0,
      lg(g.threads),
      epi.includes('gelu') || epi.includes('silu') ? 1 : 0,
      epi.includes('bias') ? 1 : 0,
      epi.includes('residual') ? 1 : 0,
      lg(task.flops),
      lg(task.flops / task.bytes),
      ...machine,
    ];
  }
  const r = w;
  return [
    r.op === 'softmax' ? 1 : 0,
    r.op === 'layernorm' ? 1 : 0,
    r.op === 'rmsnorm' ? 1 : 0,
    lg(r.rows),
    lg(r.cols),
    lg(r.threads),
    r.cols % m.lanes === 0 ? 0 : 1,
    lg(task.flops),
    ...machine,
  ];
}

/** The default reward: the analytic cost model's log speedup over the reference config. */
export function analyticReward(machine: CostMachine): RewardFn {
  const refs = new Map<string, number>();
  return (task, index) => {
    let ref = refs.get(task.spec);
    if (ref === undefined) refs.set(task.spec, (ref = Math.log(analytic(task, referenceConfig(task), machine).gflops)));
    return Math.log(analytic(task, index, machine).gflops) - ref;
  };
}
