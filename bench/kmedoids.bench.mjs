#!/usr/bin/env node
// k-medoids benchmark: `segment cluster --algo kmedoids` (the built CLI) against R's cluster::pam on the same CSV, in
// one run. Wall time and peak resident memory from GNU time; the load average is printed with the result (record it
// in bench/RESULTS.md; measure on a quiet machine only). Needs `npm run build`, Debian r-base-core and r-cran-cluster:
//
//   node bench/kmedoids.bench.mjs [rows=5000] [k=8]
//
// Two runs on seeded data written to $BLOBS_DIR (default /tmp/blobs): euclidean on rows × 8 Gaussian blobs, and
// Gower on a mixed table (4 numeric columns with 2 % missing, 2 categorical) — R: pam(daisy(x, "gower"), k).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ari, timed } from './compare.mjs';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'segment.js');
const dir = process.env.BLOBS_DIR ?? '/tmp/blobs';
const rows = Number(process.argv[2] ?? 5000);
const k = Number(process.argv[3] ?? 8);

function data(kind) {
  const path = join(dir, `kmedoids_${kind}_${rows}.csv`);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  let s = 20261206;
  const u = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), (s + 0.5) / 4294967296);
  const g = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const centres = Array.from({ length: k }, () => Array.from({ length: 8 }, () => u() * 20 - 10));
  const plans = ['basic', 'plus', 'pro'];
  const regions = ['north', 'south', 'east', 'west'];
  const lines = [kind === 'euclidean' ? 'f0,f1,f2,f3,f4,f5,f6,f7' : 'f0,f1,f2,f3,plan,region'];
  for (let i = 0; i < rows; i++) {
    const c = Math.floor(u() * k);
    const x = centres[c].map((m) => (m + g()).toFixed(6));
    if (kind === 'euclidean') lines.push(x.join(','));
    else {
      const num = x.slice(0, 4).map((v) => (u() < 0.02 ? 'NA' : v));
      lines.push(
        [...num, plans[(c + (u() < 0.2 ? 1 : 0)) % 3], regions[(c + (u() < 0.3 ? 1 : 0)) % 4]].join(','),
      );
    }
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

for (const distance of ['euclidean', 'gower']) {
  const file = data(distance);
  const out = join(dir, `kmedoids_${distance}_${rows}_segment.csv`);
  const load = loadavg().map((v) => v.toFixed(2));
  const ours = timed(process.execPath, [
    cli, 'cluster', file, '--algo', 'kmedoids', '--distance', distance, '--k', String(k), '--memory-limit', '4GB',
    '-o', out, '--json', '-q',
  ]); // prettier-ignore
  const objective = JSON.parse(ours.stdout).objective.swap;
  const labels = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',').at(-1));
  const x = `x <- read.csv(commandArgs(TRUE)[1], stringsAsFactors = TRUE)`;
  const fit = distance === 'gower' ? `pam(daisy(x, metric = "gower"), ${k})` : `pam(x, ${k})`;
  const code = `suppressMessages(library(cluster)); ${x}; r <- ${fit}; cat(r$objective[2], r$clustering, sep = "\\n")`;
  const ref = timed('/usr/bin/Rscript', ['-e', code, file]);
  const [rObjective, ...rLabels] = ref.stdout.trim().split('\n').map(Number);
  console.log(
    JSON.stringify({
      op: `kmedoids_${distance}_${rows}`,
      k,
      segmentSeconds: ours.seconds,
      segmentPeakMB: ours.peakMB,
      rSeconds: ref.seconds,
      rPeakMB: ref.peakMB,
      ratio: +(ours.seconds / ref.seconds).toFixed(2),
      objective,
      rObjective,
      ari: +ari(labels, rLabels).toFixed(6),
      loadAverage: load,
    }),
  );
}
