/**
 * The layout of a replay buffer's arrays in a checkpoint (ReplayBuffer.toArrays): the numbers of `meta`, the
 * kinds, the flag bits, and the checks that arrays read back fit the buffer that loads them (every check before
 * anything is changed, each error naming the source and what was expected).
 */
import type { StoredArray } from '../../train/checkpoint.js';

/** Index of each number in the `meta` array of `toArrays()`. */
export const META = {
  layout: 0,
  kind: 1,
  capacity: 2,
  obsDim: 3,
  actDim: 4,
  size: 5,
  pos: 6,
  added: 7,
  hasDiscounts: 8,
  /** Prioritized buffers append their own numbers from here. */
  extra: 9,
} as const;
/** Bumped when the arrays of `toArrays()` change meaning. */
export const REPLAY_LAYOUT_VERSION = 1;
export const REPLAY_KIND_UNIFORM = 0;
export const REPLAY_KIND_PRIORITIZED = 1;
/** Bits of the `flags` array. */
export const FLAG_TERMINATED = 1;
export const FLAG_TRUNCATED = 2;

/** What the loading buffer is: what `meta` must agree with. */
export interface ReplayShape {
  kind: number;
  capacity: number;
  obsDim: number;
  actDim: number;
  hasDiscounts: 0 | 1;
}

/** Checks `arrays.meta` against the loading buffer `want`; returns it with the filled size, position and count. */
export function readReplayMeta(
  arrays: Record<string, StoredArray>,
  want: ReplayShape,
  source: string,
): { meta: Float64Array; size: number; pos: number; added: number } {
  const meta = arrays?.meta;
  const base = META.extra;
  if (!(meta instanceof Float64Array) || meta.length < base) {
    throw new TypeError(
      `${source}: meta is ${meta === undefined ? 'missing' : `${meta.constructor.name} of length ${meta.length}`}, expected a Float64Array of at least ${base} numbers (is this a replay buffer?)`,
    );
  }
  if (meta[META.layout] !== REPLAY_LAYOUT_VERSION)
    throw new TypeError(
      `${source}: replay layout version ${meta[META.layout]}, this RLTune reads version ${REPLAY_LAYOUT_VERSION}`,
    );
  const kindName = (k: number) =>
    k === REPLAY_KIND_UNIFORM ? 'uniform' : k === REPLAY_KIND_PRIORITIZED ? 'prioritized' : `unknown kind ${k}`;
  if (meta[META.kind] !== want.kind)
    throw new TypeError(
      `${source}: a ${kindName(meta[META.kind])} replay buffer, expected a ${kindName(want.kind)} one`,
    );
  const expect = (name: keyof ReplayShape, hint: string) => {
    const got = meta[META[name]];
    if (got !== want[name])
      throw new RangeError(`${source}: ${name} is ${got}, this buffer has ${want[name]} (${hint})`);
  };
  expect('obsDim', 'the saved buffer was written for an env with other observation spaces');
  expect('actDim', 'the saved buffer was written for an env with other action spaces');
  expect('capacity', 'resume with the buffer size it was saved with');
  expect('hasDiscounts', 'n-step settings differ between the saved run and this one');
  const n = meta[META.size],
    pos = meta[META.pos],
    added = meta[META.added];
  if (!Number.isInteger(n) || n < 0 || n > want.capacity)
    throw new RangeError(`${source}: size is ${n}, expected an integer in [0, ${want.capacity}]`);
  const posOk = n < want.capacity ? pos === n : Number.isInteger(pos) && pos >= 0 && pos < want.capacity;
  if (!posOk)
    throw new RangeError(`${source}: pos is ${pos}, which does not fit size ${n} and capacity ${want.capacity}`);
  if (!Number.isSafeInteger(added) || added < n)
    throw new RangeError(`${source}: added is ${added}, expected an integer >= size ${n}`);
  return { meta, size: n, pos, added };
}

/** `arrays[name]`, checked to be a `Ctor` of `len` numbers. */
export function storedArray<T extends StoredArray>(
  arrays: Record<string, StoredArray>,
  name: string,
  Ctor: { new (k: number): T; name: string },
  len: number,
  source: string,
): T {
  const a = arrays[name];
  if (!(a instanceof Ctor) || a.length !== len) {
    throw new RangeError(
      `${source}: ${name} is ${a === undefined ? 'missing' : `${a.constructor.name} of length ${a.length}`}, expected a ${Ctor.name} of length ${len}`,
    );
  }
  return a;
}
