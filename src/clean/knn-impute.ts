import { DataError, UsageError, invalidParameter } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { allocMatrix, type Matrix } from '../core/matrix.js';
import { blocks, type Task, type WorkerPool } from '../core/worker-pool.js';
import { kernelModule, knnImputeBlock, type DonorIndex, type KnnContext } from './knn-impute-kernels.js';

/** Parameters of {@link knnImpute}. */
export interface KnnImputeParams {
  /** Neighbours per imputed value: an int >= 1, below the number of reference rows. */
  k: number;
  /** Donor weights: 'uniform' (plain mean, default) or 'distance' (inverse nan-euclidean distance). */
  weights?: 'uniform' | 'distance' | undefined;
  /** Worker threads (fixed receiver blocks: results do not depend on the thread count). */
  pool?: WorkerPool | undefined;
  /** Column names, used in error messages only. */
  names?: readonly string[] | undefined;
  /** Progress over the rows to impute; the result never depends on it. */
  logger?: Logger | undefined;
}

/** Result of {@link knnImpute}. */
export interface KnnImputeResult {
  /** A copy of the data with every missing value filled. */
  imputed: Matrix;
  /** Number of values filled. */
  nImputed: number;
  /** Column → number of values filled in it. */
  perColumn: number[];
  /** Values filled with the reference column mean because no reference row had a coordinate in common. */
  fallbackToMean: number;
}

const OWNER = 'clean.knnImpute';
/** Receivers per task: fixed, so the tasks never depend on the thread count. */
const BLOCK = 128;
/** Columns up to this count key presence patterns by a bit mask (beyond, by a string). */
const MASK_COLS = 31;
/** Rows per kd-tree leaf. */
const LEAF = 16;

/**
 * Fill the missing values (NaN) of `X` from the k nearest rows of `reference`, exactly as scikit-learn's
 * `KNNImputer(n_neighbors=k, weights, metric='nan_euclidean').fit(reference).transform(X)`; pass X itself as the
 * reference for `fit_transform`. Keeping fit and transform apart lets a saved model impute new rows later exactly
 * as it imputed its training data.
 *
 * Semantics, per column c and each row of X missing c (a receiver):
 * - the candidate donors are the reference rows with c present;
 * - distance: nan-euclidean, sqrt(d / m · Σ (x_j − y_j)²) over the m coordinates present in both rows; a
 *   candidate with no coordinate in common has an undefined distance and is never a donor;
 * - the donors are the k nearest candidates (fewer when fewer have a defined distance); with equal distances the
 *   lowest reference row comes first (scikit-learn leaves that order to `np.argpartition`);
 * - the value is the donors' mean in column c, or with weights 'distance' their mean weighted by 1/distance, and
 *   when a donor is at distance 0, the plain mean of the donors at distance 0 (scikit-learn's `_get_weights`);
 * - a receiver without any donor gets the mean of column c over the reference rows where it is present.
 * A receiver never donates to itself: it misses c. Candidates at an undefined distance are left out under both
 * weightings (scikit-learn 1.2 counted them in the uniform mean when fewer than k defined ones existed, a bug
 * fixed in scikit-learn 1.6).
 *
 * Distances are computed directly, sum of squared differences over the common coordinates; scikit-learn expands
 * |x|² − 2x·y + |y|², so its distances carry cancellation error: imputed values agree to about 1e-13 relative,
 * less where a donor is very close to the receiver under weights 'distance' (1/distance amplifies that error).
 *
 * Search: the reference rows are grouped by presence pattern with a kd-tree per group ({@link buildDonorIndex}).
 * Within a group all rows share the same common coordinates with a receiver, so tree boxes give exact lower
 * bounds and whole subtrees are skipped; each candidate's distance is computed at most once per receiver and
 * serves every missing column of that receiver from one bounded sorted list of k per column. Receivers run in
 * fixed blocks, in parallel on `pool`; every value depends only on its receiver, so results are identical for any
 * thread count. Time O(n·d·log n) for the index plus, per receiver, between about one root-to-leaf path per group
 * and a full O(n·d) scan (the worst case, for data without structure or with very many presence patterns), for n
 * reference rows; memory O((n + r)·d) for r receivers (no distance matrix is stored).
 * @throws UsageError (invalidParameter) when k is not an int >= 1 or weights is unknown; UsageError when
 *   k >= the number of reference rows; DataError when the column counts differ, a value is infinite, or a column
 *   is entirely missing in the reference.
 */
export async function knnImpute(
  reference: Matrix,
  X: Matrix,
  params: KnnImputeParams,
): Promise<KnnImputeResult> {
  const { k } = params;
  const weights = params.weights ?? 'uniform';
  if (!Number.isInteger(k) || k < 1) throw invalidParameter(OWNER, 'k', 'an int in [1, inf)', k);
  if (weights !== 'uniform' && weights !== 'distance') {
    throw invalidParameter(OWNER, 'weights', "a str among {'uniform', 'distance'}", weights);
  }
  const nRef = reference.nRows;
  if (k >= nRef) {
    throw new UsageError(
      '--knn-k must be below the number of rows',
      `got k = ${k} with ${nRef} reference row(s)`,
    );
  }
  const d = reference.nCols;
  if (X.nCols !== d) {
    throw new DataError(`the data has ${X.nCols} column(s) but the imputation model expects ${d}`);
  }
  const colName = (j: number): string =>
    params.names?.[j] !== undefined ? `'${params.names[j]}'` : String(j);
  checkNoInfinity(reference, colName);
  if (X !== reference) checkNoInfinity(X, colName);

  // Column means of the reference over present values; a column with none cannot be imputed.
  const refData = reference.data;
  const colMean = new Float64Array(d);
  const colCount = new Int32Array(d);
  for (let i = 0; i < nRef; i++) {
    for (let j = 0, p = i * d; j < d; j++, p++) {
      const v = refData[p]!;
      if (v === v) {
        colMean[j]! += v;
        colCount[j]!++;
      }
    }
  }
  for (let j = 0; j < d; j++) {
    if (colCount[j] === 0) {
      throw new DataError(
        `column ${colName(j)} is entirely missing: cannot impute it`,
        'drop the column or fill it another way first',
      );
    }
    colMean[j] = colMean[j]! / colCount[j]!;
  }

  // Receivers: the rows of X with a missing value, and their missing cells in row-major order.
  const n = X.nRows;
  const xData = X.data;
  const perColumn: number[] = new Array<number>(d).fill(0);
  const recvRows: number[] = [];
  let nCells = 0;
  for (let i = 0; i < n; i++) {
    let miss = 0;
    for (let j = 0, p = i * d; j < d; j++, p++) {
      if (Number.isNaN(xData[p]!)) {
        miss++;
        perColumn[j]!++;
      }
    }
    if (miss > 0) {
      recvRows.push(i);
      nCells += miss;
    }
  }
  const imputed = allocMatrix(n, d);
  imputed.data.set(xData);
  if (nCells === 0) return { imputed, nImputed: 0, perColumn, fallbackToMean: 0 };

  const parallel = params.pool !== undefined && params.pool.nThreads > 1;
  const nRecv = recvRows.length;
  const f64 = (len: number): Float64Array =>
    parallel ? new Float64Array(new SharedArrayBuffer(len * 8)) : new Float64Array(len);
  const i32 = (len: number): Int32Array =>
    parallel ? new Int32Array(new SharedArrayBuffer(len * 4)) : new Int32Array(len);

  const index = buildDonorIndex(reference, parallel);
  const recv = f64(nRecv * d);
  const cellStart = i32(nRecv + 1);
  const cellCol = i32(nCells);
  let cell = 0;
  for (let r = 0; r < nRecv; r++) {
    const i = recvRows[r]!;
    cellStart[r] = cell;
    for (let j = 0, p = i * d; j < d; j++, p++) {
      const v = xData[p]!;
      recv[r * d + j] = v;
      if (Number.isNaN(v)) cellCol[cell++] = j;
    }
  }
  cellStart[nRecv] = cell;
  const out = f64(nCells);
  const fallback = parallel ? new Uint8Array(new SharedArrayBuffer(nCells)) : new Uint8Array(nCells);
  const ctx: KnnContext = {
    index,
    k,
    distance: weights === 'distance',
    recv,
    cellStart,
    cellCol,
    colMean,
    out,
    fallback,
  };

  const progress = (params.logger ?? silentLogger).progress('KNN imputation rows', nRecv);
  if (parallel) {
    const tasks: Task[] = blocks(nRecv, BLOCK).map(([s, e]) => ({
      module: kernelModule,
      fn: 'knnImputeBlock',
      args: [ctx, s, e],
    }));
    await params.pool!.run<void>(tasks, (i) => progress.tick(Math.min(BLOCK, nRecv - i * BLOCK)));
  } else {
    for (const [s, e] of blocks(nRecv, BLOCK)) {
      knnImputeBlock(ctx, s, e);
      progress.tick(e - s);
    }
  }
  progress.done();

  let fallbackToMean = 0;
  const dst = imputed.data;
  for (let r = 0; r < nRecv; r++) {
    const rowBase = recvRows[r]! * d;
    for (let q = cellStart[r]!; q < cellStart[r + 1]!; q++) {
      dst[rowBase + cellCol[q]!] = out[q]!;
      fallbackToMean += fallback[q]!;
    }
  }
  return { imputed, nImputed: nCells, perColumn, fallbackToMean };
}

/** @throws DataError naming the first column holding an infinite value. */
function checkNoInfinity(m: Matrix, colName: (j: number) => string): void {
  const { data, nCols } = m;
  for (let p = 0; p < data.length; p++) {
    const v = data[p]!;
    if (v === Infinity || v === -Infinity) {
      const row = Math.floor(p / nCols);
      throw new DataError(
        `column ${colName(p % nCols)} has an infinite value (row ${row + 1}): cannot impute with it`,
        'remove or clip infinite values first',
      );
    }
  }
}

/**
 * Index the reference rows for donor search (see {@link DonorIndex}): group them by presence pattern (largest
 * group first, then by first row), and build in each group a kd-tree (median split on the widest present column,
 * leaves of at most LEAF rows, tight boxes). The layout affects speed only, never results.
 * O(n·d·log n) time, O(n·d) memory.
 */
export function buildDonorIndex(reference: Matrix, shared: boolean): DonorIndex {
  const { data, nRows: n, nCols: d } = reference;
  // Values with missing ones replaced by 0, and the rows of each presence pattern.
  const z = new Float64Array(n * d);
  const groups = new Map<number | string, number[]>();
  const pres = new Uint8Array(d);
  for (let i = 0; i < n; i++) {
    let mask = 0;
    for (let j = 0, p = i * d; j < d; j++, p++) {
      const v = data[p]!;
      const present = v === v;
      if (present) z[p] = v;
      pres[j] = present ? 49 : 48;
      if (present && d <= MASK_COLS) mask |= 1 << j;
    }
    const key = d <= MASK_COLS ? mask : Buffer.from(pres.buffer, 0, d).toString('latin1');
    let rows = groups.get(key);
    if (rows === undefined) groups.set(key, (rows = []));
    rows.push(i);
  }
  const list = [...groups.values()].sort((a, b) => b.length - a.length || a[0]! - b[0]!);
  const nGroups = list.length;

  const f64 = (len: number): Float64Array =>
    shared ? new Float64Array(new SharedArrayBuffer(len * 8)) : new Float64Array(len);
  const i32 = (len: number): Int32Array =>
    shared ? new Int32Array(new SharedArrayBuffer(len * 4)) : new Int32Array(len);
  const groupPres = shared ? new Uint8Array(new SharedArrayBuffer(nGroups * d)) : new Uint8Array(nGroups * d);
  const groupRoot = i32(nGroups);
  const pts = f64(n * d);
  const row = i32(n);

  // Nodes, grown as built; children are allocated in pairs so the second child is always left + 1.
  const nodeStart: number[] = [];
  const nodeEnd: number[] = [];
  const nodeLeft: number[] = [];
  const box: number[] = [];
  const newNode = (): number => {
    nodeStart.push(0);
    nodeEnd.push(0);
    nodeLeft.push(-1);
    for (let j = 0; j < 2 * d; j++) box.push(0);
    return nodeStart.length - 1;
  };
  const lo = new Float64Array(d);
  const hi = new Float64Array(d);

  let offset = 0;
  for (let g = 0; g < nGroups; g++) {
    const ord = Int32Array.from(list[g]!);
    const first = ord[0]!;
    for (let j = 0; j < d; j++) groupPres[g * d + j] = Number.isNaN(data[first * d + j]!) ? 0 : 1;
    const build = (node: number, a: number, b: number): void => {
      nodeStart[node] = offset + a;
      nodeEnd[node] = offset + b;
      lo.fill(Infinity);
      hi.fill(-Infinity);
      for (let t = a; t < b; t++) {
        const base = ord[t]! * d;
        for (let j = 0; j < d; j++) {
          const v = z[base + j]!;
          if (v < lo[j]!) lo[j] = v;
          if (v > hi[j]!) hi[j] = v;
        }
      }
      let widest = -1;
      let width = 0;
      for (let j = 0; j < d; j++) {
        box[2 * (node * d + j)] = lo[j]!;
        box[2 * (node * d + j) + 1] = hi[j]!;
        if (hi[j]! - lo[j]! > width) {
          width = hi[j]! - lo[j]!;
          widest = j;
        }
      }
      if (b - a <= LEAF || widest < 0) return;
      const mid = (a + b) >> 1;
      selectNth(ord, a, b, mid, z, d, widest);
      const left = newNode();
      newNode();
      nodeLeft[node] = left;
      build(left, a, mid);
      build(left + 1, mid, b);
    };
    const root = newNode();
    groupRoot[g] = root;
    build(root, 0, ord.length);
    for (let t = 0; t < ord.length; t++) {
      const i = ord[t]!;
      row[offset + t] = i;
      pts.set(z.subarray(i * d, i * d + d), (offset + t) * d);
    }
    offset += ord.length;
  }

  const toI32 = (a: number[]): Int32Array => {
    const out = i32(a.length);
    out.set(a);
    return out;
  };
  const nodeBox = f64(box.length);
  nodeBox.set(box);
  return {
    d,
    nRef: n,
    nGroups,
    groupPres,
    groupRoot,
    pts,
    row,
    nodeStart: toI32(nodeStart),
    nodeEnd: toI32(nodeEnd),
    nodeLeft: toI32(nodeLeft),
    nodeBox,
  };
}

/**
 * Reorder `ord[a..b)` so that position `nth` holds the row it would hold if sorted by column `col` of `z`
 * (row-major, `d` columns), with rows before it not greater and rows after it not smaller (quickselect with a
 * median-of-three pivot and a three-way partition). Expected O(b − a).
 */
function selectNth(
  ord: Int32Array,
  a: number,
  b: number,
  nth: number,
  z: Float64Array,
  d: number,
  col: number,
): void {
  let lo = a;
  let hi = b;
  while (hi - lo > 1) {
    const x = z[ord[lo]! * d + col]!;
    const y = z[ord[(lo + hi) >> 1]! * d + col]!;
    const w = z[ord[hi - 1]! * d + col]!;
    const pivot = x < y ? (y < w ? y : x < w ? w : x) : x < w ? x : y < w ? w : y;
    let lt = lo;
    let i = lo;
    let gt = hi;
    while (i < gt) {
      const v = z[ord[i]! * d + col]!;
      if (v < pivot) {
        const t = ord[lt]!;
        ord[lt++] = ord[i]!;
        ord[i++] = t;
      } else if (v > pivot) {
        const t = ord[--gt]!;
        ord[gt] = ord[i]!;
        ord[i] = t;
      } else i++;
    }
    if (nth < lt) hi = lt;
    else if (nth >= gt) lo = gt;
    else return;
  }
}
