/**
 * PCA on 1M × 20 (the 8 blob columns plus 12 random linear combinations of them, as shared/bench/sk_bench.py's
 * `pca_1m`), keeping the fewest components explaining 85 % of the variance: segment's streamed-covariance PCA
 * (2 worker threads, then 1) against scikit-learn's PCA(n_components=0.85, svd_solver="full").fit(X), measured in
 * the same run on the same file.
 *
 * usage: npx tsx bench/pca.bench.ts [blobs_1000000x8.f64] [repeats]
 * (default /tmp/blobs/blobs_1000000x8.f64, 1 repeat; the best time of the repeats is reported). The 20-column file
 * is derived once next to the input (`pca_1000000x20.f64`). Times cover the fit only (data in memory as the
 * columns of a dataset, as `segment select` holds them); the worker pool is started before timing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { WorkerPool } from '../src/core/worker-pool.js';
import { fitPca, type PcaFit } from '../src/select/pca.js';

const source = process.argv[2] ?? '/tmp/blobs/blobs_1000000x8.f64';
const repeats = Number(process.argv[3] ?? 1);
const file = join(dirname(source), 'pca_1000000x20.f64');
const d = 20;

if (!existsSync(file)) {
  const make = `
import sys
import numpy as np
X = np.fromfile(sys.argv[1]).reshape(-1, 8)
X = np.hstack([X, X @ np.random.default_rng(0).normal(size=(8, 12))])
np.ascontiguousarray(X).tofile(sys.argv[2])
`;
  execFileSync('/usr/bin/python3', ['-c', make, source, file]);
}

const buf = readFileSync(file);
const flat = new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
const n = flat.length / d;
// Column-major, as a dataset's numeric columns.
const columns = Array.from({ length: d }, (_, j) => {
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) c[i] = flat[i * d + j]!;
  return c;
});

interface SkResult {
  seconds: number;
  components: number;
  explainedVariance: number[];
}

function sklearn(): SkResult {
  const py = `
import sys, time, json
import numpy as np
from sklearn.decomposition import PCA
X = np.fromfile(sys.argv[1]).reshape(-1, 20)
t = time.perf_counter()
p = PCA(n_components=0.85, svd_solver="full").fit(X)
s = time.perf_counter() - t
print(json.dumps(dict(seconds=s, components=int(p.n_components_), explainedVariance=p.explained_variance_.tolist())))
`;
  const out = execFileSync('/usr/bin/python3', ['-c', py, file], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as SkResult;
}

async function ours(pool: WorkerPool | undefined): Promise<{ seconds: number; fit: PcaFit }> {
  const t = performance.now();
  const fit = await fitPca({ columns, nRows: n }, { varianceRatio: 0.85 }, { pool });
  return { seconds: (performance.now() - t) / 1000, fit };
}

const pool = new WorkerPool(2);
await fitPca(
  { columns: columns.map((c) => c.subarray(0, 100_000)), nRows: 100_000 },
  { nComponents: 2 },
  { pool },
);

let sk: SkResult | undefined;
let two: { seconds: number; fit: PcaFit } | undefined;
let one: { seconds: number; fit: PcaFit } | undefined;
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

const maxRel = Math.max(
  ...sk!.explainedVariance.map((v, k) => Math.abs(two!.fit.explainedVariance[k]! - v) / v),
);
console.log(`\nPCA ${n}×${d}, variance fraction 0.85 (best of ${repeats})`);
console.log(`scikit-learn 1.2 PCA(full)  ${sk!.seconds.toFixed(3)} s  components ${sk!.components}`);
console.log(
  `segment, 2 threads          ${two!.seconds.toFixed(3)} s  components ${two!.fit.nComponents}  ratio ${(two!.seconds / sk!.seconds).toFixed(2)}×`,
);
console.log(
  `segment, 1 thread           ${one!.seconds.toFixed(3)} s  ratio ${(one!.seconds / sk!.seconds).toFixed(2)}×`,
);
console.log(`explained variance vs scikit-learn: max relative difference ${maxRel.toExponential(2)}`);
