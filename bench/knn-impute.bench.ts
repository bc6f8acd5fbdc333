// KNN imputation benchmark: segment's knnImpute vs scikit-learn's KNNImputer(n_neighbors=5).fit_transform on the
// same data with the same missing values, back to back in one run (algorithm only, data already in memory). The
// missing values are drawn in Python (`np.random.default_rng(0).random(X.shape) < 0.1`) and written with the data
// to a temporary .f64 file both sides read. Prints times, the ratio and the largest absolute difference between the
// two imputed matrices.
//
//   npx tsx bench/knn-impute.bench.ts [--threads 2] [--cases 10k,100k] [--sk-100k] [--repeat N]
//
// segment's time is the best of N runs (default 3 on 10k rows, 1 on 100k).
//
// Data: /usr/bin/python3 /work/shared/bench/make_blobs.py /tmp/blobs (blobs_10000x8.f64, blobs_100000x8.f64).
// scikit-learn on 100k rows takes minutes; it runs only with --sk-100k.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { knnImpute } from '../src/clean/knn-impute.js';
import type { Matrix } from '../src/core/matrix.js';
import { WorkerPool } from '../src/core/worker-pool.js';

const DIR = process.env.BLOBS_DIR ?? '/tmp/blobs';
const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
};
const threads = Number(opt('--threads', '2'));
const repeatOpt = opt('--repeat', '');
const cases = opt('--cases', '10k,100k').split(',');

interface Case {
  key: string;
  file: string;
  n: number;
  d: number;
  k: number;
  sklearn: boolean;
  repeat: number;
}
const CASES: Case[] = [
  { key: '10k', file: 'blobs_10000x8.f64', n: 10_000, d: 8, k: 5, sklearn: true, repeat: 3 },
  {
    key: '100k',
    file: 'blobs_100000x8.f64',
    n: 100_000,
    d: 8,
    k: 5,
    sklearn: args.includes('--sk-100k'),
    repeat: 1,
  },
];

/** Write the first n rows of the blob file with 10 % NaN (and scikit-learn's result when asked); time it. */
function python(c: Case, dataOut: string, imputedOut: string | undefined): number | undefined {
  const py = `
import sys, time, json, numpy as np
X = np.fromfile(sys.argv[1]).reshape(-1, ${c.d})[:${c.n}].copy()
X[np.random.default_rng(0).random(X.shape) < 0.1] = np.nan
X.tofile(sys.argv[2])
if len(sys.argv) > 3:
    from sklearn.impute import KNNImputer
    t = time.perf_counter(); Y = KNNImputer(n_neighbors=${c.k}).fit_transform(X); s = time.perf_counter() - t
    Y.tofile(sys.argv[3])
    print(json.dumps(dict(seconds=s)))
else:
    print(json.dumps(dict(seconds=None)))
`;
  const argv = ['-c', py, join(DIR, c.file), dataOut];
  if (imputedOut !== undefined) argv.push(imputedOut);
  const out = execFileSync('/usr/bin/python3', argv, { encoding: 'utf8', maxBuffer: 1 << 20 });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { seconds: number | null };
  return r.seconds ?? undefined;
}

function readF64(file: string, len: number): Float64Array {
  const buf = readFileSync(file);
  const out = new Float64Array(len);
  out.set(new Float64Array(buf.buffer, buf.byteOffset, len));
  return out;
}

const tmp = mkdtempSync(join(tmpdir(), 'knn-bench-'));
try {
  for (const key of cases) {
    const c = CASES.find((x) => x.key === key);
    if (!c) continue;
    if (!existsSync(join(DIR, c.file))) {
      console.error(`missing ${join(DIR, c.file)} (see the header of this script)`);
      process.exit(2);
    }
    const dataFile = join(tmp, `${c.key}.data.f64`);
    const skFile = c.sklearn ? join(tmp, `${c.key}.sklearn.f64`) : undefined;
    const skSeconds = python(c, dataFile, skFile);
    const X: Matrix = { data: readF64(dataFile, c.n * c.d), nRows: c.n, nCols: c.d };
    let nan = 0;
    for (const v of X.data) if (Number.isNaN(v)) nan++;
    console.log(
      `\n== KNNImputer(n_neighbors=${c.k}).fit_transform on ${c.n}×${c.d}, ${nan} NaN (load average ${loadavg()[0]!.toFixed(1)})`,
    );
    if (skSeconds !== undefined) console.log(`sklearn            : ${skSeconds.toFixed(3)} s`);
    else console.log('sklearn            : skipped (pass --sk-100k)');
    const repeat = repeatOpt === '' ? c.repeat : Number(repeatOpt);
    const skOut = skFile !== undefined ? readF64(skFile, c.n * c.d) : undefined;

    for (const th of [1, threads]) {
      const pool = new WorkerPool(th);
      // Start the workers outside the timing (scikit-learn's process is already running too).
      await knnImpute(
        { data: X.data.subarray(0, 2000 * c.d), nRows: 2000, nCols: c.d },
        { data: X.data.subarray(0, 2000 * c.d), nRows: 2000, nCols: c.d },
        { k: c.k, pool },
      );
      let best = Infinity;
      let result: Awaited<ReturnType<typeof knnImpute>> | undefined;
      for (let rep = 0; rep < repeat; rep++) {
        const t = performance.now();
        result = await knnImpute(X, X, { k: c.k, pool });
        best = Math.min(best, (performance.now() - t) / 1000);
      }
      await pool.close();
      let line = `segment  ${th} thread(s): ${best.toFixed(3)} s (best of ${repeat})  imputed ${result!.nImputed}  mean fallbacks ${result!.fallbackToMean}`;
      if (skSeconds !== undefined && skOut !== undefined) {
        let maxDiff = 0;
        let differing = 0;
        const a = result!.imputed.data;
        for (let i = 0; i < a.length; i++) {
          const diff = Math.abs(a[i]! - skOut[i]!);
          if (diff > maxDiff) maxDiff = diff;
          if (diff > 1e-9 * Math.max(1, Math.abs(skOut[i]!))) differing++;
        }
        line += `  ratio ${(best / skSeconds).toFixed(3)}  max |diff| vs sklearn ${maxDiff.toExponential(2)}  values differing > 1e-9: ${differing}`;
      }
      console.log(line);
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
