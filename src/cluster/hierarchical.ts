import { distances, linkages, type ClusterDistance, type Distance, type Linkage } from '../core/distance.js';
import { DataError, UsageError, invalidParameter } from '../core/errors.js';
import { formatBytes } from '../core/format.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { Matrix } from '../core/matrix.js';
import { blocks, type Task, type WorkerPool } from '../core/worker-pool.js';
import {
  COSINE,
  EUCLIDEAN,
  MANHATTAN,
  kernelModule,
  labelMerges,
  nnChainCondensed,
  padRows,
  paddedWidth,
  pdistRows,
  primSingle,
  rowNorms,
  SPLIT_MIN,
  wardNnChain,
  wardState,
  wardStop,
  type RawMerges,
} from './hierarchical-kernels.js';

/**
 * A full agglomerative tree in SciPy's linkage-matrix layout: merge i joins nodes `a[i]` < `b[i]` (0..n−1 are the
 * rows, n + j is the cluster made by merge j) at height `heights[i]` into a cluster of `sizes[i]` rows. Heights
 * are non-decreasing and equal `scipy.cluster.hierarchy.linkage(X, linkage, metric)[:, 2]`.
 */
export interface Dendrogram {
  /** Number of rows (leaves), n. */
  nLeaves: number;
  /** Smaller child id of each merge (length n − 1). */
  a: Int32Array;
  /** Larger child id of each merge. */
  b: Int32Array;
  /** Merge distances, non-decreasing (ward: √(2·|A||B|/(|A|+|B|))·‖c_A − c_B‖, as SciPy). */
  heights: Float64Array;
  /** Rows under each new node. */
  sizes: Int32Array;
  linkage: Linkage;
  /** Gower's trees come from cluster/gower-cluster.ts. */
  distance: ClusterDistance;
}

/** Options of {@link linkageTree}. */
export interface LinkageOptions {
  linkage: Linkage;
  distance: Distance;
  /** Memory budget in bytes; a tree needing more (see {@link estimateMemory}) is refused before any allocation. */
  memoryLimit?: number | undefined;
  /**
   * Worker threads for the distance matrix of complete/average linkage and for ward's scans from 12,288 rows on
   * (fixed blocks: results do not depend on the thread count).
   */
  pool?: WorkerPool | undefined;
  /** Told, before the work starts, when the O(n²) time will be long (see {@link LONG_RUN_ROWS}). */
  logger?: Logger | undefined;
}

/** A cut of a dendrogram into flat clusters: a number of clusters, or a distance threshold. */
export type TreeCut = { nClusters: number } | { distanceThreshold: number };

const OWNER = 'cluster.hierarchical';
const LINKAGES: readonly Linkage[] = linkages;
const METRICS: readonly Distance[] = distances;
/** Most elements a Float64Array can hold in this runtime (V8 on 64-bit). */
const MAX_TYPED_LENGTH = 2 ** 32;
/** Rows of the condensed distance matrix per task (fixed: the matrix does not depend on the thread count). */
const PDIST_BLOCK = 256;
/** Largest |value| accepted: squared distances times cluster sizes must stay finite. */
const MAX_ABS = 1e150;

/**
 * Bytes {@link linkageTree} needs for n rows of d columns beyond the input: ward and single keep O(n·d)
 * (a working copy of the rows or centroids plus a few arrays of n); complete and average hold the n(n−1)/2
 * condensed distance matrix of float64. O(1).
 */
export function estimateMemory(n: number, d: number, linkage: Linkage): number {
  // A working copy of the rows (padded to a multiple of 8 columns), sizes/ids/chain, the merges and the dendrogram.
  const perRow = 8 * paddedWidth(d) + 128;
  if (linkage === 'complete' || linkage === 'average') return 8 * ((n * (n - 1)) / 2) + perRow * n;
  return perRow * n;
}

/**
 * Build the full agglomerative tree of the rows of X, equal to SciPy's `linkage(X, method, metric)` (euclidean,
 * 'cityblock' for manhattan, cosine) up to floating-point rounding, and to the tree scikit-learn's
 * `AgglomerativeClustering` cuts.
 *
 * - ward: NN-chain on cluster centroids and sizes; O(n²·d) time, O(n·d) memory, never an n×n matrix.
 * - single: Prim's minimum spanning tree with distances computed on the fly; O(n²·d) time, O(n·d) memory.
 * - complete / average: NN-chain with Lance–Williams updates over the condensed distance matrix (computed over
 *   the pool in fixed row blocks); O(n²·d) time, n(n−1)/2 float64 of memory, checked against `memoryLimit` first.
 *
 * Ties are broken as SciPy does (same scan order and strict comparisons). Complete, average and single linkage
 * reproduce SciPy's arithmetic, so their trees equal SciPy's bit for bit, ties included. Ward works on centroids
 * where SciPy recurses on distances: heights agree to ~1e−15 relative and the tree is the same, except where
 * distances tie exactly (e.g. integer-valued features), which SciPy resolves by its own rounding.
 * @throws UsageError for an unknown linkage or metric, or ward with a metric other than euclidean;
 *   DataError when X has no rows, holds non-finite or huge values, has an all-zero row under cosine, or the tree
 *   needs more memory than `memoryLimit` (or than a typed array can hold).
 */
export async function linkageTree(X: Matrix, opts: LinkageOptions): Promise<Dendrogram> {
  const { linkage, distance: metric } = opts;
  if (!LINKAGES.includes(linkage)) {
    throw invalidParameter(
      OWNER,
      'linkage',
      "a str among {'ward', 'complete', 'average', 'single'}",
      linkage,
    );
  }
  if (!METRICS.includes(metric)) {
    throw invalidParameter(OWNER, 'metric', "a str among {'euclidean', 'manhattan', 'cosine'}", metric);
  }
  if (linkage === 'ward' && metric !== 'euclidean') {
    throw new UsageError(
      `ward linkage requires the euclidean distance; got metric '${metric}'`,
      `use --linkage average or --linkage complete with --metric ${metric}`,
    );
  }
  const n = X.nRows;
  const d = X.nCols;
  if (n === 0) throw new DataError('hierarchical clustering needs at least one row; got 0');
  const x = X.data.length === n * d ? X.data : X.data.subarray(0, n * d);
  checkValues(x, n, d);
  const code = metric === 'euclidean' ? EUCLIDEAN : metric === 'manhattan' ? MANHATTAN : COSINE;
  const norms = code === COSINE ? rowNorms(x, n, d) : new Float64Array(0);
  if (code === COSINE) {
    const zero = norms.indexOf(0);
    if (zero >= 0) {
      throw new DataError(
        `the cosine distance is undefined for an all-zero row (row ${zero + 1})`,
        'drop or impute the all-zero rows, or use --metric euclidean or manhattan',
      );
    }
  }
  checkMemory(n, d, linkage, opts.memoryLimit);
  if (n > LONG_RUN_ROWS) {
    opts.logger?.log(
      'warn',
      `${linkage} linkage on ${n.toLocaleString('en-US')} rows takes O(n²) time: ` +
        `${((n * (n - 1)) / 2).toExponential(1)} distance updates, hours past a few hundred thousand rows ` +
        `(--sample N bounds it)`,
    );
  }
  const tree = (m: ReturnType<typeof labelMerges>): Dendrogram => ({
    nLeaves: n,
    ...m,
    linkage,
    distance: metric,
  });
  if (n === 1)
    return tree(labelMerges({ xs: new Int32Array(0), ys: new Int32Array(0), h: new Float64Array(0) }, 1));

  let raw: RawMerges;
  const logger = opts.logger ?? silentLogger;
  const dist =
    linkage === 'ward' || linkage === 'single'
      ? undefined
      : await condensedDistances(x, n, d, code, norms, opts.pool, logger);
  const merges = logger.progress(`${linkage} linkage merges`, n - 1);
  const onMerge = () => merges.tick();
  if (linkage === 'ward') raw = await wardTree(x, n, d, opts.pool, onMerge);
  else if (linkage === 'single') raw = primSingle(x, n, d, code, norms, onMerge);
  else raw = nnChainCondensed(dist!, n, linkage === 'average', onMerge);
  merges.done();
  return tree(labelMerges(raw, n));
}

/**
 * Flat clusters from a dendrogram, as scikit-learn's `AgglomerativeClustering`: `nClusters` = k undoes the last
 * k − 1 merges (its `_hc_cut`); `distanceThreshold` = t first sets k = (number of merges with height >= t) + 1.
 * Labels are 0..k−1 numbered by first occurrence in row order. O(n·α(n)).
 * @throws UsageError when nClusters is not an int >= 1 or distanceThreshold is not a finite number >= 0;
 *   DataError when nClusters exceeds the number of rows.
 */
export function cutTree(tree: Dendrogram, cut: TreeCut): Int32Array {
  const n = tree.nLeaves;
  let k: number;
  if ('nClusters' in cut) {
    k = cut.nClusters;
    if (!Number.isInteger(k) || k < 1) throw invalidParameter(OWNER, 'nClusters', 'an int in [1, inf)', k);
    if (k > n) throw new DataError(`k = ${k} exceeds the ${n} rows`, 'lower --k or use more data');
  } else {
    const t = cut.distanceThreshold;
    if (typeof t !== 'number' || !(t >= 0) || !Number.isFinite(t)) {
      throw invalidParameter(OWNER, 'distanceThreshold', 'a float in [0, inf)', t);
    }
    k = 1;
    for (const v of tree.heights) if (v >= t) k++;
  }
  const parent = new Int32Array(2 * n - 1);
  for (let i = 0; i < parent.length; i++) parent[i] = i;
  for (let j = 0; j < n - k; j++) {
    parent[tree.a[j]!] = n + j;
    parent[tree.b[j]!] = n + j;
  }
  const rootLabel = new Int32Array(2 * n - 1).fill(-1);
  const labels = new Int32Array(n);
  let next = 0;
  for (let i = 0; i < n; i++) {
    let r = i;
    while (parent[r] !== r) r = parent[r]!;
    let v = i;
    while (parent[v] !== r) {
      const up = parent[v]!;
      parent[v] = r;
      v = up;
    }
    if (rootLabel[r] === -1) rootLabel[r] = next++;
    labels[i] = rootLabel[r]!;
  }
  return labels;
}

/** Refuse non-finite values, and values so large that weighted squared distances would overflow. O(n·d). */
function checkValues(x: Float64Array, n: number, d: number): void {
  for (let i = 0; i < n * d; i++) {
    const v = x[i]!;
    if (!Number.isFinite(v)) {
      throw new DataError(
        `row ${Math.floor(i / d) + 1}, column ${(i % d) + 1} is ${String(v)}; hierarchical clustering needs finite values`,
        Number.isNaN(v) ? 'impute them first: segment clean --impute median' : 'remove or clip them first',
      );
    }
    if (Math.abs(v) > MAX_ABS) {
      throw new DataError(
        `row ${Math.floor(i / d) + 1}, column ${(i % d) + 1} is ${v}: too large for distance computations`,
        'rescale the features first (segment clean --scale standard)',
      );
    }
  }
}

/** Above this many rows, hierarchical clustering warns that its O(n²) time will be long (minutes to hours). */
export const LONG_RUN_ROWS = 50_000;

function checkMemory(n: number, d: number, linkage: Linkage, limit: number | undefined): void {
  const matrix = linkage === 'complete' || linkage === 'average';
  if (matrix && (n * (n - 1)) / 2 > MAX_TYPED_LENGTH) {
    throw new DataError(
      `${linkage} linkage on ${n} rows needs a distance matrix of ${(n * (n - 1)) / 2} entries, more than the ${MAX_TYPED_LENGTH} an array can hold`,
      'use --sample N, or use ward/single linkage (linear memory)',
    );
  }
  if (limit === undefined) return;
  const need = estimateMemory(n, d, linkage);
  if (need <= limit) return;
  throw new DataError(
    `${linkage} linkage on ${n} rows needs about ${formatBytes(need)} for its ${matrix ? 'distance matrix' : 'working arrays'}, over the ${formatBytes(limit)} memory limit`,
    matrix
      ? 'use --sample N, raise --memory-limit, or use ward/single linkage (linear memory)'
      : 'use --sample N or raise --memory-limit',
  );
}

/**
 * Ward NN-chain, its long scans shared with pool threads: `nThreads − 1` helpers claim fixed blocks of each scan
 * while this thread scans too (a no-op task rides along so that the pool sends the helper to a worker even with
 * two threads). Block results are reduced in block order, so the tree is identical for any thread count.
 */
async function wardTree(
  x: Float64Array,
  n: number,
  d: number,
  pool: WorkerPool | undefined,
  onMerge: () => void,
): Promise<RawMerges> {
  const split = pool !== undefined && pool.nThreads > 1 && n >= 2 * SPLIT_MIN;
  const st = wardState(x, n, d, split);
  if (!split) return wardNnChain(st, n, d, undefined, onMerge);
  const tasks: Task[] = Array.from({ length: pool.nThreads - 1 }, () => ({
    module: kernelModule,
    fn: 'wardHelper',
    args: [st],
  }));
  tasks.push({ module: kernelModule, fn: 'noop', args: [] });
  const helpers = pool.run<number>(tasks);
  helpers.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
  let raw: RawMerges | undefined;
  let failure: unknown;
  try {
    raw = wardNnChain(st, n, d, { min: SPLIT_MIN, adaptive: true }, onMerge);
  } catch (e) {
    failure = e;
  } finally {
    wardStop(st);
  }
  await helpers; // a helper's failure surfaces here, with its own message
  if (raw === undefined) throw failure;
  return raw;
}

/** SciPy's `pdist` condensed matrix, computed over the pool in fixed row blocks when it has several threads. */
async function condensedDistances(
  x: Float64Array,
  n: number,
  d: number,
  code: number,
  norms: Float64Array,
  pool: WorkerPool | undefined,
  logger: Logger,
): Promise<Float64Array> {
  const len = (n * (n - 1)) / 2;
  const parallel = pool !== undefined && pool.nThreads > 1 && n > 2 * PDIST_BLOCK;
  let out: Float64Array;
  try {
    out = parallel ? new Float64Array(new SharedArrayBuffer(len * 8)) : new Float64Array(len);
  } catch (e) {
    throw new DataError(
      `could not allocate the ${formatBytes(len * 8)} distance matrix of ${n} rows`,
      'use --sample N, or use ward/single linkage (linear memory)',
      { cause: e },
    );
  }
  // Euclidean and manhattan read rows padded to a multiple of 8 columns; cosine keeps SciPy's summation order.
  const w = code === COSINE ? d : paddedWidth(d);
  const rows = padRows(x, n, d, w, parallel);
  const progress = logger.progress('distance rows', n);
  if (!parallel) {
    for (const [s, e] of blocks(n, PDIST_BLOCK)) {
      pdistRows(rows, n, w, code, norms, out, s, e);
      progress.tick(e - s);
    }
    progress.done();
    return out;
  }
  const ns = shared(norms);
  const parts = blocks(n, PDIST_BLOCK);
  const tasks: Task[] = parts.map(([s, e]) => ({
    module: kernelModule,
    fn: 'pdistRows',
    args: [rows, n, w, code, ns, out, s, e],
  }));
  await pool.run<number>(tasks, (i) => progress.tick(parts[i]![1] - parts[i]![0]));
  progress.done();
  return out;
}

/** The same values on a SharedArrayBuffer (a copy unless already shared). */
function shared(a: Float64Array): Float64Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const s = new Float64Array(new SharedArrayBuffer(Math.max(8, a.byteLength)), 0, a.length);
  s.set(a);
  return s;
}
