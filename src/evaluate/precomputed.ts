import { DataError } from '../core/errors.js';

/**
 * Silhouette widths from distances given row by row (any distance: Gower, a precomputed matrix), as R's
 * `cluster::silhouette` and scikit-learn's `metric='precomputed'`: s(i) = (b − a) / max(a, b) with a the mean distance
 * to the other rows of i's cluster and b the smallest mean distance to another cluster's rows; 0 for a row alone in
 * its cluster. `distanceRow(i, out)` fills `out` (length n) with the distances of row i to every row. Labels are
 * 0..k−1 (noise, −1, is skipped and gets NaN). O(n²) distance evaluations, O(n + k) memory beyond the caller's rows.
 * @throws DataError when fewer than 2 clusters remain.
 */
export function silhouetteFromRows(
  n: number,
  labels: ArrayLike<number>,
  distanceRow: (i: number, out: Float64Array) => void,
): { widths: Float64Array; mean: number } {
  let k = 0;
  for (let i = 0; i < n; i++) if (labels[i]! + 1 > k) k = labels[i]! + 1;
  const sizes = new Float64Array(k);
  for (let i = 0; i < n; i++) if (labels[i]! >= 0) sizes[labels[i]!]!++;
  if (sizes.filter((s) => s > 0).length < 2) throw new DataError('the silhouette needs at least 2 clusters');
  const widths = new Float64Array(n).fill(NaN);
  const row = new Float64Array(n);
  const sums = new Float64Array(k);
  let total = 0;
  let used = 0;
  for (let i = 0; i < n; i++) {
    const own = labels[i]!;
    if (own < 0) continue;
    used++;
    if (sizes[own] === 1) {
      widths[i] = 0;
      continue;
    }
    distanceRow(i, row);
    sums.fill(0);
    for (let j = 0; j < n; j++) if (j !== i && labels[j]! >= 0) sums[labels[j]!]! += row[j]!;
    const a = sums[own]! / (sizes[own]! - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++)
      if (c !== own && sizes[c]! > 0 && sums[c]! / sizes[c]! < b) b = sums[c]! / sizes[c]!;
    const m = Math.max(a, b);
    widths[i] = m > 0 ? (b - a) / m : 0;
    total += widths[i]!;
  }
  return { widths, mean: total / used };
}
