import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('src/rl never imports from src/tune (nor from the CLI)', () => {
  const files = tsFiles(join(root, 'src/rl'));
  assert.ok(files.length > 10, 'found the rl sources');
  const offenders = files.filter((f) => {
    const text = readFileSync(f, 'utf8');
    return /from\s+['"][^'"]*\/(tune|cli)\//.test(text) || /import\(\s*['"][^'"]*\/(tune|cli)\//.test(text);
  });
  assert.deepEqual(offenders, []);
});
