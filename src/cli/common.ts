/** What the tuning commands share: output, flag checks, workload specs and the tuning session of --db. */
import { NoCompilerError } from '../tune/measure/compiler.js';
import { TuningSession, type SessionOptions } from '../tune/session.js';
import { selectIsa } from '../tune/space/target.js';
import { canonicalSpec, parseSpec, SpecError } from '../tune/task/spec.js';
import { dbPath, withRecordsErrors } from './records_db.js';
import { CliUsageError } from './train.js';

export function out(line: string): void {
  process.stdout.write(line + '\n');
}

export function intFlag(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min)
    throw new CliUsageError(`--${name} expects an integer >= ${min}, got ${JSON.stringify(v)}`);
  return n;
}

/**
 * --isa: restricts code generation (and so the search space and the records' machine) to an ISA this CPU has, before
 * anything reads the target; one it lacks is a usage error naming what the CPU has.
 */
export function isaFlag(v: string | undefined): void {
  if (v === undefined) return;
  try {
    selectIsa(v);
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
}

export function specOf(s: string | undefined, what: string): string {
  if (s === undefined) throw new CliUsageError(`${what} needs a workload spec, e.g. gemm:M=512,N=512,K=512`);
  try {
    return canonicalSpec(parseSpec(s));
  } catch (err) {
    if (err instanceof SpecError) throw new CliUsageError(err.message);
    throw err;
  }
}

/**
 * The tuning session of --db (default ./rltune.db): the records, this machine's fingerprint in them, and the
 * work folder (.rltune/build beside the database), created when missing. No C compiler is the user's to fix: a
 * usage error; so is a --db that names no records database.
 */
export function openSession(path: string | undefined, opts: Omit<SessionOptions, 'db'> = {}): TuningSession {
  try {
    return withRecordsErrors(dbPath(path), () => TuningSession.open({ ...opts, db: dbPath(path) }));
  } catch (err) {
    if (err instanceof NoCompilerError) throw new CliUsageError(err.message);
    throw err;
  }
}
