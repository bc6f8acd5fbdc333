/**
 * Quantile `q` (in [0, 1]) of ascending sorted values by linear interpolation between the closest ranks (numpy's and
 * pandas' default). NaN for an empty array. O(1).
 */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const frac = pos - lo;
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * frac;
}
