import { DataError, invalidParameter } from '../core/errors.js';
import { symmetricEigen } from '../core/eigen.js';
import { Random } from '../core/random.js';
import { KdTree } from '../cluster/kd-tree.js';
import type { ColumnData } from './covariance.js';
import type { Embedding } from './embed.js';

const OWNER = 'select.umap';
const SMOOTH_K_TOLERANCE = 1e-5;
const MIN_K_DIST_SCALE = 1e-3;
const SAMPLE_STREAM = 0x756d6170;
const SGD_STREAM = 0x75736764;
const INIT_STREAM = 0x75696e69;
const MAX_SPECTRAL_STEPS = 300;
const SPECTRAL_TOLERANCE = 1e-6;

/** Parameters of {@link umap} (umap-learn's `UMAP` names and defaults in camelCase). */
export interface UmapParams {
  /** Neighbours of each row in the fuzzy graph, the row itself included, in [2, rows). Default 15. */
  nNeighbors?: number | undefined;
  /** Smallest distance between embedded points, in [0, spread]. Default 0.1. */
  minDist?: number | undefined;
  /** Scale of the embedded points. Default 1. */
  spread?: number | undefined;
  /** Epochs of stochastic gradient descent; default 500 up to 10,000 rows embedded, 200 above. */
  nEpochs?: number | undefined;
  /** Rows embedded: a seeded sample of this many (every row when undefined or fewer). */
  sampleSize?: number | undefined;
  /** Negative samples per positive one in the SGD (umap-learn's `negative_sample_rate`), in (0, inf). Default 5. */
  negativeSampleRate?: number | undefined;
  /** Weight of the repulsive gradient (umap-learn's `repulsion_strength`, gamma), in (0, inf). Default 1. */
  repulsionStrength?: number | undefined;
  /** Seed of the sample, the initial noise and the negative sampling. Default 42. */
  seed?: number | undefined;
}

/** Result of {@link umap}. */
export interface UmapResult extends Embedding {
  /** Epochs run. */
  nEpochs: number;
  /** Neighbours per row. */
  nNeighbors: number;
  /** Curve parameters fitted from `minDist` and `spread` ({@link findAbParams}). */
  a: number;
  b: number;
  /** Edges of the fuzzy graph kept for the optimisation (each direction counted). */
  nEdges: number;
  /** How the layout started: the spectral embedding of the graph, or uniform noise for a graph too small for it. */
  init: 'spectral' | 'random';
}

/**
 * The `a`, `b` of the embedding's similarity curve 1 / (1 + a·d^(2b)), fitted by least squares to the target
 * curve (1 below `minDist`, exp(−(d − minDist) / spread) above) on 300 points of [0, 3·spread], as umap-learn's
 * `find_ab_params` (Levenberg–Marquardt from a = b = 1, the method of scipy's `curve_fit`). For min_dist 0.1 and
 * spread 1: a ≈ 1.577, b ≈ 0.895. O(300) per iteration.
 */
export function findAbParams(spread: number, minDist: number): { a: number; b: number } {
  const m = 300;
  const xs = new Float64Array(m);
  const ys = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const x = (spread * 3 * i) / (m - 1);
    xs[i] = x;
    ys[i] = x < minDist ? 1 : Math.exp(-(x - minDist) / spread);
  }
  const sse = (a: number, b: number): number => {
    let s = 0;
    for (let i = 0; i < m; i++) {
      const r = 1 / (1 + a * Math.pow(xs[i]!, 2 * b)) - ys[i]!;
      s += r * r;
    }
    return s;
  };
  let a = 1;
  let b = 1;
  let cost = sse(a, b);
  let lambda = 1e-3;
  for (let iter = 0; iter < 500; iter++) {
    // Normal equations J'J δ = −J'r of the 2-parameter model.
    let jaa = 0;
    let jab = 0;
    let jbb = 0;
    let ga = 0;
    let gb = 0;
    for (let i = 0; i < m; i++) {
      const x = xs[i]!;
      const p = x > 0 ? Math.pow(x, 2 * b) : 0;
      const den = 1 + a * p;
      const r = 1 / den - ys[i]!;
      const da = -p / (den * den);
      const db = x > 0 ? (-a * p * 2 * Math.log(x)) / (den * den) : 0;
      jaa += da * da;
      jab += da * db;
      jbb += db * db;
      ga += da * r;
      gb += db * r;
    }
    let improved = false;
    while (lambda < 1e16) {
      const A = jaa * (1 + lambda);
      const B = jbb * (1 + lambda);
      const det = A * B - jab * jab;
      const sa = (-ga * B + gb * jab) / det;
      const sb = (-gb * A + ga * jab) / det;
      const na = a + sa;
      const nb = b + sb;
      const c = sse(na, nb);
      if (Number.isFinite(c) && c <= cost) {
        const small =
          Math.abs(sa) <= 1e-14 * (Math.abs(a) + 1e-14) && Math.abs(sb) <= 1e-14 * (Math.abs(b) + 1e-14);
        const flat = cost - c <= 1e-16 * cost;
        a = na;
        b = nb;
        cost = c;
        lambda = Math.max(lambda / 10, 1e-12);
        improved = !(small || flat);
        break;
      }
      lambda *= 10;
    }
    if (!improved) break;
  }
  return { a, b };
}

/** The sparse symmetric fuzzy graph: CSR with column indices increasing within each row. */
export interface FuzzyGraph {
  n: number;
  indptr: Int32Array;
  indices: Int32Array;
  data: Float64Array;
}

/**
 * Exact k nearest neighbours of every row of a row-major `n × d` matrix on a kd-tree, the row itself first (at
 * distance 0) then the k − 1 nearest other rows by (distance, row). O(n·log n·k) expected time for small d.
 */
export function nearestNeighbors(
  data: Float64Array,
  n: number,
  d: number,
  k: number,
): { indices: Int32Array; distances: Float64Array } {
  const tree = KdTree.build({ data, nRows: n, nCols: d });
  const { pts, lo, hi, nodeStart, nodeEnd, splitDim, idx } = tree;
  const m = k - 1;
  const indices = new Int32Array(n * k);
  const distances = new Float64Array(n * k);
  const hd = new Float64Array(m);
  const hr = new Int32Array(m);
  const stack = new Int32Array(2 * Math.ceil(Math.log2(tree.nNodes + 1)) + 4);
  for (let p = 0; p < n; p++) {
    const self = idx[p]!;
    const qo = p * d;
    hd.fill(Infinity);
    hr.fill(0x7fffffff);
    let sp = 0;
    stack[sp++] = 0;
    while (sp > 0) {
      const node = stack[--sp]!;
      const bound = hd[m - 1]!;
      let lb = 0;
      const o = node * d;
      for (let j = 0; j < d && lb <= bound; j++) {
        const x = pts[qo + j]!;
        const g = x < lo[o + j]! ? lo[o + j]! - x : x > hi[o + j]! ? x - hi[o + j]! : 0;
        lb += g * g;
      }
      if (lb > bound) continue;
      const sd = splitDim[node]!;
      if (sd < 0) {
        const e = nodeEnd[node]!;
        for (let s = nodeStart[node]!; s < e; s++) {
          const row = idx[s]!;
          if (row === self) continue;
          const so = s * d;
          let dist = 0;
          for (let j = 0; j < d; j++) {
            const u = pts[so + j]! - pts[qo + j]!;
            dist += u * u;
          }
          // Sorted insertion by (distance, row) into the k − 1 best.
          const last = hd[m - 1]!;
          if (dist > last || (dist === last && row > hr[m - 1]!)) continue;
          let t = m - 1;
          while (t > 0 && (hd[t - 1]! > dist || (hd[t - 1]! === dist && hr[t - 1]! > row))) {
            hd[t] = hd[t - 1]!;
            hr[t] = hr[t - 1]!;
            t--;
          }
          hd[t] = dist;
          hr[t] = row;
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
    const o = self * k;
    indices[o] = self;
    distances[o] = 0;
    for (let t = 0; t < m; t++) {
      indices[o + 1 + t] = hr[t]!;
      distances[o + 1 + t] = Math.sqrt(hd[t]!);
    }
  }
  return { indices, distances };
}

/**
 * umap-learn's `smooth_knn_dist` with local_connectivity 1 and bandwidth 1: for each row, ρ = the distance to its
 * nearest neighbour at a positive distance, and σ found by bisection (64 steps, tolerance 1e-5) so that
 * Σ_{j≥1} exp(−max(0, d_j − ρ) / σ) = log2(k); σ floored at 1e-3 × the mean distance (of the row, or of all rows
 * when ρ = 0). `distances` is `n × k` with the row itself first.
 */
export function smoothKnnDist(
  distances: Float64Array,
  n: number,
  k: number,
): { sigmas: Float64Array; rhos: Float64Array } {
  const target = Math.log2(k);
  const sigmas = new Float64Array(n);
  const rhos = new Float64Array(n);
  let meanAll = 0;
  for (let t = 0; t < n * k; t++) meanAll += distances[t]!;
  meanAll /= n * k;
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let rho = 0;
    for (let j = 0; j < k; j++) {
      if (distances[o + j]! > 0) {
        rho = distances[o + j]!;
        break;
      }
    }
    rhos[i] = rho;
    let lo = 0;
    let hi = Infinity;
    let mid = 1;
    for (let it = 0; it < 64; it++) {
      let psum = 0;
      for (let j = 1; j < k; j++) {
        const dd = distances[o + j]! - rho;
        psum += dd > 0 ? Math.exp(-(dd / mid)) : 1;
      }
      if (Math.abs(psum - target) < SMOOTH_K_TOLERANCE) break;
      if (psum > target) {
        hi = mid;
        mid = (lo + hi) / 2;
      } else {
        lo = mid;
        mid = hi === Infinity ? mid * 2 : (lo + hi) / 2;
      }
    }
    if (rho > 0) {
      let mean = 0;
      for (let j = 0; j < k; j++) mean += distances[o + j]!;
      mean /= k;
      if (mid < MIN_K_DIST_SCALE * mean) mid = MIN_K_DIST_SCALE * mean;
    } else if (mid < MIN_K_DIST_SCALE * meanAll) mid = MIN_K_DIST_SCALE * meanAll;
    sigmas[i] = mid;
  }
  return { sigmas, rhos };
}

/**
 * umap-learn's `fuzzy_simplicial_set` from the neighbours: membership exp(−(d − ρ_i) / σ_i) (1 at or below ρ_i)
 * of each row's k − 1 neighbours, then the fuzzy union P + Pᵀ − P∘Pᵀ. O(n·k) time and memory.
 */
export function fuzzyGraph(
  indices: Int32Array,
  distances: Float64Array,
  n: number,
  k: number,
  sigmas: Float64Array,
  rhos: Float64Array,
): FuzzyGraph {
  const m = k - 1;
  // P by rows (m entries each, sorted by column).
  const pCol = new Int32Array(n * m);
  const pVal = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    const o = i * k;
    const base = i * m;
    for (let j = 1; j < k; j++) {
      const col = indices[o + j]!;
      const dd = distances[o + j]! - rhos[i]!;
      const v = dd <= 0 || sigmas[i] === 0 ? 1 : Math.exp(-(dd / sigmas[i]!));
      let t = base + j - 1;
      while (t > base && pCol[t - 1]! > col) {
        pCol[t] = pCol[t - 1]!;
        pVal[t] = pVal[t - 1]!;
        t--;
      }
      pCol[t] = col;
      pVal[t] = v;
    }
  }
  // Pᵀ by counting sort: rows of the transpose list their columns (the source rows) in increasing order.
  const tPtr = new Int32Array(n + 1);
  for (let t = 0; t < n * m; t++) tPtr[pCol[t]! + 1]!++;
  for (let i = 0; i < n; i++) tPtr[i + 1]! += tPtr[i]!;
  const fill = tPtr.slice(0, n);
  const tCol = new Int32Array(n * m);
  const tVal = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let t = i * m; t < (i + 1) * m; t++) {
      const c = pCol[t]!;
      const at = fill[c]!++;
      tCol[at] = i;
      tVal[at] = pVal[t]!;
    }
  }
  // Merge row i of P and of Pᵀ.
  const indptr = new Int32Array(n + 1);
  const cap = 2 * n * m;
  const outCol = new Int32Array(cap);
  const outVal = new Float64Array(cap);
  let nnz = 0;
  for (let i = 0; i < n; i++) {
    let a = i * m;
    const ae = a + m;
    let b = tPtr[i]!;
    const be = tPtr[i + 1]!;
    while (a < ae || b < be) {
      let col: number;
      let pa = 0;
      let pb = 0;
      if (b >= be || (a < ae && pCol[a]! < tCol[b]!)) {
        col = pCol[a]!;
        pa = pVal[a++]!;
      } else if (a >= ae || tCol[b]! < pCol[a]!) {
        col = tCol[b]!;
        pb = tVal[b++]!;
      } else {
        col = pCol[a]!;
        pa = pVal[a++]!;
        pb = tVal[b++]!;
      }
      const v = pa + pb - pa * pb;
      if (v !== 0 && col !== i) {
        outCol[nnz] = col;
        outVal[nnz] = v;
        nnz++;
      }
    }
    indptr[i + 1] = nnz;
  }
  return { n, indptr, indices: outCol.slice(0, nnz), data: outVal.slice(0, nnz) };
}

/**
 * Spectral layout of a symmetric graph as umap-learn's `spectral_layout`: the eigenvectors of the 2nd and 3rd
 * smallest eigenvalues of the normalised Laplacian I − D^(−1/2)·W·D^(−1/2), i.e. the 2nd and 3rd largest of
 * S = (I + D^(−1/2)·W·D^(−1/2)) / 2. Block subspace iteration on S (4 vectors, seeded start, the known top
 * eigenvector D^(1/2)·1 projected out) with Rayleigh–Ritz every 10 steps, until the two leading Ritz values move less
 * than 1e-6 or 300 steps (umap-learn's eigsh stops at a tolerance of 1e-4; a layout need not be exact, and near
 * -degenerate eigenvalues of well separated groups give an equally good layout from any vector of their span). O(nnz) per step, O(n) memory. Null when the graph has fewer than 5 rows. A graph in several
 * pieces has eigenvalue 0 once per piece: the vectors found then separate the pieces (umap-learn lays the pieces out
 * by their centroids instead).
 */
export function spectralLayout(g: FuzzyGraph, rng: Random): [Float64Array, Float64Array] | null {
  const n = g.n;
  const bs = 4;
  if (n < bs + 1) return null;
  const { indptr, indices, data } = g;
  const dinv = new Float64Array(n);
  const v0 = new Float64Array(n);
  let v0n = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = indptr[i]!; t < indptr[i + 1]!; t++) s += data[t]!;
    dinv[i] = s > 0 ? 1 / Math.sqrt(s) : 0;
    v0[i] = Math.sqrt(s);
    v0n += s;
  }
  v0n = Math.sqrt(v0n);
  for (let i = 0; i < n; i++) v0[i] = v0n > 0 ? v0[i]! / v0n : 0;
  // Block X: bs columns of length n, stored column after column.
  let X = new Float64Array(bs * n);
  let Y = new Float64Array(bs * n);
  for (let t = 0; t < bs * n; t++) X[t] = rng.next() - 0.5;
  const orthonormalise = (Z: Float64Array): void => {
    for (let c = 0; c < bs; c++) {
      const zc = c * n;
      // Twice for stability (classical Gram–Schmidt re-orthogonalised).
      for (let pass = 0; pass < 2; pass++) {
        let p = 0;
        for (let i = 0; i < n; i++) p += Z[zc + i]! * v0[i]!;
        for (let i = 0; i < n; i++) Z[zc + i] = Z[zc + i]! - p * v0[i]!;
        for (let q = 0; q < c; q++) {
          const zq = q * n;
          let r = 0;
          for (let i = 0; i < n; i++) r += Z[zc + i]! * Z[zq + i]!;
          for (let i = 0; i < n; i++) Z[zc + i] = Z[zc + i]! - r * Z[zq + i]!;
        }
      }
      let nn = 0;
      for (let i = 0; i < n; i++) nn += Z[zc + i]! * Z[zc + i]!;
      nn = Math.sqrt(nn);
      if (nn < 1e-300) {
        for (let i = 0; i < n; i++) Z[zc + i] = rng.next() - 0.5;
        c--;
        continue;
      }
      for (let i = 0; i < n; i++) Z[zc + i] = Z[zc + i]! / nn;
    }
  };
  const apply = (src: Float64Array, dst: Float64Array): void => {
    for (let c = 0; c < bs; c++) {
      const o = c * n;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let t = indptr[i]!; t < indptr[i + 1]!; t++) {
          const j = indices[t]!;
          s += data[t]! * dinv[j]! * src[o + j]!;
        }
        dst[o + i] = 0.5 * (src[o + i]! + dinv[i]! * s);
      }
    }
  };
  orthonormalise(X);
  const ritz = (): { values: Float64Array; vectors: Float64Array } => {
    apply(X, Y);
    const T = new Float64Array(bs * bs);
    for (let p = 0; p < bs; p++) {
      for (let q = 0; q < bs; q++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += X[p * n + i]! * Y[q * n + i]!;
        T[p * bs + q] = s;
      }
    }
    return symmetricEigen(T, bs);
  };
  let prev: Float64Array = new Float64Array(bs).fill(Infinity);
  for (let step = 1; step <= MAX_SPECTRAL_STEPS; step++) {
    apply(X, Y);
    [X, Y] = [Y, X];
    orthonormalise(X);
    if (step % 10 === 0) {
      const { values } = ritz();
      let moved = 0;
      for (let c = 0; c < 2; c++) moved = Math.max(moved, Math.abs(values[c]! - prev[c]!));
      prev = values;
      if (moved < SPECTRAL_TOLERANCE) break;
    }
  }
  const { vectors } = ritz();
  const out: Float64Array[] = [];
  for (let c = 0; c < 2; c++) {
    const v = new Float64Array(n);
    for (let q = 0; q < bs; q++) {
      const w = vectors[c * bs + q]!;
      for (let i = 0; i < n; i++) v[i] = v[i]! + w * X[q * n + i]!;
    }
    // Sign: the largest-magnitude entry positive.
    let big = 0;
    for (let i = 1; i < n; i++) if (Math.abs(v[i]!) > Math.abs(v[big]!)) big = i;
    if (v[big]! < 0) for (let i = 0; i < n; i++) v[i] = -v[i]!;
    out.push(v);
  }
  return [out[0]!, out[1]!];
}

/**
 * UMAP (McInnes, Healy & Melville 2018) of a seeded sample into 2-D, as umap-learn 0.5's `UMAP(metric="euclidean",
 * init="spectral")`: exact k nearest neighbours on a kd-tree; ρ and σ per row ({@link smoothKnnDist}); the fuzzy
 * union of the memberships ({@link fuzzyGraph}); edges below max / nEpochs dropped; the spectral layout scaled to
 * [0, 10] with N(0, 1e-4) noise; then nEpochs of stochastic gradient descent in edge order, each edge sampled every
 * max(w) / w epochs with `negativeSampleRate` (5) negative samples per positive one, their repulsion weighted by
 * `repulsionStrength` (1), learning rate 1 decaying linearly to 0, gradients clipped to ±4, both ends of a
 * positive edge moved. The curve's a, b come from {@link findAbParams}.
 *
 * Single-threaded and sequential (umap-learn's parallel SGD is not reproducible), so the same data and seed give
 * the same bytes on any machine and thread count.
 *
 * Complexity: O(N·log N·k·d) for the neighbours, O(N·k) memory for the graph; the SGD makes about
 * nEpochs · Σw / max(w) · (1 + negativeSampleRate) pair updates, O(N·k·nEpochs·negativeSampleRate) time.
 * @throws UsageError for invalid parameters; DataError when the sample has no more rows than nNeighbors or a
 * feature is not finite.
 */
export function umap(X: ColumnData, params: UmapParams = {}): UmapResult {
  const k = params.nNeighbors ?? 15;
  const minDist = params.minDist ?? 0.1;
  const spread = params.spread ?? 1;
  const seed = params.seed ?? 42;
  const negativeSampleRate = params.negativeSampleRate ?? 5;
  const repulsionStrength = params.repulsionStrength ?? 1;
  if (!(negativeSampleRate > 0) || !Number.isFinite(negativeSampleRate))
    throw invalidParameter(OWNER, 'negativeSampleRate', 'a float in (0, inf)', negativeSampleRate);
  if (!(repulsionStrength > 0) || !Number.isFinite(repulsionStrength))
    throw invalidParameter(OWNER, 'repulsionStrength', 'a float in (0, inf)', repulsionStrength);
  if (!Number.isInteger(k) || k < 2) throw invalidParameter(OWNER, 'nNeighbors', 'an int in [2, inf)', k);
  if (!(spread > 0) || !Number.isFinite(spread))
    throw invalidParameter(OWNER, 'spread', 'a float in (0, inf)', spread);
  if (!(minDist >= 0) || minDist > spread)
    throw invalidParameter(OWNER, 'minDist', `a float in [0, ${spread}]`, minDist);
  if (params.nEpochs !== undefined && (!Number.isInteger(params.nEpochs) || params.nEpochs < 1))
    throw invalidParameter(OWNER, 'nEpochs', 'an int in [1, inf)', params.nEpochs);
  const sampleSize = params.sampleSize;
  if (sampleSize !== undefined && (!Number.isInteger(sampleSize) || sampleSize < 2))
    throw invalidParameter(OWNER, 'sampleSize', 'an int in [2, inf)', sampleSize);
  const nAll = X.nRows;
  const rows =
    sampleSize !== undefined && nAll > sampleSize
      ? new Random(seed, SAMPLE_STREAM).sampleIndices(nAll, sampleSize)
      : Int32Array.from({ length: nAll }, (_, i) => i);
  const n = rows.length;
  if (n <= k) {
    throw new DataError(
      `UMAP with ${k} neighbours needs more than ${k} rows; got ${n}`,
      'lower --umap-neighbors',
    );
  }
  const d = X.columns.length;
  if (d < 1) throw new DataError('UMAP needs at least one feature');
  const data = new Float64Array(n * d);
  for (let j = 0; j < d; j++) {
    const c = X.columns[j]!;
    for (let i = 0; i < n; i++) {
      const v = c[rows[i]!]!;
      if (!Number.isFinite(v)) throw new DataError('UMAP needs complete numeric features');
      data[i * d + j] = v;
    }
  }
  const nEpochs = params.nEpochs ?? (n <= 10_000 ? 500 : 200);
  const { a, b } = findAbParams(spread, minDist);

  const knn = nearestNeighbors(data, n, d, k);
  const { sigmas, rhos } = smoothKnnDist(knn.distances, n, k);
  const g = fuzzyGraph(knn.indices, knn.distances, n, k, sigmas, rhos);

  // Drop edges too weak to be sampled once (umap-learn: below max / nEpochs, or max / 500 for 10 epochs or fewer).
  let wMax = 0;
  for (const w of g.data) if (w > wMax) wMax = w;
  const cut = wMax / (nEpochs > 10 ? nEpochs : n <= 10_000 ? 500 : 200);
  const indptr = new Int32Array(n + 1);
  let nnz = 0;
  for (let i = 0; i < n; i++) {
    for (let t = g.indptr[i]!; t < g.indptr[i + 1]!; t++) {
      if (g.data[t]! < cut) continue;
      g.indices[nnz] = g.indices[t]!;
      g.data[nnz] = g.data[t]!;
      nnz++;
    }
    indptr[i + 1] = nnz;
  }
  const graph: FuzzyGraph = { n, indptr, indices: g.indices.subarray(0, nnz), data: g.data.subarray(0, nnz) };

  // Initial layout: spectral, scaled so its largest coordinate is 10, plus small noise, then each axis to [0, 10].
  const initRng = new Random(seed, INIT_STREAM);
  const Y = new Float64Array(2 * n);
  const spec = spectralLayout(graph, initRng);
  if (spec) {
    let big = 0;
    for (const v of spec) for (let i = 0; i < n; i++) big = Math.max(big, Math.abs(v[i]!));
    const expansion = big > 0 ? 10 / big : 1;
    for (let i = 0; i < n; i++) {
      Y[2 * i] = spec[0][i]! * expansion + 1e-4 * initRng.normal();
      Y[2 * i + 1] = spec[1][i]! * expansion + 1e-4 * initRng.normal();
    }
    for (let c = 0; c < 2; c++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < n; i++) {
        lo = Math.min(lo, Y[2 * i + c]!);
        hi = Math.max(hi, Y[2 * i + c]!);
      }
      const w = hi - lo > 0 ? hi - lo : 1;
      for (let i = 0; i < n; i++) Y[2 * i + c] = (10 * (Y[2 * i + c]! - lo)) / w;
    }
  } else {
    for (let t = 0; t < 2 * n; t++) Y[t] = initRng.next() * 20 - 10;
  }

  // Edge lists in CSR order and their sampling schedule.
  const head = new Int32Array(nnz);
  const tail = graph.indices;
  for (let i = 0; i < n; i++) head.fill(i, indptr[i]!, indptr[i + 1]!);
  const eps = new Float64Array(nnz);
  let wm = 0;
  for (let t = 0; t < nnz; t++) if (graph.data[t]! > wm) wm = graph.data[t]!;
  for (let t = 0; t < nnz; t++) eps[t] = wm / graph.data[t]!;
  optimizeLayout(Y, head, tail, eps, n, nEpochs, a, b, new Random(seed, SGD_STREAM), {
    negativeSampleRate,
    repulsionStrength,
  });

  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = Y[2 * i]!;
    y[i] = Y[2 * i + 1]!;
  }
  return { rows, x, y, nEpochs, nNeighbors: k, a, b, nEdges: nnz, init: spec ? 'spectral' : 'random' };
}

/**
 * umap-learn's `optimize_layout_euclidean` in 2-D, run edge after edge: `negativeSampleRate` (default 5) negative
 * samples per positive one, their gradient weighted by gamma = `repulsionStrength` (default 1). `Y` (n × 2,
 * row-major) is updated in place; `epochsPerSample[t]` = max(w) / w_t.
 */
export function optimizeLayout(
  Y: Float64Array,
  head: Int32Array,
  tail: Int32Array,
  epochsPerSample: Float64Array,
  n: number,
  nEpochs: number,
  a: number,
  b: number,
  rng: Random,
  options: { negativeSampleRate?: number; repulsionStrength?: number } = {},
): void {
  const rate = options.negativeSampleRate ?? 5;
  const gamma = options.repulsionStrength ?? 1;
  const m = head.length;
  const epochsPerNeg = new Float64Array(m);
  const nextNeg = new Float64Array(m);
  const nextSample = new Float64Array(m);
  for (let t = 0; t < m; t++) {
    epochsPerNeg[t] = epochsPerSample[t]! / rate;
    nextNeg[t] = epochsPerNeg[t]!;
    nextSample[t] = epochsPerSample[t]!;
  }
  const twoAB = 2 * a * b;
  const twoGammaB = 2 * gamma * b;
  for (let epoch = 0; epoch < nEpochs; epoch++) {
    const alpha = 1 - epoch / nEpochs;
    for (let t = 0; t < m; t++) {
      if (nextSample[t]! > epoch) continue;
      const j = head[t]!;
      const k = tail[t]!;
      let c0 = Y[2 * j]!;
      let c1 = Y[2 * j + 1]!;
      const o0 = Y[2 * k]!;
      const o1 = Y[2 * k + 1]!;
      let dx = c0 - o0;
      let dy = c1 - o1;
      let d2 = dx * dx + dy * dy;
      if (d2 > 0) {
        const pb = Math.exp(b * Math.log(d2));
        const coeff = (-twoAB * pb) / d2 / (a * pb + 1);
        const g0 = clip(coeff * dx) * alpha;
        const g1 = clip(coeff * dy) * alpha;
        c0 += g0;
        c1 += g1;
        Y[2 * k] = o0 - g0;
        Y[2 * k + 1] = o1 - g1;
      }
      nextSample[t] = nextSample[t]! + epochsPerSample[t]!;
      const nNeg = Math.floor((epoch - nextNeg[t]!) / epochsPerNeg[t]!);
      for (let p = 0; p < nNeg; p++) {
        const q = rng.int(n);
        if (q === j) continue;
        dx = c0 - Y[2 * q]!;
        dy = c1 - Y[2 * q + 1]!;
        d2 = dx * dx + dy * dy;
        if (d2 > 0) {
          const coeff = twoGammaB / ((0.001 + d2) * (a * Math.exp(b * Math.log(d2)) + 1));
          c0 += clip(coeff * dx) * alpha;
          c1 += clip(coeff * dy) * alpha;
        }
      }
      Y[2 * j] = c0;
      Y[2 * j + 1] = c1;
      nextNeg[t] = nextNeg[t]! + nNeg * epochsPerNeg[t]!;
    }
  }
}

function clip(v: number): number {
  return v > 4 ? 4 : v < -4 ? -4 : v;
}
