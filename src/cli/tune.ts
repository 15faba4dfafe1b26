/**
 * The tuning commands:
 *   rltune tune op <spec> [--strategy <name>] --trials N [--db F] [--seed S] [--time-budget S] [--early-stopping N]
 *                 [--verify-top K] [--flush] [--paired] [--no-transfer] [--policy DIR] [--policy-fallback]
 *                 [--measured-iterations N] [--json]
 *                 strategies: random, grid, anneal, evolve (the default: DEFAULT_STRATEGY), grpo, ppo (all but the first two rank with the cost model
 *                 and, unless
 *                 --no-transfer, start it from the records of other workloads in the database; --measured-iterations:
 *                 grpo and ppo also train each round for that many iterations on measured rewards, each one a trial)
 *   rltune tune train-policy --workloads <set file> --out <dir> [--db F] [--steps N] [--bc-top K] [--family gemm|row]
 *   [--seed S] [--json]
 *                 (the RL tuner's policy from the records of those workloads, then GRPO on the cost model)
 * The database defaults to ./rltune.db; generated sources, libraries and workload data go to .rltune/ beside it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from './args.js';
import { featureFamily } from '../tune/cost/features.js';
import type { TuneProgress } from '../tune/search/loop.js';
import { MODEL_BASED, STRATEGIES } from '../tune/search/registry.js';
import { PolicyMismatchError } from '../tune/search/rl/policy_io.js';
import { trainPolicy } from '../tune/search/rl/policy_train.js';
import { MODEL_PRESETS } from '../tune/task/presets.js';
import { canonicalSpec, parseSpec, workloadFlops } from '../tune/task/spec.js';
import { createTask } from '../tune/task/task.js';
import { threadsBeyondCores } from '../tune/measure/host.js';
import { DEFAULT_STRATEGY, DEFAULT_STRATEGY_REASON } from '../tune/session.js';
import { intFlag, isaFlag, openSession, out, specOf } from './common.js';
import { outDirEntries } from './out_dir.js';
import { CliUsageError } from './train.js';

class TuneProgressBar {
  private last = 0;
  constructor(private readonly stream: NodeJS.WriteStream) {}

  text(p: TuneProgress): string {
    const errs =
      Object.entries(p.errors)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none';
    return `${p.trials}/${p.budget} trials  best ${p.bestGflops === null ? '-' : p.bestGflops.toFixed(1)} GFLOP/s  measured ${p.measured}  errors: ${errs}  ${p.elapsedS.toFixed(1)} s`;
  }

  update(p: TuneProgress): void {
    if (this.stream.isTTY) {
      const width = 24,
        filled = Math.round((p.trials / Math.max(1, p.budget)) * width);
      this.stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.text(p)}\x1b[K`);
    } else if (performance.now() - this.last > 5000 || p.trials === p.budget) {
      this.last = performance.now();
      this.stream.write(this.text(p) + '\n');
    }
  }

  end(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }
}

export async function cmdTune(argv: string[]): Promise<number> {
  const [what, ...rest] = argv;
  if (what === 'train-policy') return cmdTrainPolicy(rest);
  if (what !== 'op')
    throw new CliUsageError(
      `unknown tune target ${JSON.stringify(what ?? '')}; expected "op" (rltune tune op <spec> --strategy <name> --trials N) or "train-policy" (rltune tune train-policy --workloads <set file> --out <dir>)`,
    );
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      strategy: { type: 'string' },
      trials: { type: 'string' },
      db: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
      'time-budget': { type: 'string' },
      'early-stopping': { type: 'string' },
      batch: { type: 'string' },
      'verify-top': { type: 'string' },
      flush: { type: 'boolean' },
      paired: { type: 'boolean' },
      'no-transfer': { type: 'boolean' },
      policy: { type: 'string' },
      'policy-fallback': { type: 'boolean' },
      'measured-iterations': { type: 'string' },
      isa: { type: 'string' },
    },
  });
  isaFlag(values.isa);
  if (positionals.length !== 1) throw new CliUsageError(`tune op takes one workload spec, got ${positionals.length}`);
  const spec = specOf(positionals[0], 'tune op');
  const strategy = values.strategy ?? DEFAULT_STRATEGY;
  if (!(strategy in STRATEGIES))
    throw new CliUsageError(
      `unknown strategy ${JSON.stringify(strategy)}; expected one of ${Object.keys(STRATEGIES).join(', ')}`,
    );
  const trials = intFlag('trials', values.trials, 1);
  if (trials === undefined) throw new CliUsageError('tune op needs --trials N');
  const seed = intFlag('seed', values.seed, 0) ?? 0;
  const early = intFlag('early-stopping', values['early-stopping'], 1);
  const batch = intFlag('batch', values.batch, 1);
  const verifyTop = intFlag('verify-top', values['verify-top'], 0) ?? 5;
  const measuredIterations = intFlag('measured-iterations', values['measured-iterations'], 0);
  if (measuredIterations !== undefined && strategy !== 'grpo' && strategy !== 'ppo')
    throw new CliUsageError(`--measured-iterations is for the RL strategies (grpo, ppo); --strategy is ${strategy}`);
  let budget: number | undefined;
  if (values['time-budget'] !== undefined) {
    budget = Number(values['time-budget']);
    if (!(budget > 0))
      throw new CliUsageError(`--time-budget expects seconds > 0, got ${JSON.stringify(values['time-budget'])}`);
  }
  const json = values.json === true;
  let task;
  try {
    task = createTask(spec);
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
  const tooMany = threadsBeyondCores(task.workload.threads);
  if (tooMany) throw new CliUsageError(tooMany);
  if (values.policy !== undefined && !MODEL_BASED.has(strategy))
    throw new CliUsageError(`--policy is for the RL strategies (grpo, ppo); --strategy is ${strategy}`);
  const session = openSession(values.db);
  try {
    if (values.strategy === undefined)
      process.stderr.write(`strategy: ${strategy} (the default; ${DEFAULT_STRATEGY_REASON})\n`);
    const bar = json ? null : new TuneProgressBar(process.stderr);
    let r;
    try {
      r = await session.tune(task, {
        strategy,
        trials,
        seed,
        batch,
        verifyTop,
        timeBudgetS: budget ?? null,
        earlyStopping: early ?? null,
        run: { flush: values.flush === true, paired: values.paired === true },
        prior: values['no-transfer'] ? 'none' : 'records',
        policy: {
          policyDir: values.policy,
          policyFallback: values['policy-fallback'] === true,
          ...(measuredIterations !== undefined ? { measuredIterations } : {}),
        },
        context: { log: (m) => process.stderr.write(`${m}\n`) },
        onProgress: (p) => bar?.update(p),
      });
    } catch (err) {
      if (err instanceof PolicyMismatchError) throw new CliUsageError(err.message);
      throw err;
    }
    bar?.end();
    if (json) out(JSON.stringify({ ...r, strategy_default: values.strategy === undefined }));
    else {
      out(
        `${r.op}: ${r.trials} trials (${r.measured} measured), best ${r.best_gflops === null ? 'none correct' : `${r.best_gflops.toFixed(1)} GFLOP/s, ${r.best_ms!.toFixed(4)} ms`}, ${r.wall_s} s (${r.stopped})`,
      );
      if (r.best_config) out(`best config: ${JSON.stringify(r.best_config)}`);
    }
    return 0;
  } finally {
    session.close();
  }
}

/** rltune workloads [preset] [--json]: the model presets and their operator specs. */
export function cmdWorkloads(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean' } },
  });
  const names = positionals.length ? positionals : Object.keys(MODEL_PRESETS);
  for (const n of names)
    if (!MODEL_PRESETS[n])
      throw new CliUsageError(
        `unknown model preset ${JSON.stringify(n)}; known: ${Object.keys(MODEL_PRESETS).join(', ')}`,
      );
  const list = names.map((n) => ({
    preset: n,
    doc: MODEL_PRESETS[n].doc,
    workloads: MODEL_PRESETS[n].workloads.map((w) => ({
      ...w,
      spec: canonicalSpec(parseSpec(w.spec)),
      gflop: workloadFlops(parseSpec(w.spec)) / 1e9,
    })),
  }));
  if (values.json) out(JSON.stringify({ presets: list }));
  else
    for (const p of list) {
      out(`${p.preset}: ${p.doc}`);
      for (const w of p.workloads) out(`  ${w.name.padEnd(10)} ${w.spec}  (${w.gflop.toFixed(3)} GFLOP)`);
    }
  return 0;
}

/** The workload specs of a set file: the benchmark's JSON ({workloads: [{spec}]}) or one spec per line (# comments). */
export function readWorkloadSet(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliUsageError(`--workloads: cannot read ${file}: ${(err as Error).message}`);
  }
  if (text.trimStart().startsWith('{')) {
    let j: { workloads?: { spec?: unknown }[] };
    try {
      j = JSON.parse(text) as typeof j;
    } catch (err) {
      throw new CliUsageError(`--workloads: ${file} is not valid JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(j.workloads)) throw new CliUsageError(`--workloads: ${file} has no "workloads" array of {spec}`);
    return j.workloads.map((w, i) => {
      if (typeof w?.spec !== 'string')
        throw new CliUsageError(`--workloads: ${file}: workloads[${i}] has no spec string`);
      return w.spec;
    });
  }
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l.length > 0);
}

async function cmdTrainPolicy(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      workloads: { type: 'string' },
      out: { type: 'string' },
      db: { type: 'string' },
      steps: { type: 'string' },
      seed: { type: 'string' },
      'bc-top': { type: 'string' },
      family: { type: 'string' },
      json: { type: 'boolean' },
      force: { type: 'boolean' },
    },
  });
  if (positionals.length > 0)
    throw new CliUsageError(`tune train-policy takes no positional arguments, got ${positionals.join(' ')}`);
  if (!values.workloads)
    throw new CliUsageError(
      'tune train-policy needs --workloads <set file> (JSON {workloads: [{spec}]} or one spec per line)',
    );
  if (!values.out) throw new CliUsageError('tune train-policy needs --out <dir>');
  const steps = intFlag('steps', values.steps, 0) ?? 20_000;
  const seed = intFlag('seed', values.seed, 0) ?? 1;
  const bcTop = intFlag('bc-top', values['bc-top'], 1) ?? 16;
  // A policy there already is never replaced without --force.
  const existing = outDirEntries(resolve(values.out));
  if (existing.length > 0 && values.force !== true)
    throw new CliUsageError(
      `--out ${values.out} already holds files (${existing.slice(0, 5).join(', ')}); pass --force to replace the policy there, or name another --out`,
    );
  const all = readWorkloadSet(values.workloads).map((s) => {
    try {
      return createTask(s);
    } catch (err) {
      throw new CliUsageError(`--workloads: ${(err as Error).message}`);
    }
  });
  // One policy per space family: --family picks it (default: gemm when the set has GEMM or bmm workloads).
  const family = values.family ?? (all.some((t) => featureFamily(t) === 'gemm') ? 'gemm' : 'row');
  if (family !== 'gemm' && family !== 'row')
    throw new CliUsageError(`--family must be gemm or row, got ${JSON.stringify(values.family)}`);
  const tasks = all.filter((t) => featureFamily(t) === family);
  const skipped = all.filter((t) => featureFamily(t) !== family);
  if (skipped.length)
    process.stderr.write(
      `train-policy: the ${family} policy leaves out ${skipped.length} workloads of the other family (${skipped.map((t) => t.spec).join(', ')}); train them with --family ${family === 'gemm' ? 'row' : 'gemm'}\n`,
    );
  if (tasks.length === 0) throw new CliUsageError(`--workloads: ${values.workloads} has no ${family} workloads`);
  // Training runs on every core: the probe (measured once per machine) is the only timing here.
  const session = openSession(values.db, { claimRunnerCore: false });
  const { db, machine } = session;
  try {
    const r = await trainPolicy({
      tasks,
      db,
      machineId: machine,
      machine: session.costMachine(tasks[0]),
      out: resolve(values.out),
      steps,
      bcTop,
      seed,
      log: (m) => process.stderr.write(`${m}\n`),
    });
    if (values.json) out(JSON.stringify(r));
    else
      out(
        `policy written to ${r.out}: ${r.workloads.length} workloads, ${r.records} records (${r.bc_samples} cloned best configs), ${r.steps} GRPO steps on the ${r.cost_model} cost model, ${r.wall_s} s`,
      );
    return 0;
  } catch (err) {
    if (err instanceof RangeError) throw new CliUsageError(err.message);
    throw err;
  } finally {
    db.close();
  }
}
