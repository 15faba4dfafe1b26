/**
 * Imports a user module by file path, file: URL or package name (used by `--module` and by worker threads
 * that must register user envs before making them). TypeScript files load through tsx when it is installed.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

let tsxRegistered = false;

export function moduleUrl(spec: string): string {
  if (/^(file|data|node):/.test(spec)) return spec;
  if (spec.startsWith('.') || spec.startsWith('/') || isAbsolute(spec) || /\.(m?[jt]s|cjs)$/.test(spec)) {
    return pathToFileURL(resolve(spec)).href;
  }
  return spec; // a package name
}

export async function importModule(spec: string): Promise<unknown> {
  const url = moduleUrl(spec);
  if (/\.(m|c)?ts$/.test(url) && !tsxRegistered) {
    try {
      const tsxApi: string = 'tsx/esm/api'; // a variable: tsx is optional, the compiler must not resolve it
      const api = (await import(tsxApi)) as { register: () => unknown };
      api.register();
      tsxRegistered = true;
    } catch {
      throw new Error(
        `cannot load TypeScript module ${spec}: install tsx (npm i -D tsx) or compile it to JavaScript first`,
      );
    }
  }
  try {
    return await import(url);
  } catch (err) {
    const e = err as Error;
    throw new Error(`cannot load module ${spec}: ${e.message}`, { cause: err });
  }
}
