import { DataError, invalidParameter } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { Matrix } from '../core/matrix.js';
import { Random } from '../core/random.js';
import type { WorkerPool } from '../core/worker-pool.js';
import { argmaxRows, binnedAccuracy, type FittedForest } from './forest.js';
import type { Labels } from './labels.js';

/** Result of a permutation importance run (scikit-learn's `permutation_importance`, accuracy as the score). */
export interface PermutationImportance {
  /** Accuracy on the data as given. */
  baselineScore: number;
  /** Mean drop in accuracy when the column is shuffled, per column. */
  importancesMean: Float64Array;
  /** Population standard deviation of the drop over the repeats. */
  importancesStd: Float64Array;
  /** d × nRepeats drops, row-major. */
  importances: Float64Array;
}

/** Options of {@link permutationImportance}. */
export interface PermutationOptions {
  /** Shuffles per column. Default 5. */
  nRepeats?: number | undefined;
  /** Seed of the shuffles (column j, repeat r uses stream j · nRepeats + r). Default 42. */
  seed?: number | undefined;
  pool?: WorkerPool | undefined;
  /** Progress over the shuffles (columns × repeats); the result never depends on it. */
  logger?: Logger | undefined;
}

function checkRepeats(nRepeats: number): void {
  if (!Number.isInteger(nRepeats) || nRepeats < 1) {
    throw invalidParameter('forest.permutationImportance', 'nRepeats', 'an int in [1, inf)', nRepeats);
  }
}

/**
 * Permutation importance (Breiman 2001; scikit-learn's `permutation_importance`): the drop in accuracy when one
 * column's values are shuffled, breaking its link with the target, repeated `nRepeats` times. Measure it on held-out
 * rows: on the training rows a fully grown forest is nearly perfect whatever is shuffled.
 *
 * Complexity: O(d · nRepeats · n · nTrees · depth) time, O(n · d) memory for the shuffled copy.
 * @throws DataError when y's length differs from the rows; UsageError for an invalid nRepeats.
 */
export async function permutationImportance(
  forest: FittedForest,
  X: Matrix,
  y: Labels,
  opts: PermutationOptions = {},
): Promise<PermutationImportance> {
  const nRepeats = opts.nRepeats ?? 5;
  const seed = opts.seed ?? 42;
  checkRepeats(nRepeats);
  const { nRows: n, nCols: d } = X;
  if (y.length !== n) throw new DataError(`the target has ${y.length} values for ${n} rows`);
  const code = new Map<string | number, number>(forest.classes.map((c, k) => [c, k]));
  const truth = new Int32Array(n);
  for (let i = 0; i < n; i++) truth[i] = code.get(y[i] as string | number) ?? -1;
  const K = forest.classes.length;
  const accuracy = async (M: Matrix): Promise<number> => {
    const pred = argmaxRows(await forest.predictProba(M, opts.pool), K);
    let hit = 0;
    for (let i = 0; i < n; i++) if (pred[i] === truth[i]) hit++;
    return n > 0 ? hit / n : 0;
  };
  const baselineScore = await accuracy(X);
  const shared = opts.pool !== undefined && opts.pool.nThreads > 1;
  const data = shared
    ? new Float64Array(new SharedArrayBuffer(Math.max(8, n * d * 8)), 0, n * d)
    : new Float64Array(n * d);
  data.set(X.data.subarray(0, n * d));
  const M: Matrix = { data, nRows: n, nCols: d };
  const column = new Float64Array(n);
  const importances = new Float64Array(d * nRepeats);
  const progress = (opts.logger ?? silentLogger).progress('permutation shuffles', d * nRepeats);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) column[i] = X.data[i * d + j]!;
    for (let r = 0; r < nRepeats; r++) {
      const perm = new Random(seed, j * nRepeats + r).shuffle(column.slice());
      for (let i = 0; i < n; i++) data[i * d + j] = perm[i]!;
      importances[j * nRepeats + r] = baselineScore - (await accuracy(M));
      progress.tick();
    }
    for (let i = 0; i < n; i++) data[i * d + j] = column[i]!;
  }
  progress.done();
  return { baselineScore, ...summarise(importances, d, nRepeats) };
}

/**
 * Permutation importance on binned rows (column-major m × dAll, the forest's training binning), shuffling only the
 * given columns (others get 0). Used by RFE, where it avoids going back to raw values. Same cost as
 * {@link permutationImportance}.
 */
export async function permutationImportanceBinned(
  forest: FittedForest,
  binned: Uint8Array,
  m: number,
  y: Int32Array,
  columns: Int32Array,
  opts: PermutationOptions = {},
): Promise<PermutationImportance> {
  const nRepeats = opts.nRepeats ?? 5;
  const seed = opts.seed ?? 42;
  checkRepeats(nRepeats);
  const dAll = binned.length / Math.max(1, m);
  const shared = opts.pool !== undefined && opts.pool.nThreads > 1;
  const work = shared
    ? new Uint8Array(new SharedArrayBuffer(Math.max(1, binned.length)), 0, binned.length)
    : binned.slice();
  work.set(binned);
  const baselineScore = await binnedAccuracy(forest, work, m, y, opts.pool);
  const importances = new Float64Array(dAll * nRepeats);
  const progress = (opts.logger ?? silentLogger).progress('permutation shuffles', columns.length * nRepeats);
  for (const j of columns) {
    const orig = binned.slice(j * m, (j + 1) * m);
    for (let r = 0; r < nRepeats; r++) {
      work.set(new Random(seed, j * nRepeats + r).shuffle(orig.slice()), j * m);
      importances[j * nRepeats + r] = baselineScore - (await binnedAccuracy(forest, work, m, y, opts.pool));
      progress.tick();
    }
    work.set(orig, j * m);
  }
  progress.done();
  return { baselineScore, ...summarise(importances, dAll, nRepeats) };
}

function summarise(
  importances: Float64Array,
  d: number,
  nRepeats: number,
): { importancesMean: Float64Array; importancesStd: Float64Array; importances: Float64Array } {
  const importancesMean = new Float64Array(d);
  const importancesStd = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    let s = 0;
    for (let r = 0; r < nRepeats; r++) s += importances[j * nRepeats + r]!;
    const mean = s / nRepeats;
    let v = 0;
    for (let r = 0; r < nRepeats; r++) v += (importances[j * nRepeats + r]! - mean) ** 2;
    importancesMean[j] = mean;
    importancesStd[j] = Math.sqrt(v / nRepeats);
  }
  return { importancesMean, importancesStd, importances };
}
