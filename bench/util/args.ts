/**
 * The command line of every benchmark under bench/, over node:util's parseArgs, so that all of them take
 * `--name value` and `--name=value` alike, refuse a flag they do not know (a mistyped flag used to be ignored and
 * the benchmark ran with its default), and say which flag a bad value belongs to.
 */
import { parseArgs } from 'node:util';

type OptionSpec = { type: 'string' | 'boolean'; multiple?: boolean; short?: string };

/**
 * The flags every benchmark takes: --quick (a smoke run of a few seconds) and --record (write the result to
 * bench/results).
 */
const COMMON = { quick: { type: 'boolean' }, record: { type: 'boolean' } } as const satisfies Record<
  string,
  OptionSpec
>;

type Values<O extends Record<string, OptionSpec>> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean'
    ? O[K]['multiple'] extends true
      ? boolean[]
      : boolean
    : O[K]['multiple'] extends true
      ? string[]
      : string;
};

export interface BenchArgs<O extends Record<string, OptionSpec>> {
  values: Values<O & typeof COMMON>;
  positionals: string[];
  quick: boolean;
  record: boolean;
}

/**
 * Parses `argv` (default: this process's arguments) with the benchmark's own `options` besides --quick and --record.
 * Throws a RangeError that names the benchmark for an unknown flag, a missing value or a stray positional.
 */
export function benchArgs<O extends Record<string, OptionSpec>>(
  bench: string,
  options: O,
  opts: { positionals?: boolean; argv?: string[] } = {},
): BenchArgs<O> {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: opts.argv ?? process.argv.slice(2),
      options: { ...COMMON, ...options },
      allowPositionals: opts.positionals ?? false,
      strict: true,
    });
  } catch (err) {
    throw new RangeError(`${bench}: ${(err as Error).message}`, { cause: err });
  }
  const values = parsed.values as Values<O & typeof COMMON>;
  return {
    values,
    positionals: parsed.positionals,
    quick: parsed.values.quick === true,
    record: parsed.values.record === true,
  };
}

/** A flag's number (`dflt` when absent), refused unless `ok` holds for it. */
export function numberFlag(
  name: string,
  text: string | undefined,
  dflt: number,
  ok: (x: number) => boolean,
  expected: string,
): number {
  if (text === undefined) return dflt;
  const x = Number(text);
  if (text.trim() === '' || !ok(x)) throw new RangeError(`--${name} must be ${expected}, got ${JSON.stringify(text)}`);
  return x;
}

/** A positive integer flag (`dflt` when absent). */
export function intFlag(name: string, text: string | undefined, dflt: number): number {
  return numberFlag(name, text, dflt, (x) => Number.isSafeInteger(x) && x >= 1, 'a positive integer');
}

/** A comma-separated list flag (`dflt` when absent), empty items dropped. */
export function listFlag(text: string | undefined, dflt: string): string[] {
  return (text ?? dflt)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
