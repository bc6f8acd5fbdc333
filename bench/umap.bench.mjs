#!/usr/bin/env node
// UMAP benchmark: `segment select --embed umap` against `--embed tsne` (every row embedded) on the same CSV, and
// umap-learn (Debian umap-learn 0.5.3, when /usr/bin/python3 can import it) as the reference, in one run. Wall time
// and peak resident memory of each process come from GNU time; the trustworthiness (k = 5) of every embedding is
// measured by segment's own function on the same seeded 5,000 rows. The load average is printed with the result
// (record it in bench/RESULTS.md; measure on a quiet machine only). Needs `npm run build`:
//
//   node bench/umap.bench.mjs [rows=10000,20000]
//
// The data: rows × 8 from 10 seeded Gaussian blobs (std 1, centres N(0, 4²)), written to $BLOBS_DIR (default
// /tmp/blobs). Exact t-SNE's memory guard budgets 16·n² bytes (1.6 GB at 10,000 rows, 6.4 GB at 20,000; 918 MB
// peak measured at 10,000) and it costs O(n²) per iteration for 1,000 iterations (about 18 minutes at 10,000 rows
// under load); past TSNE_MAX_ROWS (default 20,000) it is skipped.
import { timed } from './compare.mjs';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'bin', 'segment.js');
const { trustworthiness } = await import(join(here, '..', 'dist', 'evaluate', 'trustworthiness.js'));
const { Random } = await import(join(here, '..', 'dist', 'core', 'random.js'));
const dir = process.env.BLOBS_DIR ?? '/tmp/blobs';
const sizes = (process.argv[2] ?? '10000,20000').split(',').map(Number);
const tsneMax = Number(process.env.TSNE_MAX_ROWS ?? 20000);
const D = 8;
const TRUST_ROWS = 5000;
const hasUmapLearn = spawnSync('/usr/bin/python3', ['-c', 'import umap'], { stdio: 'ignore' }).status === 0;

function blobs(n) {
  const path = join(dir, `umap_${n}x${D}.csv`);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  let s = 20261206;
  const u = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), (s + 0.5) / 4294967296);
  const g = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const centres = Array.from({ length: 10 }, () => Array.from({ length: D }, () => 4 * g()));
  const lines = [Array.from({ length: D }, (_, j) => `f${j}`).join(',')];
  for (let i = 0; i < n; i++) {
    const c = centres[Math.floor(u() * 10)];
    lines.push(c.map((m) => (m + g()).toFixed(6)).join(','));
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

/** Columns of a CSV of numbers with a header (the first `skip` columns left out). */
function readColumns(path, skip = 0) {
  const lines = readFileSync(path, 'utf8').trim().split('\n').slice(1);
  const width = lines[0].split(',').length - skip;
  const cols = Array.from({ length: width }, () => new Float64Array(lines.length));
  lines.forEach((l, i) =>
    l
      .split(',')
      .slice(skip)
      .forEach((v, j) => (cols[j][i] = Number(v))),
  );
  return cols;
}

/** Trustworthiness (k = 5) of an embedding (x, y of every row) on a seeded sample of TRUST_ROWS rows. */
function trust(X, x, y) {
  const rows = new Random(1).sampleIndices(x.length, Math.min(TRUST_ROWS, x.length));
  const pick = (a) => Float64Array.from(rows, (r) => a[r]);
  return +trustworthiness(X, pick(x), pick(y), 5, rows).toFixed(4);
}

for (const rows of sizes) {
  const file = blobs(rows);
  const X = readColumns(file);
  const row = { op: `embed_${rows}x${D}`, loadAverage: loadavg().map((v) => v.toFixed(2)) };
  for (const method of ['umap', 'tsne']) {
    if (method === 'tsne' && rows > tsneMax) {
      row.tsne = `skipped: past TSNE_MAX_ROWS (${tsneMax}); needs ${((16 * rows * rows) / 2 ** 30).toFixed(1)} GiB`;
      continue;
    }
    const out = join(dir, `umap_${rows}_${method}.csv`);
    const extra = method === 'tsne' ? ['--embed-sample', String(rows), '--memory-limit', '64GB'] : [];
    const r = timed(process.execPath, [cli, 'select', file, '--embed', method, ...extra, '-o', out, '-q']);
    const [x, y] = readColumns(out, 1);
    Object.assign(row, {
      [`${method}Seconds`]: r.seconds,
      [`${method}PeakMB`]: r.peakMB,
      [`${method}Trust5`]: trust(X, x, y),
    });
  }
  if (hasUmapLearn) {
    const out = join(dir, `umap_${rows}_umap_learn.csv`);
    const code =
      'import sys, warnings, numpy as np, umap; warnings.filterwarnings("ignore"); ' +
      'X = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1); ' +
      'E = umap.UMAP(random_state=1).fit_transform(X); ' +
      'np.savetxt(sys.argv[2], E, delimiter=",", header="x,y", comments="")';
    const r = timed('/usr/bin/python3', ['-c', code, file, out]);
    const [x, y] = readColumns(out);
    Object.assign(row, {
      umapLearnSeconds: r.seconds,
      umapLearnPeakMB: r.peakMB,
      umapLearnTrust5: trust(X, x, y),
      umapRatio: +(row.umapSeconds / r.seconds).toFixed(2),
    });
  }
  if (typeof row.tsneSeconds === 'number') row.umapVsTsne = +(row.umapSeconds / row.tsneSeconds).toFixed(3);
  console.log(JSON.stringify(row));
}
