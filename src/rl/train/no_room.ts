/**
 * A write that failed for want of room (a full disk, a quota, the process's file size limit) names no file when it
 * went through a descriptor: `noRoom` turns it into an error that says what could not be written and why.
 */
const NO_ROOM = new Set(['ENOSPC', 'EFBIG', 'EDQUOT']);

/** An error naming `what` (a file or a checkpoint) when `err` is a failure for want of room, else null. */
export function noRoom(err: unknown, what: string, after = ''): Error | null {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string' || !NO_ROOM.has(code)) return null;
  return new Error(`cannot write ${what}: no room on the disk or past the file size limit (${code})${after}`, {
    cause: err,
  });
}
