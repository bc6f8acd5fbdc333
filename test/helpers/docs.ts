import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bin } from './cli.js';

/**
 * Put a `segment` executable running the built CLI into the folder `dir` (created if needed), as `npm link` would;
 * returns `dir`, to put first on PATH.
 */
export function segmentShim(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'segment');
  writeFileSync(path, `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`);
  chmodSync(path, 0o755);
  return dir;
}

/**
 * Does `output` show the `expected` lines in order, as a page shows a command's output? A line `...` or `…` alone
 * skips any number of lines (otherwise the lines must follow each other); `...` or `…` inside a line matches any text
 * (times, paths). Blank lines are layout and leading and trailing spaces are ignored on both sides; the no-break
 * spaces segment prints before units read as spaces. Returns undefined on a match, else the expected line that
 * could not be matched.
 */
export function findExpected(expected: readonly string[], output: string): string | undefined {
  const spaces = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');
  const out = spaces(output)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const elision = /\.\.\.|…/;
  const toRegex = (line: string) =>
    new RegExp(
      '^' +
        line
          .split(elision)
          .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*?') +
        '$',
    );
  const want = expected.map((raw) => spaces(raw).trim()).filter((l) => l !== '');
  // Backtracking match: `want[i..]` from output line `at`; `free` when an elision line (or the start) came before.
  let deepest = 0;
  const match = (i: number, at: number, free: boolean): boolean => {
    if (i === want.length) return true;
    deepest = Math.max(deepest, i);
    const line = want[i]!;
    if (line === '...' || line === '…') return match(i + 1, at, true);
    const re = toRegex(line);
    for (let j = at; j < out.length; j++) {
      if (re.test(out[j]!) && match(i + 1, j + 1, false)) return true;
      if (!free) break;
    }
    return false;
  };
  return match(0, 0, true) ? undefined : (want[deepest] ?? '');
}
