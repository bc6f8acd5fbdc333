import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/core/random.js';
import { fixtures, runCli, tempDir, type RunResult } from '../helpers/cli.js';

// Every command, run three times on the same inputs: with --threads 1, with --threads 2, and again with
// --threads 1. Every file it writes and everything it prints on stdout must be byte-identical across the three
// rounds. The data is large enough for the kernels to split their work into several blocks (k-means, DBSCAN,
// KNN imputation, the isolation forest, silhouette, hierarchical scans, PCA moments, t-SNE, the forests), so a
// result that depended on how blocks land on threads would show here.
//
// The only wall-clock values segment prints are the `seconds` and `timings` fields of `--json` summaries and of a
// run's manifest.json, and the manifest's `startedAt` / `finishedAt`; the manifest also records `threads`. They
// are removed before comparing stdout and manifest.json; every other file is compared byte for byte.

const tmp = tempDir('segment-determinism-');
const data = join(tmp.dir, 'data');
const ROWS = 12_000;
const examples = resolve(fixtures, '../examples');

/** Seeded blobs with a category, a binary target, a few missing values and some skew. */
function makeTable(n: number): string {
  const rng = new Random(7);
  const centres = [
    [0, 0, 0, 0, 0, 0],
    [6, 1, -4, 2, 0, 3],
    [-5, 5, 3, -3, 4, -2],
    [2, -6, 5, 5, -4, 1],
  ];
  const lines = ['customer_id,x0,x1,x2,x3,x4,spend,plan,churned'];
  for (let i = 0; i < n; i++) {
    const c = centres[i % 4]!;
    const x = c.map((m) => m + rng.normal());
    const spend = Math.exp(3 + (0.5 * x[5]!) / 3 + 0.3 * rng.normal());
    const plan = ['basic', 'plus', 'pro'][Math.floor(rng.next() * 3)]!;
    const churned = x[0]! - x[2]! + rng.normal() * 2 > 0 ? 1 : 0;
    const cell = (v: number, k: number) => (rng.next() < 0.01 && (k === 1 || k === 3) ? '' : v.toFixed(6));
    lines.push(
      `C${String(i).padStart(6, '0')},${x
        .slice(0, 5)
        .map((v, k) => cell(v, k))
        .join(',')},${spend.toFixed(2)},${plan},${churned}`,
    );
  }
  return lines.join('\n') + '\n';
}

interface Step {
  name: string;
  args: string[];
}

const big = '../data/big.csv';
const customers = join(fixtures, 'customers.csv');
const events = join(fixtures, 'events.csv');
const blobs = join(fixtures, 'blobs.csv');
const numeric = 'x0,x1,x2,x3,x4,spend';

/** The commands of one round, run in order in the round's folder (later ones read earlier outputs). */
const steps: Step[] = [
  { name: 'ingest csv → parquet', args: ['ingest', big, '-o', 'big.parquet', '--json'] },
  { name: 'ingest → csv', args: ['ingest', customers, '-o', 'customers.csv'] },
  { name: 'ingest → json', args: ['ingest', blobs, '-o', 'blobs.json'] },
  { name: 'inspect', args: ['inspect', 'big.parquet', '--json'] },
  {
    name: 'features',
    args: [
      'features',
      events,
      '--id',
      'customer_id',
      '--time',
      'ts',
      '--amount',
      'amount',
      '--event',
      'event',
      '--as-of',
      '2026-11-01',
      '-o',
      'features.parquet',
      '--json',
    ],
  },
  {
    name: 'clean (knn impute, isolation forest, log, z-score, one-hot)',
    args: [
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
  },
  {
    name: 'clean (validation, exact and fuzzy dedupe, median, robust)',
    args: [
      'clean',
      customers,
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
  },
  {
    name: 'select (correlation filter, PCA)',
    args: [
      'select',
      'clean.parquet',
      '--id',
      'customer_id',
      '--features',
      numeric,
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
  },
  {
    name: 'select (RFE on a surrogate)',
    args: [
      'select',
      'clean.parquet',
      '--id',
      'customer_id',
      '--features',
      numeric,
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
  },
  {
    name: 'select (t-SNE embedding)',
    args: [
      'select',
      'clean.parquet',
      '--id',
      'customer_id',
      '--features',
      numeric,
      '--embed',
      'tsne',
      '--embed-sample',
      '800',
      '-o',
      'embedding.csv',
    ],
  },
  {
    name: 'select (UMAP embedding)',
    args: [
      'select',
      'clean.parquet',
      '--id',
      'customer_id',
      '--features',
      numeric,
      '--embed',
      'umap',
      '--embed-sample',
      '800',
      '--umap-epochs',
      '100',
      '-o',
      'embedding-umap.csv',
    ],
  },
  {
    name: 'tune k-means',
    args: [
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
  },
  {
    name: 'tune DBSCAN',
    args: [
      'tune',
      'selected.parquet',
      '--id',
      'customer_id',
      '--algo',
      'dbscan',
      '--sample',
      '6000',
      '--json',
    ],
  },
  {
    name: 'tune hierarchical',
    args: [
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
  },
  {
    name: 'cluster k-means',
    args: [
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
  },
  {
    name: 'cluster DBSCAN',
    args: [
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
  },
  {
    name: 'cluster hierarchical',
    args: [
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
  },
  {
    name: 'report',
    args: [
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
  },
  { name: 'report (stdout)', args: ['report', 'dbscan.parquet', '--model', 'dbscan.json', '--json'] },
  {
    name: 'report (UMAP projection, stdout)',
    args: [
      'report',
      'dbscan.parquet',
      '--model',
      'dbscan.json',
      '--projection',
      'umap',
      '--max-points',
      '500',
      '--json',
    ],
  },
  {
    name: 'assign (raw input)',
    args: ['assign', big, '--model', 'kmeans.json', '-o', 'assigned.parquet', '--json'],
  },
  {
    name: 'stability (two runs)',
    args: ['stability', 'kmeans.parquet', 'assigned.parquet', '--id', 'customer_id', '--json'],
  },
  {
    name: 'stability (bootstrap)',
    args: ['stability', 'kmeans.parquet', '--bootstrap', '4', '--model', 'kmeans.json', '--json'],
  },
  {
    name: 'predict train',
    args: [
      'predict',
      'train',
      'clean.parquet',
      '--target',
      'churned',
      '--id',
      'customer_id',
      '--features',
      numeric,
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
  },
  {
    name: 'predict score',
    args: [
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
  },
  {
    name: 'run',
    args: ['run', join(examples, 'customers-nightly.yaml'), '--out-dir', 'nightly', '--json'],
  },
  {
    name: 'export-sql',
    args: [
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
  },
];

const rounds = [
  { dir: 'threads-1', threads: 1 },
  { dir: 'threads-2', threads: 2 },
  { dir: 'threads-1-again', threads: 1 },
];

const results = new Map<string, RunResult[]>();

beforeAll(async () => {
  mkdirSync(data);
  writeFileSync(join(data, 'big.csv'), makeTable(ROWS));
  for (const round of rounds) {
    const cwd = join(tmp.dir, round.dir);
    mkdirSync(cwd);
    for (const step of steps) {
      const r = await runCli(['--threads', String(round.threads), ...step.args], { cwd });
      results.set(step.name, [...(results.get(step.name) ?? []), r]);
    }
  }
}, 1_200_000);
afterAll(() => tmp.cleanup());

/** Every file under `dir`, as paths relative to it, sorted. */
const walk = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();

const VOLATILE = new Set(['seconds', 'timings', 'startedAt', 'finishedAt', 'threads']);

/** Remove wall-clock fields (see the comment at the top) from a JSON text; other texts are returned as they are. */
function withoutClock(text: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => !VOLATILE.has(k))
        .map(([k, x]) => [k, strip(x)]),
    );
  };
  return JSON.stringify(strip(value));
}

describe('determinism: --threads 1, --threads 2 and a rerun give the same bytes', () => {
  it.each(steps.map((s) => [s.name]))('%s', (name) => {
    const runs = results.get(name)!;
    expect(runs).toHaveLength(3);
    for (const r of runs) expect(r.code, `${name}: ${r.stderr}`).toBe(0);
    const [a, ...others] = runs.map((r) => withoutClock(r.stdout));
    for (const o of others) expect(o, `${name}: stdout`).toBe(a);
  });

  it('writes the same files with the same bytes in every round', () => {
    const listings = rounds.map((r) => walk(join(tmp.dir, r.dir)));
    expect(listings[0]!.length).toBeGreaterThan(40);
    expect(listings[1]).toEqual(listings[0]);
    expect(listings[2]).toEqual(listings[0]);
    const differing: string[] = [];
    for (const f of listings[0]!) {
      const bytes = rounds.map((r) => readFileSync(join(tmp.dir, r.dir, f)));
      const same = (b: Buffer) =>
        f.endsWith('manifest.json')
          ? withoutClock(b.toString('utf8')) === withoutClock(bytes[0]!.toString('utf8'))
          : b.equals(bytes[0]!);
      if (!bytes.every(same)) differing.push(f);
    }
    expect(differing).toEqual([]);
  });

  it('leaves no temporary or staging files behind', () => {
    const left = walk(join(tmp.dir, rounds[0]!.dir)).filter((f) => /(^|\/)\.[^/]*tmp-|\.segment-/.test(f));
    expect(left).toEqual([]);
  });
});
