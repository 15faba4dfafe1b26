/**
 * Checkpoints: one directory with `manifest.json` (versioned) and `tensors.bin` (every array the algorithm
 * needs: weights, optimizer moments, normalization statistics, Q-tables), little-endian, each array at the
 * byte offset the manifest gives. The manifest also carries the algorithm, env id and kwargs, config, step
 * count, RLTune version and RNG states, so a checkpoint alone resumes training or acts in `rltune eval`.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERSION } from '../../version.js';

export const CHECKPOINT_FORMAT = 'rltune-checkpoint';
/** Bumped when the layout changes; `readCheckpoint` says what to do with older versions. */
export const CHECKPOINT_VERSION = 1;

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
  /** Anything else the algorithm keeps (RNG states, schedules, episode counters). */
  state: Record<string, unknown>;
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export interface Checkpoint {
  manifest: CheckpointManifest;
  tensors: Record<string, StoredArray>;
}

export function writeCheckpoint(
  dir: string,
  m: Omit<CheckpointManifest, 'format' | 'version' | 'rltune_version' | 'created' | 'tensors'>,
  tensors: Record<string, StoredArray>,
): string {
  mkdirSync(dir, { recursive: true });
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
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    rltune_version: VERSION,
    created: new Date().toISOString(),
    ...m,
    tensors: entries,
  };
  // Write to temporary names, then rename: a crash mid-save never leaves a half-written checkpoint.
  writeFileSync(join(dir, 'tensors.bin.tmp'), buf);
  writeFileSync(join(dir, 'manifest.json.tmp'), JSON.stringify(manifest, null, 2) + '\n');
  renameSync(join(dir, 'tensors.bin.tmp'), join(dir, 'tensors.bin'));
  renameSync(join(dir, 'manifest.json.tmp'), join(dir, 'manifest.json'));
  return dir;
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
  if (manifest.version !== CHECKPOINT_VERSION) {
    const older = manifest.version < CHECKPOINT_VERSION;
    throw new CheckpointError(
      `${dir}: checkpoint format version ${manifest.version} (written by RLTune ${manifest.rltune_version}); this RLTune ` +
        `(${VERSION}) reads version ${CHECKPOINT_VERSION}. ${older ? 'Load it with the RLTune version that wrote it and retrain, or convert it.' : 'Upgrade RLTune to read it.'}`,
    );
  }
  let buf: Buffer;
  try {
    buf = readFileSync(join(dir, 'tensors.bin'));
  } catch (err) {
    throw new CheckpointError(`${dir}: tensors.bin cannot be read: ${(err as Error).message}`);
  }
  const tensors: Record<string, StoredArray> = {};
  for (const [name, e] of Object.entries(manifest.tensors ?? {})) {
    const Ctor = e.dtype === 'float32' ? Float32Array : e.dtype === 'float64' ? Float64Array : Int32Array;
    const bytes = e.length * Ctor.BYTES_PER_ELEMENT;
    if (!(e.offset >= 0 && e.offset + bytes <= buf.length)) {
      throw new CheckpointError(
        `${dir}: tensors.bin is truncated or corrupt (array ${name} needs bytes ${e.offset}..${e.offset + bytes}, the file has ${buf.length})`,
      );
    }
    const copy = new Uint8Array(bytes);
    buf.copy(copy, 0, e.offset, e.offset + bytes);
    tensors[name] = new Ctor(copy.buffer);
  }
  return { manifest, tensors };
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
