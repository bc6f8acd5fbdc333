#!/usr/bin/env node
// Before/after check for refactors: runs every command on the bundled fixtures (and a seeded 12,000-row table)
// with the built CLI, then records the SHA-256 of every file written and of every command's stdout, with the
// wall-clock fields (seconds, timings, startedAt, finishedAt, threads) removed from JSON texts.
//
//   node scripts/output-snapshot.mjs snapshot.json              write the snapshot
//   node scripts/output-snapshot.mjs after.json --compare before.json   and list what differs (exit 1 if anything)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'segment.js');
// Inputs are copied into one fixed folder, so every path a command records is the same whatever the checkout's
// location: snapshots taken in two clones compare equal.
const dir = join(tmpdir(), 'segment-output-snapshot');
const fx = (f) => join(dir, 'fixtures', f);
const ex = (f) => join(dir, 'examples', f);
const { Random } = await import(join(root, 'dist', 'core', 'random.js'));

const args = process.argv.slice(2);
const outFile = args[0];
const compareWith = args.indexOf('--compare') >= 0 ? args[args.indexOf('--compare') + 1] : undefined;
if (!outFile) {
  console.error('usage: node scripts/output-snapshot.mjs OUT.json [--compare BEFORE.json]');
  process.exit(2);
}

function makeTable(n) {
  const rng = new Random(7);
  const centres = [
    [0, 0, 0, 0, 0, 0],
    [6, 1, -4, 2, 0, 3],
    [-5, 5, 3, -3, 4, -2],
    [2, -6, 5, 5, -4, 1],
  ];
  const lines = ['customer_id,x0,x1,x2,x3,x4,spend,plan,churned'];
  for (let i = 0; i < n; i++) {
    const c = centres[i % 4];
    const x = c.map((m) => m + rng.normal());
    const spend = Math.exp(3 + (0.5 * x[5]) / 3 + 0.3 * rng.normal());
    const plan = ['basic', 'plus', 'pro'][Math.floor(rng.next() * 3)];
    const churned = x[0] - x[2] + rng.normal() * 2 > 0 ? 1 : 0;
    const cell = (v, k) => (rng.next() < 0.01 && (k === 1 || k === 3) ? '' : v.toFixed(6));
    lines.push(
      `C${String(i).padStart(6, '0')},${x
        .slice(0, 5)
        .map((v, k) => cell(v, k))
        .join(',')},${spend.toFixed(2)},${plan},${churned}`,
    );
  }
  return lines.join('\n') + '\n';
}

const big = '../big.csv';
const num = 'x0,x1,x2,x3,x4,spend';
const ev = ['--id', 'customer_id', '--time', 'ts', '--amount', 'amount', '--event', 'event'];
/** [name, argv]; run in order in one folder, later steps read earlier outputs. Failures are recorded too. */
const steps = [
  ['ingest csv', ['ingest', big, '-o', 'big.parquet', '--json']],
  ['ingest customers csv', ['ingest', fx('customers.csv'), '-o', 'customers.csv']],
  ['ingest blobs json', ['ingest', fx('blobs.csv'), '-o', 'blobs.json']],
  ['ingest xlsx', ['ingest', fx('customers.xlsx'), '-o', 'xlsx.parquet', '--json']],
  ['ingest to xlsx', ['ingest', fx('customers.csv'), '-o', 'customers-out.xlsx']],
  ['ingest french', ['ingest', fx('export_fr.csv'), '--decimal', ',', '-o', 'fr.csv', '--json']],
  ['ingest na', ['ingest', fx('export_na.csv'), '-o', 'na.csv', '--json']],
  ['ingest latin1', ['ingest', fx('export_latin1.csv'), '-o', 'latin1.csv', '--json']],
  ['inspect', ['inspect', 'big.parquet', '--json']],
  ['inspect customers', ['inspect', fx('customers.csv'), '--json']],
  [
    'features',
    ['features', fx('events.csv'), ...ev, '--as-of', '2026-11-01', '-o', 'features.parquet', '--json'],
  ],
  [
    'features sessions',
    ['features', fx('events.csv'), ...ev, '--session', 'session_id', '-o', 'features2.csv', '--json'],
  ],
  ['features rfm rules', ['features', '--print-rfm-rules']],
  [
    'clean knn',
    [
      'clean',
      'big.parquet',
      '--id',
      'customer_id',
      '--exclude',
      'churned',
      '--log',
      'spend',
      '--impute',
      'knn',
      '--outliers',
      'iforest',
      '--outlier-action',
      'flag',
      '--scale',
      'zscore',
      '--encode',
      'onehot',
      '-o',
      'clean.parquet',
      '--model',
      'clean.json',
      '--json',
    ],
  ],
  [
    'clean customers',
    [
      'clean',
      fx('customers.csv'),
      '--id',
      'customer_id',
      '--past',
      'signup_date',
      '--as-of',
      '2026-01-01',
      '--dedupe',
      'email',
      '--fuzzy-dedupe',
      'name',
      '--impute',
      'median',
      '--scale',
      'robust',
      '-o',
      'customers-clean.csv',
      '--model',
      'customers-clean.json',
      '--json',
    ],
  ],
  [
    'clean minmax',
    [
      'clean',
      fx('customers.csv'),
      '--id',
      'customer_id',
      '--impute',
      'mean',
      '--scale',
      'minmax',
      '--encode',
      'ordinal',
      '-o',
      'minmax.parquet',
      '--model',
      'minmax.json',
    ],
  ],
  [
    'clean spark',
    [
      'clean',
      fx('customers.csv'),
      '--id',
      'customer_id',
      '--impute',
      'median',
      '--log',
      'income',
      '--scale',
      'zscore',
      '-o',
      'log.parquet',
      '--model',
      'log.json',
    ],
  ],
  [
    'cluster log',
    [
      'cluster',
      'log.parquet',
      '--id',
      'customer_id',
      '--k',
      '3',
      '-o',
      'log-k.parquet',
      '--model',
      'log-k.json',
    ],
  ],
  ['export-sql spark', ['export-sql', '--model', 'log-k.json', '--dialect', 'spark', '--table', 'c']],
  ['clean apply', ['clean', 'big.parquet', '--apply', 'clean.json', '-o', 'clean-applied.parquet', '--json']],
  [
    'select pca',
    [
      'select',
      'clean.parquet',
      '--id',
      'customer_id',
      '--features',
      num,
      '--max-corr',
      '0.95',
      '--pca',
      '0.9',
      '-o',
      'selected.parquet',
      '--model',
      'select.json',
      '--json',
    ],
  ],
  [
    'select rfe',
    [
      'select',
      'clean.parquet',
      '--id',
      'customer_id',
      '--features',
      num,
      '--rfe',
      '3',
      '--surrogate-k',
      '4',
      '--n-estimators',
      '20',
      '--rfe-sample',
      '4000',
      '-o',
      'rfe.parquet',
      '--json',
    ],
  ],
  [
    'select tsne',
    [
      'select',
      'clean.parquet',
      '--id',
      'customer_id',
      '--features',
      num,
      '--embed',
      'tsne',
      '--embed-sample',
      '800',
      '-o',
      'embedding.csv',
    ],
  ],
  ['select apply', ['select', 'clean.parquet', '--apply', 'select.json', '-o', 'selected-applied.parquet']],
  [
    'tune kmeans',
    [
      'tune',
      'selected.parquet',
      '--id',
      'customer_id',
      '--k',
      '2..5',
      '--n-init',
      '3',
      '--sample-size',
      '3000',
      '-o',
      'tune-kmeans.json',
      '--plot',
      'plots-kmeans',
    ],
  ],
  [
    'tune dbscan',
    ['tune', 'selected.parquet', '--id', 'customer_id', '--algo', 'dbscan', '--sample', '6000', '--json'],
  ],
  [
    'tune hier',
    [
      'tune',
      'selected.parquet',
      '--id',
      'customer_id',
      '--algo',
      'hierarchical',
      '--linkage',
      'ward,average',
      '--k',
      '2..5',
      '--sample',
      '2000',
      '-o',
      'tune-hier.json',
    ],
  ],
  [
    'cluster kmeans',
    [
      'cluster',
      'selected.parquet',
      '--id',
      'customer_id',
      '--k',
      '4',
      '-o',
      'kmeans.parquet',
      '--model',
      'kmeans.json',
      '--json',
    ],
  ],
  [
    'cluster kmeans baseline',
    [
      'cluster',
      'selected.parquet',
      '--id',
      'customer_id',
      '--k',
      '4',
      '--seed',
      '3',
      '--baseline',
      'kmeans.json',
      '-o',
      'kmeans-b.parquet',
      '--model',
      'kmeans-b.json',
      '--json',
    ],
  ],
  [
    'cluster dbscan',
    [
      'cluster',
      'selected.parquet',
      '--id',
      'customer_id',
      '--algo',
      'dbscan',
      '--eps',
      'auto',
      '-o',
      'dbscan.parquet',
      '--model',
      'dbscan.json',
      '--json',
    ],
  ],
  [
    'cluster hier',
    [
      'cluster',
      'selected.parquet',
      '--id',
      'customer_id',
      '--algo',
      'hierarchical',
      '--k',
      '4',
      '--sample',
      '7000',
      '-o',
      'hier.csv',
      '--model',
      'hier.json',
      '--json',
    ],
  ],
  [
    'cluster blobs',
    [
      'cluster',
      fx('blobs.csv'),
      '--k',
      '4',
      '--exclude',
      'label',
      '-o',
      'blobs-seg.csv',
      '--model',
      'blobs.json',
    ],
  ],
  [
    'cluster minmax',
    [
      'cluster',
      'minmax.parquet',
      '--id',
      'customer_id',
      '--k',
      '3',
      '-o',
      'minmax-k.csv',
      '--model',
      'minmax-k.json',
    ],
  ],
  [
    'assign minmax raw',
    ['assign', fx('customers.csv'), '--model', 'minmax-k.json', '-o', 'minmax-assigned.csv'],
  ],
  [
    'report',
    [
      'report',
      'kmeans.parquet',
      '--model',
      'kmeans.json',
      '--tune',
      'tune-kmeans.json',
      '--json',
      'report.json',
      '--html',
      'report.html',
      '--svg',
      'report-svg',
    ],
  ],
  ['report stdout', ['report', 'dbscan.parquet', '--model', 'dbscan.json', '--json']],
  ['report hier', ['report', 'hier.csv', '--model', 'hier.json', '--html', 'hier.html']],
  ['assign raw', ['assign', big, '--model', 'kmeans.json', '-o', 'assigned.parquet', '--json']],
  [
    'assign dbscan',
    ['assign', 'selected.parquet', '--model', 'dbscan.json', '-o', 'assigned-dbscan.csv', '--json'],
  ],
  ['stability two', ['stability', 'kmeans.parquet', 'assigned.parquet', '--id', 'customer_id', '--json']],
  [
    'stability two b',
    [
      'stability',
      'kmeans.parquet',
      'kmeans-b.parquet',
      '--id',
      'customer_id',
      '--features',
      'pc1,pc2',
      '--max-psi',
      '0.5',
      '--json',
    ],
  ],
  [
    'stability bootstrap',
    ['stability', 'kmeans.parquet', '--bootstrap', '4', '--model', 'kmeans.json', '--json'],
  ],
  [
    'predict train',
    [
      'predict',
      'train',
      'clean.parquet',
      '--target',
      'churned',
      '--id',
      'customer_id',
      '--features',
      num,
      '--n-estimators',
      '30',
      '--permutation-repeats',
      '2',
      '--model',
      'churn.json',
      '--html',
      'churn.html',
      '--report-json',
      'churn-report.json',
      '--json',
    ],
  ],
  [
    'predict train logistic',
    [
      'predict',
      'train',
      'clean.parquet',
      '--target',
      'churned',
      '--id',
      'customer_id',
      '--features',
      num,
      '--algo',
      'logistic',
      '--cv',
      '3',
      '--calibrate',
      'platt',
      '--model',
      'churn-lr.json',
      '--json',
    ],
  ],
  [
    'predict score',
    [
      'predict',
      'score',
      'big.parquet',
      '--model',
      'churn.json',
      '--deciles',
      '-o',
      'churn-scores.parquet',
      '--json',
    ],
  ],
  ['run nightly', ['run', ex('customers-nightly.yaml'), '--out-dir', 'nightly', '--json']],
  [
    'run nightly baseline',
    [
      'run',
      ex('customers-nightly.yaml'),
      '--out-dir',
      'nightly2',
      '--baseline',
      'nightly/model.json',
      '--json',
    ],
  ],
  ['run profile', ['run', ex('customers-profile.yaml'), '--out-dir', 'profile', '--json']],
  ['run blobs', ['run', ex('blobs-dbscan.yaml'), '--out-dir', 'blobs', '--json']],
  [
    'export-sql postgres',
    [
      'export-sql',
      '--model',
      'nightly/model.json',
      '--dialect',
      'postgres',
      '--table',
      'events',
      '-o',
      'nightly.sql',
    ],
  ],
  [
    'export-sql duckdb',
    [
      'export-sql',
      '--model',
      'minmax-k.json',
      '--dialect',
      'duckdb',
      '--table',
      'customers',
      '-o',
      'profile.sql',
    ],
  ],
  [
    'export-sql snowflake',
    ['export-sql', '--model', 'minmax-k.json', '--dialect', 'snowflake', '--table', 't'],
  ],
  [
    'export-sql bigquery',
    ['export-sql', '--model', 'minmax-k.json', '--dialect', 'bigquery', '--table', 'd.t'],
  ],
  // unhappy paths: the first line of stderr and the exit code are recorded
  ['bad k', ['cluster', 'selected.parquet', '--k', '0', '-o', 'x.parquet']],
  ['bad output=input', ['clean', 'big.parquet', '-o', 'big.parquet']],
  ['bad model', ['assign', 'big.parquet', '--model', 'report.json', '-o', 'y.parquet']],
];

const VOLATILE = new Set(['seconds', 'timings', 'startedAt', 'finishedAt', 'threads']);
function withoutClock(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  const strip = (v) =>
    Array.isArray(v)
      ? v.map(strip)
      : v === null || typeof v !== 'object'
        ? v
        : Object.fromEntries(
            Object.entries(v)
              .filter(([k]) => !VOLATILE.has(k))
              .map(([k, x]) => [k, strip(x)]),
          );
  return JSON.stringify(strip(value));
}
const sha = (b) => createHash('sha256').update(b).digest('hex');

rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
cpSync(join(root, 'fixtures'), join(dir, 'fixtures'), { recursive: true });
cpSync(join(root, 'examples'), join(dir, 'examples'), { recursive: true });
writeFileSync(join(dir, 'big.csv'), makeTable(12_000));
const work = join(dir, 'work');
mkdirSync(work);
const result = { commands: {}, files: {} };
for (const [name, argv] of steps) {
  const r = spawnSync(process.execPath, [bin, '--threads', '2', ...argv], { cwd: work, encoding: 'utf8' });
  const stderrFirst = (r.stderr.split('\n').find((l) => l.startsWith('segment:')) ?? '')
    .trim()
    .replaceAll(dir, '<tmp>');
  result.commands[name] = {
    code: r.status,
    stdout: sha(withoutClock(r.stdout).replaceAll(dir, '<tmp>')),
    error: r.status ? stderrFirst : undefined,
  };
  process.stderr.write(
    `${r.status === 0 ? 'ok ' : `rc${r.status}`} ${name}${r.status ? `: ${stderrFirst}` : ''}\n`,
  );
}
const walk = (d) =>
  readdirSync(d, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(d, f)).isFile())
    .sort();
for (const f of walk(work)) {
  const b = readFileSync(join(work, f));
  result.files[f] = sha(
    f.endsWith('manifest.json') ? withoutClock(b.toString('utf8')).replaceAll(dir, '<tmp>') : b,
  );
}
writeFileSync(outFile, JSON.stringify(result, null, 1) + '\n');
rmSync(dir, { recursive: true, force: true });
console.log(`${Object.keys(result.files).length} files, ${steps.length} commands → ${outFile}`);

if (compareWith) {
  const before = JSON.parse(readFileSync(compareWith, 'utf8'));
  const diffs = [];
  for (const kind of ['commands', 'files']) {
    const keys = new Set([...Object.keys(before[kind]), ...Object.keys(result[kind])]);
    for (const k of [...keys].sort()) {
      const a = JSON.stringify(before[kind][k]);
      const b = JSON.stringify(result[kind][k]);
      if (a !== b) diffs.push(`${kind} ${k}: ${a ?? 'absent'} → ${b ?? 'absent'}`);
    }
  }
  if (diffs.length) {
    console.log(`${diffs.length} differences:\n${diffs.join('\n')}`);
    process.exit(1);
  }
  console.log('identical: every command (exit code, stdout) and every file');
}
