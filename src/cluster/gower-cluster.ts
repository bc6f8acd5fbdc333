import type { Linkage } from '../core/distance.js';
import { DataError, UsageError } from '../core/errors.js';
import { formatBytes } from '../core/format.js';
import { UNSEEN_LEVEL, noCommonColumn, type GowerScale } from '../core/gower.js';
import type { Logger } from '../core/logger.js';
import type { Matrix } from '../core/matrix.js';
import { blocks, type Task, type WorkerPool } from '../core/worker-pool.js';
import { estimateMemory, type Dendrogram } from './hierarchical.js';
import { condensedIndex, labelMerges, nnChainCondensed, type RawMerges } from './hierarchical-kernels.js';

/**
 * DBSCAN and hierarchical clustering under Gower's distance (R's `daisy(metric = "gower")`, see core/gower.ts). No
 * spatial index exists for Gower's distance, so range and nearest-neighbour queries are brute force over fixed
 * blocks of rows in the worker pool: O(n²·d) time, O(n·d) memory (average and complete linkage hold the n(n−1)/2
 * condensed matrix, budgeted as for the other distances). X comes from `gowerMatrix` (categoricals as level
 * indices, NaN for a missing value).
 */

/** Rows per task of the parallel passes: fixed, so results never depend on the thread count. */
const BLOCK = 512;
/** Most elements a Float64Array can hold in this runtime (V8 on 64-bit). */
const MAX_TYPED_LENGTH = 2 ** 32;

/** Gower's scale as flat arrays for the kernels: 1 for a categorical column, its range and its weight. */
export interface GowerArrays {
  cat: Uint8Array;
  ranges: Float64Array;
  weights: Float64Array;
}

/** The scale as {@link GowerArrays}. O(d). */
export function gowerArrays(scale: GowerScale): GowerArrays {
  return {
    cat: Uint8Array.from(scale.kinds, (k) => (k === 'categorical' ? 1 : 0)),
    ranges: Float64Array.from(scale.ranges),
    weights: Float64Array.from(scale.weights),
  };
}

/**
 * Gower's distance between the rows at offsets `oa` of `a` and `ob` of `b` (d columns), the same arithmetic as
 * core/gower.ts's `gowerDistance` (so the same bits). NaN when no column is shared. O(d).
 */
export function gowerAt(
  a: Float64Array,
  oa: number,
  b: Float64Array,
  ob: number,
  d: number,
  g: GowerArrays,
): number {
  let num = 0;
  let den = 0;
  for (let t = 0; t < d; t++) {
    const x = a[oa + t]!;
    const y = b[ob + t]!;
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    const w = g.weights[t]!;
    let dt: number;
    if (g.cat[t] === 1) dt = x === y && x !== UNSEEN_LEVEL ? 0 : 1;
    else {
      const r = g.ranges[t]!;
      dt = r > 0 ? Math.abs(x - y) / r : 0;
    }
    num += w * dt;
    den += w;
  }
  return den > 0 ? num / den : NaN;
}

/** The rows on a SharedArrayBuffer when the pool has several threads (a copy), else as they are. */
function sharedRows(X: Matrix, parallel: boolean): Float64Array {
  const len = X.nRows * X.nCols;
  const x = X.data.length === len ? X.data : X.data.subarray(0, len);
  if (!parallel || x.buffer instanceof SharedArrayBuffer) return x;
  const s = new Float64Array(new SharedArrayBuffer(Math.max(8, len * 8)), 0, len);
  s.set(x);
  return s;
}

function allocShared<T extends Float64Array | Int32Array | Uint8Array>(
  ctor: { new (b: ArrayBufferLike, o: number, n: number): T; new (n: number): T; BYTES_PER_ELEMENT: number },
  n: number,
  parallel: boolean,
): T {
  return parallel
    ? new ctor(new SharedArrayBuffer(Math.max(8, n * ctor.BYTES_PER_ELEMENT)), 0, n)
    : new ctor(n);
}

/** Run `fn` over fixed blocks of [0, n), in the pool when it has several threads; the kernels' returns, in order. */
async function runBlocks(
  fn: string,
  n: number,
  pool: WorkerPool | undefined,
  args: (s: number, e: number) => unknown[],
  local: (s: number, e: number) => number,
): Promise<number[]> {
  if (pool !== undefined && pool.nThreads > 1 && n > BLOCK) {
    const tasks: Task[] = blocks(n, BLOCK).map(([s, e]) => ({
      module: import.meta.url,
      fn,
      args: args(s, e),
    }));
    return pool.run<number>(tasks);
  }
  return blocks(n, BLOCK).map(([s, e]) => local(s, e));
}

/** Turn a kernel's code for an undefined pair (−1 − (i·n + j)) into its error; a code ≥ 0 passes. */
function checkPair(codes: readonly number[], n: number): void {
  for (const c of codes) {
    if (c >= 0) continue;
    const p = -1 - c;
    throw noCommonColumn(Math.floor(p / n), p % n);
  }
}

/** What {@link gowerDbscan} returns (as dbscan.ts's `DbscanResult`). */
export interface GowerDbscanResult {
  labels: Int32Array;
  isCore: Uint8Array;
  nClusters: number;
  nNoise: number;
  nCore: number;
}

/**
 * DBSCAN under Gower's distance with the labels of R's `dbscan::dbscan(daisy(x, "gower"), eps, minPts)` and
 * scikit-learn's `DBSCAN(metric="precomputed")` (minSamples counts the row itself; distance <= eps): clusters are the
 * connected components of the core rows, numbered by their first core row; a border row joins the lowest-numbered
 * cluster with a core row within eps. Brute force: pass 1 counts every row's neighbours (all n² pairs, each checked
 * for an undefined distance), pass 2 grows the components over the core rows, pass 3 labels the border rows; passes
 * 1 and 3 run over fixed blocks in the pool. O(n²·d) time, O(n·d) memory.
 * @throws DataError when two rows share no non-missing feature (their distance is undefined).
 */
export async function gowerDbscan(
  X: Matrix,
  scale: GowerScale,
  eps: number,
  minSamples: number,
  pool?: WorkerPool,
): Promise<GowerDbscanResult> {
  const n = X.nRows;
  const d = X.nCols;
  if (n === 0) throw new DataError('DBSCAN needs at least one row; got 0');
  const parallel = pool !== undefined && pool.nThreads > 1 && n > BLOCK;
  const x = sharedRows(X, parallel);
  const g = gowerArrays(scale);
  const isCore = allocShared(Uint8Array, n, parallel);
  checkPair(
    await runBlocks(
      'gowerCoreBlock',
      n,
      pool,
      (s, e) => [x, n, d, g, eps, minSamples, s, e, isCore],
      (s, e) => gowerCoreBlock(x, n, d, g, eps, minSamples, s, e, isCore),
    ),
    n,
  );
  // Pass 2: components of the core rows, started in row order.
  const labels = allocShared(Int32Array, n, parallel).fill(-1);
  const pending: number[] = [];
  for (let i = 0; i < n; i++) if (isCore[i]) pending.push(i);
  const nCore = pending.length;
  // Unlabelled core rows, packed in row order (compacted as they are labelled).
  let open = Int32Array.from(pending);
  let nOpen = open.length;
  const stack = new Int32Array(nCore);
  let c = 0;
  for (let start = 0; start < n; start++) {
    if (!isCore[start] || labels[start] !== -1) continue;
    labels[start] = c;
    let sp = 0;
    stack[sp++] = start;
    while (sp > 0) {
      const p = stack[--sp]!;
      const op = p * d;
      let q = 0;
      for (let t = 0; t < nOpen; t++) {
        const j = open[t]!;
        if (labels[j] !== -1) continue;
        if (gowerAt(x, op, x, j * d, d, g) <= eps) {
          labels[j] = c;
          stack[sp++] = j;
        } else open[q++] = j;
      }
      nOpen = q;
    }
    c++;
    open = open.subarray(0, nOpen);
  }
  // Pass 3: each non-core row joins the lowest-numbered cluster with a core row within eps.
  if (c > 0 && nCore < n) {
    // Core rows sorted by label, then row: the first within eps is the lowest label.
    const cores = Int32Array.from(pending).sort((a, b) => labels[a]! - labels[b]! || a - b);
    const coreRows = parallel ? allocShared(Int32Array, nCore, true) : cores;
    if (parallel) coreRows.set(cores);
    await runBlocks(
      'gowerBorderBlock',
      n,
      pool,
      (s, e) => [x, d, g, eps, coreRows, isCore, labels, s, e],
      (s, e) => gowerBorderBlock(x, d, g, eps, coreRows, isCore, labels, s, e),
    );
  }
  let nNoise = 0;
  for (let i = 0; i < n; i++) if (labels[i] === -1) nNoise++;
  return { labels: Int32Array.from(labels), isCore: Uint8Array.from(isCore), nClusters: c, nNoise, nCore };
}

/**
 * Distance from every row to its k-th nearest other row under Gower's distance (the row itself is the 0-th, as
 * dbscan.ts's `kDistances` and R's `kNNdist`), for `eps auto`. Brute force over fixed blocks: O(n²·d) time, O(n)
 * memory beyond X.
 * @throws DataError when k >= n or two rows share no non-missing feature.
 */
export async function gowerKDistances(
  X: Matrix,
  scale: GowerScale,
  k: number,
  pool?: WorkerPool,
): Promise<Float64Array> {
  const n = X.nRows;
  const d = X.nCols;
  if (!Number.isInteger(k) || k < 1) throw new UsageError(`the k-distance needs k >= 1; got ${k}`);
  if (k >= n) throw new DataError(`the ${k}-th nearest neighbour needs more than ${k} rows; got ${n}`);
  const parallel = pool !== undefined && pool.nThreads > 1 && n > BLOCK;
  const x = sharedRows(X, parallel);
  const g = gowerArrays(scale);
  const out = allocShared(Float64Array, n, parallel);
  checkPair(
    await runBlocks(
      'gowerKDistBlock',
      n,
      pool,
      (s, e) => [x, n, d, g, k + 1, s, e, out],
      (s, e) => gowerKDistBlock(x, n, d, g, k + 1, s, e, out),
    ),
    n,
  );
  return Float64Array.from(out);
}

/**
 * `segment assign` for a Gower DBSCAN model: each row of X gets the segment of its nearest core row (ties: the
 * lowest core index) when that core is within eps, else −1 (also when no core shares a non-missing feature).
 * O(n·c·d).
 */
export function gowerAssignToCores(
  X: Matrix,
  cores: Float64Array,
  coreSegment: ArrayLike<number>,
  eps: number,
  scale: GowerScale,
): Int32Array {
  const d = X.nCols;
  const c = coreSegment.length;
  const g = gowerArrays(scale);
  const out = new Int32Array(X.nRows).fill(-1);
  for (let i = 0; i < X.nRows; i++) {
    let best = -1;
    let bestD = Infinity;
    for (let m = 0; m < c; m++) {
      const v = gowerAt(X.data, i * d, cores, m * d, d, g);
      if (v < bestD) {
        bestD = v;
        best = m;
      }
    }
    if (best >= 0 && bestD <= eps) out[i] = coreSegment[best]!;
  }
  return out;
}

/**
 * Index of the nearest of `k` centres (rows of `centres`) under Gower's distance for each row of X (ties: the
 * first), −1 when no centre shares a non-missing feature. O(n·k·d).
 */
export function gowerNearest(X: Matrix, centres: Float64Array, k: number, scale: GowerScale): Int32Array {
  const d = X.nCols;
  const g = gowerArrays(scale);
  const out = new Int32Array(X.nRows);
  for (let i = 0; i < X.nRows; i++) {
    let best = -1;
    let bestD = Infinity;
    for (let m = 0; m < k; m++) {
      const v = gowerAt(X.data, i * d, centres, m * d, d, g);
      if (v < bestD) {
        bestD = v;
        best = m;
      }
    }
    out[i] = best;
  }
  return out;
}

/**
 * Centre of each segment under Gower's scale, for the model's `centroid` and the hierarchical assignment: numeric
 * columns' means over the non-missing values (NaN when a segment has none), categorical columns' modes as level
 * indices (ties: the first level; NaN when a segment has no value). Noise (−1) is skipped. O(n·d + k·levels).
 */
export function gowerCentres(
  X: Matrix,
  labels: ArrayLike<number>,
  k: number,
  scale: GowerScale,
): Float64Array {
  const d = X.nCols;
  const out = new Float64Array(k * d);
  const counts = new Float64Array(k);
  for (let j = 0; j < d; j++) {
    if (scale.kinds[j] === 'categorical') {
      const L = scale.levels[j]!.length;
      const freq = new Float64Array(k * L);
      for (let i = 0; i < X.nRows; i++) {
        const s = labels[i]!;
        const v = X.data[i * d + j]!;
        if (s >= 0 && v >= 0) freq[s * L + v]!++;
      }
      for (let s = 0; s < k; s++) {
        let best = NaN;
        let bestF = 0;
        for (let l = 0; l < L; l++) {
          if (freq[s * L + l]! > bestF) {
            bestF = freq[s * L + l]!;
            best = l;
          }
        }
        out[s * d + j] = best;
      }
      continue;
    }
    counts.fill(0);
    for (let i = 0; i < X.nRows; i++) {
      const s = labels[i]!;
      const v = X.data[i * d + j]!;
      if (s < 0 || Number.isNaN(v)) continue;
      out[s * d + j]! += v;
      counts[s]!++;
    }
    for (let s = 0; s < k; s++) out[s * d + j] = counts[s]! > 0 ? out[s * d + j]! / counts[s]! : NaN;
  }
  return out;
}

/**
 * The agglomerative tree of the rows of X under Gower's distance, as R's `hclust(daisy(x, "gower"), method)` and
 * SciPy's `linkage` on the same condensed matrix (equal trees when no two merge heights tie):
 * - average / complete: NN-chain with Lance–Williams updates over the condensed matrix (filled over the pool in
 *   fixed row blocks), n(n−1)/2 float64 checked against `memoryLimit` first; O(n²·d) time;
 * - single: Prim's minimum spanning tree with distances computed on the fly; O(n²·d) time, O(n·d) memory.
 * Ward is refused: it needs the euclidean distance.
 * @throws UsageError for ward; DataError when X has no rows, two rows share no feature, or memory runs short.
 */
export async function gowerLinkageTree(
  X: Matrix,
  scale: GowerScale,
  opts: {
    linkage: Linkage;
    memoryLimit?: number | undefined;
    pool?: WorkerPool | undefined;
    logger?: Logger;
  },
): Promise<Dendrogram> {
  const { linkage } = opts;
  if (linkage === 'ward')
    throw new UsageError(
      "ward linkage needs the euclidean distance (it merges by centroid variance), not Gower's",
      'use --linkage average, complete or single with --distance gower',
    );
  const n = X.nRows;
  const d = X.nCols;
  if (n === 0) throw new DataError('hierarchical clustering needs at least one row; got 0');
  const matrix = linkage !== 'single';
  const len = (n * (n - 1)) / 2;
  if (matrix && len > MAX_TYPED_LENGTH)
    throw new DataError(
      `${linkage} linkage on ${n} rows needs a distance matrix of ${len} entries, more than the ${MAX_TYPED_LENGTH} an array can hold`,
      'use --sample N, or use single linkage (linear memory)',
    );
  const need = estimateMemory(n, d, linkage);
  if (opts.memoryLimit !== undefined && need > opts.memoryLimit)
    throw new DataError(
      `${linkage} linkage on ${n} rows needs about ${formatBytes(need)} for its ${matrix ? 'distance matrix' : 'working arrays'}, over the ${formatBytes(opts.memoryLimit)} memory limit`,
      matrix
        ? 'use --sample N, raise --memory-limit, or use single linkage (linear memory)'
        : 'use --sample N',
    );
  const tree = (m: ReturnType<typeof labelMerges>): Dendrogram => ({
    nLeaves: n,
    ...m,
    linkage,
    distance: 'gower',
  });
  if (n === 1)
    return tree(labelMerges({ xs: new Int32Array(0), ys: new Int32Array(0), h: new Float64Array(0) }, 1));
  const g = gowerArrays(scale);
  let raw: RawMerges;
  if (!matrix) {
    const x = X.data.subarray(0, n * d);
    raw = gowerPrimSingle(x, n, d, g);
  } else {
    const parallel = opts.pool !== undefined && opts.pool.nThreads > 1 && n > BLOCK;
    const x = sharedRows(X, parallel);
    let dist: Float64Array;
    try {
      dist = allocShared(Float64Array, len, parallel);
    } catch (e) {
      throw new DataError(
        `could not allocate the ${formatBytes(len * 8)} distance matrix of ${n} rows`,
        'use --sample N, or use single linkage (linear memory)',
        { cause: e },
      );
    }
    checkPair(
      await runBlocks(
        'gowerPdistRows',
        n,
        opts.pool,
        (s, e) => [x, n, d, g, dist, s, e],
        (s, e) => gowerPdistRows(x, n, d, g, dist, s, e),
      ),
      n,
    );
    raw = nnChainCondensed(dist, n, linkage === 'average');
  }
  return tree(labelMerges(raw, n));
}

// ---------------------------------------------------------------------------------------------------------------
// Kernels (exported for the worker pool; not part of the public API). Each returns a count, or −1 − (i·n + j) for
// the first pair (i, j) of its block whose distance is undefined.

/** Pass 1 of {@link gowerDbscan}: `core[i]` = 1 when at least `minSamples` rows (i included) lie within eps. */
export function gowerCoreBlock(
  x: Float64Array,
  n: number,
  d: number,
  g: GowerArrays,
  eps: number,
  minSamples: number,
  start: number,
  end: number,
  core: Uint8Array,
): number {
  let nCore = 0;
  for (let i = start; i < end; i++) {
    const oi = i * d;
    let count = 0;
    for (let j = 0; j < n; j++) {
      const v = gowerAt(x, oi, x, j * d, d, g);
      if (Number.isNaN(v)) return -1 - (i * n + j);
      if (v <= eps) count++;
    }
    core[i] = count >= minSamples ? 1 : 0;
    nCore += core[i]!;
  }
  return nCore;
}

/**
 * Pass 3 of {@link gowerDbscan}: each non-core row in [start, end) takes the label of the first row of `cores`
 * (sorted by label) within eps; only non-core entries of `labels` are written.
 */
export function gowerBorderBlock(
  x: Float64Array,
  d: number,
  g: GowerArrays,
  eps: number,
  cores: Int32Array,
  isCore: Uint8Array,
  labels: Int32Array,
  start: number,
  end: number,
): number {
  let nBorder = 0;
  for (let i = start; i < end; i++) {
    if (isCore[i] === 1) continue;
    const oi = i * d;
    for (let t = 0; t < cores.length; t++) {
      const c = cores[t]!;
      if (gowerAt(x, oi, x, c * d, d, g) <= eps) {
        labels[i] = labels[c]!;
        nBorder++;
        break;
      }
    }
  }
  return nBorder;
}

/** Kernel of {@link gowerKDistances}: `out[i]` = the K-th smallest distance from row i to every row (i included). */
export function gowerKDistBlock(
  x: Float64Array,
  n: number,
  d: number,
  g: GowerArrays,
  K: number,
  start: number,
  end: number,
  out: Float64Array,
): number {
  // The K smallest so far, kept sorted ascending (K is small: minSamples).
  const top = new Float64Array(K);
  for (let i = start; i < end; i++) {
    const oi = i * d;
    top.fill(Infinity);
    for (let j = 0; j < n; j++) {
      const v = gowerAt(x, oi, x, j * d, d, g);
      if (Number.isNaN(v)) return -1 - (i * n + j);
      if (v >= top[K - 1]!) continue;
      let p = K - 1;
      while (p > 0 && top[p - 1]! > v) {
        top[p] = top[p - 1]!;
        p--;
      }
      top[p] = v;
    }
    out[i] = top[K - 1]!;
  }
  return end - start;
}

/** Rows [r0, r1) of the condensed Gower matrix (pairs (i, j), i < j, row-major as SciPy's `pdist`). */
export function gowerPdistRows(
  x: Float64Array,
  n: number,
  d: number,
  g: GowerArrays,
  out: Float64Array,
  r0: number,
  r1: number,
): number {
  for (let i = r0; i < r1; i++) {
    const base = condensedIndex(n, i, i + 1) - (i + 1);
    const oi = i * d;
    for (let j = i + 1; j < n; j++) {
      const v = gowerAt(x, oi, x, j * d, d, g);
      if (Number.isNaN(v)) return -1 - (i * n + j);
      out[base + j] = v;
    }
  }
  return r1 - r0;
}

/**
 * Single linkage by Prim's minimum spanning tree with Gower distances computed on the fly (the scan order and strict
 * tie rule of hierarchical-kernels.ts's `primSingle`, i.e. SciPy's). O(n²·d) time, O(n) memory beyond X.
 * @throws DataError when two rows share no non-missing feature.
 */
export function gowerPrimSingle(x: Float64Array, n: number, d: number, g: GowerArrays): RawMerges {
  const xs = new Int32Array(n - 1);
  const ys = new Int32Array(n - 1);
  const h = new Float64Array(n - 1);
  const inTree = new Uint8Array(n);
  const best = new Float64Array(n).fill(Infinity);
  let xi = 0;
  for (let k = 0; k < n - 1; k++) {
    inTree[xi] = 1;
    const ox = xi * d;
    let cur = Infinity;
    let y = -1;
    for (let j = 0; j < n; j++) {
      if (inTree[j]) continue;
      const v = gowerAt(x, ox, x, j * d, d, g);
      if (Number.isNaN(v)) throw noCommonColumn(Math.min(xi, j), Math.max(xi, j));
      if (v < best[j]!) best[j] = v;
      if (best[j]! < cur) {
        cur = best[j]!;
        y = j;
      }
    }
    xs[k] = xi;
    ys[k] = y;
    h[k] = cur;
    xi = y;
  }
  return { xs, ys, h };
}
