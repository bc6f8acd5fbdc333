// Ward hierarchical clustering benchmark: segment's linkageTree + cutTree(k = 8) against scikit-learn's
// AgglomerativeClustering(n_clusters=8, linkage='ward') on the same CSV, back to back in one run (algorithm only,
// data already in memory on both sides). Prints both times, their ratio, and whether the two partitions agree.
//
//   npx tsx bench/ward.bench.ts [--n 20000] [--threads 2] [--heights]
//
// Data: the first n rows of blobs_100000x8.csv from `/usr/bin/python3 /work/shared/bench/make_blobs.py /tmp/blobs`
// (the rows scikit-learn's reference `sk_bench.py ward_20k` uses), written to a CSV of their own that both sides
// read. --heights also compares the merge heights with scipy.cluster.hierarchy.ward (untimed, slow).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cutTree, linkageTree } from '../src/cluster/hierarchical.js';
import type { Matrix } from '../src/core/matrix.js';
import { WorkerPool } from '../src/core/worker-pool.js';

const DIR = process.env.BLOBS_DIR ?? '/tmp/blobs';
const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
};
const n = Number(opt('--n', '20000'));
const threads = Number(opt('--threads', '2'));
const withHeights = args.includes('--heights');
const K = 8;

const source = `${DIR}/blobs_100000x8.csv`;
if (!existsSync(source)) {
  console.error(`missing ${source} (see the header of this script)`);
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), 'ward-bench-'));
const csv = join(work, `ward_${n}x8.csv`);
const lines = readFileSync(source, 'utf8').split('\n');
writeFileSync(csv, lines.slice(0, n + 1).join('\n') + '\n');

/** The 8 feature columns of the CSV (the 9th is the true label). */
function loadCsv(file: string): Matrix {
  const rows = readFileSync(file, 'utf8').trim().split('\n').slice(1);
  const d = 8;
  const data = new Float64Array(rows.length * d);
  rows.forEach((line, i) => {
    const cells = line.split(',');
    for (let j = 0; j < d; j++) data[i * d + j] = Number(cells[j]);
  });
  return { data, nRows: rows.length, nCols: d };
}

interface SkResult {
  seconds: number;
  heights?: number[];
}

function sklearn(labelsOut: string, heightsOut: string): SkResult {
  const py = `
import sys, time, json, numpy as np
from sklearn.cluster import AgglomerativeClustering
X = np.loadtxt(sys.argv[1], delimiter=',', skiprows=1, usecols=range(8))
t = time.perf_counter(); a = AgglomerativeClustering(n_clusters=${K}, linkage='ward').fit(X); s = time.perf_counter() - t
a.labels_.astype(np.int32).tofile(sys.argv[2])
if sys.argv[3] != '-':
    from scipy.cluster.hierarchy import ward
    ward(X)[:, 2].astype(np.float64).tofile(sys.argv[3])
print(json.dumps(dict(seconds=s)))
`;
  const out = execFileSync('/usr/bin/python3', ['-c', py, csv, labelsOut, withHeights ? heightsOut : '-'], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as SkResult;
}

/** Same partition (labels equal up to renaming)? */
function samePartition(a: Int32Array, b: Int32Array): boolean {
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if ((ab.get(x) ?? y) !== y || (ba.get(y) ?? x) !== x) return false;
    ab.set(x, y);
    ba.set(y, x);
  }
  return true;
}

async function ours(
  X: Matrix,
  nThreads: number,
): Promise<{ seconds: number; labels: Int32Array; heights: Float64Array }> {
  const pool = new WorkerPool(nThreads);
  // Start the workers outside the timing (scikit-learn's process is already running too).
  await linkageTree(
    { data: X.data.subarray(0, 2000 * 8), nRows: 2000, nCols: 8 },
    { linkage: 'ward', distance: 'euclidean', pool },
  );
  const t = performance.now();
  const tree = await linkageTree(X, { linkage: 'ward', distance: 'euclidean', pool });
  const labels = cutTree(tree, { nClusters: K });
  const seconds = (performance.now() - t) / 1000;
  await pool.close();
  return { seconds, labels, heights: tree.heights };
}

const X = loadCsv(csv);
console.log(`== ward ${X.nRows}×${X.nCols}, k = ${K} (${csv})`);
const labelsFile = join(work, 'sk.labels');
const heightsFile = join(work, 'sk.heights');
const sk = sklearn(labelsFile, heightsFile);
const skBuf = readFileSync(labelsFile);
const skLabels = new Int32Array(skBuf.buffer, skBuf.byteOffset, X.nRows).slice();
let skHeights: Float64Array | undefined;
if (withHeights) {
  const hb = readFileSync(heightsFile);
  skHeights = new Float64Array(hb.buffer, hb.byteOffset, X.nRows - 1).slice();
}
console.log(`sklearn             : ${sk.seconds.toFixed(2)} s`);
const results: Record<string, unknown>[] = [];
for (const th of [...new Set([1, threads])]) {
  const r = await ours(X, th);
  let line = `segment  ${th} thread(s): ${r.seconds.toFixed(2)} s  ratio ${(r.seconds / sk.seconds).toFixed(3)}  same partition as sklearn: ${samePartition(r.labels, skLabels)}`;
  let maxRel: number | undefined;
  if (skHeights) {
    maxRel = 0;
    for (let i = 0; i < skHeights.length; i++) {
      const rel = Math.abs(r.heights[i]! - skHeights[i]!) / Math.max(Math.abs(skHeights[i]!), 1e-300);
      if (rel > maxRel) maxRel = rel;
    }
    line += `  max relative height difference vs scipy ${maxRel.toExponential(2)}`;
  }
  console.log(line);
  results.push({
    bench: 'ward',
    n: X.nRows,
    d: X.nCols,
    threads: th,
    seconds: r.seconds,
    sklearnSeconds: sk.seconds,
    ratio: r.seconds / sk.seconds,
    samePartition: samePartition(r.labels, skLabels),
    ...(maxRel !== undefined ? { maxRelHeightDiff: maxRel } : {}),
  });
}
for (const r of results) console.log(JSON.stringify(r));
rmSync(work, { recursive: true, force: true });
