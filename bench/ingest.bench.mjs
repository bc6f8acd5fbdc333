#!/usr/bin/env node
// Ingest benchmark: CSV 1M rows × 9 columns into typed columns, segment (DuckDB → Float64Array) vs pandas read_csv,
// in one run on the same file. Needs `npm run build` and Debian python3-pandas.
//
//   node bench/ingest.bench.mjs [/tmp/blobs/blobs_1000000x8.csv] [repeats]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readDataset } from '../dist/index.js';

const file = process.argv[2] ?? '/tmp/blobs/blobs_1000000x8.csv';
const repeats = Number(process.argv[3] ?? 3);
if (!existsSync(file)) {
  console.error(`missing ${file}: run /usr/bin/python3 ../shared/bench/make_blobs.py /tmp/blobs`);
  process.exit(2);
}

const ours = [];
let shape = '';
for (let r = 0; r < repeats; r++) {
  const t = performance.now();
  const ds = await readDataset(file);
  ours.push((performance.now() - t) / 1000);
  shape = `${ds.nRows}×${ds.nCols}`;
}
const py = `
import sys, time, pandas as pd
best = []
for _ in range(${repeats}):
    t = time.perf_counter(); df = pd.read_csv(sys.argv[1]); best.append(time.perf_counter() - t)
print(min(best), df.shape[0], df.shape[1])
`;
const [pandasSeconds] = execFileSync('/usr/bin/python3', ['-c', py, file], { encoding: 'utf8' })
  .trim()
  .split(' ')
  .map(Number);
const best = Math.min(...ours);
console.log(
  JSON.stringify({
    op: 'ingest_csv',
    file,
    shape,
    segmentSeconds: +best.toFixed(3),
    pandasSeconds: +pandasSeconds.toFixed(3),
    ratio: +(best / pandasSeconds).toFixed(2),
  }),
);
