/**
 * Workload specs: the string that names one tensor program to tune, e.g.
 *   gemm:M=128,N=3072,K=768,epilogue=bias+gelu
 *   bmm:B=12,M=128,N=128,K=64,transB=1
 *   softmax:rows=1536,cols=128     layernorm:rows=128,cols=768     rmsnorm:rows=16,cols=4096
 * Every tensor is float32 and row-major. `threads=` (default 1) belongs to the workload: a kernel tuned for
 * one thread count is a different program. `canonicalSpec` writes a workload back with every parameter in
 * a fixed order (defaults included): the key under which records store it.
 *
 * Operators:
 *   gemm     C[M,N] = epilogue(A[M,K] . B[K,N]);  epilogue: '+'-joined steps applied in order to each output,
 *            from bias (+ b[n]), relu, gelu (tanh form), silu, residual (+ R[m,n]); e.g. bias+gelu.
 *   bmm      C[b] = op(A[b]) . op(B[b]) for b < B, op = transpose when transA / transB is 1 (attention's
 *            Q.K^T is transB=1 with A = Q [M,K], B = K stored [N,K]; P.V is transB=0).
 *   softmax  y[r, :] = softmax(x[r, :]) per row.
 *   layernorm y = (x - mean) / sqrt(var + eps) * gamma + beta per row;  rmsnorm y = x / sqrt(mean(x^2) + eps) * gamma.
 */

export type Epilogue = 'bias' | 'relu' | 'gelu' | 'silu' | 'residual';
export const EPILOGUES: readonly Epilogue[] = ['bias', 'relu', 'gelu', 'silu', 'residual'];

export interface GemmWorkload {
  op: 'gemm';
  M: number;
  N: number;
  K: number;
  epilogue: Epilogue[];
  threads: number;
}
export interface BmmWorkload {
  op: 'bmm';
  B: number;
  M: number;
  N: number;
  K: number;
  transA: 0 | 1;
  transB: 0 | 1;
  threads: number;
}
export interface RowWorkload {
  op: 'softmax' | 'layernorm' | 'rmsnorm';
  rows: number;
  cols: number;
  eps: number;
  threads: number;
}
export type Workload = GemmWorkload | BmmWorkload | RowWorkload;

/** A spec that cannot be read: the message points at the bad part and lists what is known. */
export class SpecError extends Error {
  override name = 'SpecError';
}

type ParamKind = 'dim' | 'flag' | 'threads' | 'epilogue' | 'eps';
interface OpSchema {
  params: Record<string, { kind: ParamKind; required: boolean; default?: unknown }>;
  doc: string;
}

const THREADS = { kind: 'threads' as const, required: false, default: 1 };
const SCHEMAS: Record<Workload['op'], OpSchema> = {
  gemm: {
    doc: 'gemm:M=..,N=..,K=..[,epilogue=bias+gelu][,threads=1]',
    params: {
      M: { kind: 'dim', required: true },
      N: { kind: 'dim', required: true },
      K: { kind: 'dim', required: true },
      epilogue: { kind: 'epilogue', required: false, default: [] },
      threads: THREADS,
    },
  },
  bmm: {
    doc: 'bmm:B=..,M=..,N=..,K=..[,transA=0][,transB=0][,threads=1]',
    params: {
      B: { kind: 'dim', required: true },
      M: { kind: 'dim', required: true },
      N: { kind: 'dim', required: true },
      K: { kind: 'dim', required: true },
      transA: { kind: 'flag', required: false, default: 0 },
      transB: { kind: 'flag', required: false, default: 0 },
      threads: THREADS,
    },
  },
  softmax: {
    doc: 'softmax:rows=..,cols=..[,threads=1]',
    params: { rows: { kind: 'dim', required: true }, cols: { kind: 'dim', required: true }, threads: THREADS },
  },
  layernorm: {
    doc: 'layernorm:rows=..,cols=..[,eps=1e-5][,threads=1]',
    params: {
      rows: { kind: 'dim', required: true },
      cols: { kind: 'dim', required: true },
      eps: { kind: 'eps', required: false, default: 1e-5 },
      threads: THREADS,
    },
  },
  rmsnorm: {
    doc: 'rmsnorm:rows=..,cols=..[,eps=1e-6][,threads=1]',
    params: {
      rows: { kind: 'dim', required: true },
      cols: { kind: 'dim', required: true },
      eps: { kind: 'eps', required: false, default: 1e-6 },
      threads: THREADS,
    },
  },
};

export const OPERATORS = Object.keys(SCHEMAS) as Workload['op'][];
/** Largest dimension accepted (a spec beyond it is a typo far more often than a workload). */
export const MAX_DIM = 1 << 20;
/** Most bytes the inputs and outputs of one workload may take together (they and a reference copy live in memory). */
export const MAX_WORKLOAD_BYTES = 4 * 2 ** 30;

function pointAt(spec: string, start: number, len: number, message: string): SpecError {
  const caret = ' '.repeat(start) + '^'.repeat(Math.max(1, len));
  return new SpecError(
    `${message}\n  ${spec}\n  ${caret}\nknown operators: ${OPERATORS.map((o) => SCHEMAS[o].doc).join('; ')}`,
  );
}

/** Reads a spec string into a workload (every default filled in), or throws a SpecError pointing at the bad part. */
export function parseSpec(spec: string): Workload {
  if (typeof spec !== 'string' || spec.trim() === '')
    throw new SpecError(
      `empty workload spec; expected e.g. gemm:M=512,N=512,K=512\nknown operators: ${OPERATORS.map((o) => SCHEMAS[o].doc).join('; ')}`,
    );
  const colon = spec.indexOf(':');
  const opName = (colon < 0 ? spec : spec.slice(0, colon)).trim();
  // Own keys only: a spec such as `toString:` or `constructor:x=1` names no operator (not Object.prototype's).
  const schema = Object.hasOwn(SCHEMAS, opName) ? SCHEMAS[opName as Workload['op']] : undefined;
  if (!schema) throw pointAt(spec, 0, colon < 0 ? spec.length : colon, `unknown operator ${JSON.stringify(opName)}`);
  const values: Record<string, unknown> = {};
  let pos = colon + 1;
  const body = colon < 0 ? '' : spec.slice(colon + 1);
  for (const part of body.length ? body.split(',') : []) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    const raw = eq < 0 ? '' : part.slice(eq + 1).trim();
    const p = Object.hasOwn(schema.params, key) ? schema.params[key] : undefined;
    if (!p)
      throw pointAt(
        spec,
        pos,
        part.length,
        `${opName} has no parameter ${JSON.stringify(key)}; its parameters: ${Object.keys(schema.params).join(', ')}`,
      );
    if (Object.hasOwn(values, key)) throw pointAt(spec, pos, part.length, `${key} is given twice`);
    if (eq < 0) throw pointAt(spec, pos, part.length, `${key} needs a value (${key}=...)`);
    const valuePos = pos + eq + 1;
    values[key] = parseValue(spec, valuePos, raw, key, p.kind);
    pos += part.length + 1;
  }
  for (const [key, p] of Object.entries(schema.params)) {
    if (!(key in values)) {
      if (p.required) throw pointAt(spec, spec.length, 1, `${opName} needs ${key}=<positive integer>`);
      values[key] = Array.isArray(p.default) ? [...(p.default as unknown[])] : p.default;
    }
  }
  const w = { op: opName, ...values } as Workload;
  const bytes = workloadBytes(w);
  if (bytes > MAX_WORKLOAD_BYTES) {
    throw new SpecError(
      `${canonicalSpec(w)}: its tensors take ${(bytes / 2 ** 30).toFixed(1)} GiB, more than the ${MAX_WORKLOAD_BYTES / 2 ** 30} GiB a workload may use on this machine`,
    );
  }
  return w;
}

function parseValue(spec: string, at: number, raw: string, key: string, kind: ParamKind): unknown {
  if (kind === 'epilogue') {
    if (raw === '' || raw === 'none') return [];
    const steps = raw.split('+');
    let off = at;
    for (const s of steps) {
      if (!EPILOGUES.includes(s as Epilogue))
        throw pointAt(
          spec,
          off,
          s.length,
          `unknown epilogue step ${JSON.stringify(s)}; known: ${EPILOGUES.join(', ')} (joined with +)`,
        );
      off += s.length + 1;
    }
    if (new Set(steps).size !== steps.length)
      throw pointAt(spec, at, raw.length, `an epilogue step appears twice in ${JSON.stringify(raw)}`);
    return steps;
  }
  if (kind === 'eps') {
    const x = Number(raw);
    if (raw === '' || !Number.isFinite(x) || x <= 0 || x >= 1)
      throw pointAt(spec, at, raw.length || 1, `${key} must be a number in (0, 1), got ${JSON.stringify(raw)}`);
    return x;
  }
  if (!/^[0-9]+$/.test(raw))
    throw pointAt(
      spec,
      at,
      raw.length || 1,
      `${key} must be a ${kind === 'flag' ? '0 or 1' : 'positive integer'}, got ${JSON.stringify(raw)}`,
    );
  const n = Number(raw);
  if (kind === 'flag') {
    if (n !== 0 && n !== 1) throw pointAt(spec, at, raw.length, `${key} must be 0 or 1, got ${raw}`);
    return n;
  }
  if (n < 1) throw pointAt(spec, at, raw.length, `${key} must be at least 1, got ${raw}`);
  const max = kind === 'threads' ? 256 : MAX_DIM;
  if (n > max) throw pointAt(spec, at, raw.length, `${key}=${raw} is larger than the ${max} accepted`);
  return n;
}

/** The spec with every parameter, in schema order: the records' key for this workload. */
export function canonicalSpec(w: Workload): string {
  const schema = SCHEMAS[w.op];
  const parts = Object.keys(schema.params).map((k) => {
    const v = (w as unknown as Record<string, unknown>)[k];
    return `${k}=${Array.isArray(v) ? (v.length ? v.join('+') : 'none') : String(v)}`;
  });
  return `${w.op}:${parts.join(',')}`;
}

/** Floating-point operations of one call (a multiply-add counts 2; epilogue steps count what they compute). */
export function workloadFlops(w: Workload): number {
  if (w.op === 'gemm') {
    const per: Record<Epilogue, number> = { bias: 1, relu: 1, gelu: 8, silu: 4, residual: 1 };
    return 2 * w.M * w.N * w.K + w.M * w.N * w.epilogue.reduce((a, e) => a + per[e], 0);
  }
  if (w.op === 'bmm') return 2 * w.B * w.M * w.N * w.K;
  const perElem = w.op === 'softmax' ? 4 : w.op === 'layernorm' ? 7 : 4;
  return w.rows * w.cols * perElem;
}

/** Bytes read and written once (the compulsory traffic): inputs, parameters and the output, float32. */
export function workloadBytes(w: Workload): number {
  if (w.op === 'gemm')
    return (
      4 *
      (w.M * w.K +
        w.K * w.N +
        w.M * w.N +
        (w.epilogue.includes('bias') ? w.N : 0) +
        (w.epilogue.includes('residual') ? w.M * w.N : 0))
    );
  if (w.op === 'bmm') return 4 * w.B * (w.M * w.K + w.K * w.N + w.M * w.N);
  return 4 * (2 * w.rows * w.cols + (w.op === 'softmax' ? 0 : w.op === 'layernorm' ? 2 * w.cols : w.cols));
}
