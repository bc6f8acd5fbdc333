import type { Matrix } from '../core/matrix.js';

/**
 * The typed arrays of a {@link KdTree}: plain data that can be posted to a worker thread (allocated on
 * SharedArrayBuffers when the tree is built `shared`, so workers read them without a copy).
 */
export interface KdTreeArrays {
  /** Number of indexed points. */
  readonly n: number;
  /** Dimension. */
  readonly d: number;
  /** Number of nodes, `2^nLevels − 1` (implicit heap layout: children of node i are 2i+1 and 2i+2). */
  readonly nNodes: number;
  /** Points in tree order, `n × d` row-major: position p holds row `idx[p]` of the source matrix. */
  readonly pts: Float64Array;
  /** Tree position → source row. */
  readonly idx: Int32Array;
  /** Node → first position (inclusive). */
  readonly nodeStart: Int32Array;
  /** Node → last position (exclusive). */
  readonly nodeEnd: Int32Array;
  /** Node → split dimension (−1 for leaves). */
  readonly splitDim: Int32Array;
  /** Node bounding boxes, `nNodes × d`: lower corners. */
  readonly lo: Float64Array;
  /** Node bounding boxes, `nNodes × d`: upper corners. */
  readonly hi: Float64Array;
  /** Node → squared euclidean length of its box diagonal. */
  readonly diag2: Float64Array;
  /** Node → L1 length of its box diagonal. */
  readonly diag1: Float64Array;
}

/** Options of {@link KdTree.build}. */
export interface KdTreeOptions {
  /** Target points per leaf; leaves hold about `leafSize` to `2·leafSize` points. Default 32. */
  leafSize?: number;
  /** Index only these source rows (in this order before partitioning). Default: every row. */
  rows?: Int32Array;
  /** Allocate the arrays on SharedArrayBuffers for worker threads. Default false. */
  shared?: boolean;
}

/**
 * A balanced kd-tree over the rows of a matrix (Bentley 1975; median splits on the widest dimension with an
 * implicit heap layout as scikit-learn's BinaryTree), with tight bounding boxes per node. The points are copied
 * into tree order so each node covers a contiguous range of positions. Build O(n·d·log n) time, O(n·d) memory.
 * Queries live with their kernels (dbscan.ts) and read {@link KdTreeArrays} directly so they can run in workers.
 */
export class KdTree implements KdTreeArrays {
  readonly n: number;
  readonly d: number;
  readonly nNodes: number;
  readonly pts: Float64Array;
  readonly idx: Int32Array;
  readonly nodeStart: Int32Array;
  readonly nodeEnd: Int32Array;
  readonly splitDim: Int32Array;
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  readonly diag2: Float64Array;
  readonly diag1: Float64Array;

  private constructor(a: KdTreeArrays) {
    this.n = a.n;
    this.d = a.d;
    this.nNodes = a.nNodes;
    this.pts = a.pts;
    this.idx = a.idx;
    this.nodeStart = a.nodeStart;
    this.nodeEnd = a.nodeEnd;
    this.splitDim = a.splitDim;
    this.lo = a.lo;
    this.hi = a.hi;
    this.diag2 = a.diag2;
    this.diag1 = a.diag1;
  }

  /** Wrap arrays received from another thread. O(1). */
  static fromArrays(a: KdTreeArrays): KdTree {
    return new KdTree(a);
  }

  /**
   * Build the tree over the rows of `X` (or the subset `opts.rows`). O(n·d·log n) time; O(n·d) memory for the
   * copy of the points plus O(n) indices. Deterministic (no randomness; ties broken by a fixed partition scheme).
   */
  static build(X: Matrix, opts: KdTreeOptions = {}): KdTree {
    const leafSize = Math.max(1, Math.floor(opts.leafSize ?? 32));
    const shared = opts.shared ?? false;
    const d = X.nCols;
    const src = X.data;
    const idx = allocI32(opts.rows ? opts.rows.length : X.nRows, shared);
    if (opts.rows) idx.set(opts.rows);
    else for (let i = 0; i < idx.length; i++) idx[i] = i;
    const n = idx.length;
    // Same level count as scikit-learn's BinaryTree: leaves hold leafSize..2·leafSize points.
    const nLevels = Math.floor(Math.log2(Math.max(1, (n - 1) / leafSize))) + 1;
    const nNodes = (1 << nLevels) - 1;
    const nodeStart = allocI32(nNodes, shared);
    const nodeEnd = allocI32(nNodes, shared);
    const splitDim = allocI32(nNodes, shared);
    const lo = allocF64(nNodes * d, shared);
    const hi = allocF64(nNodes * d, shared);

    const buildNode = (node: number, s: number, e: number): void => {
      nodeStart[node] = s;
      nodeEnd[node] = e;
      const o = node * d;
      for (let j = 0; j < d; j++) {
        lo[o + j] = Infinity;
        hi[o + j] = -Infinity;
      }
      for (let p = s; p < e; p++) {
        const r = idx[p]! * d;
        for (let j = 0; j < d; j++) {
          const v = src[r + j]!;
          if (v < lo[o + j]!) lo[o + j] = v;
          if (v > hi[o + j]!) hi[o + j] = v;
        }
      }
      const left = 2 * node + 1;
      if (left >= nNodes) {
        splitDim[node] = -1;
        return;
      }
      let best = 0;
      let spread = -1;
      for (let j = 0; j < d; j++) {
        const w = hi[o + j]! - lo[o + j]!;
        if (w > spread) {
          spread = w;
          best = j;
        }
      }
      splitDim[node] = best;
      const mid = s + ((e - s) >> 1);
      if (e - s > 1) selectNth(idx, src, d, best, s, e - 1, mid);
      buildNode(left, s, mid);
      buildNode(left + 1, mid, e);
    };
    if (n > 0) buildNode(0, 0, n);
    else {
      nodeStart.fill(0);
      nodeEnd.fill(0);
      splitDim.fill(-1);
    }

    const diag2 = allocF64(nNodes, shared);
    const diag1 = allocF64(nNodes, shared);
    for (let node = 0; node < nNodes; node++) {
      let s2 = 0;
      let s1 = 0;
      for (let j = node * d; j < (node + 1) * d; j++) {
        const w = hi[j]! - lo[j]!;
        s2 += w * w;
        s1 += w;
      }
      diag2[node] = n > 0 ? s2 : 0;
      diag1[node] = n > 0 ? s1 : 0;
    }
    const pts = allocF64(n * d, shared);
    for (let p = 0; p < n; p++) {
      const r = idx[p]! * d;
      for (let j = 0; j < d; j++) pts[p * d + j] = src[r + j]!;
    }
    return new KdTree({ n, d, nNodes, pts, idx, nodeStart, nodeEnd, splitDim, lo, hi, diag2, diag1 });
  }

  /** The plain arrays (to post to a worker). */
  arrays(): KdTreeArrays {
    const { n, d, nNodes, pts, idx, nodeStart, nodeEnd, splitDim, lo, hi, diag2, diag1 } = this;
    return { n, d, nNodes, pts, idx, nodeStart, nodeEnd, splitDim, lo, hi, diag2, diag1 };
  }

  /** Source row → tree position, −1 for rows not indexed; `nRows` is the source matrix's row count. O(nRows). */
  positions(nRows: number): Int32Array {
    const pos = new Int32Array(nRows).fill(-1);
    for (let p = 0; p < this.n; p++) pos[this.idx[p]!] = p;
    return pos;
  }

  /** Tree position → leaf node containing it. O(n). */
  leafOf(): Int32Array {
    const out = new Int32Array(this.n);
    const firstLeaf = this.nNodes >> 1;
    for (let node = firstLeaf; node < this.nNodes; node++) {
      out.fill(node, this.nodeStart[node]!, this.nodeEnd[node]!);
    }
    return out;
  }
}

/**
 * Partially sort `idx[left..right]` (inclusive) by coordinate `dim` so that position `k` holds the k-th smallest,
 * with no larger key before it and no smaller key after it (Hoare's FIND with a median-of-three pivot).
 */
function selectNth(
  idx: Int32Array,
  X: Float64Array,
  d: number,
  dim: number,
  left: number,
  right: number,
  k: number,
): void {
  while (right > left) {
    const m = (left + right) >> 1;
    const a = X[idx[left]! * d + dim]!;
    const b = X[idx[m]! * d + dim]!;
    const c = X[idx[right]! * d + dim]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = left;
    let j = right;
    while (i <= j) {
      while (X[idx[i]! * d + dim]! < pivot) i++;
      while (X[idx[j]! * d + dim]! > pivot) j--;
      if (i <= j) {
        const t = idx[i]!;
        idx[i] = idx[j]!;
        idx[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return;
  }
}

function allocI32(n: number, shared: boolean): Int32Array {
  return shared ? new Int32Array(new SharedArrayBuffer(Math.max(1, n) * 4), 0, n) : new Int32Array(n);
}

function allocF64(n: number, shared: boolean): Float64Array {
  return shared ? new Float64Array(new SharedArrayBuffer(Math.max(1, n) * 8), 0, n) : new Float64Array(n);
}
