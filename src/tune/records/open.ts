/**
 * Opening a records file: what is wrong with a --db path is said before SQLite is asked (a directory, a missing
 * folder, a missing file for a reader, a file that is not SQLite, a truncated file), so the user reads what to fix
 * instead of SQLite's error code. Readers open read-only and create nothing; writers create the file.
 */
import Database from 'better-sqlite3';
import type { Database as DB } from 'better-sqlite3';
import { accessSync, closeSync, constants, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** The --db path names no records database (a directory, a missing file or folder, another kind of file). */
export class RecordsPathError extends Error {}

/** The file is an RLTune records database whose pages cannot all be read. */
export class DamagedRecordsError extends Error {
  constructor(
    readonly path: string,
    readonly sqliteMessage: string,
  ) {
    super(`${path} is damaged (SQLite: ${sqliteMessage})`);
  }
}

const MAGIC = 'SQLite format 3\0';

/** Whether an error thrown by SQLite says the file's pages are damaged. */
export function isDamage(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_CORRUPT');
}

/**
 * The file's header: null for an empty file (SQLite makes a database of it), else whether it is SQLite and whether
 * it is shorter than the size its header gives (cut off: SQLite then refuses every page).
 */
function readHeader(path: string): { sqlite: boolean; truncated: boolean } | null {
  const size = statSync(path).size;
  if (size === 0) return null;
  const h = Buffer.alloc(100);
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, h, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  if (h.subarray(0, 16).toString('latin1') !== MAGIC) return { sqlite: false, truncated: false };
  if (n < 100) return { sqlite: true, truncated: true };
  const pageSize = h.readUInt16BE(16) === 1 ? 65536 : h.readUInt16BE(16);
  // The header's page count is valid only when its change counter matches "version valid for" (SQLite file format).
  const countValid = h.readUInt32BE(24) === h.readUInt32BE(92);
  const pages = h.readUInt32BE(28);
  // A checkpoint cut short leaves the file short of its header with the pages still in the -wal: not damage.
  const walPending = existsSync(`${path}-wal`) && statSync(`${path}-wal`).size > 0;
  return { sqlite: true, truncated: countValid && !walPending && size < pages * pageSize };
}

/**
 * Checks a --db path: throws RecordsPathError when it is a directory, in a missing folder, missing (`mustExist`) or
 * not SQLite. Returns the header of the file there (null when there is none yet, or it is empty).
 */
export function checkRecordsPath(path: string, mustExist: boolean): ReturnType<typeof readHeader> {
  let isDir = false;
  let exists = true;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    exists = false;
  }
  if (isDir) throw new RecordsPathError(`${path} is a directory; --db expects an RLTune records database file`);
  if (!exists) {
    if (!existsSync(dirname(path))) throw new RecordsPathError(`the folder of ${path} does not exist`);
    if (mustExist)
      throw new RecordsPathError(
        `${path} does not exist; expected an RLTune records database (rltune tune op creates one)`,
      );
    return null;
  }
  const header = readHeader(path);
  if (header && !header.sqlite)
    throw new RecordsPathError(`${path} is not an RLTune records database (SQLite: file is not a database)`);
  if (mustExist && header === null) throw new RecordsPathError(`${path} is empty; expected an RLTune records database`);
  return header;
}

/**
 * Checks a --db path and opens it: read-only (the file must exist) or read-write (created when missing). Throws
 * RecordsPathError or DamagedRecordsError saying what is wrong.
 */
export function openRecordsFile(path: string, opts: { readonly: boolean; timeout: number }): DB {
  const header = checkRecordsPath(path, opts.readonly);
  if (header?.truncated) throw new DamagedRecordsError(path, 'database disk image is malformed');
  try {
    return opts.readonly ? openReader(path, opts.timeout) : new Database(path, { timeout: opts.timeout });
  } catch (err) {
    throw explain(path, err);
  }
}

/**
 * A read-only connection. A file this process may not write (mode 0444, a read-only mount) with no -wal beside it is
 * being written by nobody (a writer keeps a -wal), and SQLite would still make its -wal and -shm beside it, or fail
 * where the folder is read-only: such a file is read from an in-memory image instead, so nothing appears beside it.
 */
function openReader(path: string, timeout: number): DB {
  if (!writable(path) && !existsSync(`${path}-wal`)) return fromImage(path, timeout);
  let db: DB | null = null;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout });
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (err) {
    db?.close();
    const code = (err as { code?: string }).code ?? '';
    if (!code.startsWith('SQLITE_READONLY') && !code.startsWith('SQLITE_CANTOPEN')) throw err;
  }
  return fromImage(path, timeout);
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function fromImage(path: string, timeout: number): DB {
  const image = readFileSync(path);
  // Bytes 18-19 say WAL mode; an in-memory image has no WAL, so it is read as a rollback-journal file.
  if (image.length >= 20 && image[18] === 2) image[18] = image[19] = 1;
  return new Database(image, { readonly: true, timeout });
}

/** SQLite's error on a path, as what is wrong with it. */
export function explain(path: string, err: unknown): Error {
  const e = err as { code?: string; message?: string };
  if (e.code === 'SQLITE_NOTADB')
    return new RecordsPathError(`${path} is not an RLTune records database (SQLite: ${e.message})`, { cause: err });
  if (isDamage(err)) return new DamagedRecordsError(path, e.message ?? String(err));
  if (err instanceof Error) return err;
  return new Error(String(err));
}
