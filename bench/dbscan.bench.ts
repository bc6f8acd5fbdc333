// DBSCAN benchmark: segment's kd-tree DBSCAN vs scikit-learn's DBSCAN on the same .f64 blob files, back to back
// in one run (algorithm only, data already in memory). Prints times, the ratio, cluster/noise/core counts, the
// adjusted Rand index between the two label sets and how many labels are identical. The 1M×2 case runs in a fresh
// child process so its peak resident memory (getrusage maxrss) is the algorithm's own.
//
//   npx tsx bench/dbscan.bench.ts [--threads 2] [--cases 100k2d,100k8d,1m2d] [--sk-1m]
//
// Data: /usr/bin/python3 /work/shared/bench/make_blobs.py /tmp/blobs, plus blobs_1000000x2.f64 with the same recipe
// (make_blobs(n_samples=1_000_000, n_features=2, centers=8, cluster_std=1.0, random_state=42)).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dbscan } from '../src/cluster/dbscan.js';
import type { Matrix } from '../src/core/matrix.js';
import { WorkerPool } from '../src/core/worker-pool.js';

const DIR = process.env.BLOBS_DIR ?? '/tmp/blobs';
const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
};
const threads = Number(opt('--threads', '2'));
const cases = opt('--cases', '100k2d,100k8d,1m2d').split(',');
const only = opt('--only', '');

interface Case {
  key: string;
  n: number;
  d: number;
  eps: number;
  minSamples: number;
  sklearn: boolean;
}
const CASES: Case[] = [
  { key: '100k2d', n: 100_000, d: 2, eps: 0.3, minSamples: 10, sklearn: true },
  { key: '100k8d', n: 100_000, d: 8, eps: 6, minSamples: 10, sklearn: true },
  { key: '1m2d', n: 1_000_000, d: 2, eps: 0.3, minSamples: 10, sklearn: args.includes('--sk-1m') },
];

function load(n: number, d: number): Matrix {
  const file = `${DIR}/blobs_${n}x${d}.f64`;
  if (!existsSync(file)) {
    console.error(`missing ${file} (see the header of this script)`);
    process.exit(2);
  }
  const buf = readFileSync(file);
  const data = new Float64Array(n * d);
  data.set(new Float64Array(buf.buffer, buf.byteOffset, n * d));
  return { data, nRows: n, nCols: d };
}

/** Adjusted Rand index (Hubert & Arabie 1985), noise (−1) treated as one more label, as scikit-learn does. */
function ari(a: Int32Array, b: Int32Array): number {
  const n = a.length;
  const pairs = new Map<number, number>();
  const ca = new Map<number, number>();
  const cb = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const x = a[i]! + 1;
    const y = b[i]! + 1;
    const key = x * 1_000_003 + y;
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
    ca.set(x, (ca.get(x) ?? 0) + 1);
    cb.set(y, (cb.get(y) ?? 0) + 1);
  }
  const c2 = (v: number): number => (v * (v - 1)) / 2;
  let sumIJ = 0;
  for (const v of pairs.values()) sumIJ += c2(v);
  let sumA = 0;
  for (const v of ca.values()) sumA += c2(v);
  let sumB = 0;
  for (const v of cb.values()) sumB += c2(v);
  const expected = (sumA * sumB) / c2(n);
  const max = (sumA + sumB) / 2;
  return max === expected ? 1 : (sumIJ - expected) / (max - expected);
}

function sklearn(c: Case, labelsOut: string): { seconds: number; clusters: number; noise: number } {
  const py = `
import sys, time, json, numpy as np
from sklearn.cluster import DBSCAN
X = np.fromfile(sys.argv[1]).reshape(${c.n}, ${c.d})
t = time.perf_counter(); db = DBSCAN(eps=${c.eps}, min_samples=${c.minSamples}).fit(X); s = time.perf_counter() - t
db.labels_.astype(np.int32).tofile(sys.argv[2])
print(json.dumps(dict(seconds=s, clusters=int(db.labels_.max() + 1), noise=int((db.labels_ == -1).sum()))))
`;
  const out = execFileSync('/usr/bin/python3', ['-c', py, `${DIR}/blobs_${c.n}x${c.d}.f64`, labelsOut], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as { seconds: number; clusters: number; noise: number };
}

async function ours(
  c: Case,
  nThreads: number,
): Promise<{ seconds: number; labels: Int32Array; nClusters: number; nNoise: number; nCore: number }> {
  const X = load(c.n, c.d);
  const pool = new WorkerPool(nThreads);
  // Start the workers outside the timing (scikit-learn's process is already running too).
  await dbscan(
    { data: X.data.subarray(0, 20_000 * c.d), nRows: 20_000, nCols: c.d },
    { eps: c.eps, minSamples: c.minSamples, pool },
  );
  const t = performance.now();
  const r = await dbscan(X, { eps: c.eps, minSamples: c.minSamples, pool });
  const seconds = (performance.now() - t) / 1000;
  await pool.close();
  return { seconds, labels: r.labels, nClusters: r.nClusters, nNoise: r.nNoise, nCore: r.nCore };
}

if (only !== '') {
  // Child mode: one case, ours only; report timing and peak RSS as JSON.
  const c = CASES.find((x) => x.key === only)!;
  const r = await ours(c, threads);
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  console.log(
    JSON.stringify({
      seconds: r.seconds,
      nClusters: r.nClusters,
      nNoise: r.nNoise,
      nCore: r.nCore,
      maxRssMB,
    }),
  );
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
for (const key of cases) {
  const c = CASES.find((x) => x.key === key);
  if (!c) continue;
  console.log(`\n== DBSCAN ${c.n}×${c.d} eps=${c.eps} minSamples=${c.minSamples}`);
  if (c.key === '1m2d') {
    for (const th of [1, threads]) {
      const res = spawnSync(
        process.execPath,
        [...process.execArgv, self, '--only', c.key, '--threads', String(th)],
        {
          encoding: 'utf8',
        },
      );
      const line = res.stdout.trim().split('\n').pop() ?? '';
      if (res.status !== 0 || !line.startsWith('{')) {
        console.log(`segment (${th} thread(s)) failed: ${res.stderr}`);
        continue;
      }
      const r = JSON.parse(line) as {
        seconds: number;
        nClusters: number;
        nNoise: number;
        nCore: number;
        maxRssMB: number;
      };
      console.log(
        `segment  ${th} thread(s): ${r.seconds.toFixed(2)} s  clusters ${r.nClusters}  noise ${r.nNoise}  core ${r.nCore}  peak RSS ${r.maxRssMB.toFixed(0)} MB (whole process)`,
      );
    }
    if (!c.sklearn) {
      console.log('scikit-learn: skipped (its neighbour lists need many GB here; pass --sk-1m to try)');
      continue;
    }
  }
  let sk: { seconds: number; clusters: number; noise: number } | undefined;
  let skLabels: Int32Array | undefined;
  if (c.sklearn) {
    const tmp = `/tmp/dbscan-bench-${process.pid}-${c.key}.labels`;
    sk = sklearn(c, tmp);
    const b = readFileSync(tmp);
    skLabels = new Int32Array(b.buffer, b.byteOffset, c.n).slice();
    rmSync(tmp);
    console.log(
      `sklearn            : ${sk.seconds.toFixed(2)} s  clusters ${sk.clusters}  noise ${sk.noise}`,
    );
  }
  if (c.key === '1m2d') continue;
  for (const th of [1, threads]) {
    const r = await ours(c, th);
    let line = `segment  ${th} thread(s): ${r.seconds.toFixed(2)} s  clusters ${r.nClusters}  noise ${r.nNoise}  core ${r.nCore}`;
    if (sk && skLabels) {
      let same = 0;
      for (let i = 0; i < c.n; i++) if (r.labels[i] === skLabels[i]) same++;
      line += `  ratio ${(r.seconds / sk.seconds).toFixed(3)}  ARI vs sklearn ${ari(r.labels, skLabels).toFixed(6)}  identical labels ${same}/${c.n}`;
    }
    console.log(line);
  }
}
