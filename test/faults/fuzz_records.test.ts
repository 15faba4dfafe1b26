/**
 * Property-based fuzzing (fast-check, fixed seed) of `records import`: random JSON lines, near the export format
 * and far from it, into a database that already holds records. A failed import leaves the database as it was
 * (nothing half-imported, nothing lost); no input ends in a stack trace, a hang or an engine error.
 */
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { hostMachine } from '../../src/tune/measure/machine.js';
import { RecordsDB, type ResultRow } from '../../src/tune/records/db.js';
import { parseSpec } from '../../src/tune/task/spec.js';
import {
  count,
  fuzz,
  dbDump,
  dbState,
  misbehaviour,
  reproducer,
  rltune,
  scale,
  tempDir,
  unclearThrow,
  validLines,
} from './harness.js';

const ANY_JSON = fc.jsonValue({ maxDepth: 2 });
const FIELD_VALUES = fc.oneof(
  ANY_JSON,
  fc.constantFrom(null, '', 'result', 'machine', 'workload', 'source', -1, 1e308, 'x'.repeat(300)),
);
/** One line: valid, a valid line with a field changed or dropped, any JSON, or not JSON at all. */
const LINE = fc.oneof(
  fc.constantFrom(...validLines(3, 1000)),
  fc
    .tuple(fc.constantFrom(...validLines(3, 2000)), fc.string({ maxLength: 14 }), FIELD_VALUES, fc.boolean())
    .map(([line, key, value, drop]) => {
      const o = JSON.parse(line) as Record<string, unknown>;
      const keys = Object.keys(o);
      const k = keys.includes(key) ? key : keys[key.length % keys.length];
      if (drop) delete o[k];
      else o[k] = value;
      return JSON.stringify(o);
    }),
  ANY_JSON.map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 30 }),
  fc.constantFrom('', '{', 'null', '[]', '"result"', '{"kind":"result"}', '\u0000', '{"kind":"__proto__"}'),
);
const RESULT_FIELDS = ['spec', 'machine', 'space', 'config_index', 'config', 'ok', 'median_ms', 'created'];
const FILES = fc.array(LINE, { minLength: 1, maxLength: 8 });

/** A database used before on this machine (so the CLI's registering of this host changes nothing) with records. */
function seededDb(dir: string): string {
  const path = join(dir, 'seed.db');
  const db = new RecordsDB(path);
  db.addMachine(hostMachine());
  db.importLines(validLines(5));
  db.close();
  return path;
}

test('RecordsDB.importLines: random lines import, or throw a clear error and leave the database as it was', () => {
  const dir = tempDir('import-fuzz');
  const path = seededDb(dir);
  const runs = scale(300, 3000);
  const db = new RecordsDB(path);
  try {
    fuzz(runs, FILES, (lines) => {
      const before = dbDump(path);
      try {
        db.importLines(lines);
      } catch (err) {
        assert.equal(unclearThrow(err), null, `importLines(${JSON.stringify(lines)})`);
        assert.equal(dbDump(path), before, `a failed importLines(${JSON.stringify(lines)}) changed the database`);
      }
    });
  } finally {
    db.close();
  }
  const s = dbState(path);
  assert.equal(s.integrity, 'ok');
});

test('rltune records import of random JSON lines: a clear error and an unchanged database, or an import', () => {
  const dir = tempDir('import-cli');
  const seed = seededDb(dir);
  const runs = scale(4, 40);
  let n = 0;
  fuzz(runs, FILES, (lines) => {
    const db = join(dir, `r${n}.db`);
    const file = join(dir, `in${n++}.jsonl`);
    copyFileSync(seed, db);
    writeFileSync(file, lines.join('\n') + '\n');
    const before = dbDump(db);
    const r = rltune(['records', 'import', file, '--db', db]);
    const why = `${reproducer(r)} (the file holds ${JSON.stringify(lines)})`;
    assert.deepEqual(misbehaviour(r), [], why);
    if (r.code !== 0) {
      const same = dbDump(db) === before;
      if (!same) count({ corrupted_databases: 1 });
      assert.ok(same, `a failed import changed the database: ${why}`);
    }
    const s = dbState(db);
    if (s.integrity !== 'ok') count({ corrupted_databases: 1 });
    assert.equal(s.integrity, 'ok', why);
  });
});

/** Why an imported result row is not a record RLTune wrote, or null. */
function invalidRow(r: ResultRow): string | null {
  try {
    parseSpec(r.spec);
  } catch {
    return `spec ${JSON.stringify(r.spec)} is no workload spec`;
  }
  if (!Number.isInteger(r.config_index) || r.config_index < 0) return `config_index ${JSON.stringify(r.config_index)}`;
  if (r.ok !== 0 && r.ok !== 1) return `ok ${JSON.stringify(r.ok)}`;
  if (typeof r.created !== 'string' || Number.isNaN(Date.parse(r.created)))
    return `created ${JSON.stringify(r.created)}`;
  if (r.ok === 1 && !(typeof r.median_ms === 'number' && r.median_ms > 0))
    return `median_ms ${JSON.stringify(r.median_ms)}`;
  for (const k of ['spec', 'machine', 'space', 'config'] as const)
    if (typeof r[k] !== 'string') return `${k} ${JSON.stringify(r[k])}`;
  return null;
}

test('RecordsDB.importLines: a result line with a field of the wrong type is refused, never imported as it is', () => {
  const dir = tempDir('import-types');
  const path = seededDb(dir);
  const db = new RecordsDB(path);
  const result = fc
    .tuple(fc.constantFrom(...validLines(1, 3000).slice(2)), fc.constantFrom(...RESULT_FIELDS), FIELD_VALUES)
    .map(([line, key, value]) => JSON.stringify({ ...(JSON.parse(line) as object), [key]: value }));
  try {
    fuzz(scale(200, 2000), result, (line) => {
      const before = new Set(db.allResults().map((r) => r.id));
      try {
        db.importLines([line]);
      } catch (err) {
        assert.equal(unclearThrow(err), null, `importLines([${line}])`);
        return;
      }
      for (const r of db.allResults().filter((row) => !before.has(row.id))) {
        const why = invalidRow(r);
        assert.equal(why, null, `importLines([${line}]) imported a result whose ${why}`);
      }
    });
  } finally {
    db.close();
  }
});
