/**
 * What can still be read of a damaged records file (records export --salvage), row by row. The file (and its
 * -wal) is copied first, so nothing is ever written beside the damaged original. SQLite refuses a file shorter than
 * its header says unless the schema is writable (its own recovery mode: the pages that are there are read), so the
 * copy is opened that way, read-only. Each row is then looked up by its rowid on its own: a lookup that meets an
 * unreadable page fails alone, and the rows of the readable pages are kept. A row that does not fit the records'
 * schema (a damaged page can read as garbage) is left out too, so what salvage writes always imports.
 */
import Database from 'better-sqlite3';
import type { Database as DB } from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportLine, validateLine } from './validate.js';

const TABLES = [
  ['machine', 'machines'],
  ['workload', 'workloads'],
  ['source', 'sources'],
  ['result', 'results'],
] as const;

/** Rowids are dense (nothing is deleted): this many missing ones in a row past the last known means the end. */
const GAP = 20_000;

export interface Salvaged {
  /** The export lines of every readable row: machines, workloads, sources, then results. */
  lines: string[];
  /** Readable rows per table. */
  rows: Record<'machine' | 'workload' | 'source' | 'result', number>;
  /** The results the file held (its AUTOINCREMENT counter), when that is readable; else null. */
  results_total: number | null;
}

/** Reads what is readable of the records at `path` (a damaged file or a sound one). */
export function salvage(path: string): Salvaged {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-salvage-'));
  const copy = join(dir, 'copy.db');
  const out: Salvaged = { lines: [], rows: { machine: 0, workload: 0, source: 0, result: 0 }, results_total: null };
  try {
    copyFileSync(path, copy);
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
    let db: DB;
    try {
      db = new Database(copy, { fileMustExist: true });
      db.unsafeMode(true);
      db.pragma('writable_schema = ON');
    } catch {
      return out; // not even the header reads: nothing to salvage
    }
    try {
      out.results_total = attempt(
        () =>
          (db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'results'").get() as { seq: number } | undefined)
            ?.seq ?? 0,
      );
      for (const [kind, table] of TABLES) {
        const known = kind === 'result' ? out.results_total : null;
        for (const row of readableRows(db, table, known)) {
          const line = exportLine(kind, row);
          try {
            validateLine(JSON.parse(line), 0);
          } catch {
            continue;
          }
          out.lines.push(line);
          out.rows[kind]++;
        }
      }
    } finally {
      db.close();
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function attempt<T>(f: () => T): T | null {
  try {
    return f();
  } catch {
    return null;
  }
}

/** The rows of `table` that can be read, each looked up by rowid; `last` is the highest rowid when it is known. */
function* readableRows(db: DB, table: string, last: number | null): Generator<Record<string, unknown>> {
  const get = attempt(() => db.prepare(`SELECT * FROM ${table} WHERE rowid = ?`));
  if (!get) return;
  const top = last ?? attempt(() => (db.prepare(`SELECT max(rowid) AS m FROM ${table}`).get() as { m: number }).m);
  let lastSeen = 0;
  for (let id = 1; top !== null ? id <= top : id - lastSeen <= GAP; id++) {
    const row = attempt(() => get.get(id) as Record<string, unknown> | undefined);
    if (!row) continue;
    lastSeen = id;
    yield row;
  }
}
