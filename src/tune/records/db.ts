/**
 * The tuning database: one SQLite file (better-sqlite3, WAL, a busy timeout so that two tuning runs can share
 * it), append-only. Every measurement is a row of `results`, written the moment it is known, with the
 * workload, the machine it ran on, the schedule space it belongs to, the config (index and JSON), its timing
 * or its error, and the hash of the generated source. Nothing is updated or deleted, so a run killed at any
 * moment loses at most the measurement in flight.
 *
 * Machines are told apart by a fingerprint: the hash of CPU model, ISA flags, cache sizes, core count and
 * compiler version. Records of another fingerprint (another machine, another compiler) are kept and exported,
 * but never used as measurements of this one.
 */
import type { Database as DB } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { explain, openRecordsFile, RecordsPathError } from './open.js';
import { exportLine, validateLine } from './validate.js';

/** Bumped when the tables change; a database from a newer RLTune is read, and says so. */
export const SCHEMA_VERSION = 1;

export interface MachineInfo {
  cpu_model: string;
  isa: string;
  flags: string[];
  caches: Record<string, number>;
  cores: number;
  compiler: string;
}

export interface ResultRow {
  id: number;
  spec: string;
  machine: string;
  space: string;
  config_index: number;
  config: string;
  ok: number;
  median_ms: number | null;
  min_ms: number | null;
  max_ms: number | null;
  runs: number | null;
  gflops: number | null;
  error_kind: string | null;
  error_message: string | null;
  source_hash: string | null;
  settings: string | null;
  run_id: string | null;
  created: string;
}

/** The tables every records database has (a file without meta reads as schema 1). */
const RECORD_TABLES = ['machines', 'workloads', 'results', 'sources'];

/** Which records a ranking reads: all, only the paired ones (timed beside a reference) or only the plain ones. */
export const TIMINGS = ['all', 'paired', 'plain'] as const;
export type Timing = (typeof TIMINGS)[number];

export type NewResult = Omit<ResultRow, 'id' | 'created' | 'machine' | 'spec'>;

/** Result fields an imported line may leave out (e.g. an export stripped of its sources). */
const OPTIONAL_RESULT_FIELDS = {
  median_ms: null,
  min_ms: null,
  max_ms: null,
  runs: null,
  gflops: null,
  error_kind: null,
  error_message: null,
  source_hash: null,
  settings: null,
  run_id: null,
};

export function fingerprintOf(m: MachineInfo): string {
  const key = JSON.stringify([m.cpu_model, m.isa, [...m.flags].sort(), m.caches, m.cores, m.compiler]);
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export class RecordsDB {
  readonly db: DB;
  /** The schema version the file was written with (may be newer than this RLTune's). */
  readonly fileVersion: number;
  readonly warnings: string[] = [];

  /**
   * Opens the records at `path`. `readonly`: for the commands that only read (records list, show, export, best): the
   * file must exist and is never written (no schema, no -wal of this process); otherwise it is created when missing.
   * A path that is not a records database throws RecordsPathError, a damaged one DamagedRecordsError.
   */
  constructor(
    readonly path: string,
    opts: { readonly?: boolean } = {},
  ) {
    const readonly = opts.readonly ?? false;
    this.db = openRecordsFile(path, { readonly, timeout: 10_000 });
    try {
      this.fileVersion = readonly ? this.readVersion() : this.createSchema();
    } catch (err) {
      this.db.close();
      throw explain(path, err);
    }
    if (this.fileVersion > SCHEMA_VERSION) {
      this.warnings.push(
        `${path} was written by a newer RLTune (schema ${this.fileVersion}, this one reads ${SCHEMA_VERSION}): reading what this version understands`,
      );
    }
  }

  private createSchema(): number {
    // Another program's SQLite file is left alone: RLTune's tables are never added to it.
    const tables = this.tables();
    if (tables.size > 0 && !tables.has('results')) throw this.notRecords(tables);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS machines (fingerprint TEXT PRIMARY KEY, info TEXT NOT NULL, probe TEXT, created TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS workloads (spec TEXT PRIMARY KEY, op TEXT NOT NULL, flops REAL NOT NULL, bytes REAL NOT NULL);
      CREATE TABLE IF NOT EXISTS results (
        id INTEGER PRIMARY KEY AUTOINCREMENT, spec TEXT NOT NULL, machine TEXT NOT NULL, space TEXT NOT NULL,
        config_index INTEGER NOT NULL, config TEXT NOT NULL, ok INTEGER NOT NULL,
        median_ms REAL, min_ms REAL, max_ms REAL, runs INTEGER, gflops REAL, error_kind TEXT, error_message TEXT,
        source_hash TEXT, settings TEXT, run_id TEXT, created TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS results_key ON results (spec, machine, space, config_index);
      CREATE TABLE IF NOT EXISTS sources (hash TEXT PRIMARY KEY, text TEXT NOT NULL);
    `);
    this.db
      .prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)')
      .run('schema_version', String(SCHEMA_VERSION));
    return this.readVersion();
  }

  /** The file's schema version; a file without the records' tables is not a records database. */
  private readVersion(): number {
    const tables = this.tables();
    if (RECORD_TABLES.some((t) => !tables.has(t))) throw this.notRecords(tables);
    const v = tables.has('meta')
      ? (this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined)
      : undefined;
    return Number(v?.value ?? SCHEMA_VERSION);
  }

  private tables(): Set<string> {
    const rows = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    return new Set(rows.map((t) => t.name));
  }

  private notRecords(tables: Set<string>): RecordsPathError {
    return new RecordsPathError(
      `${this.path} is not an RLTune records database (a SQLite file with the tables ${[...tables].join(', ') || 'none'}; a records database has ${RECORD_TABLES.join(', ')})`,
    );
  }

  /** Registers a machine (idempotent) and returns its fingerprint. */
  addMachine(info: MachineInfo, probe: unknown = null): string {
    const fp = fingerprintOf(info);
    this.db
      .prepare('INSERT OR IGNORE INTO machines (fingerprint, info, probe, created) VALUES (?, ?, ?, ?)')
      .run(fp, JSON.stringify(info), probe === null ? null : JSON.stringify(probe), new Date().toISOString());
    return fp;
  }

  machineProbe(fp: string): unknown {
    const r = this.db.prepare('SELECT probe FROM machines WHERE fingerprint = ?').get(fp) as
      { probe: string | null } | undefined;
    return r?.probe ? JSON.parse(r.probe) : null;
  }

  setMachineProbe(fp: string, probe: unknown): void {
    // The probe is the one value that is filled in after the machine row exists (it is cached, not a record).
    this.db.prepare('UPDATE machines SET probe = ? WHERE fingerprint = ?').run(JSON.stringify(probe), fp);
  }

  addWorkload(spec: string, op: string, flops: number, bytes: number): void {
    this.db
      .prepare('INSERT OR IGNORE INTO workloads (spec, op, flops, bytes) VALUES (?, ?, ?, ?)')
      .run(spec, op, flops, bytes);
  }

  insert(spec: string, machine: string, r: NewResult): number {
    const info = this.db
      .prepare(
        `INSERT INTO results (spec, machine, space, config_index, config, ok, median_ms, min_ms, max_ms, runs, gflops,
      error_kind, error_message, source_hash, settings, run_id, created) VALUES (@spec, @machine, @space, @config_index, @config, @ok, @median_ms, @min_ms,
      @max_ms, @runs, @gflops, @error_kind, @error_message, @source_hash, @settings, @run_id, @created)`,
      )
      .run({ ...r, spec, machine, created: new Date().toISOString() });
    return Number(info.lastInsertRowid);
  }

  /** Keeps a generated source under its hash (once). */
  addSource(hash: string, text: string): void {
    this.db.prepare('INSERT OR IGNORE INTO sources (hash, text) VALUES (?, ?)').run(hash, text);
  }

  source(hash: string): string | null {
    const r = this.db.prepare('SELECT text FROM sources WHERE hash = ?').get(hash) as { text: string } | undefined;
    return r?.text ?? null;
  }

  /**
   * The first record of each config of (spec, machine, space) that `keep` accepts: what a resumed run reuses instead of
   * measuring.
   */
  recordedConfigs(
    spec: string,
    machine: string,
    space: string,
    keep: (r: ResultRow) => boolean = () => true,
  ): Map<number, ResultRow> {
    const rows = this.db
      .prepare('SELECT * FROM results WHERE spec = ? AND machine = ? AND space = ? ORDER BY id')
      .all(spec, machine, space) as ResultRow[];
    const out = new Map<number, ResultRow>();
    for (const r of rows) if (!out.has(r.config_index) && keep(r)) out.set(r.config_index, r);
    return out;
  }

  /**
   * The fastest configs of a workload on a machine, one row per config: a config measured more than once (a
   * tuning trial and its re-measurements) is ranked by the mean of its medians, and its row carries that mean
   * (median_ms, gflops) and the least min_ms and greatest max_ms of its records, so one lucky timing does not make a
   * config the best. Configs measured more than once
   * (the ones a tuning run verified) rank before configs measured once, so an unverified lucky trial cannot
   * overtake the verified best that `tune op` reported. A config with any failed record is left out.
   * `timing` keeps only paired records (timed beside a reference, `tune op --paired`) or only plain ones; the default
   * ranks both together (both are in ms; a paired record's ms is its ratio to the reference times the reference's
   * calibrated time).
   */
  best(spec: string, machine: string, limit = 10, timing: Timing = 'all'): ResultRow[] {
    if (!(TIMINGS as readonly string[]).includes(timing))
      throw new TypeError(`timing must be one of ${TIMINGS.join(', ')}, got ${JSON.stringify(timing)}`);
    const paired = "json_extract(CASE WHEN json_valid(settings) THEN settings END, '$.paired')";
    const only =
      timing === 'paired' ? `AND ${paired} = 1` : timing === 'plain' ? `AND COALESCE(${paired}, 0) != 1` : '';
    return this.db
      .prepare(
        `SELECT r.*, g.avg_ms AS median_ms, g.min_ms AS min_ms, g.max_ms AS max_ms, COALESCE(w.flops / (g.avg_ms * 1e6), g.avg_gflops) AS gflops, g.n AS measurements
      FROM results r JOIN (
        SELECT space, config_index, AVG(median_ms) AS avg_ms, MIN(min_ms) AS min_ms, MAX(max_ms) AS max_ms, MAX(id) AS last_id, COUNT(*) AS n, SUM(1 - ok) AS failed, AVG(gflops) AS avg_gflops
        FROM results WHERE spec = ? AND machine = ? ${only} GROUP BY space, config_index) g ON r.id = g.last_id
      LEFT JOIN workloads w ON w.spec = r.spec
      WHERE g.failed = 0 ORDER BY (g.n > 1) DESC, g.avg_ms ASC, r.id ASC LIMIT ?`,
      )
      .all(spec, machine, limit) as ResultRow[];
  }

  count(spec?: string): number {
    const r = (
      spec === undefined
        ? this.db.prepare('SELECT COUNT(*) AS n FROM results').get()
        : this.db.prepare('SELECT COUNT(*) AS n FROM results WHERE spec = ?').get(spec)
    ) as { n: number };
    return r.n;
  }

  /** Per workload and machine: records, correct ones, best GFLOP/s. */
  summary(): { spec: string; machine: string; records: number; ok: number; best_gflops: number | null }[] {
    return this.db
      .prepare(
        'SELECT spec, machine, COUNT(*) AS records, SUM(ok) AS ok, MAX(CASE WHEN ok = 1 THEN gflops END) AS best_gflops FROM results GROUP BY spec, machine ORDER BY spec',
      )
      .all() as never;
  }

  allResults(): ResultRow[] {
    return this.db.prepare('SELECT * FROM results ORDER BY id').all() as ResultRow[];
  }

  /** Adds exported rows (records export): machines and sources as given, results unless an identical one is there. */
  importLines(lines: Iterable<string>): { results: number; skipped: number } {
    let results = 0,
      skipped = 0;
    const exists = this.db.prepare(
      'SELECT 1 FROM results WHERE spec = ? AND machine = ? AND space = ? AND config_index = ? AND created = ? LIMIT 1',
    );
    const tx = this.db.transaction((items: Record<string, unknown>[]) => {
      for (const it of items) {
        if (it.kind === 'machine')
          this.db
            .prepare('INSERT OR IGNORE INTO machines (fingerprint, info, probe, created) VALUES (?, ?, ?, ?)')
            .run(it.fingerprint, it.info, it.probe ?? null, it.created);
        else if (it.kind === 'source') this.addSource(String(it.hash), String(it.text));
        else if (it.kind === 'workload')
          this.addWorkload(String(it.spec), String(it.op), Number(it.flops), Number(it.bytes));
        else if (it.kind === 'result') {
          const r = it as unknown as ResultRow;
          if (exists.get(r.spec, r.machine, r.space, r.config_index, r.created)) {
            skipped++;
            continue;
          }
          this.db
            .prepare(
              `INSERT INTO results (spec, machine, space, config_index, config, ok, median_ms, min_ms, max_ms, runs, gflops, error_kind, error_message,
            source_hash, settings, run_id, created) VALUES (@spec, @machine, @space, @config_index, @config, @ok, @median_ms, @min_ms, @max_ms, @runs, @gflops,
            @error_kind, @error_message, @source_hash, @settings, @run_id, @created)`,
            )
            .run({ ...OPTIONAL_RESULT_FIELDS, ...r });
          results++;
        } else
          throw new TypeError(
            `records import: a line of kind ${JSON.stringify(it.kind)}; expected machine, workload, source or result`,
          );
      }
    });
    const items: Record<string, unknown>[] = [];
    let n = 0;
    for (const line of lines) {
      n++;
      if (line.trim() === '') continue;
      let it: unknown;
      try {
        it = JSON.parse(line);
      } catch {
        throw new TypeError(`records import: line ${n} is not JSON: ${line.slice(0, 80)}`);
      }
      // Every line is checked before the first is written: a file with one bad line imports nothing.
      validateLine(it, n);
      items.push(it as Record<string, unknown>);
    }
    tx(items);
    return { results, skipped };
  }

  /** Every machine, workload, source and result as JSON lines (records export). */
  *exportLines(): Generator<string> {
    for (const m of this.db.prepare('SELECT * FROM machines').all() as Record<string, unknown>[])
      yield exportLine('machine', m);
    for (const w of this.db.prepare('SELECT * FROM workloads').all() as Record<string, unknown>[])
      yield exportLine('workload', w);
    for (const s of this.db.prepare('SELECT * FROM sources').all() as Record<string, unknown>[])
      yield exportLine('source', s);
    for (const r of this.allResults()) yield exportLine('result', r as unknown as Record<string, unknown>);
  }

  /** The note that the file holds records of machines other than `fp`, which are kept but not used; or null. */
  otherMachinesNote(fp: string): string | null {
    const others = this.machines().filter((m) => m.fingerprint !== fp).length;
    return others > 0
      ? `${this.path} also holds records of ${others} other machine(s); only this machine's (${fp}) are used`
      : null;
  }

  machines(): { fingerprint: string; info: string }[] {
    return this.db.prepare('SELECT fingerprint, info FROM machines').all() as never;
  }

  close(): void {
    this.db.close();
  }
}
