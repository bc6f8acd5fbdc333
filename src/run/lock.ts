import { hostname } from 'node:os';
import { openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

/** File name of a run folder's lock. */
export const lockName = '.segment-run.lock';

/** What a lock file records about the run holding it. */
interface LockInfo {
  pid: number;
  host: string;
  started: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Take the lock of an output folder so two overlapping runs cannot write the same outputs: the lock file is created
 * exclusively (O_EXCL). A lock left by a process of this host that no longer exists is stale and taken over (with a
 * warning). Returns the release function. O(1).
 * @throws DataError (exit 3) when another live run holds the folder.
 */
export function acquireLock(dir: string, logger: Logger): () => void {
  const path = join(dir, lockName);
  const me: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, JSON.stringify(me) + '\n');
      } finally {
        closeSync(fd);
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new DataError(`${dir}: cannot create the run lock (${(e as Error).message})`);
      }
    }
    let held: Partial<LockInfo> = {};
    try {
      held = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
    } catch {
      // unreadable or half-written lock: treated as held unless its owner is known to be gone
    }
    const stale = held.host === me.host && typeof held.pid === 'number' && !alive(held.pid);
    if (!stale) {
      throw new DataError(
        `${dir}: another run holds this output folder (pid ${String(held.pid ?? '?')} on ${held.host ?? '?'}, started ${held.started ?? '?'})`,
        `wait for it to finish; if that run is gone, remove ${path}`,
      );
    }
    logger.log('warn', `taking over a stale lock of pid ${held.pid} (that process is gone)`);
    rmSync(path, { force: true });
  }
  throw new DataError(`${dir}: could not take the run lock`, `remove ${path} if no run is active`);
}
