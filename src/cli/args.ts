/**
 * node:util's parseArgs, accepting a negative number as the value of a string option (`--target -200`), as
 * Python's argparse does. parseArgs alone refuses any value that starts with '-' ("argument is ambiguous").
 */
import { parseArgs as nodeParseArgs, type ParseArgsConfig } from 'node:util';

/** -200, -1.5, -1e-3, -.5, -2. (not -, -e3, -1x or -Infinity: those stay options, or errors). */
const NEGATIVE_NUMBER = /^-(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export function isNegativeNumber(token: string): boolean {
  return NEGATIVE_NUMBER.test(token);
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `args` with each string option followed by a negative number joined to it: `--name -2` becomes `--name=-2`
 * and `-n -2` (a short option) `-n-2`, the forms parseArgs takes. Tokens after `--` are left alone.
 */
export function joinNegativeValues(args: readonly string[], options: Options): string[] {
  const shortToName = new Map<string, string>();
  for (const [name, o] of Object.entries(options)) if (o.short) shortToName.set(o.short, name);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    const name = a.startsWith('--') ? a.slice(2) : /^-[^-]$/.test(a) ? shortToName.get(a[1]) : undefined;
    const next = args[i + 1];
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && isNegativeNumber(next)) {
      out.push(a.startsWith('--') ? `${a}=${next}` : `${a}${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

/** parseArgs over `config.args` (required: the commands always pass theirs) with negative numbers joined. */
export function parseArgs<T extends ParseArgsConfig & { args: string[] }>(
  config: T,
): ReturnType<typeof nodeParseArgs<T>> {
  return nodeParseArgs({ ...config, args: joinNegativeValues(config.args, config.options ?? {}) });
}
