import { DataError } from '../core/errors.js';
import { gowerDistance, noCommonColumn, type GowerScale } from '../core/gower.js';
import type { Matrix } from '../core/matrix.js';
import { Random } from '../core/random.js';

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

/**
 * Dunn index from distances given row by row (as {@link silhouetteFromRows}; Gower's included), as R's
 * `clValid::dunn(distance = d)`: the smallest distance between rows of different clusters over the largest
 * distance between rows of one cluster. Noise (−1) is skipped. O(n²) distance evaluations, O(n) memory.
 * @throws DataError when fewer than 2 clusters remain or every cluster has diameter 0.
 */
export function dunnFromRows(
  n: number,
  labels: ArrayLike<number>,
  distanceRow: (i: number, out: Float64Array) => void,
): number {
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) if (labels[i]! >= 0) seen.add(labels[i]!);
  if (seen.size < 2) throw new DataError('the Dunn index needs at least 2 clusters');
  const row = new Float64Array(n);
  let between = Infinity;
  let diameter = 0;
  for (let i = 0; i < n; i++) {
    const li = labels[i]!;
    if (li < 0) continue;
    distanceRow(i, row);
    for (let j = i + 1; j < n; j++) {
      const lj = labels[j]!;
      if (lj < 0) continue;
      const v = row[j]!;
      if (li === lj) {
        if (v > diameter) diameter = v;
      } else if (v < between) between = v;
    }
  }
  if (!(diameter > 0)) throw new DataError('the Dunn index is undefined: every cluster has diameter 0');
  return between / diameter;
}

/** What {@link gowerValidity} returns: the distance-based indices under Gower's distance. */
export interface GowerValidity {
  silhouette: number | null;
  dunn: number | null;
  /** Rows scored: all clustered rows, or a seeded sample of `sampleSize` of them. */
  nRows: number;
  sampled: boolean;
}

/**
 * Silhouette and Dunn under Gower's distance (X from `gowerMatrix`, `scale` its fitted scale), noise (−1) left out.
 * Above `sampleSize` clustered rows both are computed on a seeded sample of that many (distances within the sample,
 * as scikit-learn's `silhouette_score(sample_size=)`). Null when undefined (fewer than 2 clusters among the rows
 * scored). O(m²·d) time for m rows scored, O(m) memory: no distance matrix.
 * @throws DataError when two scored rows share no non-missing feature.
 */
export function gowerValidity(
  X: Matrix,
  labels: ArrayLike<number>,
  scale: GowerScale,
  opts: { sampleSize: number; seed: number; dunn?: boolean },
): GowerValidity {
  const d = X.nCols;
  const clustered: number[] = [];
  for (let i = 0; i < X.nRows; i++) if (labels[i]! >= 0) clustered.push(i);
  const sampled = clustered.length > opts.sampleSize;
  const rows = sampled
    ? Array.from(
        new Random(opts.seed, 11).sampleIndices(clustered.length, opts.sampleSize),
        (k) => clustered[k]!,
      )
    : clustered;
  const m = rows.length;
  const lab = Int32Array.from(rows, (r) => labels[r]!);
  const distanceRow = (i: number, out: Float64Array): void => {
    const ri = rows[i]!;
    for (let j = 0; j < m; j++) {
      const v = gowerDistance(scale, X.data, ri, X.data, rows[j]!, d);
      if (Number.isNaN(v)) throw noCommonColumn(ri, rows[j]!);
      out[j] = v;
    }
  };
  const orNull = (f: () => number): number | null => {
    try {
      return f();
    } catch (e) {
      if (e instanceof DataError && !/no non-missing feature/.test(e.message)) return null;
      throw e;
    }
  };
  return {
    silhouette: orNull(() => silhouetteFromRows(m, lab, distanceRow).mean),
    dunn: opts.dunn === false ? null : orNull(() => dunnFromRows(m, lab, distanceRow)),
    nRows: m,
    sampled,
  };
}

/**
 * Why Davies-Bouldin and Calinski-Harabasz are not given for a distance other than euclidean: both are built on
 * centroids and squared euclidean dispersion, so under manhattan, cosine or Gower they would describe another
 * geometry than the one the segments were made in. Null for euclidean.
 */
export function euclideanIndexNote(distance: string): string | null {
  if (distance === 'euclidean') return null;
  return `Davies-Bouldin and Calinski-Harabasz are not computed under the ${distance} distance: both measure euclidean centroid dispersion`;
}
