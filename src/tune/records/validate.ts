/**
 * The records' schema, for what comes from outside (records import): every line of an export is checked before
 * anything is written, so a bad file cannot poison a database (a text where a number belongs breaks every later
 * reader). An error names the line, the field, the value and what was expected.
 */
import { GEMM_SPACE_VERSION, ROW_SPACE_VERSION, createTask } from '../task/task.js';
import { canonicalSpec, parseSpec, SpecError } from '../task/spec.js';

/** A line of an import file that does not fit the records' schema. */
export class RecordLineError extends TypeError {}

type Field = (v: unknown) => string | null;

const isNull = (v: unknown) => v === null || v === undefined;
const text: Field = (v) => (typeof v === 'string' ? null : 'a string');
const nonEmpty: Field = (v) => (typeof v === 'string' && v !== '' ? null : 'a non-empty string');
const orNull =
  (f: Field): Field =>
  (v) => {
    if (isNull(v)) return null;
    const e = f(v);
    return e && `${e} or null`;
  };
const number =
  (min: number, exclusive = false): Field =>
  (v) =>
    typeof v === 'number' && Number.isFinite(v) && (exclusive ? v > min : v >= min)
      ? null
      : `a finite number ${exclusive ? '>' : '>='} ${min}`;
const integer =
  (min: number): Field =>
  (v) =>
    Number.isSafeInteger(v) && (v as number) >= min ? null : `an integer >= ${min}`;
const date: Field = (v) =>
  typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? null : 'a date (ISO 8601, as records export writes)';
const jsonText =
  (what: 'object' | 'any'): Field =>
  (v) => {
    if (typeof v !== 'string') return `a JSON ${what === 'object' ? 'object' : 'value'} as a string`;
    try {
      const j = JSON.parse(v) as unknown;
      return what === 'any' || (typeof j === 'object' && j !== null && !Array.isArray(j))
        ? null
        : 'a JSON object as a string';
    } catch {
      return 'a JSON text';
    }
  };

const SCHEMA: Record<string, Record<string, Field>> = {
  machine: { fingerprint: nonEmpty, info: jsonText('object'), probe: orNull(jsonText('any')), created: date },
  workload: { spec: nonEmpty, op: nonEmpty, flops: number(0, true), bytes: number(0, true) },
  source: { hash: nonEmpty, text },
  result: {
    spec: nonEmpty,
    machine: nonEmpty,
    space: nonEmpty,
    config_index: integer(0),
    config: jsonText('object'),
    ok: (v) => (v === 0 || v === 1 ? null : '0 or 1'),
    median_ms: orNull(number(0, true)),
    min_ms: orNull(number(0, true)),
    max_ms: orNull(number(0, true)),
    runs: orNull(integer(1)),
    gflops: orNull(number(0)),
    error_kind: orNull(text),
    error_message: orNull(text),
    source_hash: orNull(text),
    settings: orNull(jsonText('any')),
    run_id: orNull(text),
    created: date,
  },
};

/** Fields a line may leave out (an export stripped of its sources leaves the optional result fields out). */
const OPTIONAL = new Set([
  'probe',
  'median_ms',
  'min_ms',
  'max_ms',
  'runs',
  'gflops',
  'error_kind',
  'error_message',
  'source_hash',
  'settings',
  'run_id',
]);

const SPACE = /^(gemm|row)-v(\d+)\/(avx512|avx2|neon|generic)$/;

/** Throws RecordLineError unless `it` (line `n` of an import) is a machine, workload, source or result line. */
export function validateLine(it: unknown, n: number): void {
  const fail = (msg: string) => new RecordLineError(`records import: line ${n}${msg}`);
  if (typeof it !== 'object' || it === null || Array.isArray(it))
    throw fail(` is ${JSON.stringify(it)}; expected a JSON object (a line of rltune records export)`);
  const o = it as Record<string, unknown>;
  if (!('kind' in o)) throw fail(' has no "kind"; expected one of machine, workload, source or result');
  const fields = SCHEMA[o.kind as string];
  if (typeof o.kind !== 'string' || !fields)
    throw fail(`: kind ${JSON.stringify(o.kind)}; expected machine, workload, source or result`);
  for (const key of Object.keys(o))
    if (key !== 'kind' && !(key in fields))
      throw fail(`: ${key} is not a field of a ${o.kind} line; its fields: ${Object.keys(fields).join(', ')}`);
  for (const [key, check] of Object.entries(fields)) {
    if (!(key in o) && !OPTIONAL.has(key)) throw fail(`: ${o.kind} line without ${key}`);
    const expected = check(o[key]);
    if (expected) throw fail(`: ${key}: expected ${expected}, got ${JSON.stringify(o[key]) ?? 'undefined'}`);
  }
  if (o.kind === 'workload') checkSpec(o, fail);
  if (o.kind === 'result') checkResult(o, fail);
}

function checkSpec(o: Record<string, unknown>, fail: (m: string) => Error): ReturnType<typeof parseSpec> {
  const spec = o.spec as string;
  let w;
  try {
    w = parseSpec(spec);
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    throw fail(`: spec ${JSON.stringify(spec)}: ${err.message.split('\n')[0]}`);
  }
  // The records are keyed by the canonical spec: another spelling would never be found.
  if (canonicalSpec(w) !== spec)
    throw fail(`: spec ${JSON.stringify(spec)} is not in canonical form; expected ${canonicalSpec(w)}`);
  if (o.kind === 'workload' && o.op !== w.op)
    throw fail(`: op ${JSON.stringify(o.op)} does not match the spec's operator ${w.op}`);
  return w;
}

function checkResult(o: Record<string, unknown>, fail: (m: string) => Error): void {
  const w = checkSpec(o, fail);
  const family = w.op === 'gemm' || w.op === 'bmm' ? 'gemm' : 'row';
  const version = family === 'gemm' ? GEMM_SPACE_VERSION : ROW_SPACE_VERSION;
  const m = SPACE.exec(o.space as string);
  if (!m || m[1] !== family)
    throw fail(
      `: space ${JSON.stringify(o.space)}; expected ${family}-v<version>/<avx512|avx2|neon|generic> for a ${w.op} workload`,
    );
  if (o.ok === 1 && isNull(o.median_ms))
    throw fail(': median_ms: expected a time for a correct (ok 1) result, got null');
  // Another space version's configs are other configs: their index and knobs are kept as they are.
  if (Number(m[2]) !== version) return;
  const space = createTask(w).space;
  const i = o.config_index as number;
  if (i >= space.size)
    throw fail(`: config_index: expected an integer in [0, ${space.size}) (the ${o.space as string} space), got ${i}`);
  const want = space.config(i) as Record<string, number>;
  const got = JSON.parse(o.config as string) as Record<string, unknown>;
  const keys = new Set([...Object.keys(want), ...Object.keys(got)]);
  for (const k of keys)
    if (want[k] !== got[k])
      throw fail(
        `: config ${o.config as string} is not config ${i} of ${o.space as string} (${k} ${JSON.stringify(got[k]) ?? 'missing'}, expected ${JSON.stringify(want[k]) ?? 'none'}); config ${i} is ${JSON.stringify(want)}`,
      );
}

/** The export line of a database row of `kind` (records export and export --salvage write the same). */
export function exportLine(kind: 'machine' | 'workload' | 'source' | 'result', row: Record<string, unknown>): string {
  if (kind !== 'result') return JSON.stringify({ kind, ...row });
  const { id: _id, ...rest } = row;
  return JSON.stringify({ kind, ...rest });
}
