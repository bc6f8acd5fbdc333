import { invalidParameter } from '../core/errors.js';
import type { Moments } from './covariance.js';

/** A feature removed by the variance threshold. */
export interface VarianceDrop {
  /** Index of the feature in the moments. */
  index: number;
  /** Its population variance (ddof = 0, as scikit-learn's `VarianceThreshold`). */
  variance: number;
}

/** Population variance (ddof = 0) of feature `j`; exactly 0 for a constant feature. */
export function populationVariance(m: Moments, j: number): number {
  if (m.min[j] === m.max[j]) return 0;
  return (m.cov[j * m.nCols + j]! * (m.nRows - 1)) / m.nRows;
}

/**
 * Variance threshold (scikit-learn's `VarianceThreshold`): keep the candidates whose population variance is
 * strictly above `threshold`; with threshold 0 exactly the constant features go. O(d).
 * @param candidates indices into the moments, in order; the kept ones come back in the same order.
 * @throws UsageError when `threshold` is negative or not finite.
 */
export function varianceThreshold(
  m: Moments,
  threshold: number,
  candidates: readonly number[],
): { kept: number[]; dropped: VarianceDrop[] } {
  if (!Number.isFinite(threshold) || threshold < 0) {
    throw invalidParameter('select.varianceThreshold', 'threshold', 'a float in [0, inf)', threshold);
  }
  const kept: number[] = [];
  const dropped: VarianceDrop[] = [];
  for (const j of candidates) {
    const variance = populationVariance(m, j);
    if (variance > threshold) kept.push(j);
    else dropped.push({ index: j, variance });
  }
  return { kept, dropped };
}

/** Why the correlation filter dropped one member of a pair rather than the other. */
export type CorrelationRule = 'lower-variance' | 'higher-mean-correlation' | 'later-column';

/** A feature removed by the correlation filter. */
export interface CorrelationDrop {
  /** Index of the dropped feature in the moments. */
  index: number;
  /** Index of the feature it was correlated with (kept, at least at that point). */
  correlatedWith: number;
  /** Pearson correlation of the pair. */
  r: number;
  /** Population variances of the dropped feature and of its partner. */
  variance: number;
  partnerVariance: number;
  /** Mean absolute correlation of each with the other candidates. */
  meanAbsCorrelation: number;
  partnerMeanAbsCorrelation: number;
  /** The rule that decided. */
  rule: CorrelationRule;
}

/** Relative difference under which two variances count as equal (e.g. after z-scoring). */
const VARIANCE_TIE = 1e-9;

/**
 * Pearson correlation of features `j` and `k` from the covariance; NaN when either is constant. O(1).
 */
export function correlation(m: Moments, j: number, k: number): number {
  const d = m.nCols;
  const vj = m.cov[j * d + j]!;
  const vk = m.cov[k * d + k]!;
  if (!(vj > 0) || !(vk > 0) || m.min[j] === m.max[j] || m.min[k] === m.max[k]) return Number.NaN;
  const r = m.cov[j * d + k]! / Math.sqrt(vj * vk);
  return Math.max(-1, Math.min(1, r));
}

/**
 * Correlation filter: while some pair of remaining candidates has |r| > `maxCorr`, drop one member of the most
 * correlated such pair (pairs are visited by decreasing |r|, ties in column order). The member dropped is the one
 * with the lower population variance; when the variances are equal to 1e-9 relative (standardised data), the one
 * with the higher mean absolute correlation with the other candidates (it is the more redundant); then the later
 * column. Constant features have no correlation and are never dropped here (see {@link varianceThreshold}).
 *
 * Complexity: O(d² log d) time, O(d²) memory.
 * @throws UsageError when `maxCorr` is not in (0, 1].
 */
export function correlationFilter(
  m: Moments,
  maxCorr: number,
  candidates: readonly number[],
): { kept: number[]; dropped: CorrelationDrop[] } {
  if (!Number.isFinite(maxCorr) || maxCorr <= 0 || maxCorr > 1) {
    throw invalidParameter('select.correlationFilter', 'maxCorr', 'a float in (0, 1]', maxCorr);
  }
  const c = candidates.length;
  const meanAbs = new Float64Array(c);
  const pairs: { a: number; b: number; r: number }[] = [];
  for (let a = 0; a < c; a++) {
    let s = 0;
    let cnt = 0;
    for (let b = 0; b < c; b++) {
      if (a === b) continue;
      const r = correlation(m, candidates[a]!, candidates[b]!);
      if (Number.isNaN(r)) continue;
      s += Math.abs(r);
      cnt++;
      if (b > a && Math.abs(r) > maxCorr) pairs.push({ a, b, r });
    }
    meanAbs[a] = cnt > 0 ? s / cnt : 0;
  }
  pairs.sort((p, q) => Math.abs(q.r) - Math.abs(p.r) || p.a - q.a || p.b - q.b);
  const alive = new Uint8Array(c).fill(1);
  const dropped: CorrelationDrop[] = [];
  for (const { a, b, r } of pairs) {
    if (!alive[a] || !alive[b]) continue;
    const va = populationVariance(m, candidates[a]!);
    const vb = populationVariance(m, candidates[b]!);
    let drop: number;
    let rule: CorrelationRule;
    if (Math.abs(va - vb) > VARIANCE_TIE * Math.max(va, vb)) {
      drop = va < vb ? a : b;
      rule = 'lower-variance';
    } else if (meanAbs[a] !== meanAbs[b]) {
      drop = meanAbs[a]! > meanAbs[b]! ? a : b;
      rule = 'higher-mean-correlation';
    } else {
      drop = b;
      rule = 'later-column';
    }
    const keep = drop === a ? b : a;
    alive[drop] = 0;
    dropped.push({
      index: candidates[drop]!,
      correlatedWith: candidates[keep]!,
      r,
      variance: drop === a ? va : vb,
      partnerVariance: drop === a ? vb : va,
      meanAbsCorrelation: meanAbs[drop]!,
      partnerMeanAbsCorrelation: meanAbs[keep]!,
      rule,
    });
  }
  return { kept: candidates.filter((_, a) => alive[a] === 1), dropped };
}
