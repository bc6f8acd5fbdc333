#!/usr/bin/env node
// Whole-process tuning benchmark: `segment tune <csv> --algo kmeans --k 2..12` (every candidate scored by
// silhouette on a 10,000-row sample, Davies-Bouldin, Calinski-Harabasz, Dunn on the sample, inertia) against the
// equivalent scikit-learn loop on the same CSV (read_csv; for k in 2..12: KMeans(k, n_init=10).fit,
// silhouette_score(sample_size=10000), davies_bouldin_score, calinski_harabasz_score), in one run.
// Needs `npm run build`, Debian python3-sklearn/python3-pandas and the shared blobs (see cluster.bench.mjs).
//
//   node bench/tune.bench.mjs [/tmp/blobs/blobs_1000000x8.csv]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'bin', 'segment.js');
const file = process.argv[2] ?? '/tmp/blobs/blobs_1000000x8.csv';
if (!existsSync(file)) {
  console.error(`missing ${file}: run /usr/bin/python3 ../shared/bench/make_blobs.py /tmp/blobs`);
  process.exit(2);
}

function run(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const [seconds, kb] = (r.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return { seconds, peakMB: Math.round(kb / 1024), stdout: r.stdout };
}

const py = `
import sys, json, numpy as np, pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score, davies_bouldin_score, calinski_harabasz_score
X = pd.read_csv(sys.argv[1]).drop(columns=["label"]).to_numpy(dtype=np.float64)
best = None
for k in range(2, 13):
    m = KMeans(k, n_init=10, random_state=0).fit(X)
    s = silhouette_score(X, m.labels_, sample_size=10000, random_state=0)
    davies_bouldin_score(X, m.labels_); calinski_harabasz_score(X, m.labels_)
    if best is None or s > best[1]: best = (k, s)
print(json.dumps(dict(k=best[0], silhouette=best[1])))
`;
const ours = run(process.execPath, [
  cli,
  'tune',
  file,
  '--algo',
  'kmeans',
  '--k',
  '2..12',
  '--exclude',
  'label',
  '--json',
  '-q',
]);
const res = JSON.parse(ours.stdout);
const ref = run('/usr/bin/python3', ['-c', py, file]);
const sk = JSON.parse(ref.stdout);
console.log(
  JSON.stringify({
    op: 'tune_kmeans_2_12_1m',
    segmentSeconds: ours.seconds,
    segmentPeakMB: ours.peakMB,
    segmentBest: res.recommendation.params.k,
    sklearnSeconds: ref.seconds,
    sklearnPeakMB: ref.peakMB,
    sklearnBest: sk.k,
    ratio: +(ours.seconds / ref.seconds).toFixed(2),
  }),
);
