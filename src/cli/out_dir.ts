/**
 * Output directories of the commands that write one (`rltune train --out`, `rltune export --out`): what is
 * there already is never overwritten unless the user says --force.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isCheckpointFile } from '../rl/train/checkpoint_files.js';
import { CliUsageError } from './usage_error.js';

/** The files of a run directory: its checkpoint (and the temporary names it is written under) and its log. */
const isRunFile = (name: string) => name === 'log.jsonl' || isCheckpointFile(name);

/**
 * The entries of `dir` (none when it does not exist). `flag` names the option in the errors; a file where a
 * directory should be is an error.
 */
export function outDirEntries(dir: string, flag = '--out'): string[] {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new CliUsageError(`${flag} ${dir} cannot be used: ${(err as Error).message}`);
  }
  if (!isDir) throw new CliUsageError(`${flag} ${dir} is a file, not a directory: name a directory (new or empty)`);
  return readdirSync(dir).sort();
}

function listed(entries: string[]): string {
  return entries.length > 5 ? `${entries.slice(0, 5).join(', ')}, ...` : entries.join(', ');
}

/**
 * Checks that `dir` can take a new training run: it does not exist or is empty, or, with `force`, it is a run
 * directory (only a checkpoint and a log). Returns whether an old run is there to be cleared (`clearRunDir`),
 * which the caller does once everything else is checked, so that a refused command loses nothing.
 */
export function checkRunDir(dir: string, force: boolean): boolean {
  const entries = outDirEntries(dir);
  if (entries.length === 0) return false;
  const what = entries.includes('manifest.json') ? 'a checkpoint' : `files (${listed(entries)})`;
  if (!force)
    throw new CliUsageError(
      `--out ${dir} already holds ${what}; pass --force to replace it, or --resume ${dir} to go on training it`,
    );
  const foreign = entries.filter((e) => !isRunFile(e));
  if (foreign.length > 0)
    throw new CliUsageError(
      `--out ${dir} holds files that rltune train did not write (${listed(foreign)}); --force replaces a run directory only: name another --out`,
    );
  return true;
}

/**
 * Starts a new run in a directory `checkRunDir` passed with --force: the log starts afresh, and the old checkpoint
 * stays until the new one's save replaces it in one rename (a run that fails, or a disk that fills, keeps it).
 */
export function clearRunDir(dir: string): void {
  for (const e of readdirSync(dir)) if (e === 'log.jsonl') rmSync(join(dir, e), { force: true });
}

/** Checks that `dir` can take an export: new, empty, or written into with --force. */
export function checkExportDir(dir: string, force: boolean): void {
  const entries = outDirEntries(dir);
  if (entries.length > 0 && !force)
    throw new CliUsageError(
      `--out ${dir} already holds files (${listed(entries)}); pass --force to write the export into it (files of the same name are replaced)`,
    );
}
