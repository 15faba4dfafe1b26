/**
 * What the published package says must be true for its user (issue 19, defect 3): the sources it ships (dist/src is
 * compiled from src/, comments included) may not point to the team's `shared/` folder, which neither a clone nor
 * the package has; every guide they cite (`docs/*.md`, the README) must exist and ship in the package; and they may
 * not promise what a later version brings (src/index.ts once said the tuner came "in later versions", and golden.ts
 * pointed to shared/golden/README.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

function sourcesOf(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sourcesOf(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Each line of src/ matching `re`, as "file:line: text". */
function linesMatching(re: RegExp): string[] {
  return sourcesOf(join(root, 'src')).flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, i) => (re.test(line) ? [`${relative(root, file)}:${i + 1}: ${line.trim()}`] : [])),
  );
}

/** Whether `path` (relative to the repository) is in the package: under one of package.json's `files`. */
function shipped(path: string): boolean {
  const files = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[] }).files;
  return path === 'package.json' || files.some((f) => path === f || path.startsWith(`${f}/`));
}

test("the shipped sources never point to the team's shared/ folder", () => {
  assert.deepEqual(linesMatching(/(^|[\s(`'"])(\.\.\/)?shared\//), []);
});

test('every guide the shipped sources cite exists and is in the package', () => {
  const cited = new Set(linesMatching(/\bdocs\/[\w./-]+\.md\b/).flatMap((l) => l.match(/\bdocs\/[\w./-]+\.md\b/g)!));
  assert.ok(cited.size > 0, 'the sources cite guides (docs/golden-traces.md at least)');
  for (const doc of cited) {
    assert.ok(existsSync(join(root, doc)), `${doc} is cited by src/ and does not exist`);
    assert.ok(shipped(doc), `${doc} is cited by src/ and is not in package.json's files`);
  }
});

test('the shipped sources promise nothing for later versions', () => {
  assert.deepEqual(linesMatching(/later versions?\b|coming soon|not yet (implemented|supported)/i), []);
  assert.deepEqual(linesMatching(/\bTODO\b|\bFIXME\b/), []);
});
