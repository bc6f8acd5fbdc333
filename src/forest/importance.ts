import { DataError, invalidParameter } from '../core/errors.js';
import { silentLogger, type Logger, type Progress } from '../core/logger.js';
import type { Matrix } from '../core/matrix.js';
import { Random } from '../core/random.js';
import type { Task, WorkerPool } from '../core/worker-pool.js';
import { argmaxRows, binnedAccuracy, type FittedForest, type FlatForest } from './forest.js';
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
 * Each row is walked through each tree once; a shuffle walks again only the (tree, row) pairs whose path splits on
 * the shuffled column (see {@link eachPermutedProba}), so the importances equal those of predicting every shuffled
 * matrix in full, byte for byte, whatever the thread count.
 *
 * Complexity: O(d · nRepeats · n · nTrees · depth) time at worst, O(n · nTrees · (1 + ⌈d / 32⌉)) memory for the
 * paths.
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
  const pred0 = argmaxRows(await forest.predictProba(X, opts.pool), K);
  let hit0 = 0;
  for (let i = 0; i < n; i++) if (pred0[i] === truth[i]) hit0++;
  const baselineScore = n > 0 ? hit0 / n : 0;
  const importances = new Float64Array(d * nRepeats);
  const progress = (opts.logger ?? silentLogger).progress('permutation shuffles', d * nRepeats);
  const columns = Int32Array.from({ length: d }, (_, j) => j);
  await eachPermutedProba(
    forest,
    X,
    columns,
    nRepeats,
    seed,
    (j, r, proba) => {
      const pred = argmaxRows(proba, K);
      let hit = 0;
      for (let i = 0; i < n; i++) if (pred[i] === truth[i]) hit++;
      importances[j * nRepeats + r] = baselineScore - (n > 0 ? hit / n : 0);
    },
    opts.pool,
    progress,
  );
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

/**
 * Where each row ends in each tree, and which columns its path reads: what {@link permutedProba} needs to predict a
 * matrix again with one column shuffled, re-walking only the (tree, row) pairs whose path splits on that column.
 */
export interface ForestPaths {
  /** Rows. */
  n: number;
  /** Columns of the matrix. */
  d: number;
  /** 32-bit words per column mask: ⌈d / 32⌉. */
  words: number;
  /** Offset into the forest's `value` of the leaf of row i in tree t, at `t · n + i`. */
  leaf: Int32Array;
  /**
   * Bit planes of the columns on each path: bit (j mod 32) of `mask[(⌊j / 32⌋ · nTrees + t) · n + i]` is set when
   * row i's path in tree t splits on column j. Empty when the planes would be too large: every pair is re-walked.
   */
  mask: Uint32Array;
}

/** Largest path mask kept (in 32-bit words, 64 MB); beyond it every (tree, row) pair is re-walked. */
const MAX_MASK_WORDS = 1 << 24;

/**
 * Walk every row of a row-major n × d matrix through every tree once, recording its leaf and the columns its path
 * splits on. O(n · nTrees · depth) time, O(n · nTrees · ⌈d / 32⌉) memory.
 */
export function forestPaths(
  f: FlatForest,
  x: Float64Array,
  n: number,
  d: number,
  share = false,
): ForestPaths {
  const T = f.nTrees;
  const K = f.nClasses;
  const words = Math.max(1, Math.ceil(d / 32));
  const buffer = (len: number): ArrayBufferLike =>
    share ? new SharedArrayBuffer(Math.max(4, len * 4)) : new ArrayBuffer(len * 4);
  const leaf = new Int32Array(buffer(T * n), 0, T * n);
  const withMask = words * T * n <= MAX_MASK_WORDS;
  const mLen = withMask ? words * T * n : 0;
  const mask = new Uint32Array(buffer(mLen), 0, mLen);
  const { feature, threshold, left, right, nodeOffset, leafOffset } = f;
  const plane = T * n;
  for (let t = 0; t < T; t++) {
    const base = nodeOffset[t]!;
    const lb = leafOffset[t]!;
    for (let i = 0; i < n; i++) {
      const xb = i * d;
      const at = t * n + i;
      let node = base;
      let fj = feature[node]!;
      while (fj >= 0) {
        if (withMask) {
          const o = (fj >>> 5) * plane + at;
          mask[o] = mask[o]! | (1 << (fj & 31));
        }
        node = base + (x[xb + fj]! <= threshold[node]! ? left[node]! : right[node]!);
        fj = feature[node]!;
      }
      leaf[at] = (lb + left[node]!) * K;
    }
  }
  return { n, d, words, leaf, mask };
}

/**
 * Kernel: class probabilities (n × K row-major each) of the matrix with column `columns[q]` shuffled, for q in
 * [q0, q1) and every repeat r, into `out` at `((q − q0) · repeats + r) · n · K`. The shuffle of column j, repeat r
 * is `new Random(seed, j · repeats + r).shuffle(column j)`; pairs whose path never splits on j keep their leaf.
 * Trees are added in order for every row, so the bytes equal {@link FittedForest.predictProba} on the shuffled
 * matrix. Exported for the worker pool. O((q1 − q0) · repeats · n · nTrees · depth) at worst.
 */
export function permutedProba(
  f: FlatForest,
  x: Float64Array,
  paths: ForestPaths,
  columns: Int32Array,
  q0: number,
  q1: number,
  repeats: number,
  seed: number,
  out: Float64Array,
): number {
  const { n, d, leaf, mask } = paths;
  const T = f.nTrees;
  const K = f.nClasses;
  const inv = 1 / T;
  const { feature, threshold, left, right, value, nodeOffset, leafOffset } = f;
  const withMask = mask.length > 0;
  const plane = T * n;
  const column = new Float64Array(n);
  for (let q = q0; q < q1; q++) {
    const j = columns[q]!;
    for (let i = 0; i < n; i++) column[i] = x[i * d + j]!;
    const mo = (j >>> 5) * plane;
    const bit = 1 << (j & 31);
    for (let r = 0; r < repeats; r++) {
      const perm = new Random(seed, j * repeats + r).shuffle(column.slice());
      const ob = ((q - q0) * repeats + r) * n * K;
      const acc = out.subarray(ob, ob + n * K);
      acc.fill(0);
      for (let t = 0; t < T; t++) {
        const base = nodeOffset[t]!;
        const lb = leafOffset[t]!;
        const lt = t * n;
        for (let i = 0; i < n; i++) {
          let vb: number;
          if (withMask && (mask[mo + lt + i]! & bit) === 0) vb = leaf[lt + i]!;
          else {
            const xb = i * d;
            let node = base;
            let fj = feature[node]!;
            while (fj >= 0) {
              const v = fj === j ? perm[i]! : x[xb + fj]!;
              node = base + (v <= threshold[node]! ? left[node]! : right[node]!);
              fj = feature[node]!;
            }
            vb = (lb + left[node]!) * K;
          }
          const ab = i * K;
          for (let c = 0; c < K; c++) acc[ab + c] = acc[ab + c]! + value[vb + c]!;
        }
      }
      for (let i = 0; i < n * K; i++) acc[i] = acc[i]! * inv;
    }
  }
  return q1 - q0;
}

/** Bytes of shuffled-matrix probabilities held at once by {@link eachPermutedProba}. */
const PERMUTED_BUDGET = 64 * 1024 * 1024;

/**
 * Class probabilities of X with one column shuffled, for every column of `columns` and every repeat (column j,
 * repeat r shuffled by random stream j · repeats + r), handed to `each(q, r, proba)` in column then repeat order.
 * The probabilities are byte-identical to {@link FittedForest.predictProba} on the shuffled matrix whatever the
 * thread count: each column is one task, batched so that at most 64 MB of probabilities are held.
 * O(|columns| · repeats · n · nTrees · depth) at worst; pairs whose path ignores the column cost O(K).
 */
export async function eachPermutedProba(
  forest: FittedForest,
  X: Matrix,
  columns: Int32Array,
  repeats: number,
  seed: number,
  each: (q: number, r: number, proba: Float64Array) => void,
  pool?: WorkerPool,
  progress?: Progress,
): Promise<void> {
  const { nRows: n, nCols: d } = X;
  const K = forest.flat.nClasses;
  const parallel = pool !== undefined && pool.nThreads > 1 && columns.length > 1;
  let x = X.data.subarray(0, n * d);
  if (parallel && !(x.buffer instanceof SharedArrayBuffer)) {
    const sx = new Float64Array(new SharedArrayBuffer(Math.max(8, n * d * 8)), 0, n * d);
    sx.set(x);
    x = sx;
  }
  const flat = parallel ? forest.sharedFlat() : forest.flat;
  const paths = forestPaths(flat, x, n, d, parallel);
  const per = Math.max(1, repeats * n * K);
  const batch = Math.max(1, Math.floor(PERMUTED_BUDGET / (8 * per)));
  let cols = columns;
  if (parallel && !(cols.buffer instanceof SharedArrayBuffer)) {
    cols = new Int32Array(new SharedArrayBuffer(Math.max(4, columns.length * 4)), 0, columns.length);
    cols.set(columns);
  }
  for (let b0 = 0; b0 < columns.length; b0 += batch) {
    const b1 = Math.min(columns.length, b0 + batch);
    const len = (b1 - b0) * per;
    const out = parallel
      ? new Float64Array(new SharedArrayBuffer(Math.max(8, len * 8)), 0, len)
      : new Float64Array(len);
    if (parallel) {
      const tasks: Task[] = [];
      for (let q = b0; q < b1; q++) {
        tasks.push({
          module: import.meta.url,
          fn: 'permutedProba',
          args: [
            flat,
            x,
            paths,
            cols,
            q,
            q + 1,
            repeats,
            seed,
            out.subarray((q - b0) * per, (q - b0 + 1) * per),
          ],
        });
      }
      await pool.run(tasks, () => progress?.tick(repeats));
    } else {
      for (let q = b0; q < b1; q++) {
        permutedProba(flat, x, paths, cols, q, q + 1, repeats, seed, out.subarray((q - b0) * per));
        progress?.tick(repeats);
      }
    }
    for (let q = b0; q < b1; q++) {
      for (let r = 0; r < repeats; r++) {
        const o = ((q - b0) * repeats + r) * n * K;
        each(q, r, out.subarray(o, o + n * K));
      }
    }
  }
}
