import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { silentLogger, type Logger } from '../../src/core/logger.js';
import { acquireLock, lockName } from '../../src/run/lock.js';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));
function fresh(): string {
  dir = mkdtempSync(join(tmpdir(), 'segment-lock-'));
  return join(dir, lockName);
}
function recorder(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    logger: { ...silentLogger, log: (level, m) => void (level === 'warn' && warnings.push(m)) },
  };
}

describe('acquireLock', () => {
  it('creates the lock with pid and host, and removes it on release (once)', () => {
    const path = fresh();
    const release = acquireLock(dir, silentLogger);
    const held = JSON.parse(readFileSync(path, 'utf8')) as { pid: number; host: string };
    expect(held.pid).toBe(process.pid);
    expect(held.host).toBe(hostname());
    expect(() => acquireLock(dir, silentLogger)).toThrow(DataError);
    release();
    expect(existsSync(path)).toBe(false);
    release();
  });

  it('refuses while a live process holds it, naming the holder', () => {
    const path = fresh();
    writeFileSync(path, JSON.stringify({ pid: process.pid, host: hostname(), started: 'T0' }));
    expect(() => acquireLock(dir, silentLogger)).toThrow(
      /another run holds this output folder \(pid \d+ on .*, started T0\)/,
    );
  });

  it('takes over the lock of a process that is gone, with a warning', () => {
    const path = fresh();
    writeFileSync(path, JSON.stringify({ pid: 2 ** 22 + 7, host: hostname(), started: 'T0' }));
    const { logger, warnings } = recorder();
    const release = acquireLock(dir, logger);
    expect(warnings.join()).toMatch(/stale lock/);
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    release();
  });

  it('an unreadable lock is held while young and stale once older than a minute', () => {
    const path = fresh();
    writeFileSync(path, '');
    expect(() => acquireLock(dir, silentLogger)).toThrow(DataError);
    const old = (Date.now() - 120_000) / 1000;
    utimesSync(path, old, old);
    acquireLock(dir, silentLogger)();
  });

  it('release leaves a lock that is no longer its own', () => {
    const path = fresh();
    const release = acquireLock(dir, silentLogger);
    writeFileSync(path, JSON.stringify({ pid: 1, host: 'other', started: 'T1' }));
    release();
    expect(existsSync(path)).toBe(true);
  });
});
