/**
 * Issue 20: `rltune export` outputs carry a manifest (size and SHA-256 of every file); verifyExport and the
 * generated index.js (before it loads the binding) refuse an export whose files changed, naming the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tune from '../src/tune/index.js';
import { run } from './fixtures/run_cli.js';

test('rltune export lists every file with its size and SHA-256; a changed file is refused by verifyExport and index.js', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-export-m-'));
  const db = join(dir, 'r.db'),
    out = join(dir, 'kernel');
  const spec = 'gemm:M=9,N=8,K=7';
  assert.equal(run('tune', 'op', spec, '--trials', '2', '--seed', '1', '--db', db, '--json').code, 0);
  const e = run('export', spec, '--db', db, '--out', out, '--name', 'k9', '--json');
  assert.equal(e.code, 0, e.stderr);
  const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
    format: string;
    files: Record<string, { size: number; sha256: string }>;
  };
  assert.equal(m.format, 'rltune-export');
  assert.deepEqual(
    Object.keys(m.files).sort(),
    readdirSync(out)
      .filter((f) => f !== 'manifest.json')
      .sort(),
  );
  for (const [f, x] of Object.entries(m.files)) {
    const b = readFileSync(join(out, f));
    assert.equal(x.size, b.length, f);
    assert.equal(x.sha256, createHash('sha256').update(b).digest('hex'), f);
  }
  const verifyExport = (tune as { verifyExport?: (d: string) => unknown }).verifyExport;
  assert.ok(verifyExport, 'rltune/tune exports no verifyExport');
  verifyExport(out);
  assert.equal(typeof (await import(pathToFileURL(join(out, 'index.js')).href)).verify, 'function');

  // The same bytes swapped in the library (same size): both checks name it.
  const bad = join(dir, 'bad');
  cpSync(out, bad, { recursive: true });
  const so = readFileSync(join(bad, 'libk9.so'));
  so[so.length >> 1] ^= 0xff;
  writeFileSync(join(bad, 'libk9.so'), so);
  assert.throws(() => verifyExport(bad), /damaged: libk9\.so does not match its SHA-256/);
  await assert.rejects(import(pathToFileURL(join(bad, 'index.js')).href), /damaged: libk9\.so does not match/);
});
