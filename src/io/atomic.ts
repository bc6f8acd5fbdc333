import { randomBytes } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DataError } from '../core/errors.js';

/**
 * Write a file atomically: `write` fills a temporary file in the destination's folder, which is then
 * renamed over `dest`. A failure (or a kill) leaves the destination as it was; the temp file is removed
 * on failure.
 */
export async function writeAtomic(dest: string, write: (tmpPath: string) => Promise<void>): Promise<void> {
  const tmp = join(dirname(dest), `.${basename(dest)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const dir = await stat(dirname(dest)).catch(() => null);
  if (!dir?.isDirectory())
    throw new DataError(
      `cannot write ${dest}: the folder ${dirname(dest)} does not exist`,
      'create it first',
    );
  try {
    await write(tmp);
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true });
    throw asWriteError(e, dest);
  }
}

/** Turn a file-system error into a one-line DataError naming the output path. */
export function asWriteError(e: unknown, dest: string): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT')
    return new DataError(`cannot write ${dest}: the folder does not exist`, 'create it first');
  if (code === 'EACCES' || code === 'EPERM') return new DataError(`cannot write ${dest}: permission denied`);
  if (code === 'EISDIR') return new DataError(`cannot write ${dest}: it is a directory`);
  if (code === 'ENOSPC') return new DataError(`cannot write ${dest}: no space left on the device`);
  return e;
}
