/** A file shipped with the package (native/harness.c, native/probe.c, ...), found above this module. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageFile(...parts: string[]): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const f = join(dir, ...parts);
    if (existsSync(f)) return f;
    dir = dirname(dir);
  }
  throw new Error(`${parts.join('/')} not found above ${fileURLToPath(import.meta.url)}`);
}
