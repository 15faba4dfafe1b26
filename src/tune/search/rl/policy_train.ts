/**
 * Training the RL tuner's policy across workloads (`rltune tune train-policy`): from the tuning logs, then by RL
 * on the cost model.
 *
 *   1. The cost model: the learned level (cost/learned.ts) fitted on every record of the training workloads
 *      (the analytic level when there are too few, and the log says so).
 *   2. Behaviour cloning from the best records: the top `bcTop` configs of each training workload, as the knob
 *      choices of ScheduleConstruct episodes, with a cross-entropy loss.
 *   3. Offline RL from all records (advantage-weighted regression, Peng et al. 2019): every working config's
 *      choices weighted by exp(A / beta), A its log GFLOP/s standardized within its workload (capped at 20).
 *   4. GRPO (or PPO) on ScheduleConstruct-v0 over the training workloads (the prompt source cycles through them),
 *      rewarded by the cost model; the reference policy of GRPO's KL term is the cloned policy.
 * Only the records of the given workloads are read: the held-out workloads of a benchmark are never seen.
 * The policy directory (policy_io.ts) records the space family, the encoding and the ISA.
 */
import { GRPO } from '../../../rl/algos/grpo.js';
import { Categorical } from '../../../rl/nn/distributions.js';
import type { Adam } from '../../../rl/nn/adam.js';
import type { MLP } from '../../../rl/nn/mlp.js';
import { Rng } from '../../../rl/core/rng.js';
import { featureFamily, type CostMachine } from '../../cost/features.js';
import { LearnedCostModel, type CostSample } from '../../cost/learned.js';
import { analytic } from '../../cost/analytic.js';
import type { RecordsDB } from '../../records/db.js';
import type { TuningTask } from '../../task/task.js';
import { toDigits, radices } from '../knobs.js';
import { SCHEDULE_GRPO } from './policy_algos.js';
import { policyMeta, writePolicy } from './policy_io.js';
import { priorSamples } from '../../cost/prior.js';
import { referenceConfig, ScheduleConstructEnv, scheduleEnvFactory, type RewardFn } from './schedule_envs.js';

export interface CloneSample {
  task: TuningTask;
  index: number;
  weight: number;
}

/**
 * Weighted behaviour cloning: minimizes -sum_i w_i sum_t log pi(a_t | s_t) / sum_i w_i over the knob choices of
 * each sample's config (masked as the env masks them), with the algorithm's own optimizer. Returns the mean
 * negative log-likelihood of the last epoch.
 */
export function cloneFromConfigs(
  actor: MLP,
  optimizer: Adam,
  samples: CloneSample[],
  machine: CostMachine,
  opts: { epochs?: number; batch?: number; seed?: number } = {},
): number {
  if (samples.length === 0) return NaN;
  const env = new ScheduleConstructEnv({
    workloads: [...new Map(samples.map((s) => [s.task.spec, s.task])).values()],
    machine,
    reward: () => 0,
  });
  const D = env.observationSpace.size,
    A = env.actionSpace.n;
  const obs: number[][] = [],
    masks: Int8Array[] = [],
    acts: number[] = [],
    w: number[] = [];
  for (const s of samples) {
    const radix = radices(s.task.space);
    const digits = toDigits(radix, s.index);
    let { obs: o, info } = env.reset({ seed: 1, options: { workload: s.task.spec } });
    for (let k = 0; k < digits.length; k++) {
      const m = info.action_mask as Int8Array;
      if (m[digits[k]] !== 1) break; // cannot happen for a valid config (the masks only forbid invalid prefixes)
      obs.push(Array.from(o));
      masks.push(m);
      acts.push(digits[k]);
      w.push(s.weight);
      const r = env.step(digits[k]);
      o = r.obs;
      info = r.info;
    }
  }
  env.close();
  const n = acts.length,
    B = Math.min(opts.batch ?? 256, n),
    epochs = opts.epochs ?? 20;
  const rng = new Rng(opts.seed ?? 1);
  const cat = new Categorical(A);
  const x = new Float32Array(B * D),
    mask = new Uint8Array(B * A),
    a = new Int32Array(B),
    dLogp = new Float64Array(B),
    dEnt = new Float64Array(B);
  const logp = new Float64Array(B),
    ent = new Float64Array(B),
    dLogits = new Float32Array(B * A);
  let lastNll = NaN;
  for (let e = 0; e < epochs; e++) {
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.below(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    let nll = 0,
      wsum = 0;
    for (let s = 0; s < n; s += B) {
      const m = Math.min(B, n - s);
      let bw = 0;
      for (let r = 0; r < m; r++) {
        const i = order[s + r];
        x.set(obs[i], r * D);
        for (let k = 0; k < A; k++) mask[r * A + k] = masks[i][k];
        a[r] = acts[i];
        bw += w[i];
      }
      if (bw <= 0) continue;
      for (let r = 0; r < m; r++) dLogp[r] = -w[order[s + r]] / bw;
      dEnt.fill(0);
      dLogits.fill(0);
      actor.zeroGrad();
      const out = actor.forwardTrain(x, m);
      cat.evaluate(out, m, a, logp, ent, mask, { dLogp, dEnt, dLogits });
      for (let r = 0; r < m; r++) {
        nll -= w[order[s + r]] * logp[r];
        wsum += w[order[s + r]];
      }
      actor.backward(dLogits.subarray(0, m * A));
      optimizer.step();
    }
    lastNll = nll / Math.max(wsum, 1e-12);
  }
  return lastNll;
}

/** Clone samples from records: the top `top` working configs of each workload (weight 1), plus AWR weights on all. */
export function cloneSamplesFromRecords(
  records: CostSample[],
  opts: { top?: number; awrBeta?: number } = {},
): { bc: CloneSample[]; awr: CloneSample[] } {
  const bySpec = new Map<string, CostSample[]>();
  for (const r of records)
    if (r.gflops !== null && r.gflops > 0) {
      let g = bySpec.get(r.task.spec);
      if (!g) bySpec.set(r.task.spec, (g = []));
      g.push(r);
    }
  const bc: CloneSample[] = [],
    awr: CloneSample[] = [];
  const beta = opts.awrBeta ?? 1;
  for (const g of bySpec.values()) {
    const sorted = [...g].sort((p, q) => q.gflops! - p.gflops! || p.index - q.index);
    for (const r of sorted.slice(0, opts.top ?? 16)) bc.push({ task: r.task, index: r.index, weight: 1 });
    const y = g.map((r) => Math.log(r.gflops!));
    const mean = y.reduce((s, v) => s + v, 0) / y.length;
    const sd = Math.sqrt(y.reduce((s, v) => s + (v - mean) ** 2, 0) / y.length) || 1;
    g.forEach((r, i) =>
      awr.push({ task: r.task, index: r.index, weight: Math.exp(Math.min((y[i] - mean) / sd / beta, 20)) }),
    );
  }
  return { bc, awr };
}

export interface TrainPolicyOptions {
  tasks: TuningTask[];
  db: RecordsDB | null;
  machineId: string;
  machine: CostMachine;
  out: string;
  steps?: number;
  bcTop?: number;
  seed?: number;
  log?: (m: string) => void;
}

export interface TrainPolicyResult {
  out: string;
  algo: string;
  workloads: string[];
  records: number;
  bc_samples: number;
  awr_samples: number;
  bc_nll: number | null;
  cost_model: 'learned' | 'analytic';
  steps: number;
  final_mean_return: number | null;
  wall_s: number;
}

export async function trainPolicy(o: TrainPolicyOptions): Promise<TrainPolicyResult> {
  const t0 = performance.now();
  const log = o.log ?? (() => {});
  if (o.tasks.length === 0) throw new RangeError('train-policy needs at least one workload');
  const family = featureFamily(o.tasks[0]);
  const other = o.tasks.find((t) => featureFamily(t) !== family);
  if (other)
    throw new RangeError(
      `train-policy trains one policy per space family; ${o.tasks[0].spec} is ${family}, ${other.spec} is ${featureFamily(other)}: give one family per workload set`,
    );
  const specs = o.tasks.map((t) => t.spec);
  // Only the training workloads' records: `only` keeps every other spec (held-out ones included) out.
  const records = o.db
    ? priorSamples(o.db, o.machineId, o.tasks[0], { only: specs, includeSelf: true, perWorkload: 5000 })
    : [];
  const model = new LearnedCostModel(family, o.machine, { seed: o.seed ?? 1 });
  model.setPrior(records);
  const fit = model.fit();
  if (!fit.ready) log(`train-policy: ${fit.reason}`);
  if (records.length === 0)
    log(
      'train-policy: the database has no records of these workloads: no behaviour cloning, the policy trains from scratch on the analytic cost model',
    );
  const refs = new Map(o.tasks.map((t) => [t.spec, referenceConfig(t)]));
  const reward: RewardFn = (t, i) => {
    const ref = refs.get(t.spec) ?? referenceConfig(t);
    if (model.ready) {
      const s = model.predict(t, [i, ref]);
      return s[0] - s[1];
    }
    return Math.log(analytic(t, i, o.machine).gflops / analytic(t, ref, o.machine).gflops);
  };
  const algo = new GRPO(scheduleEnvFactory('ScheduleConstruct-v0', reward), {
    ...SCHEDULE_GRPO,
    seed: o.seed ?? 1,
    envKwargs: { workloads: specs, machine: { ...o.machine, bw: { ...o.machine.bw } } },
    prompts: (i) => ({ options: { workload: specs[i % specs.length] } }),
  });
  let bcNll: number | null = null;
  const { bc, awr } = cloneSamplesFromRecords(records, { top: o.bcTop ?? 16 });
  if (awr.length > 0) cloneFromConfigs(algo.actor, algo.optimizer, awr, o.machine, { epochs: 10, seed: o.seed });
  if (bc.length > 0) bcNll = cloneFromConfigs(algo.actor, algo.optimizer, bc, o.machine, { epochs: 30, seed: o.seed });
  algo.reference.params.set(algo.actor.params);
  log(
    `train-policy: cloned ${bc.length} best configs and ${awr.length} weighted records of ${specs.length} workloads${bcNll !== null ? ` (NLL ${bcNll.toFixed(3)})` : ''}`,
  );
  const steps = o.steps ?? 20_000;
  const r = steps > 0 ? await algo.learn({ totalSteps: steps }) : null;
  writePolicy(
    o.out,
    algo,
    policyMeta('grpo', o.tasks[0], o.tasks[0].space.target, specs, records.length, {
      bc_samples: bc.length,
      awr_samples: awr.length,
      steps,
      train_s: Math.round((performance.now() - t0) / 10) / 100,
    }),
  );
  algo.close();
  model.dispose();
  return {
    out: o.out,
    algo: 'grpo',
    workloads: specs,
    records: records.length,
    bc_samples: bc.length,
    awr_samples: awr.length,
    bc_nll: bcNll,
    cost_model: model.ready ? 'learned' : 'analytic',
    steps: r?.steps ?? 0,
    final_mean_return: r?.final_mean_return ?? null,
    wall_s: Math.round((performance.now() - t0) / 10) / 100,
  };
}
