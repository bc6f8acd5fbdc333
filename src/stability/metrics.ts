import type { Contingency } from '../core/matching.js';
import { quantileSorted } from '../core/stats.js';

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
