/**
 * Batching of space values for vector envs: n values of one space stored in one typed array (or, for Tuple and
 * Dict, a tuple / object of such arrays).
 *
 * | single space        | batch                                  | batched space                   |
 * |---------------------|----------------------------------------|---------------------------------|
 * | Box(shape, dtype)   | Float32Array/Float64Array of n*size    | Box([n, ...shape], dtype)       |
 * | Discrete(k, start)  | Int32Array of n                        | MultiDiscrete(n copies of k)    |
 * | MultiDiscrete(nvec) | Int32Array of n*len(nvec), env-major   | MultiDiscrete(nvec repeated n)  |
 * | MultiBinary(shape)  | Int8Array of n*size                    | MultiBinary([n, ...shape])      |
 * | Tuple / Dict        | array / object of batches of the parts | Tuple / Dict of batched parts   |
 *
 * Batches can live in SharedArrayBuffers so that worker threads write observations in place.
 */
import { Box, Dict, Discrete, MultiBinary, MultiDiscrete, Space, Tuple, type BoxValue } from '../core/spaces/index.js';
import { describe } from '../core/rng.js';

export type Batch = BoxValue | Int32Array | Int8Array | Batch[] | { [key: string]: Batch };

type TypedCtor = Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor | Int8ArrayConstructor;

function alloc(Ctor: TypedCtor, length: number, shared: boolean): Float32Array | Float64Array | Int32Array | Int8Array {
  if (!shared) return new Ctor(length);
  const sab = new SharedArrayBuffer(Math.max(1, length) * Ctor.BYTES_PER_ELEMENT) as unknown as ArrayBuffer;
  return new Ctor(sab, 0, length);
}

function unsupported(space: Space): never {
  throw new TypeError(
    `vector envs cannot batch values of ${String(space)}; supported: Box, Discrete, MultiDiscrete, MultiBinary, Tuple, Dict`,
  );
}

/** Allocates storage for n values of `space`. */
export function createBatch(space: Space, n: number, shared = false): Batch {
  if (space instanceof Box)
    return alloc(space.dtype === 'float32' ? Float32Array : Float64Array, n * space.size, shared);
  if (space instanceof Discrete) return alloc(Int32Array, n, shared);
  if (space instanceof MultiDiscrete) return alloc(Int32Array, n * space.nvec.length, shared);
  if (space instanceof MultiBinary) return alloc(Int8Array, n * space.n, shared);
  if (space instanceof Tuple) return space.spaces.map((s) => createBatch(s, n, shared));
  if (space instanceof Dict) {
    const out: Record<string, Batch> = {};
    for (const k of space.keys) out[k] = createBatch(space.spaces[k], n, shared);
    return out;
  }
  return unsupported(space);
}

/** The space of a batch of n values of `space`. */
export function batchSpace(space: Space, n: number): Space {
  if (space instanceof Box) {
    const rep = (a: BoxValue) => {
      const out = new Float64Array(n * a.length);
      for (let i = 0; i < n; i++) out.set(a, i * a.length);
      return out;
    };
    return new Box(rep(space.low), rep(space.high), [n, ...space.shape], space.dtype);
  }
  if (space instanceof Discrete) return new MultiDiscrete(new Array(n).fill(space.n), new Array(n).fill(space.start));
  if (space instanceof MultiDiscrete) {
    const nvec: number[] = [],
      start: number[] = [];
    for (let i = 0; i < n; i++) {
      nvec.push(...space.nvec);
      start.push(...space.start);
    }
    return new MultiDiscrete(nvec, start);
  }
  if (space instanceof MultiBinary) return new MultiBinary([n, ...space.shape]);
  if (space instanceof Tuple) return new Tuple(space.spaces.map((s) => batchSpace(s, n)));
  if (space instanceof Dict) {
    const parts: Record<string, Space> = {};
    for (const k of space.keys) parts[k] = batchSpace(space.spaces[k], n);
    return new Dict(parts);
  }
  return unsupported(space);
}

/** Writes value `v` of `space` as entry `i` of `batch`. */
export function writeBatch(space: Space, batch: Batch, i: number, v: unknown): void {
  if (space instanceof Discrete) {
    (batch as Int32Array)[i] = v as number;
  } else if (space instanceof Box || space instanceof MultiDiscrete || space instanceof MultiBinary) {
    const size = space instanceof Box ? space.size : space instanceof MultiBinary ? space.n : space.nvec.length;
    const b = batch as BoxValue | Int32Array | Int8Array;
    if (typeof v === 'number') {
      b[i * size] = v;
      return;
    }
    const arr = v as ArrayLike<number>;
    const base = i * size;
    for (let k = 0; k < size; k++) b[base + k] = arr[k];
  } else if (space instanceof Tuple) {
    space.spaces.forEach((s, k) => writeBatch(s, (batch as Batch[])[k], i, (v as unknown[])[k]));
  } else if (space instanceof Dict) {
    for (const k of space.keys)
      writeBatch(space.spaces[k], (batch as Record<string, Batch>)[k], i, (v as Record<string, unknown>)[k]);
  } else {
    unsupported(space);
  }
}

/** Reads entry `i` of `batch` as a fresh value of `space`. */
export function readBatch(space: Space, batch: Batch, i: number): unknown {
  if (space instanceof Discrete) return (batch as Int32Array)[i];
  if (space instanceof Box) {
    const b = batch as BoxValue;
    return b.slice(i * space.size, (i + 1) * space.size);
  }
  if (space instanceof MultiDiscrete)
    return (batch as Int32Array).slice(i * space.nvec.length, (i + 1) * space.nvec.length);
  if (space instanceof MultiBinary) return (batch as Int8Array).slice(i * space.n, (i + 1) * space.n);
  if (space instanceof Tuple) return space.spaces.map((s, k) => readBatch(s, (batch as Batch[])[k], i));
  if (space instanceof Dict) {
    const out: Record<string, unknown> = {};
    for (const k of space.keys) out[k] = readBatch(space.spaces[k], (batch as Record<string, Batch>)[k], i);
    return out;
  }
  return unsupported(space);
}

/** A deep copy of a batch (plain, unshared memory). */
export function copyBatch(batch: Batch): Batch {
  if (Array.isArray(batch)) return batch.map(copyBatch);
  if (ArrayBuffer.isView(batch)) return (batch as Float32Array).slice();
  const out: Record<string, Batch> = {};
  for (const [k, v] of Object.entries(batch)) out[k] = copyBatch(v);
  return out;
}

/**
 * Splits the user's actions into one per env. Accepts the batch form (see the table above) or an array with
 * one action per env. The caller checks each action against the single space (naming the env index).
 */
export function unbatchActions(space: Space, actions: unknown, n: number): unknown[] {
  const composite = space instanceof Tuple || space instanceof Dict;
  const per =
    space instanceof Box
      ? space.size
      : space instanceof MultiBinary
        ? space.n
        : space instanceof MultiDiscrete
          ? space.nvec.length
          : 1;
  if (
    Array.isArray(actions) &&
    actions.length === n &&
    (composite || per === 1 || actions.some((a) => typeof a !== 'number'))
  ) {
    return actions;
  }
  if (composite)
    throw new TypeError(`vector step: expected an array of ${n} actions in ${space}, got ${describe(actions)}`);
  const isNumeric =
    ArrayBuffer.isView(actions) || (Array.isArray(actions) && actions.every((v) => typeof v === 'number'));
  if (!isNumeric || (actions as ArrayLike<number>).length !== n * per) {
    throw new TypeError(
      `vector step: expected ${n} actions in ${space} (a batch of ${n * per} numbers, or an array of ${n} actions), got ${describe(actions)}`,
    );
  }
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) out[i] = readBatch(space, actions as Batch, i);
  return out;
}
