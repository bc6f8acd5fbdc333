import { randomBytes } from 'node:crypto';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DataError } from '../core/errors.js';

/**
 * Write a file atomically: `write` fills a temporary file `.<name>.tmp-<pid>-<random>` in the destination's
 * folder, which is then renamed over `dest`. A failure (or a kill) leaves the destination as it was; the temp
 * file is removed on failure. A killed writer cannot remove its temp file: the next successful write of the
 * same `dest` removes the ones whose process no longer exists on this machine.
 */
export async function writeAtomic(dest: string, write: (tmpPath: string) => Promise<void>): Promise<void> {
  const tmp = join(dirname(dest), tempName(basename(dest)));
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
  await removeStaleTemps(dest);
}

/** The name of a temporary file for `name` in the same folder: `.<name>.tmp-<pid>-<random>`. */
export function tempName(name: string): string {
  return `.${name}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Best effort: delete temp files of `dest` left by killed writers (their pid is not running). */
export async function removeStaleTemps(dest: string): Promise<void> {
  const prefix = `.${basename(dest)}.tmp-`;
  for (const name of await readdir(dirname(dest)).catch(() => [])) {
    const pid = name.startsWith(prefix)
      ? /^(\d+)-[0-9a-f]{8}$/.exec(name.slice(prefix.length))?.[1]
      : undefined;
    if (pid !== undefined && !isRunning(Number(pid)))
      await rm(join(dirname(dest), name), { force: true }).catch(() => {});
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why a write failed, in words, for the file-system error codes a user can act on (undefined for others). */
export function writeFailureReason(code: string | undefined): string | undefined {
  switch (code) {
    case 'ENOENT':
      return 'the folder does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    case 'EEXIST':
      return 'a file is in the way';
    case 'EBADF':
      return 'it is closed';
    case 'EIO':
      return 'input/output error';
    default:
      return undefined;
  }
}

/** Turn a file-system error into a one-line DataError naming the output path. */
export function asWriteError(e: unknown, dest: string): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const reason = writeFailureReason(code);
  if (reason)
    return new DataError(
      `cannot write ${dest}: ${reason}`,
      code === 'ENOENT' ? 'create it first' : undefined,
    );
  // DuckDB's COPY reports file-system failures as text ("IO Error: … Permission denied").
  const text = e instanceof Error && !(e instanceof DataError) ? e.message : '';
  if (/IO Error/i.test(text)) {
    if (/Permission denied/i.test(text)) return new DataError(`cannot write ${dest}: permission denied`);
    if (/No space left/i.test(text))
      return new DataError(`cannot write ${dest}: no space left on the device`);
    if (/No such file or directory/i.test(text))
      return new DataError(`cannot write ${dest}: the folder does not exist`, 'create it first');
    return new DataError(`cannot write ${dest}: ${text.replace(/\s*\n\s*/g, ' ')}`);
  }
  return e;
}

/** The one-line error of a failed write to standard output. */
export function stdoutError(e: unknown): DataError {
  if (e instanceof DataError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const reason = writeFailureReason(code) ?? code ?? (e as Error | undefined)?.message ?? String(e);
  return new DataError(`cannot write to standard output: ${reason}`);
}
