/**
 * Kernels of the k-nearest-neighbour imputation (see knn-impute.ts). Plain functions over typed arrays so they run
 * unchanged in this thread or in a worker (the arrays are on SharedArrayBuffers when threaded).
 */

/** File URL of this module, for worker tasks. */
export const kernelModule = import.meta.url;

/**
 * The reference rows indexed for donor search: rows grouped by presence pattern (the set of columns present), each
 * group stored contiguously in kd-tree order with a tree whose node boxes cover the group's present columns.
 * Within a group every row has the same common coordinates with a given receiver, so the nan-euclidean distance is
 * a plain euclidean distance on those coordinates and box bounds prune exactly.
 */
export interface DonorIndex {
  /** Number of columns. */
  readonly d: number;
  /** Number of reference rows. */
  readonly nRef: number;
  /** Number of presence patterns. */
  readonly nGroups: number;
  /** Group → its presence pattern, `nGroups × d`: 1 where the column is present. */
  readonly groupPres: Uint8Array;
  /** Group → its root node. */
  readonly groupRoot: Int32Array;
  /** Reference values in index order, `nRef × d`, missing values replaced by 0. */
  readonly pts: Float64Array;
  /** Index position → reference row. */
  readonly row: Int32Array;
  /** Node → first position (inclusive). */
  readonly nodeStart: Int32Array;
  /** Node → last position (exclusive). */
  readonly nodeEnd: Int32Array;
  /** Node → first child (the second is `nodeLeft + 1`), or −1 for a leaf. */
  readonly nodeLeft: Int32Array;
  /** Node boxes, `nNodes × d × 2`: lower and upper bound of each column in turn (0 in columns the group lacks). */
  readonly nodeBox: Float64Array;
}

/** A receiver block's inputs and outputs. */
export interface KnnContext {
  /** Donor index of the reference rows. */
  readonly index: DonorIndex;
  /** Neighbours per imputed value. */
  readonly k: number;
  /** Weigh donors by 1/distance (otherwise uniformly). */
  readonly distance: boolean;
  /** Receiver rows (rows of the data with at least one missing value), `nRecv × d`, NaN where missing. */
  readonly recv: Float64Array;
  /** Receiver r's missing cells are `cellStart[r] .. cellStart[r + 1] − 1`. */
  readonly cellStart: Int32Array;
  /** Cell → its column. */
  readonly cellCol: Int32Array;
  /** Column means of the reference over present values (the value for a receiver without any donor). */
  readonly colMean: Float64Array;
  /** Output: cell → imputed value. */
  readonly out: Float64Array;
  /** Output: cell → 1 when imputed with the column mean (no donor at a defined distance), else 0. */
  readonly fallback: Uint8Array;
}

/**
 * Impute every missing cell of receivers `r0 .. r1 − 1`.
 *
 * For one receiver, each missing column q keeps a sorted list of its k best donors so far, ordered by
 * (key, reference row), where key = mean of (x_j − y_j)² over the coordinates j present in both rows (the squared
 * nan-euclidean distance divided by d). A donor qualifies for q only when it has q present, and rows without any
 * coordinate in common never qualify. The receiver visits every presence group that has one of its missing
 * columns and a coordinate in common, descending the group's tree nearest child first; a node is skipped when
 * the lower bound of its box exceeds the k-th key of every list it could feed. Bounds are computed with the same
 * floating-point operations in the same order as keys, so they never exceed the key of a row inside the box and
 * the lists end exactly as a full scan would leave them: the result does not depend on the visiting order, the
 * tree shape or the blocking of receivers.
 *
 * Time: between O(log n) node visits per receiver and group and a full O(n·d) scan per receiver in the worst case
 * (many presence patterns, or data without structure); scratch memory O(d·k + tree depth).
 */
export function knnImputeBlock(c: KnnContext, r0: number, r1: number): void {
  const { index, k } = c;
  const { d, nGroups, groupPres, groupRoot, pts, row, nodeStart, nodeEnd, nodeLeft, nodeBox } = index;
  const keys = new Float64Array(d * k);
  const rows = new Int32Array(d * k);
  const poss = new Int32Array(d * k);
  const len = new Int32Array(d);
  const worst = new Float64Array(d);
  const worstRow = new Int32Array(d);
  const xr = new Float64Array(d); // receiver row
  const cols = new Int32Array(d); // slot → column
  const cj = new Int32Array(d); // common coordinates with the current group
  const xc = new Float64Array(d); // receiver values on them
  const rq = new Int32Array(d); // slots the current group can feed
  let stackNode = new Int32Array(256);
  let stackLb = new Float64Array(256);

  for (let r = r0; r < r1; r++) {
    const cell0 = c.cellStart[r]!;
    const nm = c.cellStart[r + 1]! - cell0;
    for (let j = 0; j < d; j++) xr[j] = c.recv[r * d + j]!;
    for (let q = 0; q < nm; q++) {
      cols[q] = c.cellCol[cell0 + q]!;
      len[q] = 0;
      worst[q] = Infinity;
      worstRow[q] = 0x7fffffff;
    }

    for (let g = 0; g < nGroups; g++) {
      const gp = g * d;
      let nq = 0;
      for (let q = 0; q < nm; q++) if (groupPres[gp + cols[q]!] !== 0) rq[nq++] = q;
      if (nq === 0) continue;
      let mC = 0;
      for (let j = 0; j < d; j++) {
        const v = xr[j]!;
        if (v === v && groupPres[gp + j] !== 0) {
          cj[mC] = j;
          xc[mC++] = v;
        }
      }
      if (mC === 0) continue; // no coordinate in common: undefined distances

      let top = 0;
      const root = groupRoot[g]!;
      stackNode[0] = root;
      stackLb[0] = boxBound(nodeBox, root * 2 * d, cj, xc, mC);
      top = 1;
      while (top > 0) {
        top--;
        const node = stackNode[top]!;
        const lb = stackLb[top]!;
        // Bound: the largest admission key among the lists this group can feed.
        let bound = -Infinity;
        for (let t = 0; t < nq; t++) {
          const w = worst[rq[t]!]!;
          if (w > bound) bound = w;
        }
        if (lb > bound) continue;
        const left = nodeLeft[node]!;
        if (left < 0) {
          const end = nodeEnd[node]!;
          for (let p = nodeStart[node]!; p < end; p++) {
            const base = p * d;
            let s = 0;
            for (let t = 0; t < mC; t++) {
              const diff = xc[t]! - pts[base + cj[t]!]!;
              s += diff * diff;
            }
            const key = s / mC;
            if (key > bound) continue;
            const y = row[p]!;
            for (let t = 0; t < nq; t++) {
              const q = rq[t]!;
              const w = worst[q]!;
              if (key < w || (key === w && (y < worstRow[q]! || len[q]! < k))) {
                offer(keys, rows, poss, len, worst, worstRow, q, k, key, y, p);
              }
            }
          }
        } else {
          const right = left + 1;
          const lbL = boxBound(nodeBox, left * 2 * d, cj, xc, mC);
          const lbR = boxBound(nodeBox, right * 2 * d, cj, xc, mC);
          if (top + 2 > stackNode.length) {
            const sn = new Int32Array(stackNode.length * 2);
            sn.set(stackNode);
            stackNode = sn;
            const sl = new Float64Array(stackLb.length * 2);
            sl.set(stackLb);
            stackLb = sl;
          }
          // Push the farther child first so the nearer one is searched first.
          const nearL = lbL <= lbR;
          if (nearL) {
            if (lbR <= bound) {
              stackNode[top] = right;
              stackLb[top++] = lbR;
            }
            if (lbL <= bound) {
              stackNode[top] = left;
              stackLb[top++] = lbL;
            }
          } else {
            if (lbL <= bound) {
              stackNode[top] = left;
              stackLb[top++] = lbL;
            }
            if (lbR <= bound) {
              stackNode[top] = right;
              stackLb[top++] = lbR;
            }
          }
        }
      }
    }

    for (let q = 0; q < nm; q++) {
      const cell = cell0 + q;
      const col = cols[q]!;
      const L = len[q]!;
      if (L === 0) {
        c.out[cell] = c.colMean[col]!;
        c.fallback[cell] = 1;
      } else {
        c.out[cell] = c.distance
          ? distanceAverage(pts, keys, poss, q * k, L, d, col)
          : uniformAverage(pts, poss, q * k, L, d, col);
        c.fallback[cell] = 0;
      }
    }
  }
}

/**
 * Lower bound of the key of any row inside a box: the mean over the common coordinates of the squared gap between
 * the receiver and the box (0 inside). Same operations, in the same order, as the key itself.
 */
function boxBound(box: Float64Array, base: number, cj: Int32Array, xc: Float64Array, mC: number): number {
  let s = 0;
  for (let t = 0; t < mC; t++) {
    const j = base + 2 * cj[t]!;
    const x = xc[t]!;
    const l = box[j]!;
    const h = box[j + 1]!;
    const gap = x < l ? l - x : x > h ? x - h : 0;
    s += gap * gap;
  }
  return s / mC;
}

/**
 * Insert a donor into the sorted list of slot q (capacity k, ordered by key then reference row) and update the
 * slot's admission key `worst[q]` and row `worstRow[q]` (the k-th entry once full; +inf and a sentinel before).
 * The caller has checked that the donor belongs in the list.
 */
function offer(
  keys: Float64Array,
  rows: Int32Array,
  poss: Int32Array,
  len: Int32Array,
  worst: Float64Array,
  worstRow: Int32Array,
  q: number,
  k: number,
  key: number,
  y: number,
  pos: number,
): void {
  const base = q * k;
  let L = len[q]!;
  let p: number;
  if (L < k) {
    p = base + L;
    len[q] = ++L;
  } else p = base + k - 1;
  while (p > base) {
    const kp = keys[p - 1]!;
    if (kp < key || (kp === key && rows[p - 1]! < y)) break;
    keys[p] = kp;
    rows[p] = rows[p - 1]!;
    poss[p] = poss[p - 1]!;
    p--;
  }
  keys[p] = key;
  rows[p] = y;
  poss[p] = pos;
  if (L === k) {
    worst[q] = keys[base + k - 1]!;
    worstRow[q] = rows[base + k - 1]!;
  }
}

/** Plain mean of the donors' values in column `col`. */
function uniformAverage(
  pts: Float64Array,
  poss: Int32Array,
  base: number,
  L: number,
  d: number,
  col: number,
): number {
  let s = 0;
  for (let t = 0; t < L; t++) s += pts[poss[base + t]! * d + col]!;
  return s / L;
}

/**
 * Inverse-distance weighted mean of the donors' values in column `col`, with the nan-euclidean distance
 * sqrt(key·d). As scikit-learn's `_get_weights`: when any weight is infinite (a donor at distance 0), those donors
 * get weight 1 and the others 0.
 */
function distanceAverage(
  pts: Float64Array,
  keys: Float64Array,
  poss: Int32Array,
  base: number,
  L: number,
  d: number,
  col: number,
): number {
  let anyInf = false;
  for (let t = 0; t < L; t++) if (1 / Math.sqrt(keys[base + t]! * d) === Infinity) anyInf = true;
  let sw = 0;
  let s = 0;
  for (let t = 0; t < L; t++) {
    const inv = 1 / Math.sqrt(keys[base + t]! * d);
    const w = anyInf ? (inv === Infinity ? 1 : 0) : inv;
    sw += w;
    s += w * pts[poss[base + t]! * d + col]!;
  }
  return s / sw;
}
