import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Absolute path of the built CLI entry. */
export const bin = resolve(
  import.meta.dirname ?? new URL('.', import.meta.url).pathname,
  '../../bin/segment.js',
);
/** Absolute path of the bundled fixtures. */
export const fixtures = resolve(new URL('.', import.meta.url).pathname, '../../fixtures');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the built `segment` binary with `args` in `cwd`, feeding `input` on stdin. */
export function runCli(
  args: string[],
  opts: { cwd?: string; input?: string | Buffer; env?: Record<string, string> } = {},
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
    child.stdin.on('error', () => {});
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** A fresh temporary folder, removed by the returned cleanup function. */
export function tempDir(prefix = 'segment-test-'): {
  dir: string;
  cleanup: () => void;
  files: () => string[];
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
    files: () => readdirSync(dir).sort(),
  };
}
