#!/usr/bin/env node
// UMAP settings sweep: segment's `umap` (in process, one run at a time) and, with UMAP_LEARN=1, umap-learn on the
// same data, over negative sample rate × repulsion strength × min_dist × n_neighbors × epochs. Each setting prints
// one JSON line with its wall time and trustworthiness (k = 5, segment's function, the same seeded ≤ 5,000 rows as
// bench/umap.bench.mjs). Needs `npm run build` and the data of bench/umap.bench.mjs in $BLOBS_DIR:
//
//   node bench/umap-sweep.mjs rows 'nsr=5,10;gamma=1,2;minDist=0.1,0;k=15;epochs=500'
//
// Settings not given keep umap-learn's defaults (nsr 5, gamma 1, minDist 0.1, k 15, epochs 500 up to 10,000 rows).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const { umap } = await import(join(here, '..', 'dist', 'select', 'umap.js'));
const { trustworthiness } = await import(join(here, '..', 'dist', 'evaluate', 'trustworthiness.js'));
const { Random } = await import(join(here, '..', 'dist', 'core', 'random.js'));
const dir = process.env.BLOBS_DIR ?? '/tmp/blobs';
const rows = Number(process.argv[2] ?? 3000);
const spec = Object.fromEntries(
  (process.argv[3] ?? '')
    .split(';')
    .filter(Boolean)
    .map((p) => {
      const [key, values] = p.split('=');
      return [key, values.split(',').map(Number)];
    }),
);
const grid = {
  nsr: spec.nsr ?? [5],
  gamma: spec.gamma ?? [1],
  minDist: spec.minDist ?? [0.1],
  k: spec.k ?? [15],
  epochs: spec.epochs ?? [rows <= 10_000 ? 500 : 200],
};
const learn = process.env.UMAP_LEARN === '1';
const ours = process.env.OURS !== '0';

const file = join(dir, `umap_${rows}x8.csv`);
const lines = readFileSync(file, 'utf8').trim().split('\n').slice(1);
const columns = Array.from({ length: 8 }, () => new Float64Array(lines.length));
lines.forEach((l, i) => l.split(',').forEach((v, j) => (columns[j][i] = Number(v))));
const sample = new Random(1).sampleIndices(lines.length, Math.min(5000, lines.length));
const trust = (x, y) => {
  const pick = (a) => Float64Array.from(sample, (r) => a[r]);
  return +trustworthiness(columns, pick(x), pick(y), 5, sample).toFixed(4);
};

for (const nsr of grid.nsr)
  for (const gamma of grid.gamma)
    for (const minDist of grid.minDist)
      for (const k of grid.k)
        for (const epochs of grid.epochs) {
          const row = { rows, nsr, gamma, minDist, k, epochs };
          if (ours) {
            const t0 = performance.now();
            const e = umap(
              { columns, nRows: lines.length },
              { nNeighbors: k, minDist, nEpochs: epochs, negativeSampleRate: nsr, repulsionStrength: gamma },
            );
            row.seconds = +((performance.now() - t0) / 1000).toFixed(2);
            row.trust = trust(e.x, e.y);
          }
          if (learn) {
            const out = join(dir, `sweep_${rows}_learn.csv`);
            const code =
              'import sys, time, warnings, numpy as np, umap; warnings.filterwarnings("ignore"); ' +
              'X = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1); t = time.time(); ' +
              `E = umap.UMAP(random_state=1, n_neighbors=${k}, min_dist=${minDist}, n_epochs=${epochs}, ` +
              `negative_sample_rate=${nsr}, repulsion_strength=${gamma}).fit_transform(X); ` +
              'print(time.time() - t); np.savetxt(sys.argv[2], E, delimiter=",")';
            const r = spawnSync('/usr/bin/python3', ['-c', code, file, out], { encoding: 'utf8' });
            if (r.status !== 0) throw new Error(r.stderr.slice(-2000));
            const E = readFileSync(out, 'utf8')
              .trim()
              .split('\n')
              .map((l) => l.split(',').map(Number));
            row.learnSeconds = +Number(r.stdout.trim().split('\n').pop()).toFixed(2);
            row.learnTrust = trust(
              Float64Array.from(E, (p) => p[0]),
              Float64Array.from(E, (p) => p[1]),
            );
          }
          console.log(JSON.stringify(row));
        }
