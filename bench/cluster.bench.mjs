#!/usr/bin/env node
// Whole-process clustering benchmark: `segment cluster <csv>` (the built CLI) against pandas `read_csv` +
// scikit-learn on the same CSV file, in one run. Wall time and peak resident memory of each process come from
// GNU time. Needs `npm run build`, Debian python3-sklearn/python3-pandas and the shared blobs:
//
//   /usr/bin/python3 ../shared/bench/make_blobs.py /tmp/blobs
//   node bench/cluster.bench.mjs [case...]      (cases: kmeans_1m dbscan_100k_2d dbscan_100k_8d dbscan_1m_2d ward_20k)
//
// ward_20k uses the first 20,000 rows of blobs_100000x8.csv (as the shared scikit-learn reference does);
// dbscan_1m_2d uses a 1M × 2 blob file this script writes next to the others (same generator settings as the
// 100k × 2 file) and measures segment only: its goal is memory, not a ratio.
//
// Each case prints one JSON row: whole-process seconds of both sides (`ratio`), the read and fit seconds each side
// reports (`fitRatio`: segment's fit, which includes naming the segments, against scikit-learn's `fit`) and the
// quality figures (k-means: `inertiaDiffPercent` against scikit-learn). SEGMENT_THREADS=n passes --threads n.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'bin', 'segment.js');
const dir = process.env.BLOBS_DIR ?? '/tmp/blobs';
const py = '/usr/bin/python3';

function derive(name, make) {
  const path = join(dir, name);
  if (!existsSync(path)) make(path);
  return path;
}
const files = {
  '1m8': () => join(dir, 'blobs_1000000x8.csv'),
  '100k2': () => join(dir, 'blobs_100000x2.csv'),
  '100k8': () => join(dir, 'blobs_100000x8.csv'),
  '20k8': () =>
    derive('blobs_20000x8.csv', (path) => {
      const lines = readFileSync(join(dir, 'blobs_100000x8.csv'), 'utf8').split('\n');
      writeFileSync(path, lines.slice(0, 20_001).join('\n') + '\n');
    }),
  '1m2': () =>
    derive('blobs_1000000x2.csv', (path) => {
      const code = `
import sys, numpy as np
from sklearn.datasets import make_blobs
X, y = make_blobs(n_samples=1_000_000, n_features=2, centers=8, cluster_std=1.0, random_state=42)
with open(sys.argv[1], "w") as f:
    f.write("f0,f1,label\\n")
    np.savetxt(f, np.column_stack([X, y]), delimiter=",", fmt=["%.6f"] * 2 + ["%d"])
`;
      run(py, ['-c', code, path]);
    }),
};

const cases = {
  kmeans_1m: {
    file: '1m8',
    segment: ['--algo', 'kmeans', '--k', '8', '--n-init', '10', '--seed', '0'],
    sklearn: 'KMeans(8, init="k-means++", n_init=10, random_state=0)',
    quality: (s) => ({ inertia: s.inertia }),
  },
  dbscan_100k_2d: {
    file: '100k2',
    segment: ['--algo', 'dbscan', '--eps', '0.3', '--min-samples', '10'],
    sklearn: 'DBSCAN(eps=0.3, min_samples=10)',
    quality: (s) => ({ clusters: s.nSegments, noise: s.noise }),
  },
  dbscan_100k_8d: {
    file: '100k8',
    segment: ['--algo', 'dbscan', '--eps', '6', '--min-samples', '10'],
    sklearn: 'DBSCAN(eps=6.0, min_samples=10)',
    quality: (s) => ({ clusters: s.nSegments, noise: s.noise }),
  },
  dbscan_1m_2d: {
    file: '1m2',
    segment: ['--algo', 'dbscan', '--eps', '0.3', '--min-samples', '10'],
    sklearn: null,
    quality: (s) => ({ clusters: s.nSegments, noise: s.noise }),
  },
  ward_20k: {
    file: '20k8',
    segment: ['--algo', 'hierarchical', '--linkage', 'ward', '--k', '8'],
    sklearn: 'AgglomerativeClustering(n_clusters=8, linkage="ward")',
    quality: (s) => ({ sizes: s.sizes }),
  },
};

function run(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const [seconds, kb] = last.split(' ').map(Number);
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return { seconds, peakMB: Math.round(kb / 1024), stdout: r.stdout };
}

const pyFit = (estimator) => `
import sys, json, time, numpy as np, pandas as pd
from sklearn.cluster import KMeans, DBSCAN, AgglomerativeClustering
t0 = time.perf_counter()
df = pd.read_csv(sys.argv[1])
X = df.drop(columns=["label"]).to_numpy(dtype=np.float64)
t1 = time.perf_counter()
m = ${estimator}.fit(X)
t2 = time.perf_counter()
lab = m.labels_
sizes = sorted(np.bincount(lab[lab >= 0]).tolist(), reverse=True)
print(json.dumps(dict(inertia=(float(m.inertia_) if hasattr(m, "inertia_") else None), clusters=int(lab.max() + 1),
                      noise=int((lab == -1).sum()), sizes=sizes, readSeconds=t1 - t0, fitSeconds=t2 - t1)))
`;

const wanted = process.argv.slice(2);
for (const [name, c] of Object.entries(cases)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  const file = files[c.file]();
  if (!existsSync(file)) {
    console.error(`missing ${file}: run ${py} ../shared/bench/make_blobs.py ${dir}`);
    process.exit(2);
  }
  const ours = run(process.execPath, [
    cli,
    'cluster',
    file,
    '--exclude',
    'label',
    ...c.segment,
    ...(process.env.SEGMENT_THREADS ? ['--threads', process.env.SEGMENT_THREADS] : []),
    '--json',
    '-q',
  ]);
  const summary = JSON.parse(ours.stdout);
  const row = {
    op: name,
    file,
    segmentSeconds: ours.seconds,
    segmentPeakMB: ours.peakMB,
    segment: c.quality(summary),
    readSeconds: summary.timings.readSeconds,
    fitSeconds: summary.timings.fitSeconds,
  };
  if (c.sklearn) {
    const ref = run(py, ['-c', pyFit(c.sklearn), file]);
    const r = JSON.parse(ref.stdout);
    Object.assign(row, {
      sklearnSeconds: ref.seconds,
      sklearnPeakMB: ref.peakMB,
      sklearn: c.quality({ inertia: r.inertia, nSegments: r.clusters, noise: r.noise, sizes: r.sizes }),
      sklearnReadSeconds: +r.readSeconds.toFixed(3),
      sklearnFitSeconds: +r.fitSeconds.toFixed(3),
      // Whole process (segment cluster against pandas read_csv + fit) and fit alone (segment's fit time, which
      // includes naming the segments, against scikit-learn's fit).
      ratio: +(ours.seconds / ref.seconds).toFixed(2),
      fitRatio: +(summary.timings.fitSeconds / r.fitSeconds).toFixed(2),
    });
    if (r.inertia != null && summary.inertia != null)
      row.inertiaDiffPercent = +(((summary.inertia - r.inertia) / r.inertia) * 100).toExponential(2);
  }
  console.log(JSON.stringify(row));
}
