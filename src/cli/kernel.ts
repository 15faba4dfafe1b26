/** The commands over a tuned kernel: `rltune bench op` (against OpenBLAS and ONNX Runtime) and `rltune export`. */
import { resolve } from 'node:path';
import { parseArgs } from './args.js';
import { ANCHORS, compareWithAnchors, type AnchorName } from '../tune/anchors/compare.js';
import { exportKernel } from '../tune/export.js';
import { Builder } from '../tune/measure/builder.js';
import { dataFile } from '../tune/measure/data.js';
import { DEFAULT_RUN_SETTINGS, Runner } from '../tune/measure/runner.js';
import { hostTarget, targetCFlags } from '../tune/space/target.js';
import { createTask } from '../tune/task/task.js';
import { intFlag, isaFlag, openSession, out, specOf } from './common.js';
import { checkExportDir } from './out_dir.js';
import { CliUsageError } from './usage_error.js';

export async function cmdBenchOp(argv: string[]): Promise<number> {
  const [what, ...rest] = argv;
  if (what !== 'op')
    throw new CliUsageError(
      `unknown bench target ${JSON.stringify(what ?? '')}; expected "op" (rltune bench op <spec> --vs openblas,onnxruntime)`,
    );
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      vs: { type: 'string' },
      rounds: { type: 'string' },
      json: { type: 'boolean' },
      isa: { type: 'string' },
    },
  });
  isaFlag(values.isa);
  const spec = specOf(positionals[0], 'bench op');
  const rounds = intFlag('rounds', values.rounds, 5) ?? 5;
  // "openblas" names both OpenBLAS anchors (auto-selected and AVX-512 kernels).
  const asked = (values.vs ?? 'openblas,onnxruntime')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const anchors = new Set<AnchorName>();
  for (const a of asked) {
    // "openblas": the auto-selected kernel and the one of the ISA the kernels are generated for.
    if (a === 'openblas') {
      anchors.add('openblas');
      anchors.add(hostTarget().isa === 'avx2' ? 'openblas_haswell' : 'openblas_avx512');
    } else if ((ANCHORS as readonly string[]).includes(a)) anchors.add(a as AnchorName);
    else
      throw new CliUsageError(
        `unknown anchor ${JSON.stringify(a)}; expected openblas, openblas_avx512, openblas_haswell or onnxruntime`,
      );
  }
  const task = createTask(spec);
  const session = openSession(values.db);
  const { db, machine, workDir } = session;
  try {
    const [best] = db.best(task.spec, machine, 1);
    if (!best)
      throw new CliUsageError(
        `${task.spec} has no correct record on this machine in ${db.path}; run rltune tune op first`,
      );
    const runnerCore = session.runnerCore;
    session.claimRunnerCore();
    const source = (best.source_hash ? db.source(best.source_hash) : null) ?? task.source(best.config_index);
    const built = await new Builder({
      workDir,
      cores: [],
      parallel: 1,
      timeoutMs: 120_000,
      flags: targetCFlags(task.space.target),
    }).build(source, task.workload.threads > 1);
    if (!built.ok) throw new Error(`the best record's source does not build any more: ${built.error?.message}`);
    const first = task.workload.threads > 1 ? 0 : runnerCore;
    const runner = new Runner(workDir, first, { ...DEFAULT_RUN_SETTINGS });
    const probe = session.probe();
    const r = await compareWithAnchors({
      task,
      libPath: built.libPath!,
      dataPath: dataFile(workDir, task.workload, 1),
      runner,
      workDir,
      anchors: [...anchors],
      rounds,
      firstCore: first,
      repeat: DEFAULT_RUN_SETTINGS.repeat,
      minRepeatMs: DEFAULT_RUN_SETTINGS.minRepeatMs,
      peakGflopsPerCore: probe.fma_peak_gflops,
    });
    if (values.json) out(JSON.stringify({ ...r, config: JSON.parse(best.config) as unknown, record_id: best.id }));
    else {
      const bound =
        r.bound === 'memory'
          ? `memory-bound: B streams at ${(r.b_bytes! / (r.ms * 1e6)).toFixed(1)} GB/s, ${(100 * r.fraction_of_bandwidth!).toFixed(1)}% of the measured ${r.read_bandwidth_gbs!.toFixed(1)} GB/s read bandwidth for ${(r.b_bytes! / 2 ** 20).toFixed(1)} MiB`
          : `compute-bound: ${(100 * r.fraction_of_peak).toFixed(1)}% of the probed ${r.peak_gflops.toFixed(1)} GFLOP/s peak`;
      out(
        `${r.op}: ours ${r.gflops.toFixed(1)} GFLOP/s (${r.ms.toFixed(4)} ms; ${bound}), median of ${r.rounds} interleaved rounds`,
      );
      for (const [name, v] of Object.entries(r.vs))
        out(
          `  ${name.padEnd(16)} ${v.gflops === null ? `unavailable: ${v.error}` : `${v.gflops.toFixed(1)} GFLOP/s  ours/theirs ${v.ratio!.toFixed(3)} (rounds ${v.ratio_min!.toFixed(3)}..${v.ratio_max!.toFixed(3)})${v.kernel ? `  (${v.kernel})` : ''}`}`,
        );
    }
    return 0;
  } finally {
    db.close();
  }
}

/** rltune export <spec> --out DIR [--db F] [--name NAME] [--force] [--json] */
export function cmdExport(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      out: { type: 'string' },
      name: { type: 'string' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  const spec = specOf(positionals[0], 'export');
  if (values.out === undefined) throw new CliUsageError('export needs --out DIR');
  const task = createTask(spec);
  const session = openSession(values.db);
  const { db, machine } = session;
  try {
    const [best] = db.best(task.spec, machine, 1);
    if (!best)
      throw new CliUsageError(
        `${task.spec} has no correct record on this machine in ${db.path}; run rltune tune op first`,
      );
    checkExportDir(values.out, values.force === true);
    const source = (best.source_hash ? db.source(best.source_hash) : null) ?? task.source(best.config_index);
    let r;
    try {
      r = exportKernel(task, source, resolve(values.out), values.name ?? 'rltune_gemm');
    } catch (err) {
      if (err instanceof RangeError) throw new CliUsageError(err.message);
      throw err;
    }
    if (values.json)
      out(JSON.stringify({ spec: task.spec, gflops: best.gflops, config: JSON.parse(best.config) as unknown, ...r }));
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
