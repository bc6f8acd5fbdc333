// Shared by the bench scripts that compare whole processes: wall time and peak RSS from GNU time, and the adjusted
// Rand index of two labelings.
import { spawnSync } from 'node:child_process';

/** Run a command under GNU time: its wall seconds, peak resident memory (MB) and stdout. Throws when it fails. */
export function timed(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const [seconds, kb] = last.split(' ').map(Number);
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return { seconds, peakMB: Math.round(kb / 1024), stdout: r.stdout };
}

/** Adjusted Rand index of two labelings of the same rows (1 = the same partition). O(n). */
export function ari(a, b) {
  const c2 = (x) => (x * (x - 1)) / 2;
  const count = (keys) => {
    const m = new Map();
    for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
    return [...m.values()].reduce((s, v) => s + c2(v), 0);
  };
  const sij = count(a.map((x, i) => `${x},${b[i]}`));
  const sa = count(a);
  const sb = count(b);
  const expected = (sa * sb) / c2(a.length);
  const max = (sa + sb) / 2;
  return max === expected ? 1 : (sij - expected) / (max - expected);
}
