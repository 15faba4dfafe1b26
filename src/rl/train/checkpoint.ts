/**
 * Checkpoints: one directory with `manifest.json` (versioned) and a data file (every array the algorithm
 * needs: weights, optimizer moments, normalization statistics, Q-tables), little-endian, each array at the
 * byte offset the manifest gives. The manifest also carries the algorithm, env id and kwargs, config, step
 * count, RLTune version and RNG states, so a checkpoint alone resumes training or acts in `rltune eval`.
 *
 * Version 2 (written now) lists every other file with its size and SHA-256 (`files`) and names the data file
 * (`tensors_file`, `tensors-<hash>.bin`, so that a save is atomic: checkpoint_files.ts); a load checks them and
 * a mismatch says the checkpoint is damaged. Version 1 (no list, data in `tensors.bin`) still loads, with the
 * checks that need no checksum. Both versions refuse NaN or infinite numbers, at save and at load.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERSION } from '../../version.js';
import { commitCheckpoint, dataFileName } from './checkpoint_files.js';
import { isFileList, isPlainFileName, readVerified, sha256, type FileEntry } from './file_list.js';

export const CHECKPOINT_FORMAT = 'rltune-checkpoint';
/** The version written; bumped when the layout changes. `readCheckpoint` reads this one and older ones down to
 * OLDEST_CHECKPOINT_VERSION, and says what to do with others. */
export const CHECKPOINT_VERSION = 2;
export const OLDEST_CHECKPOINT_VERSION = 1;

export type StoredArray = Float32Array | Float64Array | Int32Array;

export interface TensorEntry {
  dtype: 'float32' | 'float64' | 'int32';
  offset: number;
  length: number;
}

export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  rltune_version: string;
  created: string;
  algo: string;
  env: string;
  env_kwargs: Record<string, unknown>;
  config: Record<string, unknown>;
  num_timesteps: number;
  tensors: Record<string, TensorEntry>;
  /** Version 2: the file holding the arrays (version 1: always tensors.bin). */
  tensors_file?: string;
  /** Version 2: every file of the checkpoint but the manifest, with its size and SHA-256. */
  files?: Record<string, FileEntry>;
  /** The version a converted checkpoint had before `upgradeCheckpoint` (its data files are unchanged). */
  converted_from?: number;
  /** Anything else the algorithm keeps (RNG states, schedules, episode counters). */
  state: Record<string, unknown>;
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** The checkpoint was written whole but its bytes changed since (a file fails its checksum, holds NaN...). */
export class CheckpointDamagedError extends CheckpointError {
  override name = 'CheckpointDamagedError';
}

export type { FileEntry };

export interface Checkpoint {
  manifest: CheckpointManifest;
  tensors: Record<string, StoredArray>;
}

/** Where an array holds NaN or an infinity: `actor[12] is NaN`, or null when every number is finite. */
function nonFinite(tensors: Record<string, StoredArray>): string | null {
  for (const [name, arr] of Object.entries(tensors)) {
    if (arr instanceof Int32Array) continue;
    for (let i = 0; i < arr.length; i++) if (!Number.isFinite(arr[i])) return `${name}[${i}] is ${arr[i]}`;
  }
  return null;
}

export function writeCheckpoint(
  dir: string,
  m: Omit<
    CheckpointManifest,
    'format' | 'version' | 'rltune_version' | 'created' | 'tensors' | 'tensors_file' | 'files' | 'converted_from'
  >,
  tensors: Record<string, StoredArray>,
): string {
  const bad = nonFinite(tensors);
  if (bad !== null) {
    throw new CheckpointError(
      `cannot save the checkpoint ${dir}: array ${bad}; a checkpoint holds finite numbers only (did training diverge?). The previous checkpoint there, if any, is kept`,
    );
  }
  const entries: Record<string, TensorEntry> = {};
  let offset = 0;
  for (const [name, arr] of Object.entries(tensors)) {
    const dtype = arr instanceof Float32Array ? 'float32' : arr instanceof Float64Array ? 'float64' : 'int32';
    offset = Math.ceil(offset / 8) * 8;
    entries[name] = { dtype, offset, length: arr.length };
    offset += arr.byteLength;
  }
  const buf = Buffer.alloc(offset);
  for (const [name, arr] of Object.entries(tensors)) {
    Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength).copy(buf, entries[name].offset);
  }
  const hash = sha256(buf);
  const tensorsFile = dataFileName(hash);
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    rltune_version: VERSION,
    created: new Date().toISOString(),
    ...m,
    tensors: entries,
    tensors_file: tensorsFile,
    files: { [tensorsFile]: { size: buf.length, sha256: hash } },
  };
  try {
    commitCheckpoint(dir, { [tensorsFile]: buf }, JSON.stringify(manifest, null, 2) + '\n');
  } catch (err) {
    throw new CheckpointError(
      `cannot save the checkpoint ${dir}: ${(err as Error).message}. The previous checkpoint there, if any, is kept`,
      { cause: err },
    );
  }
  return dir;
}

/** The bytes of the data file: checked against the manifest's list (version 2) or just read (version 1). */
function dataBytes(dir: string, manifest: CheckpointManifest): Buffer {
  if (manifest.version === 1) {
    try {
      return readFileSync(join(dir, 'tensors.bin'));
    } catch (err) {
      throw new CheckpointDamagedError(
        `${dir}: the checkpoint is damaged: tensors.bin cannot be read (${(err as Error).message})`,
      );
    }
  }
  const { files, tensors_file: name } = manifest;
  if (!isFileList(files) || !isPlainFileName(name) || !(name in files)) {
    throw new CheckpointDamagedError(
      `${dir}: the checkpoint is damaged: manifest.json (version ${manifest.version}) must name its data file (tensors_file ${JSON.stringify(name)}) among the files it lists with their sizes and SHA-256 (files ${JSON.stringify(files)})`,
    );
  }
  const read = readVerified(dir, files);
  if (typeof read === 'string') {
    throw new CheckpointDamagedError(`${dir}: the checkpoint is damaged: ${read}; retrain or restore it from a copy`);
  }
  return read.get(name) as Buffer;
}

export function readCheckpoint(dir: string): Checkpoint {
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as CheckpointManifest;
  } catch (err) {
    throw new CheckpointError(
      `${dir} is not a readable checkpoint: manifest.json ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : `is corrupt (${(err as Error).message})`}`,
    );
  }
  // Read as what the file may hold (any JSON), not as what the type says it holds.
  const format = (manifest as { format?: unknown } | null)?.format;
  if (format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(
      `${dir}/manifest.json is not an RLTune checkpoint (format ${JSON.stringify(format)}, expected "${CHECKPOINT_FORMAT}")`,
    );
  }
  if (
    !Number.isInteger(manifest.version) ||
    manifest.version < OLDEST_CHECKPOINT_VERSION ||
    manifest.version > CHECKPOINT_VERSION
  ) {
    const older = manifest.version < OLDEST_CHECKPOINT_VERSION;
    throw new CheckpointError(
      `${dir}: checkpoint format version ${manifest.version} (written by RLTune ${manifest.rltune_version}); this RLTune ` +
        `(${VERSION}) reads version ${OLDEST_CHECKPOINT_VERSION} or ${CHECKPOINT_VERSION}. ${older ? 'Load it with the RLTune version that wrote it and retrain, or convert it.' : 'Upgrade RLTune to read it.'}`,
    );
  }
  const buf = dataBytes(dir, manifest);
  const file = manifest.tensors_file ?? 'tensors.bin';
  const tensors: Record<string, StoredArray> = {};
  for (const [name, e] of Object.entries(manifest.tensors ?? {})) {
    // The manifest is JSON a user may have edited: each entry is checked before it is used.
    const entry = e as Partial<Record<keyof TensorEntry, unknown>> | null;
    if (
      entry === null ||
      typeof entry !== 'object' ||
      !['float32', 'float64', 'int32'].includes(entry.dtype as string) ||
      !Number.isSafeInteger(entry.offset) ||
      !Number.isSafeInteger(entry.length) ||
      (entry.length as number) < 0
    )
      throw new CheckpointError(
        `${dir}/manifest.json: tensors.${name} is ${JSON.stringify(e)}; expected {dtype: "float32" | "float64" | "int32", offset, length} with non-negative integers`,
      );
    const Ctor = e.dtype === 'float32' ? Float32Array : e.dtype === 'float64' ? Float64Array : Int32Array;
    const bytes = e.length * Ctor.BYTES_PER_ELEMENT;
    if (!(e.offset >= 0 && e.offset + bytes <= buf.length)) {
      throw new CheckpointDamagedError(
        `${dir}: the checkpoint is damaged: ${file} is truncated or corrupt (array ${name} needs bytes ${e.offset}..${e.offset + bytes}, the file has ${buf.length})`,
      );
    }
    const copy = new Uint8Array(bytes);
    buf.copy(copy, 0, e.offset, e.offset + bytes);
    tensors[name] = new Ctor(copy.buffer);
  }
  const bad = nonFinite(tensors);
  if (bad !== null) {
    throw new CheckpointDamagedError(
      `${dir}: the checkpoint is damaged: array ${bad} (a checkpoint holds finite numbers only); retrain or restore it from a copy`,
    );
  }
  return { manifest, tensors };
}

/**
 * Converts a version 1 checkpoint in place: after the checks a version 1 load makes (bounds, finite numbers), its
 * manifest is rewritten as the current version, listing the unchanged tensors.bin with its size and SHA-256, so
 * that later damage is found. A current checkpoint is left as it is.
 */
export function upgradeCheckpoint(dir: string): CheckpointManifest {
  const { manifest } = readCheckpoint(dir);
  if (manifest.version === CHECKPOINT_VERSION) return manifest;
  const bytes = readFileSync(join(dir, 'tensors.bin'));
  const upgraded: CheckpointManifest = {
    ...manifest,
    version: CHECKPOINT_VERSION,
    converted_from: manifest.version,
    tensors_file: 'tensors.bin',
    files: { 'tensors.bin': { size: bytes.length, sha256: sha256(bytes) } },
  };
  commitCheckpoint(dir, {}, JSON.stringify(upgraded, null, 2) + '\n', ['tensors.bin']);
  return upgraded;
}

/** The array `name` of a checkpoint, checked against the expected type and length. */
export function tensorOf<T extends StoredArray>(
  ck: Checkpoint,
  name: string,
  Ctor: { new (n: number): T; name: string },
  length: number,
  dir = 'checkpoint',
): T {
  const t = ck.tensors[name];
  if (t === undefined)
    throw new CheckpointError(`${dir}: array ${name} is missing (the checkpoint does not match this algorithm)`);
  if (!(t instanceof Ctor) || t.length !== length) {
    throw new CheckpointError(
      `${dir}: array ${name} has ${t.length} ${t.constructor.name} entries, expected ${length} ${Ctor.name} entries (was it written for another env or network size?)`,
    );
  }
  return t;
}
