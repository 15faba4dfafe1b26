/**
 * Validation of the keyword arguments that `make(id, overrides)` passes to an env's constructor.
 * An env declares a schema; an unknown name or a value of the wrong type gets an error naming the env, the
 * argument, the value and what was expected.
 */
import { describe } from './rng.js';

export type KwargType = 'number' | 'integer' | 'boolean' | 'string' | 'string[]' | 'string|null' | 'any';

export interface KwargSpec<T = unknown> {
  type: KwargType;
  default: T;
  /** Extra check; returns an error text (what was expected) or null when the value is fine. */
  check?(value: T): string | null;
  /** Allowed values (for strings). */
  oneOf?: readonly T[];
}

export type KwargSchema = Record<string, KwargSpec>;

export type KwargValues<S extends KwargSchema> = { [K in keyof S]: S[K]['default'] };

function typeOk(type: KwargType, v: unknown): boolean {
  switch (type) {
    case 'number':
      return typeof v === 'number' && !Number.isNaN(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string';
    case 'string|null':
      return typeof v === 'string' || v === null;
    case 'string[]':
      return Array.isArray(v) && v.every((s) => typeof s === 'string');
    case 'any':
      return true;
  }
}

/** Every env accepts `renderMode` (validated against its metadata by the env itself). */
export const renderModeKwarg: KwargSpec<string | null> = { type: 'string|null', default: null };

/**
 * The NumPy promotion rules an env's reference computes under. Gymnasium 1.4 runs on NumPy 1.x and 2.x, and where
 * its arithmetic meets a float32 scalar (a Box action) the two give different numbers: NumPy 2 (NEP 50, 'nep50',
 * the default) keeps a Python float times a float32 scalar in float32; NumPy 1.x ('legacy') promotes it to float64.
 * Every env accepts `numpyPromotion`; an env whose arithmetic does not depend on it (no float32 operands) ignores it.
 */
export const NUMPY_PROMOTIONS = ['nep50', 'legacy'] as const;
export type NumpyPromotion = (typeof NUMPY_PROMOTIONS)[number];
export const numpyPromotionKwarg: KwargSpec<NumpyPromotion> = {
  type: 'string',
  default: 'nep50',
  oneOf: NUMPY_PROMOTIONS,
};

/**
 * Merges `given` over the schema's defaults, validating each entry.
 * @param owner the env's name, for error messages
 */
export function parseKwargs<S extends KwargSchema>(
  owner: string,
  schema: S,
  given: Record<string, unknown> | undefined,
): KwargValues<S> {
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(schema)) out[k] = spec.default;
  if (given === undefined || given === null) return out as KwargValues<S>;
  if (typeof given !== 'object' || Array.isArray(given)) {
    throw new TypeError(`${owner}: kwargs must be an object, got ${describe(given)}`);
  }
  for (const [k, v] of Object.entries(given)) {
    if (v === undefined) continue;
    // numpyPromotion is accepted by every env (validated even where the env's schema does not read it).
    const spec = schema[k] ?? (k === 'numpyPromotion' ? numpyPromotionKwarg : undefined);
    if (spec === undefined) {
      const accepted = Object.keys(schema).join(', ') || '(none)';
      throw new TypeError(`${owner}: unknown argument ${describe(k)}; accepted arguments: ${accepted}`);
    }
    if (!typeOk(spec.type, v)) {
      throw new TypeError(
        `${owner}: argument ${k} must be ${spec.type === 'integer' ? 'an integer' : `of type ${spec.type}`}, got ${describe(v)}`,
      );
    }
    if (spec.oneOf && !spec.oneOf.includes(v)) {
      throw new TypeError(
        `${owner}: argument ${k} must be one of ${spec.oneOf.map((o) => describe(o)).join(', ')}, got ${describe(v)}`,
      );
    }
    const problem = spec.check?.(v);
    if (problem) throw new RangeError(`${owner}: argument ${k} = ${describe(v)} is invalid: expected ${problem}`);
    if (k in schema) out[k] = v;
  }
  return out as KwargValues<S>;
}
