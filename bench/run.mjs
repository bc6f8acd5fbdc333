#!/usr/bin/env node
// Run the benchmarks (outside the test suite). Each prints JSON lines with segment's time, the reference's
// time on the same data in the same run, and their ratio. Record results in bench/RESULTS.md.
//
//   npm run build && /usr/bin/python3 ../shared/bench/make_blobs.py /tmp/blobs && npm run bench [-- names...]
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const all = readdirSync(here)
  .filter((f) => /\.bench\.(mjs|ts)$/.test(f))
  .sort();
for (const f of all) {
  const name = f.replace(/\.bench\.(mjs|ts)$/, '');
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.error(`# ${name}`);
  const args = f.endsWith('.ts') ? ['--import', 'tsx', join(here, f)] : [join(here, f)];
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}
