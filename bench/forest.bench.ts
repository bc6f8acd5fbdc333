/**
 * Random forest on 50k × 8 blobs (8 classes), 100 trees: segment's histogram forest (2 worker threads, then 1)
 * against scikit-learn's RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=2).fit(X, y), as
 * shared/bench/sk_bench.py's `rf_50k`, measured in the same run on the same rows. Both are also scored on the next
 * 50k rows of the file (held out), so speed is compared at equal accuracy.
 *
 * usage: npx tsx bench/forest.bench.ts [blobs_100000x8.f64] [repeats] [--no-single]
 * (default /tmp/blobs/blobs_100000x8.f64 with its .labels, 1 repeat; the best time of the repeats is reported).
 * Times cover the fit only (data in memory); the worker pool is started before timing.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { WorkerPool } from '../src/core/worker-pool.js';
import { fitForest, type FittedForest } from '../src/forest/forest.js';

const file = process.argv[2] ?? '/tmp/blobs/blobs_100000x8.f64';
const repeats = Number(process.argv[3] ?? 1);
const single = !process.argv.includes('--no-single');
const labelsFile = file.replace(/\.f64$/, '.labels');
const d = 8;
const n = 50_000;

const buf = readFileSync(file);
const all = new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
const lab = readFileSync(labelsFile);
const labels = new Int32Array(lab.buffer, lab.byteOffset, lab.byteLength / 4);
const X = { data: all.slice(0, n * d), nRows: n, nCols: d };
const y = labels.slice(0, n);
const Xtest = { data: all.slice(n * d, 2 * n * d), nRows: n, nCols: d };
const ytest = labels.slice(n, 2 * n);

interface SkResult {
  seconds: number;
  accuracy: number;
  nodes: number;
}

function sklearn(): SkResult {
  const py = `
import sys, time, json
import numpy as np
from sklearn.ensemble import RandomForestClassifier
X = np.fromfile(sys.argv[1]).reshape(-1, 8)
y = np.fromfile(sys.argv[2], dtype=np.int32)
n = ${n}
t = time.perf_counter()
m = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=2).fit(X[:n], y[:n])
s = time.perf_counter() - t
acc = float((m.predict(X[n:2 * n]) == y[n:2 * n]).mean())
print(json.dumps(dict(seconds=s, accuracy=acc, nodes=int(sum(e.tree_.node_count for e in m.estimators_)))))
`;
  const out = execFileSync('/usr/bin/python3', ['-c', py, file, labelsFile], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as SkResult;
}

async function ours(pool: WorkerPool | undefined): Promise<{ seconds: number; f: FittedForest }> {
  const t = performance.now();
  const f = await fitForest(X, y, { nEstimators: 100, seed: 0 }, { pool });
  return { seconds: (performance.now() - t) / 1000, f };
}

async function accuracy(f: FittedForest, pool: WorkerPool): Promise<number> {
  const pred = await f.predict(Xtest, pool);
  let hit = 0;
  for (let i = 0; i < n; i++) if (f.classes[pred[i]!] === ytest[i]) hit++;
  return hit / n;
}

const pool = new WorkerPool(2);
await fitForest(
  { data: X.data.slice(0, 2000 * d), nRows: 2000, nCols: d },
  y.slice(0, 2000),
  { nEstimators: 4 },
  { pool },
);

let sk: SkResult | undefined;
let two: { seconds: number; f: FittedForest } | undefined;
let one: { seconds: number; f: FittedForest } | undefined;
for (let rep = 0; rep < repeats; rep++) {
  const s = sklearn();
  if (!sk || s.seconds < sk.seconds) sk = s;
  const a = await ours(pool);
  if (!two || a.seconds < two.seconds) two = a;
  let line = `repeat ${rep + 1}: sklearn ${s.seconds.toFixed(3)} s, segment 2 threads ${a.seconds.toFixed(3)} s`;
  if (single) {
    const b = await ours(undefined);
    if (!one || b.seconds < one.seconds) one = b;
    line += `, 1 thread ${b.seconds.toFixed(3)} s`;
  }
  console.log(line);
}
const acc = await accuracy(two!.f, pool);
await pool.close();

console.log(`\nrandom forest ${n}×${d}, 8 classes, 100 trees (best of ${repeats})`);
console.log(
  `scikit-learn 1.2 (n_jobs=2)  ${sk!.seconds.toFixed(3)} s  held-out accuracy ${sk!.accuracy.toFixed(4)}  nodes ${sk!.nodes}`,
);
console.log(
  `segment, 2 threads           ${two!.seconds.toFixed(3)} s  held-out accuracy ${acc.toFixed(4)}  nodes ${two!.f.flat.feature.length}  ratio ${(two!.seconds / sk!.seconds).toFixed(2)}×`,
);
if (one)
  console.log(
    `segment, 1 thread            ${one.seconds.toFixed(3)} s  ratio ${(one.seconds / sk!.seconds).toFixed(2)}×`,
  );
