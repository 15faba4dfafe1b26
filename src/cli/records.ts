/**
 * The commands over the records:
 *   rltune records list [--db F] [--json]
 *   rltune records show <spec> [--db F] [--top N] [--timing all|paired|plain] [--json]
 *   rltune records verify <spec> [--db F] [--top N] [--timing all|paired|plain] [--json]      (re-measure the top
 *   configs)
 *   rltune records export [--db F] [--out FILE] [--salvage] | records import FILE [--db F]   (JSON lines between
 *   machines; --salvage: what can still be read of a damaged database)
 *   rltune best <spec> [--db F] [--timing all|paired|plain] [--json]
 *                 (--timing: rank only paired records (tune op --paired) or only plain ones; default both)
 * The database defaults to ./rltune.db; generated sources, libraries and workload data go to .rltune/ beside it.
 * list, show, export and best only read: they open the database read-only and never create it.
 */
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from './args.js';
import { Builder } from '../tune/measure/builder.js';
import { dataFile } from '../tune/measure/data.js';
import { isPairedRow, pairedReferenceOf } from '../tune/measure/measurer.js';
import { DEFAULT_RUN_SETTINGS, Runner } from '../tune/measure/runner.js';
import { TIMINGS, type RecordsDB, type ResultRow, type Timing } from '../tune/records/db.js';
import { checkRecordsPath } from '../tune/records/open.js';
import { salvage } from '../tune/records/salvage.js';
import { formatInnerLoop, innerLoop } from '../tune/codegen/inspect_asm.js';
import { targetCFlags } from '../tune/space/target.js';
import { createTask } from '../tune/task/task.js';
import { intFlag, isaFlag, openSession, out, specOf } from './common.js';
import { dbPath, openMachineReader, openReader, withRecordsErrors } from './records_db.js';
import { CliUsageError } from './train.js';

/** --timing: which records best, records show and records verify rank (default all). */
function timingFlag(v: string | undefined): Timing {
  if (v === undefined) return 'all';
  if (!(TIMINGS as readonly string[]).includes(v))
    throw new CliUsageError(`--timing expects one of ${TIMINGS.join(', ')}, got ${JSON.stringify(v)}`);
  return v as Timing;
}

function rowJSON(r: ResultRow) {
  const paired = isPairedRow(r);
  return {
    id: r.id,
    config_index: r.config_index,
    config: JSON.parse(r.config) as unknown,
    ok: r.ok === 1,
    gflops: r.gflops,
    timing: paired ? 'paired' : 'plain',
    reference_config: paired ? pairedReferenceOf(r) : null,
    ms: r.ok ? { median: r.median_ms, min: r.min_ms, max: r.max_ms, runs: r.runs } : null,
    error: r.ok ? null : { kind: r.error_kind, message: r.error_message },
    source_hash: r.source_hash,
    created: r.created,
  };
}

export async function cmdRecords(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      json: { type: 'boolean' },
      top: { type: 'string' },
      out: { type: 'string' },
      timing: { type: 'string' },
      salvage: { type: 'boolean' },
      force: { type: 'boolean' },
      asm: { type: 'boolean' },
      isa: { type: 'string' },
    },
  });
  isaFlag(values.isa);
  const json = values.json === true;
  const timing = timingFlag(values.timing);
  // A page found damaged while reading is reported with what salvage recovers, like damage found on opening.
  return withRecordsErrors(dbPath(values.db), () => records(sub, values, positionals, json, timing));
}

async function records(
  sub: string | undefined,
  values: { db?: string; top?: string; out?: string; salvage?: boolean; force?: boolean; asm?: boolean },
  positionals: string[],
  json: boolean,
  timing: Timing,
): Promise<number> {
  if (sub === 'list') {
    const db = openReader(values.db);
    try {
      const rows = db.summary();
      if (json) out(JSON.stringify({ workloads: rows }));
      else
        for (const r of rows)
          out(
            `${r.spec}  machine ${r.machine}  records ${r.records}  correct ${r.ok}  best ${r.best_gflops === null ? '-' : r.best_gflops.toFixed(1)} GFLOP/s`,
          );
      return 0;
    } finally {
      db.close();
    }
  }
  if (sub === 'show') {
    const spec = specOf(positionals[0], 'records show');
    const top = intFlag('top', values.top, 1) ?? 5;
    const { db, machine } = openMachineReader(values.db);
    try {
      const best = db.best(spec, machine, top, timing);
      const task = createTask(spec);
      const items = best.map((r) => {
        const source = (r.source_hash ? db.source(r.source_hash) : null) ?? task.source(r.config_index);
        // --asm: the kernel's hot loop as the compiler emits it (GEMM kernels; null for the row operators).
        const asm = values.asm ? innerLoop(source, targetCFlags(task.space.target)) : undefined;
        return { ...rowJSON(r), source, ...(asm !== undefined ? { asm } : {}) };
      });
      if (json) out(JSON.stringify({ spec, machine, timing, records: db.count(spec), top: items }));
      else {
        out(
          `${spec}: ${db.count(spec)} records; top ${items.length} on this machine (${machine})${timing === 'all' ? '' : `, ${timing} records only`}`,
        );
        for (const it of items)
          out(
            `\n#${it.id}  ${it.gflops?.toFixed(1)} GFLOP/s  ${it.ms?.median?.toFixed(4)} ms  ${it.timing}  ${JSON.stringify(it.config)}\n${
              values.asm ? (it.asm ? formatInnerLoop(it.asm) : 'no micro-kernel loop in this kernel') : it.source
            }`,
          );
      }
      return 0;
    } finally {
      db.close();
    }
  }
  if (sub === 'export') {
    const target = values.out;
    if (target !== undefined) checkOutFile(target, values.force === true);
    let lines: string[];
    if (values.salvage) {
      checkRecordsPath(dbPath(values.db), true);
      const s = salvage(dbPath(values.db));
      lines = s.lines;
      process.stderr.write(
        `rltune: salvaged ${s.rows.result}${s.results_total === null ? '' : ` of ${s.results_total}`} results, ${s.rows.machine} machines, ${s.rows.workload} workloads, ${s.rows.source} sources\n`,
      );
    } else {
      const db = openReader(values.db);
      try {
        lines = [...db.exportLines()];
      } finally {
        db.close();
      }
    }
    if (target) {
      // Written beside the target and renamed over it: a failed export leaves the old file whole.
      const temporary = `${target}.${process.pid}.tmp`;
      writeFileSync(temporary, lines.join('\n') + '\n');
      renameSync(temporary, target);
    } else for (const l of lines) out(l);
    if (target) process.stderr.write(`rltune: wrote ${lines.length} lines to ${target}\n`);
    return 0;
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
    const session = openSession(values.db);
    const { db } = session;
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
    const session = openSession(values.db);
    const { db, machine, workDir } = session;
    try {
      const rows = db.best(task.spec, machine, top, timing);
      if (rows.length === 0) throw new CliUsageError(`${task.spec} has no correct record on this machine`);
      const runnerCore = session.runnerCore;
      session.claimRunnerCore();
      const builder = new Builder({
        workDir,
        cores: [],
        parallel: 1,
        timeoutMs: 120_000,
        flags: targetCFlags(task.space.target),
      });
      const runner = new Runner(workDir, task.workload.threads > 1 ? 0 : runnerCore, DEFAULT_RUN_SETTINGS);
      const data = dataFile(workDir, task.workload, 1);
      const items = [];
      for (const r of rows) {
        const b = await builder.build(
          (r.source_hash ? db.source(r.source_hash) : null) ?? task.source(r.config_index),
          task.workload.threads > 1,
        );
        const m = b.ok ? await runner.run(b.libPath!, data, task.workload.threads) : null;
        const gflops = m?.ok ? task.flops / (m.ms!.median * 1e6) : null;
        items.push({
          id: r.id,
          config: JSON.parse(r.config) as unknown,
          recorded_gflops: r.gflops,
          remeasured_gflops: gflops,
          ok: m?.ok ?? false,
          error: m?.error ?? b.error ?? null,
        });
      }
      if (json) out(JSON.stringify({ spec: task.spec, verified: items }));
      else
        for (const it of items)
          out(
            `#${it.id}  recorded ${it.recorded_gflops?.toFixed(1)}  now ${it.remeasured_gflops === null ? `FAILED (${it.error?.kind}: ${it.error?.message})` : it.remeasured_gflops.toFixed(1)} GFLOP/s  ${JSON.stringify(it.config)}`,
          );
      return items.every((i) => i.ok) ? 0 : 1;
    } finally {
      db.close();
    }
  }
  throw new CliUsageError(
    `unknown records subcommand ${JSON.stringify(sub ?? '')}; expected list, show, verify, export or import`,
  );
}

export function cmdBest(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { db: { type: 'string' }, json: { type: 'boolean' }, timing: { type: 'string' } },
  });
  const spec = specOf(positionals[0], 'best');
  const timing = timingFlag(values.timing);
  return withRecordsErrors(dbPath(values.db), () => {
    const { db, machine } = openMachineReader(values.db);
    try {
      return best(db, machine, spec, timing, values.json === true);
    } finally {
      db.close();
    }
  });
}

function best(db: RecordsDB, machine: string, spec: string, timing: Timing, json: boolean): number {
  const [b] = db.best(spec, machine, 1, timing);
  const row = b ? rowJSON(b) : null;
  if (json) out(JSON.stringify({ spec, machine, timing, best: row }));
  else
    out(
      b
        ? `${spec}: ${b.gflops?.toFixed(1)} GFLOP/s, ${b.median_ms?.toFixed(4)} ms (${row!.timing} timing), config ${b.config}`
        : `${spec}: no correct${timing === 'all' ? '' : ` ${timing}`} record on this machine`,
    );
  return b ? 0 : 1;
}

/**
 * records export --out: a file to write (the help says FILE). A directory or a missing folder is a usage error
 * before anything is read, not EISDIR/ENOENT after.
 */
function checkOutFile(target: string, force: boolean): void {
  let isDir = false;
  try {
    isDir = statSync(target).isDirectory();
  } catch {
    // no file there yet: written below
  }
  if (isDir)
    throw new CliUsageError(
      `records export --out ${target} is a directory; expected a file to write the JSON lines to (e.g. ${join(target, 'records.jsonl')})`,
    );
  if (!existsSync(dirname(target)))
    throw new CliUsageError(`records export --out: the folder of ${target} does not exist`);
  if (existsSync(target) && !force)
    throw new CliUsageError(`records export --out ${target} exists; pass --force to replace it, or name another file`);
}

/** rltune bench op <spec> [--db F] [--vs openblas,onnxruntime] [--rounds N] [--json] */
