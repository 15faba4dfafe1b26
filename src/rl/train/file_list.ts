/**
 * File lists with sizes and SHA-256, as checkpoint and export manifests keep them: made after writing, checked
 * before use, so that bytes changed on disk are found and named instead of silently used.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FileEntry {
  size: number;
  sha256: string;
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A file name a manifest may list: a plain name inside the manifest's own directory. */
export function isPlainFileName(name: unknown): name is string {
  return typeof name === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) && name !== 'manifest.json';
}

/** Whether `files` is a file list as manifests keep it: plain names to {size, sha256}. */
export function isFileList(files: unknown): files is Record<string, FileEntry> {
  if (typeof files !== 'object' || files === null || Array.isArray(files)) return false;
  return Object.entries(files).every(
    ([name, e]) =>
      isPlainFileName(name) &&
      typeof e === 'object' &&
      e !== null &&
      Number.isSafeInteger((e as FileEntry).size) &&
      /^[0-9a-f]{64}$/.test(String((e as FileEntry).sha256)),
  );
}

/** The size and SHA-256 of each named file of `dir`, as a manifest lists them. */
export function listFiles(dir: string, names: string[]): Record<string, FileEntry> {
  const out: Record<string, FileEntry> = {};
  for (const name of names) {
    const bytes = readFileSync(join(dir, name));
    out[name] = { size: bytes.length, sha256: sha256(bytes) };
  }
  return out;
}

/** Reads each listed file, checking its size and SHA-256; returns the bytes or says which file is damaged. */
export function readVerified(dir: string, files: Record<string, FileEntry>): Map<string, Buffer> | string {
  const out = new Map<string, Buffer>();
  for (const [name, e] of Object.entries(files)) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(dir, name));
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ENOENT'
        ? `${name} is missing (manifest.json lists it)`
        : `${name} cannot be read (${(err as Error).message})`;
    }
    if (bytes.length !== e.size)
      return `${name} is ${bytes.length} bytes, manifest.json says ${e.size} (truncated or overwritten)`;
    if (sha256(bytes) !== e.sha256)
      return `${name} does not match its SHA-256 in manifest.json (its bytes changed after the save)`;
    out.set(name, bytes);
  }
  return out;
}
