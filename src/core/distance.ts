/** Names of the distances between rows, as scikit-learn's `metric=`. */
export const distances = ['euclidean', 'manhattan', 'cosine'] as const;

/** Distance between rows. `cosine` is 1 − cosine similarity (scikit-learn's `cosine_distances`). */
export type Distance = (typeof distances)[number];

/**
 * Distances `segment cluster --distance` takes: the row distances, and Gower's over mixed numeric and categorical
 * columns (R's `daisy(metric = "gower")`, k-medoids only).
 */
export const clusterDistances = [...distances, 'gower'] as const;

/** A distance `segment cluster` takes. */
export type ClusterDistance = (typeof clusterDistances)[number];

/** Names of the linkage criteria of hierarchical clustering. */
export const linkages = ['ward', 'complete', 'average', 'single'] as const;

/** Linkage criterion: how the distance between two clusters follows from the distances between their rows. */
export type Linkage = (typeof linkages)[number];
