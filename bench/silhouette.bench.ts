// Silhouette benchmark: segment's exact blocked silhouette vs scikit-learn's `silhouette_score(X, y)` on the same
// rows, back to back in one run (algorithm only, data already in memory), then the sampled silhouette with its
// confidence interval on 1M rows (vs scikit-learn's `silhouette_score(sample_size=..., random_state=0)`).
//
//   npx tsx bench/silhouette.bench.ts [--threads 2] [--rows 50000] [--sample 10000] [--no-sklearn] [--coverage 20]
//
// --coverage N additionally runs the sampled silhouette with N seeds on the exact case's rows and counts how many
// intervals contain the exact value. Data: /usr/bin/python3 /work/shared/bench/make_blobs.py /tmp/blobs
// (blobs_100000x8 and blobs_1000000x8: make_blobs(centers=8, cluster_std=3.5, random_state=42)).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { Matrix } from '../src/core/matrix.js';
import { WorkerPool } from '../src/core/worker-pool.js';
import { silhouetteSampled, silhouetteScore } from '../src/evaluate/metrics.js';

const DIR = process.env.BLOBS_DIR ?? '/tmp/blobs';
const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
};
const threads = Number(opt('--threads', '2'));
const rows = Number(opt('--rows', '50000'));
const sampleSize = Number(opt('--sample', '10000'));
const coverage = Number(opt('--coverage', '0'));
const withSklearn = !args.includes('--no-sklearn');

function load(n: number, d: number, take = n): { X: Matrix; y: Int32Array; file: string } {
  const base = `${DIR}/blobs_${n}x${d}`;
  if (!existsSync(`${base}.f64`) || !existsSync(`${base}.labels`)) {
    console.error(`missing ${base}.f64/.labels (see the header of this script)`);
    process.exit(2);
  }
  const buf = readFileSync(`${base}.f64`);
  const data = new Float64Array(take * d);
  data.set(new Float64Array(buf.buffer, buf.byteOffset, take * d));
  const lb = readFileSync(`${base}.labels`);
  const y = new Int32Array(take);
  y.set(new Int32Array(lb.buffer, lb.byteOffset, take));
  return { X: { data, nRows: take, nCols: d }, y, file: base };
}

function sklearn(
  base: string,
  n: number,
  d: number,
  take: number,
  sample?: number,
): { seconds: number; value: number } {
  const py = `
import sys, time, json, numpy as np
from sklearn.metrics import silhouette_score
X = np.fromfile(sys.argv[1] + '.f64').reshape(${n}, ${d})[:${take}]
y = np.fromfile(sys.argv[1] + '.labels', dtype=np.int32)[:${take}]
t = time.perf_counter()
v = silhouette_score(X, y${sample ? `, sample_size=${sample}, random_state=0` : ''})
s = time.perf_counter() - t
print(json.dumps(dict(seconds=s, value=float(v))))
`;
  const out = execFileSync('/usr/bin/python3', ['-c', py, base], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as { seconds: number; value: number };
}

const pool = new WorkerPool(threads);
// Start the workers (and compile the kernels) outside the timings.
{
  const w = load(100_000, 8, 2_000);
  await silhouetteScore(w.X, w.y, { pool });
}

console.log(`\n== exact silhouette, first ${rows} rows of blobs_100000x8, ${threads} thread(s)`);
const a = load(100_000, 8, rows);
let t = performance.now();
const ours = await silhouetteScore(a.X, a.y, { pool });
const oursSec = (performance.now() - t) / 1000;
console.log(`segment      : ${oursSec.toFixed(2)} s  silhouette ${ours}`);
if (withSklearn) {
  const sk = sklearn(a.file, 100_000, 8, rows);
  const rel = Math.abs(ours - sk.value) / Math.abs(sk.value);
  console.log(`scikit-learn : ${sk.seconds.toFixed(2)} s  silhouette ${sk.value}`);
  console.log(
    `ratio segment/sklearn ${(oursSec / sk.seconds).toFixed(3)}  relative difference ${rel.toExponential(2)}`,
  );
}

if (coverage > 0) {
  let inside = 0;
  let width = 0;
  const m = Math.min(sampleSize, Math.floor(rows / 10));
  for (let seed = 0; seed < coverage; seed++) {
    const r = await silhouetteSampled(a.X, a.y, { pool, sampleSize: m, seed });
    if (r.lower <= ours && ours <= r.upper) inside++;
    width += r.upper - r.lower;
  }
  console.log(
    `coverage: ${inside}/${coverage} 95% intervals (sample ${m} of ${rows}) contain the exact value; mean width ${(width / coverage).toFixed(5)}`,
  );
}

console.log(`\n== sampled silhouette, blobs_1000000x8, sampleSize ${sampleSize}, ${threads} thread(s)`);
const b = load(1_000_000, 8);
t = performance.now();
const s = await silhouetteSampled(b.X, b.y, { pool, sampleSize, seed: 0 });
const sampledSec = (performance.now() - t) / 1000;
console.log(
  `segment      : ${sampledSec.toFixed(2)} s  mean ${s.mean.toFixed(6)}  ${s.confidence * 100}% CI [${s.lower.toFixed(6)}, ${s.upper.toFixed(6)}] (${s.method})`,
);
if (withSklearn) {
  const sk = sklearn(b.file, 1_000_000, 8, 1_000_000, sampleSize);
  console.log(
    `scikit-learn : ${sk.seconds.toFixed(2)} s  mean ${sk.value.toFixed(6)} (sample_size=${sampleSize}, random_state=0; no interval)`,
  );
}
await pool.close();
