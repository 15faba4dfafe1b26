/**
 * The file side of checkpoints: durable writes and the commit protocol that makes a save atomic (file_list.ts
 * keeps the sizes and SHA-256 a load checks). checkpoint.ts decides what goes into the files.
 *
 * A save never overwrites a file the previous checkpoint uses: the data file's name carries its content hash,
 * so the new one is written (to a temporary name, then renamed) beside the old one, and renaming the new
 * manifest.json over the old one is the single step that switches checkpoints. A crash before it leaves the old
 * checkpoint, after it the new one; the superseded data file is removed last. The checkpoint shares its
 * directory with the run's log.jsonl, so the directory itself is never replaced.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { noRoom } from './no_room.js';

export const MANIFEST = 'manifest.json';
/** Data files a save owns (version 1's fixed name and content-named ones) and temporary files of any save. */
const OWN_DATA = /^tensors(-[0-9a-f]{16})?\.bin$/;
const TEMPORARY =
  /^(\.(tensors-[0-9a-f]{16}\.bin|manifest\.json)\.\d+-[0-9a-f]{8}\.tmp|tensors\.bin\.tmp|manifest\.json\.tmp)$/;

/** Whether `name` is a file a checkpoint save writes: the manifest, a data file, a temporary file of a save. */
export function isCheckpointFile(name: string): boolean {
  return name === MANIFEST || OWN_DATA.test(name) || TEMPORARY.test(name);
}

/** The data file's name for these bytes: a new content never reuses the name of the file it replaces. */
export function dataFileName(sha: string): string {
  return `tensors-${sha.slice(0, 16)}.bin`;
}

/** Writes and flushes `data` to `path`, so a rename that follows never exposes a file the disk has not got. */
function writeDurable(path: string, data: Uint8Array | string): void {
  const fd = openSync(path, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes the directory entry renames; not every platform lets a directory be opened, and that is fine. */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // The renames are still atomic; only their durability across a power cut is then the OS's business.
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone, or not ours to remove: a leftover is harmless, a failed save over it is not.
  }
}

/**
 * Writes `files` (new names only) and then `manifest` into `dir` as described above; on failure the previous
 * checkpoint is left as it was and the temporary files are removed.
 */
export function commitCheckpoint(
  dir: string,
  files: Record<string, Uint8Array>,
  manifest: string,
  /** Data files already in `dir` that the new manifest lists too (a converted version 1 checkpoint's). */
  keep: string[] = [],
): void {
  mkdirSync(dir, { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temporary = (name: string) => join(dir, `.${name}.${tag}.tmp`);
  const written: string[] = [];
  try {
    for (const [name, data] of Object.entries(files)) {
      written.push(temporary(name));
      writeDurable(temporary(name), data);
    }
    written.push(temporary(MANIFEST));
    writeDurable(temporary(MANIFEST), manifest);
    for (const name of Object.keys(files)) renameSync(temporary(name), join(dir, name));
    renameSync(temporary(MANIFEST), join(dir, MANIFEST));
  } catch (err) {
    for (const path of written) removeQuietly(path);
    throw noRoom(err, `the checkpoint in ${dir}`, '; the checkpoint there before is unchanged') ?? err;
  }
  syncDir(dir);
  // Now superseded: the previous data files and what crashed saves left behind.
  for (const name of readdirSync(dir)) {
    const superseded = OWN_DATA.test(name) && !(name in files) && !keep.includes(name);
    if (superseded || TEMPORARY.test(name)) removeQuietly(join(dir, name));
  }
}
