import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';

/** The throw-away cluster script (installs Debian postgresql when missing, initdb + pg_ctl on a loopback port). */
const script = resolve(new URL('.', import.meta.url).pathname, '../../scripts/postgres-test-cluster.sh');

/** A running throw-away PostgreSQL server: `url` carries the user and password (`postgres:…@127.0.0.1:PORT/postgres`). */
export interface PostgresServer {
  url: string;
  stop: () => Promise<void>;
}

let running: Promise<PostgresServer> | undefined;
let runningDir: string | undefined;
let stopped = false;

function stopSync(dir: string): void {
  spawnSync('bash', [script, 'stop', dir], { stdio: 'ignore' });
}

/**
 * Start a throw-away PostgreSQL cluster for the current test file (idempotent: later calls return the same server).
 * The cluster runs as the `postgres` user (when the tests run as root) on a free 127.0.0.1 port with password
 * authentication, in a temporary folder removed by `stop()`, by this module's `afterAll`, and on process exit.
 * Binaries come from /usr/lib/postgresql/<version>/bin; Debian `postgresql` is installed first when missing.
 */
export function startPostgres(): Promise<PostgresServer> {
  if (running) return running;
  stopped = false;
  const dir = mkdtempSync(join(tmpdir(), 'segment-pg-'));
  runningDir = dir;
  running = new Promise<PostgresServer>((resolvePromise, reject) => {
    execFile('bash', [script, 'start', dir], { timeout: 180_000 }, (err, stdout, stderr) => {
      if (err) {
        stopSync(dir);
        running = undefined;
        runningDir = undefined;
        reject(new Error(`could not start the test PostgreSQL cluster: ${stderr.trim() || err.message}`));
        return;
      }
      const url = stdout.trim().split('\n').pop() ?? '';
      resolvePromise({
        url,
        stop: () => stopPostgres(),
      });
    });
  });
  return running;
}

/** Stop the file's cluster (if started) and remove its folder; safe to call more than once. */
async function stopPostgres(): Promise<void> {
  const dir = runningDir;
  if (!dir || stopped) return;
  stopped = true;
  await running?.catch(() => undefined);
  await new Promise<void>((resolvePromise) => {
    execFile('bash', [script, 'stop', dir], () => resolvePromise());
  });
  running = undefined;
  runningDir = undefined;
}

afterAll(async () => {
  await stopPostgres();
});

process.on('exit', () => {
  if (runningDir && !stopped) stopSync(runningDir);
});
