#!/usr/bin/env node
// Whole-process cleaning benchmark: `segment clean <csv>` (the built CLI) against pandas `read_csv` + the
// equivalent pandas / scikit-learn steps on the same CSV file, in one run. Wall time, CPU time (user + system, all
// threads) and peak resident memory of each process come from GNU time; `ratio` compares wall times, `cpuRatio`
// CPU times (steadier on a busy machine). Needs `npm run build` and Debian python3-sklearn/python3-pandas; the customer
// table (200,000 customers plus ~6 % duplicates) is generated on first use into $CLEAN_BENCH_DIR (/tmp/clean-bench):
//
//   node bench/clean.bench.mjs [case...]      (cases: dedupe_rows impute_scale impute_scale_no_output iforest
//                                              fuzzy_dedupe)
//
// The pandas side writes no file: dedupe_rows and impute_scale_no_output are the same job on both sides;
// impute_scale also writes the cleaned table to Parquet on segment's side (pandas here has no Parquet engine).
// KNN imputation has its own benchmark (knn-impute.bench.ts); fuzzy_dedupe has no pandas counterpart and reports
// segment alone.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'bin', 'segment.js');
const dir = process.env.CLEAN_BENCH_DIR ?? '/tmp/clean-bench';
const py = '/usr/bin/python3';
const table = join(dir, 'customers.csv');

function run(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const [seconds, kb, user, sys] = last.split(' ').map(Number);
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return {
    seconds,
    cpuSeconds: Math.round((user + sys) * 100) / 100,
    peakMB: Math.round(kb / 1024),
    stdout: r.stdout,
  };
}

const numeric = '["age", "income", "spend", "visits"]';
const cases = {
  dedupe_rows: {
    segment: ['--dedupe-rows', '--json'],
    python: `df = df.drop_duplicates()`,
    quality: (s) => ({ rowsOut: s.nRowsOut }),
  },
  impute_scale: {
    segment: ['--impute', 'median', '--scale', 'zscore', '-o', join(dir, 'out.parquet'), '--json'],
    python: `from sklearn.impute import SimpleImputer
from sklearn.preprocessing import StandardScaler
X = StandardScaler().fit_transform(SimpleImputer(strategy="median").fit_transform(df[${numeric}]))`,
    quality: (s) => ({ imputed: s.imputation.total }),
  },
  // The same job as the pandas side, which writes nothing: segment computes and reports without an output file.
  impute_scale_no_output: {
    segment: ['--impute', 'median', '--scale', 'zscore', '--json'],
    python: `from sklearn.impute import SimpleImputer
from sklearn.preprocessing import StandardScaler
X = StandardScaler().fit_transform(SimpleImputer(strategy="median").fit_transform(df[${numeric}]))`,
    quality: (s) => ({ imputed: s.imputation.total }),
  },
  iforest: {
    segment: ['--impute', 'median', '--outliers', 'iforest', '--json'],
    python: `from sklearn.impute import SimpleImputer
from sklearn.ensemble import IsolationForest
X = SimpleImputer(strategy="median").fit_transform(df[${numeric}])
flags = IsolationForest(random_state=0).fit_predict(X)`,
    quality: (s) => ({ outliers: s.outliers.rows }),
  },
  fuzzy_dedupe: {
    segment: ['--dedupe-rows', '--fuzzy-dedupe', 'email', '--json'],
    python: null,
    quality: (s) => ({ rowsOut: s.nRowsOut }),
  },
};

if (!existsSync(table)) {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync(
    process.execPath,
    [
      join(here, '..', 'scripts', 'make-fixtures.mjs'),
      dir,
      '--table',
      '200000',
      '--customers',
      '10',
      '--blobs',
      '10',
    ],
    { stdio: 'inherit' },
  );
  if (r.status !== 0) process.exit(2);
}

const wanted = process.argv.slice(2);
for (const [name, c] of Object.entries(cases)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  const ours = run(process.execPath, [cli, '--quiet', 'clean', table, ...c.segment]);
  const result = {
    case: name,
    rows: 212_000,
    segment: { seconds: ours.seconds, cpuSeconds: ours.cpuSeconds, peakMB: ours.peakMB },
  };
  Object.assign(result.segment, c.quality(JSON.parse(ours.stdout)));
  if (c.python) {
    const code = `import sys, pandas as pd\ndf = pd.read_csv(sys.argv[1])\n${c.python}\n`;
    const ref = run(py, ['-c', code, table]);
    result.reference = { seconds: ref.seconds, cpuSeconds: ref.cpuSeconds, peakMB: ref.peakMB };
    result.ratio = Math.round((ours.seconds / ref.seconds) * 100) / 100;
    result.cpuRatio = Math.round((ours.cpuSeconds / ref.cpuSeconds) * 100) / 100;
  }
  console.log(JSON.stringify(result));
}
