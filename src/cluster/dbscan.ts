import { distances, type Distance } from '../core/distance.js';
import { DataError, invalidParameter } from '../core/errors.js';
import type { Matrix } from '../core/matrix.js';
import { blocks, type Task, type WorkerPool } from '../core/worker-pool.js';
import { KdTree, type KdTreeArrays } from './kd-tree.js';
import { silentLogger, type Logger } from '../core/logger.js';

/** Parameters of {@link dbscan} (scikit-learn's names in camelCase). */
export interface DbscanParams {
  /** Neighbourhood radius, > 0: a point's neighbours are the rows at distance <= eps, itself included. */
  eps: number;
  /** Int >= 1: a point is core when its neighbourhood (itself included, as scikit-learn) has >= minSamples rows. */
  minSamples: number;
  /** Distance; default 'euclidean'. */
  distance?: Distance | undefined;
  /** Worker threads for the counting and border passes (fixed blocks: results do not depend on the thread count). */
  pool?: WorkerPool | undefined;
  /** Progress of the passes over the rows; the result never depends on it. */
  logger?: Logger | undefined;
}

/** Result of {@link dbscan}. */
export interface DbscanResult {
  /** Row → cluster 0..nClusters−1, or −1 for noise; clusters numbered by their first core row (as scikit-learn). */
  labels: Int32Array;
  /** Row → 1 for core samples, 0 otherwise. */
  isCore: Uint8Array;
  /** Number of clusters (noise excluded). */
  nClusters: number;
  /** Rows labelled −1. */
  nNoise: number;
  /** Rows with isCore = 1. */
  nCore: number;
}

const OWNER = 'cluster.dbscan';
const METRICS: readonly Distance[] = distances;
/** Rows per task of the parallel passes: fixed, so results never depend on the thread count. */
const BLOCK = 4096;
/** "No label" in per-node minima. */
const NONE = 0x7fffffff;
/** Rows of block `i` of {@link blocks}(m, BLOCK). */
const blockRows = (m: number, i: number) => Math.min(BLOCK, m - i * BLOCK);

/**
 * DBSCAN (Ester, Kriegel, Sander & Xu 1996) with labels identical to scikit-learn's `DBSCAN(eps, min_samples,
 * metric)`, including border points reachable from two clusters, with O(n) memory: neighbour lists are never
 * materialised.
 *
 * Why the labels equal scikit-learn's whatever the order of neighbour lists: `dbscan_inner` finishes one cluster
 * before it starts the next (rows in order, a new cluster at each unlabelled core row, then a stack), and within a
 * cluster it labels every still-unlabelled point within eps of any core point of the connected component of core
 * points. So cluster c is the component whose smallest core row is the c-th smallest such row, and a non-core point
 * joins the lowest-numbered cluster having a core point within eps of it (noise when none has). Neither the order
 * of the neighbour lists nor that of the stack can change this; only the order clusters start in matters.
 *
 * That gives three passes over a kd-tree, none of which builds a neighbour list:
 * 1. core flags: count neighbours, stopping once the count reaches minSamples and adding whole nodes whose box
 *    lies inside the ball without visiting their points; parallel over fixed blocks.
 * 2. components of the core points, started in row order: a stack over core points whose radius queries see only
 *    still-unlabelled core points (per-node counters prune subtrees with none left; within a leaf the unlabelled
 *    cores are kept in front), so each core point is labelled once and labelled regions cost almost nothing.
 * 3. border points: for each non-core point, the lowest cluster label among core points within eps, pruning nodes
 *    whose lowest label cannot improve the best found; parallel over fixed blocks.
 *
 * Cosine: rows are scaled to unit length and compared with squared euclidean distance 2·(1 − cos) <= 2·eps
 * (equal in exact arithmetic; scikit-learn computes 1 − x·y, so a pair within rounding (~1e-16) of eps may differ).
 * All-zero rows follow scikit-learn (`normalize` leaves them zero): cosine distance 1 to every other row, 0 to
 * themselves. So for eps < 1 a zero row is its own neighbourhood (a one-row cluster when minSamples = 1, else
 * noise), and for eps >= 1, if any zero row exists, every row neighbours every row.
 *
 * Time: O(n·d·log n) tree build plus n radius queries (each about log n plus the nodes it must open), and
 * O(n·depth) counter updates. Memory O(n·d): a copy of the points in tree order plus a few arrays of n.
 * Expects finite values (see `assertFinite`).
 * @throws UsageError (invalidParameter) when eps <= 0 or not finite, minSamples is not an int >= 1, or metric
 *   is unknown; DataError when X has no rows.
 */
export async function dbscan(X: Matrix, params: DbscanParams): Promise<DbscanResult> {
  const { eps, minSamples } = params;
  const metric = params.distance ?? 'euclidean';
  checkEps(eps, OWNER);
  if (!Number.isInteger(minSamples) || minSamples < 1) {
    throw invalidParameter(OWNER, 'minSamples', 'an int in [1, inf)', minSamples);
  }
  checkMetric(metric, OWNER);
  const n = X.nRows;
  if (n === 0) throw new DataError('DBSCAN needs at least one row; got 0');

  const labels = new Int32Array(n).fill(-1);
  const isCore = new Uint8Array(n);
  const parallel = params.pool !== undefined && params.pool.nThreads > 1;
  const { M, rows } = prepare(X, metric);
  const nZero = rows ? n - rows.length : 0;

  // Cosine with zero rows and eps >= 1: every pair is within eps, so either all rows are core (one cluster)
  // or none is.
  if (nZero > 0 && eps >= 1) {
    if (n >= minSamples) {
      labels.fill(0);
      isCore.fill(1);
      return { labels, isCore, nClusters: 1, nNoise: 0, nCore: n };
    }
    return { labels, isCore, nClusters: 0, nNoise: n, nCore: 0 };
  }

  const tree = KdTree.build(M, { rows, shared: parallel });
  const m = tree.n;
  const r = radiusBound(eps, metric);
  const l1 = metric === 'manhattan';

  // Pass 1: core flags by tree position.
  const logger = params.logger ?? silentLogger;
  const corePass = logger.progress('DBSCAN core rows', m);
  const coreP = parallel ? new Uint8Array(new SharedArrayBuffer(Math.max(1, m)), 0, m) : new Uint8Array(m);
  if (parallel) {
    const arrays = tree.arrays();
    const tasks: Task[] = blocks(m, BLOCK).map(([s, e]) => ({
      module: import.meta.url,
      fn: 'dbscanCoreBlock',
      args: [arrays, r, l1, minSamples, s, e, coreP],
    }));
    await params.pool!.run<number>(tasks, (i) => corePass.tick(blockRows(m, i)));
  } else {
    for (const [s, e] of blocks(m, BLOCK)) {
      dbscanCoreBlock(tree, r, l1, minSamples, s, e, coreP);
      corePass.tick(e - s);
    }
  }
  corePass.done();

  const { idx } = tree;
  for (let p = 0; p < m; p++) isCore[idx[p]!] = coreP[p]!;

  // Pass 2: connected components of the core points, started in row order as scikit-learn's dbscan_inner.
  const ex = new Expander(tree, coreP, labels, r, l1, n);
  // Zero rows under cosine with eps < 1 are their own neighbourhood: core only when minSamples = 1.
  if (nZero > 0 && minSamples <= 1) for (let i = 0; i < n; i++) if (ex.posOf[i]! < 0) isCore[i] = 1;
  let c = 0;
  const components = logger.progress('DBSCAN cluster rows', n);
  for (let i = 0; i < n; i++) {
    if ((i & 4095) === 4095) components.tick(4096);
    if (labels[i] !== -1 || isCore[i] === 0) continue;
    if (ex.posOf[i]! < 0)
      labels[i] = c++; // a zero row under cosine with eps < 1: its neighbourhood is itself
    else ex.expand(i, c++);
  }

  components.done();
  // Pass 3: each non-core point joins the lowest-numbered cluster with a core point within eps (see above).
  let nCore = 0;
  for (let i = 0; i < n; i++) nCore += isCore[i]!;
  if (c > 0 && nCore < n) {
    const labP = allocI32(m, parallel);
    for (let p = 0; p < m; p++) labP[p] = coreP[p] === 1 ? labels[idx[p]!]! : -1;
    const nodeMin = ex.nodeMinLabels(labP, parallel);
    const coreEnd = ex.coreEnd;
    const borderPass = logger.progress('DBSCAN border rows', m);
    if (parallel) {
      const arrays = tree.arrays();
      const tasks: Task[] = blocks(m, BLOCK).map(([s, e]) => ({
        module: import.meta.url,
        fn: 'dbscanBorderBlock',
        args: [arrays, coreP, coreEnd, nodeMin, labP, r, l1, s, e],
      }));
      await params.pool!.run<number>(tasks, (i) => borderPass.tick(blockRows(m, i)));
    } else {
      for (const [s, e] of blocks(m, BLOCK)) {
        dbscanBorderBlock(tree, coreP, coreEnd, nodeMin, labP, r, l1, s, e);
        borderPass.tick(e - s);
      }
    }
    borderPass.done();
    for (let p = 0; p < m; p++) if (coreP[p] === 0) labels[idx[p]!] = labP[p]!;
  }
  let nNoise = 0;
  for (let i = 0; i < n; i++) if (labels[i] === -1) nNoise++;
  return { labels, isCore, nClusters: c, nNoise, nCore };
}

/**
 * Distance from every row to its k-th nearest other row (k = minSamples − 1, as R's `kNNdistplot`), i.e.
 * scikit-learn's `NearestNeighbors(n_neighbors=k+1).fit(X).kneighbors(X)[0][:, k]` (self counted as the 0-th
 * neighbour; duplicates count). Used to choose eps at the knee of the sorted curve. Parallel over fixed blocks.
 * O(n·log n·k) expected time with a kd-tree, O(n·d) memory. Cosine zero rows as in {@link dbscan}.
 * @returns Float64Array of length n, in row order.
 * @throws UsageError when k is not an int >= 1 or metric is unknown; DataError when k >= n.
 */
export async function kDistances(
  X: Matrix,
  k: number,
  metric: Distance = 'euclidean',
  pool?: WorkerPool,
): Promise<Float64Array> {
  const owner = 'cluster.kDistances';
  if (!Number.isInteger(k) || k < 1) throw invalidParameter(owner, 'k', 'an int in [1, inf)', k);
  checkMetric(metric, owner);
  const n = X.nRows;
  if (k >= n) throw new DataError(`the ${k}-th nearest neighbour needs more than ${k} rows; got ${n}`);
  const parallel = pool !== undefined && pool.nThreads > 1;
  const { M, rows } = prepare(X, metric);
  const nZero = rows ? n - rows.length : 0;
  const tree = KdTree.build(M, { rows, shared: parallel });
  const m = tree.n;
  const l1 = metric === 'manhattan';
  const outP = parallel
    ? new Float64Array(new SharedArrayBuffer(Math.max(1, m) * 8), 0, m)
    : new Float64Array(m);
  // Zero rows (cosine) sit at cosine distance 1 (squared unit-sphere distance 2) from every other row.
  const extra = Math.min(nZero, k + 1);
  if (parallel) {
    const arrays = tree.arrays();
    const tasks: Task[] = blocks(m, BLOCK).map(([s, e]) => ({
      module: import.meta.url,
      fn: 'kDistancesBlock',
      args: [arrays, k + 1, l1, extra, 2, s, e, outP],
    }));
    await pool.run<number>(tasks);
  } else {
    kDistancesBlock(tree, k + 1, l1, extra, 2, 0, m, outP);
  }
  const out = new Float64Array(n).fill(1); // zero rows: cosine distance 1 to every other row
  for (let p = 0; p < m; p++) {
    const v = outP[p]!;
    out[tree.idx[p]!] = metric === 'euclidean' ? Math.sqrt(v) : metric === 'cosine' ? v / 2 : v;
  }
  return out;
}

/**
 * For `segment assign`: each row of X gets the label of its nearest core point if that core is within eps
 * (distance <= eps), else −1; ties go to the lowest core index. A kd-tree over the cores: O((n + c)·log c) typical.
 * Cosine zero rows as in {@link dbscan} (distance 1 to every core).
 * @param cores core points, `c × d`; `coreLabels[i]` is the label of core row i.
 * @returns Int32Array of length X.nRows.
 * @throws UsageError for eps <= 0 or an unknown metric; DataError when dimensions or lengths disagree.
 */
export function assignToCores(
  X: Matrix,
  cores: Matrix,
  coreLabels: Int32Array,
  eps: number,
  metric: Distance,
): Int32Array {
  const owner = 'cluster.assignToCores';
  checkEps(eps, owner);
  checkMetric(metric, owner);
  if (cores.nRows > 0 && cores.nCols !== X.nCols) {
    throw new DataError(`the model has ${cores.nCols} features but the data has ${X.nCols}`);
  }
  if (coreLabels.length !== cores.nRows) {
    throw new DataError(`${coreLabels.length} core labels for ${cores.nRows} core points`);
  }
  const n = X.nRows;
  const d = X.nCols;
  const out = new Int32Array(n).fill(-1);
  if (cores.nRows === 0 || n === 0) return out;
  const C = prepare(cores, metric);
  const Q = prepare(X, metric);
  const tree = KdTree.build(C.M, { rows: C.rows });
  // Cosine: the first all-zero core, at cosine distance 1 from every row.
  let firstZeroCore = -1;
  if (C.rows) {
    const kept = new Uint8Array(cores.nRows);
    for (const i of C.rows) kept[i] = 1;
    firstZeroCore = kept.indexOf(0);
  }
  const r = radiusBound(eps, metric);
  const l1 = metric === 'manhattan';
  const stack = new Int32Array(64);
  const bestDist = new Float64Array(1);
  const q = Q.M.data;
  const zeroQ = Q.rows ? new Uint8Array(n).fill(1) : null;
  if (zeroQ && Q.rows) for (const i of Q.rows) zeroQ[i] = 0;
  for (let i = 0; i < n; i++) {
    if (zeroQ && zeroQ[i] === 1) {
      // A zero row is at cosine distance 1 from every core: the first core wins the tie.
      if (eps >= 1) out[i] = coreLabels[0]!;
      continue;
    }
    let best = nearestWithin(tree, q, i * d, r, l1, stack, bestDist);
    // Zero cores (cosine) are at squared unit-sphere distance 2 (cosine distance 1) from every row.
    if (firstZeroCore >= 0 && eps >= 1) {
      const bd = best >= 0 ? bestDist[0]! : Infinity;
      if (bd > 2 || (bd === 2 && firstZeroCore < best)) best = firstZeroCore;
    }
    if (best >= 0) out[i] = coreLabels[best]!;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Kernels (exported for the worker pool; not part of the public API).

/**
 * Worker kernel of dbscan pass 1: `core[p] = 1` for tree positions p in [start, end) with at least `minSamples`
 * points within rdist `r` (squared euclidean, or L1 when `l1`). Returns the number of core points in the block.
 */
export function dbscanCoreBlock(
  t: KdTreeArrays,
  r: number,
  l1: boolean,
  minSamples: number,
  start: number,
  end: number,
  core: Uint8Array,
): number {
  const stack = new Int32Array(2 * Math.ceil(Math.log2(t.nNodes + 1)) + 4);
  let nCore = 0;
  for (let p = start; p < end; p++) {
    if (countWithin(t, p * t.d, r, l1, minSamples, stack) >= minSamples) {
      core[p] = 1;
      nCore++;
    } else core[p] = 0;
  }
  return nCore;
}

/**
 * Worker kernel of dbscan pass 3: for each non-core tree position p in [start, end), `labP[p]` = the lowest label
 * of the core points within rdist r, or −1. Reads the labels of core positions only, writes non-core ones only.
 * Prunes nodes whose lowest core label (`nodeMin`) cannot improve the best label found so far.
 */
export function dbscanBorderBlock(
  t: KdTreeArrays,
  core: Uint8Array,
  coreEnd: Int32Array,
  nodeMin: Int32Array,
  labP: Int32Array,
  r: number,
  l1: boolean,
  start: number,
  end: number,
): number {
  const { pts, d, lo, hi, nodeStart, splitDim } = t;
  const diag = l1 ? t.diag1 : t.diag2;
  const fit = fitBound(r, l1);
  const stack = new Int32Array(2 * Math.ceil(Math.log2(t.nNodes + 1)) + 4);
  let nBorder = 0;
  for (let p = start; p < end; p++) {
    if (core[p] === 1) continue;
    const qo = p * d;
    let best = NONE;
    let sp = 0;
    stack[sp++] = 0;
    while (sp > 0) {
      const node = stack[--sp]!;
      if (nodeMin[node]! >= best) continue;
      const o = node * d;
      if (minDist(pts, qo, lo, hi, o, d, l1, r) > r) continue;
      if (diag[node]! <= fit && maxDist(pts, qo, lo, hi, o, d, l1) <= r) {
        best = nodeMin[node]!;
        continue;
      }
      if (splitDim[node]! < 0) {
        for (let s = nodeStart[node]!, e = coreEnd[node]!; s < e; s++) {
          if (labP[s]! >= best) continue;
          const so = s * d;
          let dist = 0;
          if (l1) for (let j = 0; j < d; j++) dist += Math.abs(pts[so + j]! - pts[qo + j]!);
          else
            for (let j = 0; j < d; j++) {
              const u = pts[so + j]! - pts[qo + j]!;
              dist += u * u;
            }
          if (dist <= r) best = labP[s]!;
        }
        continue;
      }
      // Visit the child with the lower label first: it can prune the other.
      const left = 2 * node + 1;
      if (nodeMin[left]! <= nodeMin[left + 1]!) {
        stack[sp++] = left + 1;
        stack[sp++] = left;
      } else {
        stack[sp++] = left;
        stack[sp++] = left + 1;
      }
    }
    if (best !== NONE) {
      labP[p] = best;
      nBorder++;
    }
  }
  return nBorder;
}

/**
 * Worker kernel of kDistances: `out[p]` = the K-th smallest rdist from tree position p to the indexed points
 * (itself included) plus `extra` virtual points at rdist `extraValue`, for p in [start, end).
 */
export function kDistancesBlock(
  t: KdTreeArrays,
  K: number,
  l1: boolean,
  extra: number,
  extraValue: number,
  start: number,
  end: number,
  out: Float64Array,
): number {
  const { pts, d, lo, hi, nodeStart, nodeEnd, splitDim } = t;
  const stack = new Int32Array(2 * Math.ceil(Math.log2(t.nNodes + 1)) + 4);
  const heap = new Float64Array(K);
  for (let p = start; p < end; p++) {
    const qo = p * d;
    heap.fill(Infinity);
    // Seed with the virtual points, then push the real ones through a max-heap of the K smallest.
    for (let i = 0; i < extra; i++) heap[i] = extraValue;
    heapify(heap);
    let sp = 0;
    stack[sp++] = 0;
    while (sp > 0) {
      const node = stack[--sp]!;
      const bound = heap[0]!;
      if (minDist(pts, qo, lo, hi, node * d, d, l1, bound) > bound) continue;
      const sd = splitDim[node]!;
      if (sd < 0) {
        const e = nodeEnd[node]!;
        for (let s = nodeStart[node]!; s < e; s++) {
          const so = s * d;
          let dist = 0;
          if (l1) for (let j = 0; j < d; j++) dist += Math.abs(pts[so + j]! - pts[qo + j]!);
          else
            for (let j = 0; j < d; j++) {
              const u = pts[so + j]! - pts[qo + j]!;
              dist += u * u;
            }
          if (dist < heap[0]!) siftDown(heap, dist);
        }
        continue;
      }
      const left = 2 * node + 1;
      const split = 0.5 * (hi[left * d + sd]! + lo[(left + 1) * d + sd]!);
      if (pts[qo + sd]! < split) {
        stack[sp++] = left + 1;
        stack[sp++] = left;
      } else {
        stack[sp++] = left;
        stack[sp++] = left + 1;
      }
    }
    out[p] = heap[0]!;
  }
  return end - start;
}

// ---------------------------------------------------------------------------------------------------------------
// Internals.

function checkEps(eps: number, owner: string): void {
  if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) {
    throw invalidParameter(owner, 'eps', 'a float in (0, inf)', eps);
  }
}

function checkMetric(metric: string, owner: string): void {
  if (!METRICS.includes(metric as Distance)) {
    throw invalidParameter(owner, 'metric', "a str among {'euclidean', 'manhattan', 'cosine'}", metric);
  }
}

/** The bound compared with the tree's "rdist": squared euclidean, L1, or squared distance of unit vectors. */
function radiusBound(eps: number, metric: Distance): number {
  return metric === 'euclidean' ? eps * eps : metric === 'cosine' ? 2 * eps : eps;
}

/**
 * The matrix the tree indexes: X itself, or for cosine the rows scaled to unit length plus the list of nonzero
 * rows (`rows`, undefined when every row is indexed).
 */
function prepare(X: Matrix, metric: Distance): { M: Matrix; rows: Int32Array | undefined } {
  if (metric !== 'cosine') return { M: X, rows: undefined };
  const { nRows: n, nCols: d, data } = X;
  const out = new Float64Array(n * d);
  const keep = new Int32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += data[i * d + j]! ** 2;
    if (s === 0) continue;
    const f = 1 / Math.sqrt(s);
    for (let j = 0; j < d; j++) out[i * d + j] = data[i * d + j]! * f;
    keep[m++] = i;
  }
  return { M: { data: out, nRows: n, nCols: d }, rows: m === n ? undefined : keep.slice(0, m) };
}

/**
 * Number of indexed points within rdist `r` of the point at offset `qo` of the tree's points, stopping once it
 * reaches `cap`. Nodes whose whole box lies within r are added without visiting their points; the nearer child is
 * visited first so the cap is reached early. The computed box bounds bracket every computed point distance
 * (rounding is monotone), so the count equals a brute-force count with the same arithmetic.
 */
function countWithin(
  t: KdTreeArrays,
  qo: number,
  r: number,
  l1: boolean,
  cap: number,
  stack: Int32Array,
): number {
  const { pts, d, lo, hi, nodeStart, nodeEnd, splitDim } = t;
  const diag = l1 ? t.diag1 : t.diag2;
  const fit = fitBound(r, l1);
  let count = 0;
  let sp = 0;
  stack[sp++] = 0;
  while (sp > 0) {
    const node = stack[--sp]!;
    const o = node * d;
    if (minDist(pts, qo, lo, hi, o, d, l1, r) > r) continue;
    const s0 = nodeStart[node]!;
    const e = nodeEnd[node]!;
    if (diag[node]! <= fit && maxDist(pts, qo, lo, hi, o, d, l1) <= r) {
      count += e - s0;
      if (count >= cap) return count;
      continue;
    }
    const sd = splitDim[node]!;
    if (sd < 0) {
      for (let s = s0; s < e; s++) {
        const so = s * d;
        let dist = 0;
        if (l1) for (let j = 0; j < d; j++) dist += Math.abs(pts[so + j]! - pts[qo + j]!);
        else
          for (let j = 0; j < d; j++) {
            const u = pts[so + j]! - pts[qo + j]!;
            dist += u * u;
          }
        if (dist <= r && ++count >= cap) return count;
      }
      continue;
    }
    const left = 2 * node + 1;
    const split = 0.5 * (hi[left * d + sd]! + lo[(left + 1) * d + sd]!);
    if (pts[qo + sd]! < split) {
      stack[sp++] = left + 1;
      stack[sp++] = left;
    } else {
      stack[sp++] = left;
      stack[sp++] = left + 1;
    }
  }
  return count;
}

/**
 * Pass 2 state. Each leaf's positions are kept as [unlabelled cores | labelled cores | non-core points], so a
 * radius query scans only the cores it may still label, and `unl[node]` counts the unlabelled cores below a node
 * so queries skip subtrees with nothing left to label. Reordering within a leaf keeps every box valid. Labelled
 * points never move again, so the stack of cores to expand holds positions.
 */
class Expander {
  /** Source row → tree position (−1 for rows not indexed). */
  readonly posOf: Int32Array;
  /** Leaf node → end of its core points (start of its non-core points). */
  readonly coreEnd: Int32Array;
  private readonly unl: Int32Array;
  private readonly leaf: Int32Array;
  private readonly todo: Int32Array;
  private readonly nodes: Int32Array;
  private readonly inner: Int32Array;
  private readonly qbuf: Float64Array;
  private sp = 0;

  constructor(
    private readonly t: KdTree,
    private readonly core: Uint8Array,
    private readonly labels: Int32Array,
    private readonly r: number,
    private readonly l1: boolean,
    nRows: number,
  ) {
    const { nNodes, nodeStart, nodeEnd } = t;
    this.leaf = t.leafOf();
    this.unl = new Int32Array(nNodes);
    this.coreEnd = allocI32(nNodes, isShared(t.idx));
    this.posOf = t.positions(nRows);
    const firstLeaf = nNodes >> 1;
    for (let node = firstLeaf; node < nNodes; node++) {
      // Partition the leaf: cores first.
      let i = nodeStart[node]!;
      let j = nodeEnd[node]! - 1;
      for (;;) {
        while (i <= j && core[i] === 1) i++;
        while (i <= j && core[j] === 0) j--;
        if (i >= j) break;
        this.swap(i, j);
        core[i] = 1;
        core[j] = 0;
      }
      this.coreEnd[node] = i;
      this.unl[node] = i - nodeStart[node]!;
    }
    for (let node = firstLeaf - 1; node >= 0; node--)
      this.unl[node] = this.unl[2 * node + 1]! + this.unl[2 * node + 2]!;
    this.todo = new Int32Array(Math.max(1, t.n));
    const depth = Math.ceil(Math.log2(nNodes + 1)) + 4;
    this.nodes = new Int32Array(2 * depth);
    this.inner = new Int32Array(2 * depth);
    this.qbuf = new Float64Array(t.d);
  }

  /** Label with `c` the core points density-connected to the unlabelled core row `row`. */
  expand(row: number, c: number): void {
    this.take(this.posOf[row]!, c);
    while (this.sp > 0) this.query(this.todo[--this.sp]!, c);
  }

  /** Per node, the lowest label of its core points (2^31 − 1 when it has none); `labP` holds labels by position. */
  nodeMinLabels(labP: Int32Array, shared: boolean): Int32Array {
    const { nNodes, nodeStart } = this.t;
    const out = allocI32(nNodes, shared);
    const firstLeaf = nNodes >> 1;
    for (let node = firstLeaf; node < nNodes; node++) {
      let v = NONE;
      for (let p = nodeStart[node]!, e = this.coreEnd[node]!; p < e; p++) if (labP[p]! < v) v = labP[p]!;
      out[node] = v;
    }
    for (let node = firstLeaf - 1; node >= 0; node--)
      out[node] = Math.min(out[2 * node + 1]!, out[2 * node + 2]!);
    return out;
  }

  /** Swap tree positions x and y (coordinates and row index; the caller keeps the core flags). */
  private swap(x: number, y: number): void {
    const { pts, idx, d } = this.t;
    const t = idx[x]!;
    idx[x] = idx[y]!;
    idx[y] = t;
    this.posOf[idx[x]!] = x;
    this.posOf[t] = y;
    for (let j = 0, a = x * d, b = y * d; j < d; j++, a++, b++) {
      const v = pts[a]!;
      pts[a] = pts[b]!;
      pts[b] = v;
    }
  }

  /** Label the unlabelled core at position x: move it to the end of its leaf's unlabelled run and queue it. */
  private take(x: number, c: number): void {
    const L = this.leaf[x]!;
    const y = this.t.nodeStart[L]! + this.unl[L]! - 1;
    if (x !== y) this.swap(x, y);
    this.labels[this.t.idx[y]!] = c;
    const unl = this.unl;
    for (let node = L; ; node = (node - 1) >> 1) {
      unl[node]!--;
      if (node === 0) break;
    }
    this.todo[this.sp++] = y;
  }

  /** Label every unlabelled core within r of core position q. */
  private query(q: number, c: number): void {
    const { pts, d, lo, hi, nodeStart, splitDim } = this.t;
    const { unl, r, l1, nodes, qbuf } = this;
    const diag = l1 ? this.t.diag1 : this.t.diag2;
    const fit = fitBound(r, l1);
    for (let j = 0; j < d; j++) qbuf[j] = pts[q * d + j]!;
    let sp = 0;
    nodes[sp++] = 0;
    while (sp > 0) {
      const node = nodes[--sp]!;
      if (unl[node] === 0) continue;
      const o = node * d;
      if (minDist(qbuf, 0, lo, hi, o, d, l1, r) > r) continue;
      if (diag[node]! <= fit && maxDist(qbuf, 0, lo, hi, o, d, l1) <= r) {
        this.takeAll(node, c);
        continue;
      }
      if (splitDim[node]! < 0) {
        const s0 = nodeStart[node]!;
        let s = s0;
        // take() moves the last unlabelled core into slot s, so s only advances past misses.
        while (s < s0 + unl[node]!) {
          const so = s * d;
          let dist = 0;
          if (l1) for (let j = 0; j < d; j++) dist += Math.abs(pts[so + j]! - qbuf[j]!);
          else
            for (let j = 0; j < d; j++) {
              const u = pts[so + j]! - qbuf[j]!;
              dist += u * u;
            }
          if (dist <= r) this.take(s, c);
          else s++;
        }
        continue;
      }
      const left = 2 * node + 1;
      if (unl[left]! > 0) nodes[sp++] = left;
      if (unl[left + 1]! > 0) nodes[sp++] = left + 1;
    }
  }

  /** Label every unlabelled core of a subtree lying entirely within r (in place: the runs just shrink to 0). */
  private takeAll(root: number, c: number): void {
    const { nodeStart, splitDim, idx } = this.t;
    const { unl, labels, inner, todo } = this;
    let sp = 0;
    inner[sp++] = root;
    while (sp > 0) {
      const node = inner[--sp]!;
      const u = unl[node]!;
      if (u === 0) continue;
      if (splitDim[node]! >= 0) {
        inner[sp++] = 2 * node + 1;
        inner[sp++] = 2 * node + 2;
        continue;
      }
      const s0 = nodeStart[node]!;
      for (let s = s0; s < s0 + u; s++) {
        labels[idx[s]!] = c;
        todo[this.sp++] = s;
      }
      for (let a = node; ; a = (a - 1) >> 1) {
        unl[a] = unl[a]! - u;
        if (a === 0) break;
      }
    }
  }
}

/**
 * Source row of the indexed point nearest to `q[qo..qo+d)` within rdist r (inclusive), ties to the lowest row;
 * −1 if none. Its rdist goes to `bestDist[0]`.
 */
function nearestWithin(
  t: KdTree,
  q: Float64Array,
  qo: number,
  r: number,
  l1: boolean,
  stack: Int32Array,
  bestDist: Float64Array,
): number {
  const { pts, d, lo, hi, nodeStart, nodeEnd, splitDim, idx } = t;
  let best = r;
  let bestRow = -1;
  let sp = 0;
  stack[sp++] = 0;
  while (sp > 0) {
    const node = stack[--sp]!;
    if (minDist(q, qo, lo, hi, node * d, d, l1, best) > best) continue;
    const sd = splitDim[node]!;
    if (sd < 0) {
      const e = nodeEnd[node]!;
      for (let s = nodeStart[node]!; s < e; s++) {
        const so = s * d;
        let dist = 0;
        if (l1) for (let j = 0; j < d; j++) dist += Math.abs(pts[so + j]! - q[qo + j]!);
        else
          for (let j = 0; j < d; j++) {
            const u = pts[so + j]! - q[qo + j]!;
            dist += u * u;
          }
        if (dist < best || (dist === best && (bestRow < 0 || idx[s]! < bestRow))) {
          best = dist;
          bestRow = idx[s]!;
        }
      }
      continue;
    }
    const left = 2 * node + 1;
    const split = 0.5 * (hi[left * d + sd]! + lo[(left + 1) * d + sd]!);
    if (q[qo + sd]! < split) {
      stack[sp++] = left + 1;
      stack[sp++] = left;
    } else {
      stack[sp++] = left;
      stack[sp++] = left + 1;
    }
  }
  bestDist[0] = best;
  return bestRow;
}

/**
 * Lower bound of the rdist from `q[qo..qo+d)` to the box `lo/hi[o..o+d)` (0 inside), with an early exit once it
 * exceeds `r`. Rounding is monotone, so it never exceeds the computed rdist to any point in the box.
 */
function minDist(
  q: Float64Array,
  qo: number,
  lo: Float64Array,
  hi: Float64Array,
  o: number,
  d: number,
  l1: boolean,
  r: number,
): number {
  let lb = 0;
  for (let j = 0; j < d; j++) {
    const x = q[qo + j]!;
    const a = lo[o + j]!;
    const b = hi[o + j]!;
    const g = x < a ? a - x : x > b ? x - b : 0;
    lb += l1 ? g : g * g;
    if (lb > r) return lb;
  }
  return lb;
}

/** Upper bound of the rdist from `q[qo..qo+d)` to any point of the box `lo/hi[o..o+d)` (its farthest corner). */
function maxDist(
  q: Float64Array,
  qo: number,
  lo: Float64Array,
  hi: Float64Array,
  o: number,
  d: number,
  l1: boolean,
): number {
  let ub = 0;
  for (let j = 0; j < d; j++) {
    const x = q[qo + j]!;
    const f = Math.max(Math.abs(x - lo[o + j]!), Math.abs(hi[o + j]! - x));
    ub += l1 ? f : f * f;
  }
  return ub;
}

/**
 * A box can lie within rdist r of a point only if its diagonal is at most 2·eps: squared diagonal <= 4r for the
 * squared metrics, L1 diagonal <= 2r. Nodes wider than that skip the farthest-corner test.
 */
function fitBound(r: number, l1: boolean): number {
  return l1 ? 2 * r : 4 * r;
}

function allocI32(n: number, shared: boolean): Int32Array {
  return shared ? new Int32Array(new SharedArrayBuffer(Math.max(1, n) * 4), 0, n) : new Int32Array(n);
}

function isShared(a: ArrayBufferView): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer;
}

function heapify(h: Float64Array): void {
  // Sorting descending gives a valid max-heap.
  h.sort().reverse();
}

/** Replace the maximum of max-heap `h` by `v` and restore the heap. */
function siftDown(h: Float64Array, v: number): void {
  const n = h.length;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const rr = l + 1;
    const c = rr < n && h[rr]! > h[l]! ? rr : l;
    if (h[c]! <= v) break;
    h[i] = h[c]!;
    i = c;
  }
  h[i] = v;
}
