/**
 * The tuning commands:
 *   rltune tune op <spec> --strategy <name> --trials N [--db F] [--seed S] [--time-budget S] [--early-stopping N]
 *                 [--verify-top K] [--flush] [--paired] [--no-transfer] [--policy DIR] [--policy-fallback] [--measured-iterations N] [--json]
 *                 strategies: random, grid, anneal, evolve, grpo, ppo (all but the first two rank with the cost model and, unless
 *                 --no-transfer, start it from the records of other workloads in the database; --measured-iterations:
 *                 grpo and ppo also train each round for that many iterations on measured rewards, each one a trial)
 *   rltune tune train-policy --workloads <set file> --out <dir> [--db F] [--steps N] [--bc-top K] [--family gemm|row] [--seed S] [--json]
 *                 (the RL tuner's policy from the records of those workloads, then GRPO on the cost model)
 *   rltune records list [--db F] [--json]
 *   rltune records show <spec> [--db F] [--top N] [--timing all|paired|plain] [--json]
 *   rltune records verify <spec> [--db F] [--top N] [--timing all|paired|plain] [--json]      (re-measure the top configs)
 *   rltune records export [--db F] [--out FILE] | records import FILE [--db F]   (JSON lines between machines)
 *   rltune best <spec> [--db F] [--timing all|paired|plain] [--json]
 *                 (--timing: rank only paired records (tune op --paired) or only plain ones; default both)
 * The database defaults to ./rltune.db; generated sources, libraries and workload data go to .rltune/ beside it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from './args.js';
import { NoCompilerError } from '../tune/measure/compiler.js';
import { cacheSizes, hostMachine, machineProbe } from '../tune/measure/machine.js';
import { isPairedRow, Measurer, pairedReferenceOf } from '../tune/measure/measurer.js';
import { RecordsDB, TIMINGS, type ResultRow, type Timing } from '../tune/records/db.js';
import { createTuner, MODEL_BASED, STRATEGIES, tune, type TuneProgress } from '../tune/search/loop.js';
import { CostModelTuner, type TunerContext } from '../tune/search/model_based.js';
import { PolicyMismatchError } from '../tune/search/policy_io.js';
import { PolicyTuner } from '../tune/search/policy_tuner.js';
import { trainPolicy } from '../tune/search/policy_train.js';
import { costMachine, featureFamily } from '../tune/cost/features.js';
import { priorSamples } from '../tune/cost/prior.js';
import { canonicalSpec, parseSpec, SpecError } from '../tune/task/spec.js';
import { createTask } from '../tune/task/task.js';
import { MODEL_PRESETS } from '../tune/task/presets.js';
import { workloadFlops } from '../tune/task/spec.js';
import { ANCHORS, compareWithAnchors, type AnchorName } from '../tune/anchors/compare.js';
import { Builder } from '../tune/measure/builder.js';
import { dataFile } from '../tune/measure/data.js';
import { DEFAULT_RUN_SETTINGS, leaveRunnerCore, Runner } from '../tune/measure/runner.js';
import { targetCFlags } from '../tune/space/target.js';
import { exportKernel } from '../tune/export.js';
import { CliUsageError } from './train.js';

function out(line: string): void {
  process.stdout.write(line + '\n');
}

function intFlag(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new CliUsageError(`--${name} expects an integer >= ${min}, got ${JSON.stringify(v)}`);
  return n;
}

function specOf(s: string | undefined, what: string): string {
  if (s === undefined) throw new CliUsageError(`${what} needs a workload spec, e.g. gemm:M=512,N=512,K=512`);
  try {
    return canonicalSpec(parseSpec(s));
  } catch (err) {
    if (err instanceof SpecError) throw new CliUsageError(err.message);
    throw err;
  }
}

function openDb(path: string | undefined): { db: RecordsDB; machine: string; workDir: string } {
  const file = resolve(path ?? 'rltune.db');
  const db = new RecordsDB(file);
  for (const w of db.warnings) process.stderr.write(`rltune: note: ${w}\n`);
  let machine: string;
  try {
    machine = db.addMachine(hostMachine());
  } catch (err) {
    db.close();
    if (err instanceof NoCompilerError) throw new CliUsageError(err.message);
    throw err;
  }
  const others = db.machines().filter((m) => m.fingerprint !== machine).length;
  if (others > 0) process.stderr.write(`rltune: note: ${file} also holds records of ${others} other machine(s); only this machine's (${machine}) are used\n`);
  return { db, machine, workDir: join(dirname(file), '.rltune', 'build') };
}

class TuneProgressBar {
  private last = 0;
  constructor(private readonly stream: NodeJS.WriteStream) {}

  text(p: TuneProgress): string {
    const errs = Object.entries(p.errors).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
    return `${p.trials}/${p.budget} trials  best ${p.bestGflops === null ? '-' : p.bestGflops.toFixed(1)} GFLOP/s  measured ${p.measured}  errors: ${errs}  ${p.elapsedS.toFixed(1)} s`;
  }

  update(p: TuneProgress): void {
    if (this.stream.isTTY) {
      const width = 24, filled = Math.round((p.trials / Math.max(1, p.budget)) * width);
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
  if (what !== 'op') throw new CliUsageError(`unknown tune target ${JSON.stringify(what ?? '')}; expected "op" (rltune tune op <spec> --strategy <name> --trials N) or "train-policy" (rltune tune train-policy --workloads <set file> --out <dir>)`);
  const { values, positionals } = parseArgs({
    args: rest, allowPositionals: true,
    options: { strategy: { type: 'string' }, trials: { type: 'string' }, db: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' }, 'time-budget': { type: 'string' }, 'early-stopping': { type: 'string' }, batch: { type: 'string' }, 'verify-top': { type: 'string' }, flush: { type: 'boolean' }, paired: { type: 'boolean' }, 'no-transfer': { type: 'boolean' }, policy: { type: 'string' }, 'policy-fallback': { type: 'boolean' }, 'measured-iterations': { type: 'string' } },
  });
  if (positionals.length !== 1) throw new CliUsageError(`tune op takes one workload spec, got ${positionals.length}`);
  const spec = specOf(positionals[0], 'tune op');
  const strategy = values.strategy ?? 'random';
  if (!(strategy in STRATEGIES)) throw new CliUsageError(`unknown strategy ${JSON.stringify(strategy)}; expected one of ${Object.keys(STRATEGIES).join(', ')}`);
  const trials = intFlag('trials', values.trials, 1);
  if (trials === undefined) throw new CliUsageError('tune op needs --trials N');
  const seed = intFlag('seed', values.seed, 0) ?? 0;
  const early = intFlag('early-stopping', values['early-stopping'], 1);
  const batch = intFlag('batch', values.batch, 1);
  const verifyTop = intFlag('verify-top', values['verify-top'], 0) ?? 5;
  const measuredIterations = intFlag('measured-iterations', values['measured-iterations'], 0);
  if (measuredIterations !== undefined && strategy !== 'grpo' && strategy !== 'ppo') throw new CliUsageError(`--measured-iterations is for the RL strategies (grpo, ppo); --strategy is ${strategy}`);
  let budget: number | undefined;
  if (values['time-budget'] !== undefined) {
    budget = Number(values['time-budget']);
    if (!(budget > 0)) throw new CliUsageError(`--time-budget expects seconds > 0, got ${JSON.stringify(values['time-budget'])}`);
  }
  const json = values.json === true;
  let task;
  try {
    task = createTask(spec);
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
  const { db, machine, workDir } = openDb(values.db);
  try {
    const runnerCore = availableParallelism() - 1;
    leaveRunnerCore(runnerCore);
    const measurer = new Measurer(task, { workDir, db, machine, runnerCore, runId: `${Date.now().toString(36)}-${process.pid}`, run: { flush: values.flush === true, paired: values.paired === true } });
    let ctx: TunerContext | undefined;
    if (MODEL_BASED.has(strategy)) {
      const probe = machineProbe(db, machine, workDir, runnerCore);
      const prior = values['no-transfer'] ? [] : priorSamples(db, machine, task);
      ctx = { machine: costMachine(task.space.target, probe, cacheSizes()), prior, log: (m) => process.stderr.write(`${m}\n`), policy: { policyDir: values.policy, policyFallback: values['policy-fallback'] === true, ...(measuredIterations !== undefined ? { measuredIterations } : {}) } };
    } else if (values.policy !== undefined) {
      throw new CliUsageError(`--policy is for the RL strategies (grpo, ppo); --strategy is ${strategy}`);
    }
    const bar = json ? null : new TuneProgressBar(process.stderr);
    let tuner;
    try {
      tuner = createTuner(strategy, task, seed, ctx);
    } catch (err) {
      if (err instanceof PolicyMismatchError) throw new CliUsageError(err.message);
      throw err;
    }
    const r = await tune(task, tuner, measurer, { trials, timeBudgetS: budget ?? null, earlyStopping: early ?? null, batch, verifyTop, onProgress: (p) => bar?.update(p) });
    bar?.end();
    if (tuner instanceof PolicyTuner) tuner.dispose();
    const extra = tuner instanceof CostModelTuner ? { cost_model: { ...tuner.stats(), transfer_records: ctx?.prior?.length ?? 0 } } : {};
    if (json) out(JSON.stringify({ ...r, ...extra }));
    else {
      out(`${r.op}: ${r.trials} trials (${r.measured} measured), best ${r.best_gflops === null ? 'none correct' : `${r.best_gflops.toFixed(1)} GFLOP/s, ${r.best_ms!.toFixed(4)} ms`}, ${r.wall_s} s (${r.stopped})`);
      if (r.best_config) out(`best config: ${JSON.stringify(r.best_config)}`);
    }
    return 0;
  } finally {
    db.close();
  }
}

/** --timing: which records best, records show and records verify rank (default all). */
function timingFlag(v: string | undefined): Timing {
  if (v === undefined) return 'all';
  if (!(TIMINGS as readonly string[]).includes(v)) throw new CliUsageError(`--timing expects one of ${TIMINGS.join(', ')}, got ${JSON.stringify(v)}`);
  return v as Timing;
}

function rowJSON(r: ResultRow) {
  const paired = isPairedRow(r);
  return { id: r.id, config_index: r.config_index, config: JSON.parse(r.config), ok: r.ok === 1, gflops: r.gflops,
    timing: paired ? 'paired' : 'plain', reference_config: paired ? pairedReferenceOf(r) : null, ms: r.ok ? { median: r.median_ms, min: r.min_ms, max: r.max_ms, runs: r.runs } : null, error: r.ok ? null : { kind: r.error_kind, message: r.error_message }, source_hash: r.source_hash, created: r.created };
}

export async function cmdRecords(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { db: { type: 'string' }, json: { type: 'boolean' }, top: { type: 'string' }, out: { type: 'string' }, timing: { type: 'string' } } });
  const json = values.json === true;
  const timing = timingFlag(values.timing);
  if (sub === 'list') {
    const { db } = openDb(values.db);
    try {
      const rows = db.summary();
      if (json) out(JSON.stringify({ workloads: rows }));
      else for (const r of rows) out(`${r.spec}  machine ${r.machine}  records ${r.records}  correct ${r.ok}  best ${r.best_gflops === null ? '-' : r.best_gflops.toFixed(1)} GFLOP/s`);
      return 0;
    } finally {
      db.close();
    }
  }
  if (sub === 'show') {
    const spec = specOf(positionals[0], 'records show');
    const top = intFlag('top', values.top, 1) ?? 5;
    const { db, machine } = openDb(values.db);
    try {
      const best = db.best(spec, machine, top, timing);
      const task = createTask(spec);
      const items = best.map((r) => ({ ...rowJSON(r), source: (r.source_hash ? db.source(r.source_hash) : null) ?? task.source(r.config_index) }));
      if (json) out(JSON.stringify({ spec, machine, timing, records: db.count(spec), top: items }));
      else {
        out(`${spec}: ${db.count(spec)} records; top ${items.length} on this machine (${machine})${timing === 'all' ? '' : `, ${timing} records only`}`);
        for (const it of items) out(`\n#${it.id}  ${it.gflops?.toFixed(1)} GFLOP/s  ${it.ms?.median?.toFixed(4)} ms  ${it.timing}  ${JSON.stringify(it.config)}\n${it.source}`);
      }
      return 0;
    } finally {
      db.close();
    }
  }
  if (sub === 'export') {
    const { db } = openDb(values.db);
    try {
      const target = values.out;
      const lines = [...db.exportLines()];
      if (target) writeFileSync(target, lines.join('\n') + '\n');
      else for (const l of lines) out(l);
      if (target) process.stderr.write(`rltune: wrote ${lines.length} lines to ${target}\n`);
      return 0;
    } finally {
      db.close();
    }
  }
  if (sub === 'import') {
    const file = positionals[0];
    if (!file) throw new CliUsageError('records import needs a JSON-lines file (from rltune records export)');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new CliUsageError(`records import: cannot read ${file}: ${(err as Error).message}`);
    }
    const { db } = openDb(values.db);
    try {
      let r;
      try {
        r = db.importLines(text.split('\n'));
      } catch (err) {
        if (err instanceof TypeError) throw new CliUsageError(err.message);
        throw err;
      }
      if (json) out(JSON.stringify(r));
      else out(`imported ${r.results} results (${r.skipped} already there)`);
      return 0;
    } finally {
      db.close();
    }
  }
  if (sub === 'verify') {
    const spec = specOf(positionals[0], 'records verify');
    const top = intFlag('top', values.top, 1) ?? 5;
    const task = createTask(spec);
    const { db, machine, workDir } = openDb(values.db);
    try {
      const rows = db.best(task.spec, machine, top, timing);
      if (rows.length === 0) throw new CliUsageError(`${task.spec} has no correct record on this machine`);
      const runnerCore = availableParallelism() - 1;
      leaveRunnerCore(runnerCore);
      const builder = new Builder({ workDir, cores: [], parallel: 1, timeoutMs: 120_000, flags: targetCFlags(task.space.target) });
      const runner = new Runner(workDir, task.workload.threads > 1 ? 0 : runnerCore, DEFAULT_RUN_SETTINGS);
      const data = dataFile(workDir, task.workload, 1);
      const items = [];
      for (const r of rows) {
        const b = await builder.build((r.source_hash ? db.source(r.source_hash) : null) ?? task.source(r.config_index), task.workload.threads > 1);
        const m = b.ok ? await runner.run(b.libPath!, data, task.workload.threads) : null;
        const gflops = m?.ok ? task.flops / (m.ms!.median * 1e6) : null;
        items.push({ id: r.id, config: JSON.parse(r.config), recorded_gflops: r.gflops, remeasured_gflops: gflops, ok: m?.ok ?? false, error: m?.error ?? b.error ?? null });
      }
      if (json) out(JSON.stringify({ spec: task.spec, verified: items }));
      else for (const it of items) out(`#${it.id}  recorded ${it.recorded_gflops?.toFixed(1)}  now ${it.remeasured_gflops === null ? `FAILED (${it.error?.kind}: ${it.error?.message})` : it.remeasured_gflops.toFixed(1)} GFLOP/s  ${JSON.stringify(it.config)}`);
      return items.every((i) => i.ok) ? 0 : 1;
    } finally {
      db.close();
    }
  }
  throw new CliUsageError(`unknown records subcommand ${JSON.stringify(sub ?? '')}; expected list, show, verify, export or import`);
}

export async function cmdBest(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { db: { type: 'string' }, json: { type: 'boolean' }, timing: { type: 'string' } } });
  const spec = specOf(positionals[0], 'best');
  const timing = timingFlag(values.timing);
  const { db, machine } = openDb(values.db);
  try {
    const [b] = db.best(spec, machine, 1, timing);
    const row = b ? rowJSON(b) : null;
    if (values.json) out(JSON.stringify({ spec, machine, timing, best: row }));
    else out(b ? `${spec}: ${b.gflops?.toFixed(1)} GFLOP/s, ${b.median_ms?.toFixed(4)} ms (${row!.timing} timing), config ${b.config}`
      : `${spec}: no correct${timing === 'all' ? '' : ` ${timing}`} record on this machine`);
    return b ? 0 : 1;
  } finally {
    db.close();
  }
}

/** rltune bench op <spec> [--db F] [--vs openblas,onnxruntime] [--rounds N] [--json] */
export async function cmdBenchOp(argv: string[]): Promise<number> {
  const [what, ...rest] = argv;
  if (what !== 'op') throw new CliUsageError(`unknown bench target ${JSON.stringify(what ?? '')}; expected "op" (rltune bench op <spec> --vs openblas,onnxruntime)`);
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { db: { type: 'string' }, vs: { type: 'string' }, rounds: { type: 'string' }, json: { type: 'boolean' } } });
  const spec = specOf(positionals[0], 'bench op');
  const rounds = intFlag('rounds', values.rounds, 5) ?? 5;
  // "openblas" names both OpenBLAS anchors (auto-selected and AVX-512 kernels).
  const asked = (values.vs ?? 'openblas,onnxruntime').split(',').map((x) => x.trim()).filter(Boolean);
  const anchors = new Set<AnchorName>();
  for (const a of asked) {
    if (a === 'openblas') { anchors.add('openblas'); anchors.add('openblas_avx512'); }
    else if ((ANCHORS as readonly string[]).includes(a)) anchors.add(a as AnchorName);
    else throw new CliUsageError(`unknown anchor ${JSON.stringify(a)}; expected openblas, openblas_avx512 or onnxruntime`);
  }
  const task = createTask(spec);
  const { db, machine, workDir } = openDb(values.db);
  try {
    const [best] = db.best(task.spec, machine, 1);
    if (!best) throw new CliUsageError(`${task.spec} has no correct record on this machine in ${db.path}; run rltune tune op first`);
    const runnerCore = availableParallelism() - 1;
    leaveRunnerCore(runnerCore);
    const source = (best.source_hash ? db.source(best.source_hash) : null) ?? task.source(best.config_index);
    const built = await new Builder({ workDir, cores: [], parallel: 1, timeoutMs: 120_000, flags: targetCFlags(task.space.target) }).build(source, task.workload.threads > 1);
    if (!built.ok) throw new Error(`the best record's source does not build any more: ${built.error?.message}`);
    const first = task.workload.threads > 1 ? 0 : runnerCore;
    const runner = new Runner(workDir, first, { ...DEFAULT_RUN_SETTINGS });
    const probe = machineProbe(db, machine, workDir, runnerCore);
    const r = await compareWithAnchors({
      task, libPath: built.libPath!, dataPath: dataFile(workDir, task.workload, 1), runner, workDir, anchors: [...anchors], rounds,
      firstCore: first, repeat: DEFAULT_RUN_SETTINGS.repeat, minRepeatMs: DEFAULT_RUN_SETTINGS.minRepeatMs, peakGflopsPerCore: probe.fma_peak_gflops,
    });
    if (values.json) out(JSON.stringify({ ...r, config: JSON.parse(best.config), record_id: best.id }));
    else {
      out(`${r.op}: ours ${r.gflops.toFixed(1)} GFLOP/s (${r.ms.toFixed(4)} ms, ${(100 * r.fraction_of_peak).toFixed(1)}% of the probed ${r.peak_gflops.toFixed(1)} GFLOP/s peak), median of ${r.rounds} interleaved rounds`);
      for (const [name, v] of Object.entries(r.vs)) out(`  ${name.padEnd(16)} ${v!.gflops === null ? `unavailable: ${v!.error}` : `${v!.gflops.toFixed(1)} GFLOP/s  ours/theirs ${v!.ratio!.toFixed(3)}${v!.kernel ? `  (${v!.kernel})` : ''}`}`);
    }
    return 0;
  } finally {
    db.close();
  }
}

/** rltune export <spec> --out DIR [--db F] [--name NAME] [--json] */
export async function cmdExport(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { db: { type: 'string' }, out: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' } } });
  const spec = specOf(positionals[0], 'export');
  if (values.out === undefined) throw new CliUsageError('export needs --out DIR');
  const task = createTask(spec);
  const { db, machine } = openDb(values.db);
  try {
    const [best] = db.best(task.spec, machine, 1);
    if (!best) throw new CliUsageError(`${task.spec} has no correct record on this machine in ${db.path}; run rltune tune op first`);
    const source = (best.source_hash ? db.source(best.source_hash) : null) ?? task.source(best.config_index);
    let r;
    try {
      r = exportKernel(task, source, resolve(values.out), values.name ?? 'rltune_gemm');
    } catch (err) {
      if (err instanceof RangeError) throw new CliUsageError(err.message);
      throw err;
    }
    if (values.json) out(JSON.stringify({ spec: task.spec, gflops: best.gflops, config: JSON.parse(best.config), ...r }));
    else {
      out(`${task.spec}: exported the best kernel (${best.gflops?.toFixed(1)} GFLOP/s) to ${r.dir}`);
      for (const f of r.files) out(`  ${f}`);
      if (r.bindingError) out(`  (no Node binding: ${r.bindingError})`);
    }
    return 0;
  } finally {
    db.close();
  }
}

/** rltune workloads [preset] [--json]: the model presets and their operator specs. */
export async function cmdWorkloads(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' } } });
  const names = positionals.length ? positionals : Object.keys(MODEL_PRESETS);
  for (const n of names) if (!MODEL_PRESETS[n]) throw new CliUsageError(`unknown model preset ${JSON.stringify(n)}; known: ${Object.keys(MODEL_PRESETS).join(', ')}`);
  const list = names.map((n) => ({
    preset: n, doc: MODEL_PRESETS[n].doc,
    workloads: MODEL_PRESETS[n].workloads.map((w) => ({ ...w, spec: canonicalSpec(parseSpec(w.spec)), gflop: workloadFlops(parseSpec(w.spec)) / 1e9 })),
  }));
  if (values.json) out(JSON.stringify({ presets: list }));
  else for (const p of list) {
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
      j = JSON.parse(text);
    } catch (err) {
      throw new CliUsageError(`--workloads: ${file} is not valid JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(j.workloads)) throw new CliUsageError(`--workloads: ${file} has no "workloads" array of {spec}`);
    return j.workloads.map((w, i) => {
      if (typeof w?.spec !== 'string') throw new CliUsageError(`--workloads: ${file}: workloads[${i}] has no spec string`);
      return w.spec;
    });
  }
  return text.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter((l) => l.length > 0);
}

async function cmdTrainPolicy(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { workloads: { type: 'string' }, out: { type: 'string' }, db: { type: 'string' }, steps: { type: 'string' }, seed: { type: 'string' }, 'bc-top': { type: 'string' }, family: { type: 'string' }, json: { type: 'boolean' } } });
  if (positionals.length > 0) throw new CliUsageError(`tune train-policy takes no positional arguments, got ${positionals.join(' ')}`);
  if (!values.workloads) throw new CliUsageError('tune train-policy needs --workloads <set file> (JSON {workloads: [{spec}]} or one spec per line)');
  if (!values.out) throw new CliUsageError('tune train-policy needs --out <dir>');
  const steps = intFlag('steps', values.steps, 0) ?? 20_000;
  const seed = intFlag('seed', values.seed, 0) ?? 1;
  const bcTop = intFlag('bc-top', values['bc-top'], 1) ?? 16;
  const all = readWorkloadSet(values.workloads).map((s) => {
    try {
      return createTask(s);
    } catch (err) {
      throw new CliUsageError(`--workloads: ${(err as Error).message}`);
    }
  });
  // One policy per space family: --family picks it (default: gemm when the set has GEMM or bmm workloads).
  const family = values.family ?? (all.some((t) => featureFamily(t) === 'gemm') ? 'gemm' : 'row');
  if (family !== 'gemm' && family !== 'row') throw new CliUsageError(`--family must be gemm or row, got ${JSON.stringify(values.family)}`);
  const tasks = all.filter((t) => featureFamily(t) === family);
  const skipped = all.filter((t) => featureFamily(t) !== family);
  if (skipped.length) process.stderr.write(`train-policy: the ${family} policy leaves out ${skipped.length} workloads of the other family (${skipped.map((t) => t.spec).join(', ')}); train them with --family ${family === 'gemm' ? 'row' : 'gemm'}\n`);
  if (tasks.length === 0) throw new CliUsageError(`--workloads: ${values.workloads} has no ${family} workloads`);
  const { db, machine, workDir } = openDb(values.db);
  try {
    const probe = machineProbe(db, machine, workDir, availableParallelism() - 1);
    const r = await trainPolicy({ tasks, db, machineId: machine, machine: costMachine(tasks[0].space.target, probe, cacheSizes()), out: resolve(values.out), steps, bcTop, seed, log: (m) => process.stderr.write(`${m}\n`) });
    if (values.json) out(JSON.stringify(r));
    else out(`policy written to ${r.out}: ${r.workloads.length} workloads, ${r.records} records (${r.bc_samples} cloned best configs), ${r.steps} GRPO steps on the ${r.cost_model} cost model, ${r.wall_s} s`);
    return 0;
  } catch (err) {
    if (err instanceof RangeError) throw new CliUsageError(err.message);
    throw err;
  } finally {
    db.close();
  }
}
