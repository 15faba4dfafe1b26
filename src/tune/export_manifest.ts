/**
 * The manifest of an `rltune export` directory: every file it wrote with its size and SHA-256, so that a
 * library changed on disk (a damaged copy, a swapped .so) is found before it runs. `verifyExport` checks it from
 * RLTune; the generated index.js carries the same check (`verifySource`) and runs it before it loads the binding,
 * since the export must work without RLTune installed.
 *
 *   manifest.json: {format: "rltune-export", version: 1, rltune_version, created, spec, name,
 *                   files: {<file>: {size, sha256}}}
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isFileList, listFiles, readVerified, type FileEntry } from '../rl/train/file_list.js';
import { VERSION } from '../version.js';

export const EXPORT_FORMAT = 'rltune-export';
export const EXPORT_VERSION = 1;

export interface ExportManifest {
  format: typeof EXPORT_FORMAT;
  version: number;
  rltune_version: string;
  created: string;
  spec: string;
  name: string;
  files: Record<string, FileEntry>;
}

/** The export directory's files differ from its manifest, or it has none. */
export class ExportDamagedError extends Error {
  override name = 'ExportDamagedError';
}

/** Writes `dir/manifest.json` listing `paths` (files of `dir`); returns its path. */
export function writeExportManifest(dir: string, spec: string, name: string, paths: string[]): string {
  const m: ExportManifest = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    rltune_version: VERSION,
    created: new Date().toISOString(),
    spec,
    name,
    files: listFiles(
      dir,
      paths.map((p) => basename(p)),
    ),
  };
  const path = join(dir, 'manifest.json');
  writeFileSync(path, JSON.stringify(m, null, 2) + '\n');
  return path;
}

/** Checks every file of the export directory `dir` against its manifest; throws naming the first that differs. */
export function verifyExport(dir: string): ExportManifest {
  let m: ExportManifest;
  try {
    m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ExportManifest;
  } catch (err) {
    throw new ExportDamagedError(
      `${dir}: manifest.json cannot be read (${(err as Error).message}); export the kernel again with rltune export`,
    );
  }
  const files = (m as { files?: unknown } | null)?.files;
  if (m?.format !== EXPORT_FORMAT || !isFileList(files)) {
    throw new ExportDamagedError(
      `${dir}/manifest.json is not an RLTune export manifest (format ${JSON.stringify(m?.format)}, expected "${EXPORT_FORMAT}", with "files": plain file names to {size, sha256}, got ${JSON.stringify(files)})`,
    );
  }
  const read = readVerified(dir, files);
  if (typeof read === 'string')
    throw new ExportDamagedError(`${dir}: the export is damaged: ${read}; export the kernel again with rltune export`);
  return m;
}

/** The JavaScript of index.js that checks the export against its manifest (`verify()`, run before loading). */
export function verifySource(name: string): string {
  return `import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
/** Checks every file of this export against manifest.json (size and SHA-256); throws naming the first that differs. */
export function verify() {
  const at = (f) => fileURLToPath(new URL(f, import.meta.url));
  const dir = at('./');
  const manifest = JSON.parse(readFileSync(at('./manifest.json'), 'utf8'));
  for (const [f, e] of Object.entries(manifest.files)) {
    let bytes;
    try {
      bytes = readFileSync(at('./' + f));
    } catch {
      throw new Error(\`${name}: \${dir}: the export is damaged: \${f} is missing (manifest.json lists it); export the kernel again with rltune export\`);
    }
    if (bytes.length !== e.size || createHash('sha256').update(bytes).digest('hex') !== e.sha256)
      throw new Error(\`${name}: \${dir}: the export is damaged: \${f} does not match its size and SHA-256 in manifest.json; export the kernel again with rltune export\`);
  }
}
verify();
`;
}
