/**
 * What the fault suite (test/faults/, issue 20) shares: the short or full scale, running `bin/rltune` with a
 * deadline (a hang is a finding, not a stuck test), telling a clean failure from a crash, checking a database
 * after a fault, and the counts that bench/faults.ts writes to bench/results/faults-<date>.json.
 *
 * `npm test` runs only dist/test/*.test.js, so these files run from `npm run test:faults` (full) or
 * `npm run test:faults:short` (the short form CI runs). RLTUNE_FAULTS=full picks the full scale.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { createTask } from '../../src/tune/task/task.js';

export const FULL = process.env.RLTUNE_FAULTS === 'full';
/** `short` in the short form, `full` in the full one. */
export const scale = (short: number, full: number): number => (FULL ? full : short);
/** fast-check's seed: fixed, so a failure is reproduced by running the suite again. */
export const SEED = Number(process.env.RLTUNE_FAULTS_SEED ?? 20);

export const root = fileURLToPath(new URL('../../../', import.meta.url));
export const bin = join(root, 'bin/rltune');

export const tempDir = (tag: string): string => mkdtempSync(join(tmpdir(), `rltune-faults-${tag}-`));

export interface CliRun {
  args: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Killed at the deadline: a hang. */
  hung: boolean;
}

/** A shell word for the reproducer a failure message prints. */
export const shellQuote = (s: string): string => (/^[\w./:=,+@%-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);

/** `bin/rltune args` with a deadline; `ulimitKiB` runs it under `ulimit -f` (bash counts KiB): a full disk. */
export function rltune(
  args: string[],
  opts: { timeoutMs?: number; cwd?: string; ulimitKiB?: number; input?: string; env?: Record<string, string> } = {},
): CliRun {
  const timeout = opts.timeoutMs ?? 60_000;
  const env = { ...process.env, RLTUNE_DEBUG: '', ...opts.env };
  const r =
    opts.ulimitKiB === undefined
      ? spawnSync(process.execPath, [bin, ...args], {
          cwd: opts.cwd ?? root,
          encoding: 'utf8',
          timeout,
          env,
          input: opts.input,
        })
      : spawnSync('bash', ['-c', `ulimit -f ${opts.ulimitKiB}; exec "$0" "$@"`, process.execPath, bin, ...args], {
          cwd: opts.cwd ?? root,
          encoding: 'utf8',
          timeout,
          env,
          input: opts.input,
        });
  count({ runs: 1 });
  const hung = r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
  return { args, code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', hung };
}

/** Lines of a printed stack trace ("    at f (file:1:2)"). */
export const stackLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('    at '));

/**
 * What is wrong with how a run ended, empty when nothing is: a hang, a stack trace, death by a signal, an exit code
 * other than 0/1/2, a failure without the one `rltune: error:` line, or an error line that is the engine's
 * (reading a property of undefined) rather than one naming the bad value.
 */
export function misbehaviour(r: CliRun): string[] {
  const found: string[] = [];
  if (r.hung) {
    found.push('hang (killed at the deadline)');
    count({ hangs: 1 });
  }
  if (stackLines(r.stderr).length > 0) {
    found.push(`stack trace on stderr:\n${r.stderr.slice(0, 1500)}`);
    count({ stack_traces: 1 });
  }
  if (!r.hung && r.signal !== null) found.push(`died of ${r.signal}`);
  if (!r.hung && r.signal === null && ![0, 1, 2].includes(r.code ?? -1)) found.push(`exit code ${r.code}`);
  const errorLine = r.stderr.split('\n').find((l) => l.startsWith('rltune: error: '));
  // Exit 1 with an answer on stdout is a "no" (env check: a check failed; best: no correct record), not an error.
  if (r.code !== null && r.code !== 0 && errorLine === undefined && !(r.code === 1 && r.stdout.trim() !== ''))
    found.push(`exit ${r.code} without an "rltune: error:" line: ${JSON.stringify(r.stderr.slice(0, 300))}`);
  if (errorLine !== undefined && DRIVER_ERROR.test(errorLine))
    found.push(`the SQLite driver's error, passed on as it came: ${errorLine}`);
  if (errorLine !== undefined && ENGINE_ERROR.test(errorLine))
    found.push(`an engine error, naming no bad value: ${errorLine}`);
  return found;
}

/** The reproducer of a CLI run: the command line, from the repository root. */
export const reproducer = (r: CliRun): string => `node bin/rltune ${r.args.map(shellQuote).join(' ')}`;

export interface DbState {
  integrity: string;
  results: number;
  /** Results recorded twice: a tuning run measures a config of a workload once (per timing kind). */
  duplicates: number;
}

/** The state of a tuning database after a fault: integrity, result count, duplicate records. */
export function dbState(path: string): DbState {
  const d = new Database(path, { fileMustExist: true });
  try {
    const integrity = (d.pragma('integrity_check', { simple: true }) as string) ?? 'no answer';
    const results = (d.prepare('SELECT count(*) AS n FROM results').get() as { n: number }).n;
    const duplicates = (
      d
        .prepare(
          `SELECT count(*) AS n FROM (SELECT 1 FROM results GROUP BY spec, machine, space, config_index,
           COALESCE(settings, '') HAVING count(*) > 1)`,
        )
        .get() as { n: number }
    ).n;
    return { integrity, results, duplicates };
  } finally {
    d.close();
  }
}

/** Every row of every table, as text: two equal dumps are two equal databases. */
export function dbDump(path: string): string {
  const d = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = d.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[];
    return tables
      .map((t) => `${t.name}: ${JSON.stringify(d.prepare(`SELECT * FROM "${t.name}" ORDER BY rowid`).all())}`)
      .join('\n');
  } finally {
    d.close();
  }
}

export interface FaultCounts {
  runs: number;
  kills: number;
  fuzzed_inputs: number;
  stack_traces: number;
  hangs: number;
  corrupted_databases: number;
  lost_records: number;
  duplicate_records: number;
}

/** Adds to this process's counts: one JSON line per call in $RLTUNE_FAULTS_COUNTS (bench/faults.ts sums them). */
export function count(delta: Partial<FaultCounts>): void {
  const file = process.env.RLTUNE_FAULTS_COUNTS;
  if (file) appendFileSync(file, JSON.stringify(delta) + '\n');
}

/** Messages of errors the engine throws, not the code: each is a defect (the error names no bad value). */
export const ENGINE_ERROR =
  /Cannot read propert|is not a function|is not iterable|Cannot convert|undefined is not|null is not|Invalid (typed )?array length|Maximum call stack|Cannot destructure/;

/** Messages of the SQLite driver, passed on as they come: they name a column or a binding, not the bad line. */
export const DRIVER_ERROR =
  /Missing named parameter|can only bind|NOT NULL constraint failed|Too (few|many) parameter values|datatype mismatch|UNIQUE constraint failed/;

/** A thrown value that is not a clear error: why, or null when it is one. */
export function unclearThrow(err: unknown): string | null {
  if (!(err instanceof Error)) return `a non-Error was thrown: ${String(err)}`;
  if (ENGINE_ERROR.test(err.message)) return `an engine error: ${err.name}: ${err.message}`;
  if (DRIVER_ERROR.test(err.message)) return `the SQLite driver's error, passed on as it came: ${err.message}`;
  if (err.message.trim() === '') return `an Error without a message (${err.name})`;
  return null;
}

const TASK = createTask('gemm:M=8,N=8,K=8');

/** `n` valid export lines: a machine, a workload and n results (distinct configs, so no line repeats another). */
export function validLines(n: number, from = 0): string[] {
  const lines = [
    JSON.stringify({ kind: 'machine', fingerprint: 'f00', info: '{}', probe: null, created: '2026-12-02T00:00:00Z' }),
    JSON.stringify({ kind: 'workload', spec: TASK.spec, op: 'gemm', flops: TASK.flops, bytes: TASK.bytes }),
  ];
  for (let i = from; i < from + n; i++)
    lines.push(
      JSON.stringify({
        kind: 'result',
        spec: TASK.spec,
        machine: 'f00',
        space: TASK.spaceId,
        config_index: i,
        // The config of index i, as an export holds it (imports check that the two agree).
        config: JSON.stringify(TASK.space.config(i)),
        ok: 1,
        median_ms: 0.001 + i * 1e-6,
        gflops: 1,
        created: '2026-12-02T00:00:01Z',
      }),
    );
  return lines;
}

/**
 * fast-check's assert with the suite's fixed seed, the error of a failing input in the report, and the inputs tried
 * (shrinking included) added to the counts, also when the property fails.
 */
export function fuzz<T>(runs: number, arb: fc.Arbitrary<T>, check: (value: T) => void): void {
  let tried = 0;
  try {
    fc.assert(
      fc.property(arb, (v) => {
        tried++;
        check(v);
      }),
      { seed: SEED, numRuns: runs, includeErrorInReport: true },
    );
  } finally {
    count({ fuzzed_inputs: tried });
  }
}
