/**
 * k-means on 1M × 8 blobs, k = 8, nInit = 10: segment (2 worker threads, then 1 thread) against scikit-learn's
 * KMeans(8, n_init=10, random_state=0).fit(X) measured in the same run on the same file.
 *
 * usage: npx tsx bench/kmeans.bench.ts [file.f64] [nCols] [repeats]
 * (default /tmp/blobs/blobs_1000000x8.f64, 8 columns, 1 repeat; the best time of the repeats is reported).
 * Times cover the algorithm only (data in memory, on a SharedArrayBuffer as the CLI allocates it for threads); the
 * worker pool is started before timing, as a CLI run starts it once for the whole command.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { kmeans, type KMeansResult } from '../src/cluster/kmeans.js';
import { WorkerPool } from '../src/core/worker-pool.js';

const file = process.argv[2] ?? '/tmp/blobs/blobs_1000000x8.f64';
const d = Number(process.argv[3] ?? 8);
const repeats = Number(process.argv[4] ?? 1);
const k = 8;
const nInit = 10;

const buf = readFileSync(file);
// On a SharedArrayBuffer, as `segment cluster` allocates the matrix when it runs threads (toMatrix(…, shared)).
const data = new Float64Array(new SharedArrayBuffer(buf.byteLength));
data.set(new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8));
const X = { data, nRows: data.length / d, nCols: d };

interface SkResult {
  seconds: number;
  inertia: number;
  nIter: number;
}

function sklearn(): SkResult {
  const py = `
import sys, time, json
import numpy as np
from sklearn.cluster import KMeans
X = np.fromfile(sys.argv[1]).reshape(-1, int(sys.argv[2]))
t = time.perf_counter()
km = KMeans(${k}, n_init=${nInit}, random_state=0).fit(X)
print(json.dumps(dict(seconds=time.perf_counter() - t, inertia=float(km.inertia_), nIter=int(km.n_iter_))))
`;
  const out = execFileSync('/usr/bin/python3', ['-c', py, file, String(d)], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as SkResult;
}

async function ours(pool: WorkerPool | undefined): Promise<{ seconds: number; r: KMeansResult }> {
  const t = performance.now();
  const r = await kmeans(X, { nClusters: k, nInit, pool });
  return { seconds: (performance.now() - t) / 1000, r };
}

const pool = new WorkerPool(2);
// Start the workers (and load the kernel module in each) outside the timed region.
await kmeans(
  { data: data.subarray(0, 20_000 * d), nRows: 20_000, nCols: d },
  { nClusters: k, nInit: 1, pool },
);

let sk: SkResult | undefined;
let two: { seconds: number; r: KMeansResult } | undefined;
let one: { seconds: number; r: KMeansResult } | undefined;
for (let rep = 0; rep < repeats; rep++) {
  const s = sklearn();
  if (!sk || s.seconds < sk.seconds) sk = s;
  const a = await ours(pool);
  if (!two || a.seconds < two.seconds) two = a;
  const b = await ours(undefined);
  if (!one || b.seconds < one.seconds) one = b;
  console.log(
    `repeat ${rep + 1}: sklearn ${s.seconds.toFixed(3)} s, segment 2 threads ${a.seconds.toFixed(3)} s, 1 thread ${b.seconds.toFixed(3)} s`,
  );
}
await pool.close();

const rel = (v: number): string => (((v - sk!.inertia) / sk!.inertia) * 100).toExponential(2);
console.log(`\nk-means ${X.nRows}×${d}, k=${k}, nInit=${nInit} (best of ${repeats})`);
console.log(
  `scikit-learn 1.2 KMeans    ${sk!.seconds.toFixed(3)} s  inertia ${sk!.inertia.toFixed(4)}  n_iter ${sk!.nIter}`,
);
for (const [name, m] of [
  ['segment, 2 threads', two!],
  ['segment, 1 thread', one!],
] as const) {
  console.log(
    `${name.padEnd(26)} ${m.seconds.toFixed(3)} s  inertia ${m.r.inertia.toFixed(4)}  nIter ${m.r.nIter}  ` +
      `(${m.r.algorithm})  ratio ${(m.seconds / sk!.seconds).toFixed(2)}  inertia diff ${rel(m.r.inertia)} %`,
  );
}
const same =
  two!.r.inertia === one!.r.inertia &&
  two!.r.labels.every((v, i) => v === one!.r.labels[i]) &&
  two!.r.centroids.every((v, i) => v === one!.r.centroids[i]);
console.log(`threads 1 vs 2 byte-identical: ${same}`);
