import { hostname } from 'node:os';
import {
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
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

/** A lock file this old that holds no readable record was left by a crash between create and write. */
const unreadableStaleMs = 60_000;

function readLock(path: string): Partial<LockInfo> | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
  } catch {
    return null;
  }
}

/**
 * Take the lock of an output folder so two overlapping runs cannot write the same outputs: the lock file is created
 * exclusively (O_EXCL). A lock left by a process of this host that no longer exists (or an unreadable lock older
 * than a minute) is stale: it is renamed away — only one of two runs racing for it can do that — and the lock is
 * created again. The release function removes the lock only while it is still this run's. O(1).
 * @throws DataError (exit 3) when another live run holds the folder.
 */
export function acquireLock(dir: string, logger: Logger): () => void {
  const path = join(dir, lockName);
  const me: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  const text = JSON.stringify(me) + '\n';
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, text);
      } finally {
        closeSync(fd);
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const held = readLock(path);
        if (held && held.pid === me.pid && held.started === me.started && held.host === me.host)
          rmSync(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new DataError(`${dir}: cannot create the run lock (${(e as Error).message})`);
      }
    }
    const held = readLock(path);
    let stale: boolean;
    if (held === null) {
      let age = 0;
      try {
        age = Date.now() - statSync(path).mtimeMs;
      } catch {
        continue; // gone meanwhile: try again
      }
      stale = age > unreadableStaleMs;
    } else {
      stale = held.host === me.host && typeof held.pid === 'number' && !alive(held.pid);
    }
    if (!stale) {
      throw new DataError(
        `${dir}: another run holds this output folder (pid ${String(held?.pid ?? '?')} on ${held?.host ?? '?'}, started ${held?.started ?? '?'})`,
        `wait for it to finish; if that run is gone, remove ${path}`,
      );
    }
    const moved = `${path}.stale-${process.pid}`;
    try {
      renameSync(path, moved);
    } catch {
      continue; // another run took it over first; the next attempt finds its lock
    }
    const got = readLock(moved);
    if (JSON.stringify(got) !== JSON.stringify(held)) {
      // Another run replaced the stale lock between our read and our rename: give its lock back.
      try {
        linkSync(moved, path);
      } finally {
        rmSync(moved, { force: true });
      }
      continue;
    }
    rmSync(moved, { force: true });
    logger.log('warn', `taking over a stale lock of pid ${String(held?.pid ?? '?')} (that process is gone)`);
  }
  throw new DataError(`${dir}: could not take the run lock`, `remove ${path} if no run is active`);
}
