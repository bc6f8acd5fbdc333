#!/usr/bin/env node
// HDBSCAN benchmark: `segment cluster --algo hdbscan` (the built CLI) against R's dbscan::hdbscan on the same CSV,
// in one run. Wall time and peak resident memory of each process come from GNU time; the load average is printed
// with the result (record it in bench/RESULTS.md; measure on a quiet machine only). Needs `npm run build`, Debian
// r-base-core and r-cran-dbscan:
//
//   node bench/hdbscan.bench.mjs [rows=20000] [minPts=10] [features=2]
//
// The data: rows × features from 8 seeded Gaussian blobs (std 1) plus 2 % uniform noise, written to $BLOBS_DIR
// (default /tmp/blobs). R's hdbscan holds the n × n distance object (8·n²/2 bytes: 37 GiB at 100,000 rows), so past
// R_MAX_ROWS (default 40,000) only segment runs: compare at the largest size R can hold, e.g.
//
//   node bench/hdbscan.bench.mjs 20000 10 2; node bench/hdbscan.bench.mjs 100000 10 2
//   node bench/hdbscan.bench.mjs 20000 10 8; node bench/hdbscan.bench.mjs 100000 10 8
import { ari, timed } from './compare.mjs';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'bin', 'segment.js');
const dir = process.env.BLOBS_DIR ?? '/tmp/blobs';
const rows = Number(process.argv[2] ?? 20000);
const minPts = Number(process.argv[3] ?? 10);
const dims = Number(process.argv[4] ?? 2);
const rMax = Number(process.env.R_MAX_ROWS ?? 40000);

function blobs(n, d) {
  const path = join(dir, d === 2 ? `hdbscan_${n}x2.csv` : `hdbscan_${n}x${d}.csv`);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  let s = 20261206;
  const u = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), (s + 0.5) / 4294967296);
  const g = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const centres = Array.from({ length: 8 }, () => Array.from({ length: d }, () => u() * 40 - 20));
  const lines = [Array.from({ length: d }, (_, j) => `f${j}`).join(',')];
  for (let i = 0; i < n; i++) {
    if (u() < 0.02) lines.push(Array.from({ length: d }, () => (u() * 50 - 25).toFixed(6)).join(','));
    else {
      const c = centres[Math.floor(u() * 8)];
      lines.push(c.map((v) => (v + g()).toFixed(6)).join(','));
    }
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const file = blobs(rows, dims);
const out = join(dir, `hdbscan_${rows}x${dims}_segment.csv`);
const load = loadavg().map((v) => v.toFixed(2));
const ours = timed(process.execPath, [
  cli,
  'cluster',
  file,
  '--algo',
  'hdbscan',
  '--min-cluster-size',
  String(minPts),
  '-o',
  out,
  '-q',
]);
const text = readFileSync(out, 'utf8').trim().split('\n').slice(1);
const labels = text.map((l) => Number(l.split(',')[dims]));
const row = {
  op: `hdbscan_${rows}x${dims}`,
  minPts,
  segmentSeconds: ours.seconds,
  segmentPeakMB: ours.peakMB,
  loadAverage: load,
};
if (rows <= rMax) {
  const code = `suppressMessages(library(dbscan)); x <- as.matrix(read.csv(commandArgs(TRUE)[1])); r <- hdbscan(x, minPts = ${minPts}); cat(r$cluster, sep = "\\n")`;
  const ref = timed('/usr/bin/Rscript', ['-e', code, file]);
  const rl = ref.stdout
    .trim()
    .split('\n')
    .map((v) => (Number(v) === 0 ? -1 : Number(v)));
  Object.assign(row, {
    rSeconds: ref.seconds,
    rPeakMB: ref.peakMB,
    ratio: +(ours.seconds / ref.seconds).toFixed(2),
    ari: +ari(labels, rl).toFixed(6),
  });
} else row.r = `skipped: R's distance object needs ${((8 * rows * rows) / 2 / 2 ** 30).toFixed(1)} GiB`;
console.log(JSON.stringify(row));
