/** Names of the distances between rows, as scikit-learn's `metric=`. */
export const distances = ['euclidean', 'manhattan', 'cosine'] as const;

/** Distance between rows. `cosine` is 1 − cosine similarity (scikit-learn's `cosine_distances`). */
export type Distance = (typeof distances)[number];

/**
 * Distances `segment cluster --distance` takes: the row distances, and Gower's over mixed numeric and categorical
 * columns (R's `daisy(metric = "gower")`: k-medoids, DBSCAN and hierarchical clustering).
 */
export const clusterDistances = [...distances, 'gower'] as const;

/** A distance `segment cluster` takes. */
export type ClusterDistance = (typeof clusterDistances)[number];

/** Names of the linkage criteria of hierarchical clustering. */
export const linkages = ['ward', 'complete', 'average', 'single'] as const;

/** Linkage criterion: how the distance between two clusters follows from the distances between their rows. */
export type Linkage = (typeof linkages)[number];

/**
 * Distance between row `i` of `a` and row `j` of `b` (both with `d` columns): manhattan, cosine (1 − cos), or the
 * squared euclidean distance (enough to find the nearest; take its square root for the distance itself). O(d).
 */
export function rowDistance(
  metric: Distance,
  a: Float64Array,
  i: number,
  b: Float64Array,
  j: number,
  d: number,
): number {
  let s = 0;
  if (metric === 'manhattan') {
    for (let t = 0; t < d; t++) s += Math.abs(a[i * d + t]! - b[j * d + t]!);
    return s;
  }
  if (metric === 'cosine') {
    let na = 0;
    let nb = 0;
    for (let t = 0; t < d; t++) {
      const x = a[i * d + t]!;
      const y = b[j * d + t]!;
      s += x * y;
      na += x * x;
      nb += y * y;
    }
    return na === 0 || nb === 0 ? 1 : 1 - s / Math.sqrt(na * nb);
  }
  for (let t = 0; t < d; t++) s += (a[i * d + t]! - b[j * d + t]!) ** 2;
  return s;
}
