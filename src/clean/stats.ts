import { quantileSorted, selectRank, signedZeroAt } from '../core/stats.js';
/**
 * Column statistics over present values (NaN = missing), computed the way numpy / scikit-learn compute them so
 * fitted cleaning statistics agree with scikit-learn's to the last few bits.
 */

/** The present (non-NaN) values of a column, sorted ascending. O(n log n) time, O(n) memory. */
export function sortedPresent(values: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v)) out[k++] = v;
  }
  return out.sort();
}

export { quantileSorted };

/** Median of sorted values as numpy: the middle value, or the mean of the two middle ones. NaN when empty. O(1). */
export function medianSorted(sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = n >> 1;
  return n % 2 === 1 ? sorted[h]! : (sorted[h - 1]! + sorted[h]!) / 2;
}

/**
 * Count, smallest and largest of the present (non-NaN) values, −0 counting as below 0 as in {@link sortedPresent}
 * (so `min` and `max` equal the first and last sorted values). NaN for both when none. O(n).
 */
export function presentRange(values: Float64Array): { count: number; min: number; max: number } {
  let count = 0;
  let min = Number.NaN;
  let max = Number.NaN;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== v) continue;
    if (count++ === 0) {
      min = v;
      max = v;
      continue;
    }
    if (v < min) min = v;
    else if (v === 0 && min === 0 && 1 / v < 0) min = v;
    if (v > max) max = v;
    else if (v === 0 && max === 0 && 1 / v > 0) max = v;
  }
  return { count, min, max };
}

/**
 * Median of the present (non-NaN) values, equal bit for bit to {@link medianSorted} of {@link sortedPresent} (−0
 * before 0 included), by selection instead of a full sort: introselect (median-of-three quickselect, sorting the
 * remaining range after 2 · log₂ n rounds). NaN when none. O(n) expected time, O(n) memory.
 */
export function medianPresent(values: Float64Array): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) n++;
  if (n === 0) return Number.NaN;
  const a = new Float64Array(n);
  for (let i = 0, k = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === v) a[k++] = v;
  }
  const h = n >> 1;
  selectRank(a, h);
  let hi = a[h]!;
  if (n % 2 === 1) return signedZeroAt(a, h, hi);
  // Every value left of h is ≤ a[h]: the largest of them has rank h − 1.
  let lo = a[0]!;
  for (let i = 1; i < h; i++) if (a[i]! > lo) lo = a[i]!;
  lo = signedZeroAt(a, h - 1, lo);
  hi = signedZeroAt(a, h, hi);
  return (lo + hi) / 2;
}

/** Mean and population standard deviation (ddof = 0) of the present values; NaN for both when none. O(n). */
export function meanStd(values: Float64Array): { mean: number; std: number; count: number } {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === v) {
      sum += v;
      count++;
    }
  }
  if (count === 0) return { mean: Number.NaN, std: Number.NaN, count };
  const mean = sum / count;
  // Two-pass with the compensation term of scikit-learn's _incremental_mean_and_var.
  let ss = 0;
  let comp = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === v) {
      const t = v - mean;
      ss += t * t;
      comp += t;
    }
  }
  const variance = Math.max(0, (ss - (comp * comp) / count) / count);
  return { mean, std: Math.sqrt(variance), count };
}

/** The most frequent present value, the smallest among ties (as scikit-learn's SimpleImputer); NaN when none. */
export function modeOf(sorted: Float64Array): number {
  let best = Number.NaN;
  let bestCount = 0;
  for (let i = 0; i < sorted.length;) {
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    if (j - i > bestCount) {
      bestCount = j - i;
      best = sorted[i]!;
    }
    i = j;
  }
  return best;
}
