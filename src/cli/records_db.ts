/**
 * How the records commands open --db (default ./rltune.db): the commands that only read open it read-only and
 * never create it; a path that is no records database is a usage error naming it, and a damaged database is a
 * failure that says what `records export --salvage` can still recover of it.
 */
import { resolve } from 'node:path';
import { NoCompilerError } from '../tune/measure/compiler.js';
import { hostMachine } from '../tune/measure/machine.js';
import { fingerprintOf, RecordsDB } from '../tune/records/db.js';
import { DamagedRecordsError, isDamage, RecordsPathError } from '../tune/records/open.js';
import { salvage } from '../tune/records/salvage.js';
import { CliUsageError } from './train.js';

export function dbPath(flag: string | undefined): string {
  return resolve(flag ?? 'rltune.db');
}

/** The records at --db, read-only; the warnings (a newer schema) go to stderr as notes. */
export function openReader(flag: string | undefined): RecordsDB {
  const db = withRecordsErrors(dbPath(flag), () => new RecordsDB(dbPath(flag), { readonly: true }));
  for (const w of db.warnings) note(w);
  return db;
}

/** The records at --db read-only, and this machine's fingerprint (filed nowhere: nothing is written). */
export function openMachineReader(flag: string | undefined): { db: RecordsDB; machine: string } {
  let machine: string;
  try {
    machine = fingerprintOf(hostMachine());
  } catch (err) {
    // The fingerprint names the compiler: without one there is no "this machine" to rank records of.
    if (err instanceof NoCompilerError) throw new CliUsageError(err.message);
    throw err;
  }
  const db = openReader(flag);
  const others = db.otherMachinesNote(machine);
  if (others) note(others);
  return { db, machine };
}

function note(m: string): void {
  process.stderr.write(`rltune: note: ${m}\n`);
}

/**
 * Runs `f` over the records at `path`, turning what is wrong with the file into the CLI's errors: a path that names
 * no records database is a usage error; damage (found on opening or on reading a page) says what salvage recovers.
 */
export function withRecordsErrors<T>(path: string, f: () => T): T {
  try {
    const r = f();
    // An async command's errors arrive as a rejection.
    if (r instanceof Promise) return r.catch((err: unknown) => Promise.reject(recordsError(path, err))) as T;
    return r;
  } catch (err) {
    throw recordsError(path, err);
  }
}

function recordsError(path: string, err: unknown): Error {
  if (err instanceof RecordsPathError) return new CliUsageError(err.message);
  if (err instanceof DamagedRecordsError || isDamage(err)) return damaged(path, err as Error);
  return err instanceof Error ? err : new Error(String(err));
}

function damaged(path: string, err: Error): Error {
  const sqlite = err instanceof DamagedRecordsError ? err.sqliteMessage : err.message;
  const s = salvage(path);
  const total = s.results_total === null ? '' : ` of its ${s.results_total}`;
  return new Error(
    `${path} is damaged (SQLite: ${sqlite}); rltune records export --salvage --db ${path} --out FILE recovers ${s.rows.result}${total} results (and ${s.rows.machine} machines, ${s.rows.workload} workloads, ${s.rows.source} sources)`,
    { cause: err },
  );
}
