/**
 * Quantile `q` in [0, 1] of sorted values with numpy's default 'linear' method, including numpy's two-sided
 * interpolation (from the upper neighbour when the fraction is ≥ 0.5), so results equal `np.percentile` bit for
 * bit. NaN for an empty input. O(1).
 */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const virtual = (n - 1) * q;
  const lo = Math.floor(virtual);
  const t = virtual - lo;
  const a = sorted[lo]!;
  if (lo + 1 >= n) return a;
  const b = sorted[lo + 1]!;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}
