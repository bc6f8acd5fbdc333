/**
 * Propensity models on a 100k × 8 binary problem (scikit-learn's make_classification: 5 informative, 2 redundant,
 * 30 % positives, 5 % flipped labels, seed 0), trained on the first 50k rows and scored on the next 50k:
 *
 * - random forest, 100 trees: segment's histogram forest (2 worker threads, then 1) against
 *   RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=2);
 * - logistic regression (C = 1, standardised inputs): segment's Newton solver against
 *   LogisticRegression(solver="lbfgs") after StandardScaler.
 *
 * Both run in the same process run on the same rows; held-out ROC AUC is printed so speed is compared at equal
 * quality. Times cover the fit only (data in memory; the worker pool is started before timing). The logistic fit's
 * first repeat includes V8 compiling its loops; later repeats do not (the best repeat is reported).
 *
 * Then permutation importance, whole processes on a 7000 × 40 CSV (make_classification, seed 0): `segment predict
 * train --cv 5` (random forest, 5 repeats by default, 2 threads) against the same loop in scikit-learn (5 stratified
 * folds; RandomForestClassifier(n_estimators=100, n_jobs=2) on each training side, then
 * permutation_importance(n_repeats=5, scoring="roc_auc", n_jobs=2) on its held-out side). The permutation cost of
 * segment is the run minus a run with --permutation-repeats 0; scikit-learn times it directly. Needs `npm run build`.
 *
 * usage: npx tsx bench/predict.bench.ts [repeats] [--no-single] [--no-permutation]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkerPool } from '../src/core/worker-pool.js';
import { fitForest, type FittedForest } from '../src/forest/forest.js';
import { forestPositive } from '../src/predict/estimator.js';
import { fitLogistic, logisticDecision } from '../src/predict/logistic.js';
import { rocAuc } from '../src/predict/metrics.js';

const repeats = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1);
const single = !process.argv.includes('--no-single');
const dir = '/tmp/segment-predict-bench';
const d = 8;
const n = 50_000;

mkdirSync(dir, { recursive: true });
execFileSync('/usr/bin/python3', [
  '-c',
  `
import numpy as np
from sklearn.datasets import make_classification
X, y = make_classification(n_samples=${2 * n}, n_features=${d}, n_informative=5, n_redundant=2, weights=[0.7],
                           flip_y=0.05, class_sep=0.8, random_state=0)
X.astype(np.float64).tofile('${dir}/X.f64'); y.astype(np.float64).tofile('${dir}/y.f64')
`,
]);
const all = new Float64Array(readFileSync(`${dir}/X.f64`).buffer.slice(0));
const labels = new Float64Array(readFileSync(`${dir}/y.f64`).buffer.slice(0));
const X = { data: all.slice(0, n * d), nRows: n, nCols: d };
const y = labels.slice(0, n);
const Xtest = { data: all.slice(n * d, 2 * n * d), nRows: n, nCols: d };
const ytest = labels.slice(n, 2 * n);

interface SkResult {
  rf: { seconds: number; auc: number };
  lr: { seconds: number; auc: number };
}

function sklearn(): SkResult {
  const py = `
import json, time
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import roc_auc_score
X = np.fromfile('${dir}/X.f64').reshape(-1, ${d}); y = np.fromfile('${dir}/y.f64')
n = ${n}
t = time.perf_counter()
m = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=2).fit(X[:n], y[:n])
rf = dict(seconds=time.perf_counter() - t, auc=float(roc_auc_score(y[n:], m.predict_proba(X[n:])[:, 1])))
t = time.perf_counter()
sc = StandardScaler().fit(X[:n])
lr = LogisticRegression(C=1.0, solver='lbfgs').fit(sc.transform(X[:n]), y[:n])
lrr = dict(seconds=time.perf_counter() - t, auc=float(roc_auc_score(y[n:], lr.decision_function(sc.transform(X[n:])))))
print(json.dumps(dict(rf=rf, lr=lrr)))
`;
  const out = execFileSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as SkResult;
}

async function forest(pool: WorkerPool | undefined): Promise<{ seconds: number; f: FittedForest }> {
  const t = performance.now();
  const f = await fitForest(X, y, { nEstimators: 100, seed: 0 }, { pool });
  return { seconds: (performance.now() - t) / 1000, f };
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
let lrBest = Infinity;
let lrAuc = 0;
for (let rep = 0; rep < repeats; rep++) {
  const s = sklearn();
  // The best forest and the best logistic fit are kept apart: each side's best repeat of each model.
  const bestLr = sk && sk.lr.seconds < s.lr.seconds ? sk.lr : s.lr;
  sk = !sk || s.rf.seconds < sk.rf.seconds ? { ...s, lr: bestLr } : { ...sk, lr: bestLr };
  const a = await forest(pool);
  if (!two || a.seconds < two.seconds) two = a;
  let line = `repeat ${rep + 1}: sklearn rf ${s.rf.seconds.toFixed(3)} s, segment rf 2 threads ${a.seconds.toFixed(3)} s`;
  if (single) {
    const b = await forest(undefined);
    if (!one || b.seconds < one.seconds) one = b;
    line += `, 1 thread ${b.seconds.toFixed(3)} s`;
  }
  const t = performance.now();
  const fit = fitLogistic(X, y, { C: 1 });
  const lrSeconds = (performance.now() - t) / 1000;
  lrBest = Math.min(lrBest, lrSeconds);
  lrAuc = rocAuc(ytest, logisticDecision(fit, Xtest));
  line += `; logistic sklearn ${s.lr.seconds.toFixed(3)} s, segment ${lrSeconds.toFixed(3)} s`;
  console.log(line);
}
const auc = rocAuc(ytest, await forestPositive(two!.f, Xtest, pool));
await pool.close();

console.log(
  `\npropensity ${n}×${d} (make_classification, 30 % positive), held-out ${n} rows (best of ${repeats})`,
);
console.log(
  `random forest 100 trees   scikit-learn (n_jobs=2) ${sk!.rf.seconds.toFixed(3)} s  AUC ${sk!.rf.auc.toFixed(4)}`,
);
console.log(
  `                          segment, 2 threads      ${two!.seconds.toFixed(3)} s  AUC ${auc.toFixed(4)}  ratio ${(two!.seconds / sk!.rf.seconds).toFixed(2)}×`,
);
if (one)
  console.log(
    `                          segment, 1 thread       ${one.seconds.toFixed(3)} s  ratio ${(one.seconds / sk!.rf.seconds).toFixed(2)}×`,
  );
console.log(
  `logistic C=1              scikit-learn lbfgs      ${sk!.lr.seconds.toFixed(3)} s  AUC ${sk!.lr.auc.toFixed(4)}`,
);
console.log(
  `                          segment Newton          ${lrBest.toFixed(3)} s  AUC ${lrAuc.toFixed(4)}  ratio ${(lrBest / sk!.lr.seconds).toFixed(2)}×`,
);

if (!process.argv.includes('--no-permutation')) {
  const csv = `${dir}/p7k.csv`;
  execFileSync('/usr/bin/python3', [
    '-c',
    `
import numpy as np, pandas as pd
from sklearn.datasets import make_classification
X, y = make_classification(n_samples=7000, n_features=40, n_informative=10, n_redundant=5, weights=[0.7],
                           flip_y=0.05, random_state=0)
df = pd.DataFrame(X, columns=[f'f{i}' for i in range(40)]); df['churned'] = y; df.insert(0, 'id', range(7000))
df.to_csv('${csv}', index=False)
`,
  ]);
  const cli = join(fileURLToPath(new URL('..', import.meta.url)), 'bin', 'segment.js');
  const timed = (cmd: string, args: string[]): { wall: number; cpu: number; stdout: string } => {
    const t = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%U %S', cmd, ...args], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr.slice(-2000)}`);
    const [u, sy] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
    return { wall: (performance.now() - t) / 1000, cpu: u! + sy!, stdout: r.stdout };
  };
  const seg = (repeatsArg: number) =>
    timed(process.execPath, [
      cli,
      '--threads',
      '2',
      'predict',
      'train',
      csv,
      '--target',
      'churned',
      '--id',
      'id',
      '--cv',
      '5',
      '--permutation-repeats',
      String(repeatsArg),
      '--json',
    ]);
  const skPy = `
import json, time
import numpy as np, pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.inspection import permutation_importance
from sklearn.model_selection import StratifiedKFold
t0 = time.perf_counter()
df = pd.read_csv('${csv}')
X = df.drop(columns=['id', 'churned']).to_numpy(); y = df['churned'].to_numpy()
perm = 0.0
for tr, te in StratifiedKFold(5, shuffle=True, random_state=42).split(X, y):
    m = RandomForestClassifier(n_estimators=100, random_state=42, n_jobs=2).fit(X[tr], y[tr])
    t = time.perf_counter()
    permutation_importance(m, X[te], y[te], n_repeats=5, scoring='roc_auc', random_state=42, n_jobs=2)
    perm += time.perf_counter() - t
print(json.dumps(dict(total=time.perf_counter() - t0, perm=perm)))
`;
  const rows: string[] = [];
  let best:
    { segPerm: number; segCpu: number; skPerm: number; skTotal: number; segTotal: number } | undefined;
  for (let rep = 0; rep < repeats; rep++) {
    const full = seg(5);
    const none = seg(0);
    const skRun = timed('/usr/bin/python3', ['-c', skPy]);
    const sk = JSON.parse(skRun.stdout.trim().split('\n').pop()!) as { total: number; perm: number };
    const cur = {
      segPerm: full.wall - none.wall,
      segCpu: full.cpu - none.cpu,
      skPerm: sk.perm,
      skTotal: sk.total,
      segTotal: full.wall,
    };
    rows.push(
      `repeat ${rep + 1}: segment ${full.wall.toFixed(2)} s (cpu ${full.cpu.toFixed(2)} s), without permutation ${none.wall.toFixed(2)} s (cpu ${none.cpu.toFixed(2)} s); scikit-learn loop ${sk.total.toFixed(2)} s, of which permutation_importance ${sk.perm.toFixed(2)} s (process cpu ${skRun.cpu.toFixed(2)} s)`,
    );
    if (!best || cur.segPerm < best.segPerm) best = cur;
  }
  console.log(`\n${rows.join('\n')}`);
  console.log(`permutation importance 7000×40, 5 folds × 40 features × 5 repeats (best of ${repeats})`);
  console.log(
    `scikit-learn permutation_importance  ${best!.skPerm.toFixed(2)} s   whole loop ${best!.skTotal.toFixed(2)} s`,
  );
  console.log(
    `segment predict train --cv 5         ${best!.segPerm.toFixed(2)} s   whole run ${best!.segTotal.toFixed(2)} s   ratio ${(best!.segPerm / best!.skPerm).toFixed(2)}× (whole ${(best!.segTotal / best!.skTotal).toFixed(2)}×)`,
  );
}
