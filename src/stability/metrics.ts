import { InternalError } from '../core/errors.js';
import { quantileSorted } from '../core/stats.js';

/** Label of noise rows (DBSCAN): kept as its own label by the agreement indices, never matched as a segment. */
export const NOISE = -1;

/** Contingency table of two labelings: `table[i * cols.length + j]` counts rows with label `rows[i]` in a and `cols[j]` in b. */
export interface Contingency {
  /** Distinct labels of a, ascending. */
  rows: number[];
  /** Distinct labels of b, ascending. */
  cols: number[];
  /** Row-major counts, rows.length × cols.length. */
  table: Float64Array;
  /** Rows per label of a (same order as `rows`). */
  rowSums: Float64Array;
  /** Rows per label of b (same order as `cols`). */
  colSums: Float64Array;
  /** Number of rows. */
  n: number;
}

/**
 * Cross-tabulate two labelings of the same rows. O(n + r·c).
 * @throws InternalError when the labelings differ in length.
 */
export function contingency(a: Int32Array, b: Int32Array): Contingency {
  if (a.length !== b.length)
    throw new InternalError(`labelings differ in length: ${a.length} vs ${b.length}`);
  const rows = [...new Set(a)].sort((x, y) => x - y);
  const cols = [...new Set(b)].sort((x, y) => x - y);
  const ri = new Map(rows.map((l, i) => [l, i]));
  const ci = new Map(cols.map((l, j) => [l, j]));
  const table = new Float64Array(rows.length * cols.length);
  const rowSums = new Float64Array(rows.length);
  const colSums = new Float64Array(cols.length);
  for (let k = 0; k < a.length; k++) {
    const i = ri.get(a[k]!)!;
    const j = ci.get(b[k]!)!;
    table[i * cols.length + j]! += 1;
    rowSums[i]! += 1;
    colSums[j]! += 1;
  }
  return { rows, cols, table, rowSums, colSums, n: a.length };
}

/**
 * Adjusted Rand index (Hubert & Arabie), computed as scikit-learn's `adjusted_rand_score` from the pair confusion
 * matrix: 1 for identical partitions whatever the label names, about 0 for independent ones. Every label (noise −1
 * included) is a cluster of its own. O(n + r·c).
 */
export function adjustedRandIndex(c: Contingency): number {
  const n = c.n;
  let sumSquares = 0;
  for (const v of c.table) sumSquares += v * v;
  let rowSq = 0;
  for (const v of c.rowSums) rowSq += v * v;
  let colSq = 0;
  for (const v of c.colSums) colSq += v * v;
  const tp = sumSquares - n;
  const fp = colSq - sumSquares;
  const fn = rowSq - sumSquares;
  const tn = n * n - fp - fn - sumSquares;
  if (fn === 0 && fp === 0) return 1;
  return (2 * (tp * tn - fn * fp)) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
}

function entropy(counts: Float64Array): number {
  const pos = [...counts].filter((v) => v > 0);
  if (pos.length <= 1) return 0;
  let total = 0;
  for (const v of pos) total += v;
  const logTotal = Math.log(total);
  let h = 0;
  for (const v of pos) h += (v / total) * (Math.log(v) - logTotal);
  return -h;
}

/**
 * Normalised mutual information with the arithmetic mean of the entropies as normaliser (scikit-learn's default
 * `normalized_mutual_info_score`): 1 for identical partitions, 0 for independent ones. O(n + r·c).
 */
export function normalizedMutualInfo(c: Contingency): number {
  const r = c.rows.length;
  const k = c.cols.length;
  if ((r === 1 && k === 1) || (r === 0 && k === 0)) return 1;
  if (r === 1 || k === 1) return 0;
  const n = c.n;
  const logN = Math.log(n);
  let mi = 0;
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < k; j++) {
      const v = c.table[i * k + j]!;
      if (v === 0) continue;
      const p = v / n;
      const logOuter = -Math.log(c.rowSums[i]! * c.colSums[j]!) + logN + logN;
      let term = p * (Math.log(v) - logN) + p * logOuter;
      if (Math.abs(term) < Number.EPSILON) term = 0;
      mi += term;
    }
  }
  mi = Math.max(mi, 0);
  if (mi === 0) return 0;
  const norm = Math.max((entropy(c.rowSums) + entropy(c.colSums)) / 2, Number.EPSILON);
  return mi / norm;
}

/**
 * Minimum-cost assignment of a rectangular cost matrix (Hungarian algorithm with potentials, Kuhn–Munkres /
 * Jonker–Volgenant style). Every row is assigned when rows ≤ cols, else every column. O(min(r,c)²·max(r,c)).
 * @returns pairs [row, col] sorted by row.
 */
export function linearSumAssignment(cost: Float64Array, nRows: number, nCols: number): [number, number][] {
  const transpose = nRows > nCols;
  const n = transpose ? nCols : nRows;
  const m = transpose ? nRows : nCols;
  const at = (i: number, j: number) => (transpose ? cost[j * nCols + i]! : cost[i * nCols + j]!);
  // 1-based arrays, index 0 is the virtual start column.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(m + 1).fill(Infinity);
    const used = new Uint8Array(m + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = at(i0 - 1, j - 1) - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]!]! += delta;
          v[j]! -= delta;
        } else minv[j]! -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const out: [number, number][] = [];
  for (let j = 1; j <= m; j++) {
    if (p[j] === 0) continue;
    out.push(transpose ? [j - 1, p[j]! - 1] : [p[j]! - 1, j - 1]);
  }
  return out.sort((x, y) => x[0] - y[0]);
}

/** One segment of a paired with one of b. */
export interface SegmentMatch {
  /** Label in a. */
  a: number;
  /** Label in b. */
  b: number;
  /** Rows in both. */
  overlap: number;
  /** |A ∩ B| / |A ∪ B|. */
  jaccard: number;
  /** Share of all rows in the segment of a. */
  shareA: number;
  /** Share of all rows in the segment of b. */
  shareB: number;
  /** shareB − shareA. */
  shift: number;
}

/** Segments of a matched to segments of b; unmatched ones are vanished (a only) or new (b only). */
export interface Matching {
  matches: SegmentMatch[];
  /** Segments of a with no partner in b, with their share of rows. */
  vanished: { segment: number; share: number }[];
  /** Segments of b with no partner in a, with their share of rows. */
  appeared: { segment: number; share: number }[];
}

/**
 * Pair the segments of a and b so that the total overlap is largest (Hungarian algorithm on the contingency table,
 * noise excluded). A pair with no common row is no match: both sides count as vanished / new. O(r·c·min(r,c)).
 */
export function matchSegments(c: Contingency): Matching {
  const ri = c.rows.map((l, i) => [l, i] as const).filter(([l]) => l !== NOISE);
  const ci = c.cols.map((l, j) => [l, j] as const).filter(([l]) => l !== NOISE);
  const k = c.cols.length;
  const cost = new Float64Array(ri.length * ci.length);
  for (let x = 0; x < ri.length; x++)
    for (let y = 0; y < ci.length; y++) cost[x * ci.length + y] = -c.table[ri[x]![1] * k + ci[y]![1]]!;
  const pairs = ri.length > 0 && ci.length > 0 ? linearSumAssignment(cost, ri.length, ci.length) : [];
  const matchedA = new Set<number>();
  const matchedB = new Set<number>();
  const matches: SegmentMatch[] = [];
  for (const [x, y] of pairs) {
    const [la, i] = ri[x]!;
    const [lb, j] = ci[y]!;
    const overlap = c.table[i * k + j]!;
    if (overlap === 0) continue;
    const sa = c.rowSums[i]!;
    const sb = c.colSums[j]!;
    matchedA.add(la);
    matchedB.add(lb);
    matches.push({
      a: la,
      b: lb,
      overlap,
      jaccard: overlap / (sa + sb - overlap),
      shareA: sa / c.n,
      shareB: sb / c.n,
      shift: sb / c.n - sa / c.n,
    });
  }
  return {
    matches,
    vanished: ri
      .filter(([l]) => !matchedA.has(l))
      .map(([l, i]) => ({ segment: l, share: c.rowSums[i]! / c.n })),
    appeared: ci
      .filter(([l]) => !matchedB.has(l))
      .map(([l, j]) => ({ segment: l, share: c.colSums[j]! / c.n })),
  };
}

/** Proportion given to an empty bin by {@link psi} so that its logarithm stays finite. */
export const PSI_EPSILON = 1e-4;

/**
 * Population stability index of `current` against `reference`: bins are the deciles of the reference (10 quantile
 * bins, linear interpolation as numpy's default `quantile`; equal edges merge), each side's share per bin, an empty
 * bin's share replaced by {@link PSI_EPSILON}, PSI = Σ (c − r) · ln(c / r). NaN values are ignored. O(n log n).
 * @returns null when either side has no finite value.
 */
export function psi(reference: Float64Array, current: Float64Array, bins = 10): number | null {
  const ref = finiteSorted(reference);
  const cur = finiteSorted(current);
  if (ref.length === 0 || cur.length === 0) return null;
  const edges: number[] = [];
  for (let q = 1; q < bins; q++) {
    const e = quantileSorted(ref, q / bins);
    if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
  }
  const share = (xs: Float64Array) => {
    const counts = new Float64Array(edges.length + 1);
    for (const x of xs) counts[upperBound(edges, x)]! += 1;
    return counts.map((v) => v / xs.length);
  };
  const pr = share(ref);
  const pc = share(cur);
  let s = 0;
  for (let b = 0; b < pr.length; b++) {
    const r = pr[b]! === 0 ? PSI_EPSILON : pr[b]!;
    const c = pc[b]! === 0 ? PSI_EPSILON : pc[b]!;
    s += (c - r) * Math.log(c / r);
  }
  return s;
}

/** Index of the first edge >= x: bins are (−∞, e0], (e0, e1], …, (e_last, ∞). */
function upperBound(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function finiteSorted(xs: Float64Array): Float64Array {
  return xs.filter((x) => Number.isFinite(x)).sort();
}

/** Number of values of sorted `xs` that are <= x (numpy `searchsorted(side='right')`). */
function countAtMost(xs: Float64Array, x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Two-sample Kolmogorov–Smirnov statistic sup |F_a − F_b| (scipy's `ks_2samp(...).statistic`); NaN ignored.
 * O((n + m) log(n + m)).
 * @returns null when either side has no finite value.
 */
export function ksStatistic(a: Float64Array, b: Float64Array): number | null {
  const x = finiteSorted(a);
  const y = finiteSorted(b);
  if (x.length === 0 || y.length === 0) return null;
  let d = 0;
  for (const v of [x, y]) {
    for (const t of v) {
      const diff = Math.abs(countAtMost(x, t) / x.length - countAtMost(y, t) / y.length);
      if (diff > d) d = diff;
    }
  }
  return d;
}

/**
 * First Wasserstein (earth mover's) distance of two 1-D samples, ∫ |F_a − F_b| (scipy's `wasserstein_distance`);
 * NaN ignored. O((n + m) log(n + m)).
 * @returns null when either side has no finite value.
 */
export function wasserstein1(a: Float64Array, b: Float64Array): number | null {
  const x = finiteSorted(a);
  const y = finiteSorted(b);
  if (x.length === 0 || y.length === 0) return null;
  const all = new Float64Array(x.length + y.length);
  all.set(x);
  all.set(y, x.length);
  all.sort();
  let s = 0;
  let i = 0;
  let j = 0;
  for (let k = 0; k < all.length - 1; k++) {
    const t = all[k]!;
    while (i < x.length && x[i]! <= t) i++;
    while (j < y.length && y[j]! <= t) j++;
    s += Math.abs(i / x.length - j / y.length) * (all[k + 1]! - t);
  }
  return s;
}
