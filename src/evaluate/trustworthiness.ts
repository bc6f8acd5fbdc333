import { DataError, invalidParameter } from '../core/errors.js';

/**
 * Trustworthiness of a 2-D embedding (Venna & Kaski 2001), as scikit-learn's
 * `sklearn.manifold.trustworthiness(X, X_embedded, n_neighbors=k, metric="euclidean")`:
 * 1 − 2 / (n·k·(2n − 3k − 1)) · Σ_i Σ_{j ∈ N_k^emb(i)} max(0, r(i, j) − k), where N_k^emb(i) are the k nearest
 * other points of i in the embedding and r(i, j) the rank of j among the other rows by distance to i in the
 * original space (1 = nearest). 1 when every embedded neighbourhood is an original one.
 *
 * Row `rows[i]` of `columns` (or row i when `rows` is omitted) is embedded at (`x[i]`, `y[i]`). Ties rank the lower
 * index first (in both spaces). O(n²·(d + k)) time, O(n·d) memory: one row of distances at a time, no n × n matrix.
 * @throws UsageError when k is not in [1, n/2); DataError for lengths that disagree or values that are not finite.
 */
export function trustworthiness(
  columns: readonly Float64Array[],
  x: Float64Array,
  y: Float64Array,
  k = 5,
  rows?: Int32Array,
): number {
  const n = x.length;
  if (y.length !== n || (rows && rows.length !== n)) {
    throw new DataError('trustworthiness: the embedding and the rows differ in length');
  }
  if (!Number.isInteger(k) || k < 1 || k >= n / 2) {
    throw invalidParameter('evaluate.trustworthiness', 'nNeighbors', `an int in [1, ${n / 2})`, k);
  }
  const d = columns.length;
  const X = new Float64Array(n * d);
  for (let j = 0; j < d; j++) {
    const c = columns[j]!;
    for (let i = 0; i < n; i++) {
      const v = c[rows ? rows[i]! : i]!;
      if (!Number.isFinite(v)) throw new DataError('trustworthiness needs finite features');
      X[i * d + j] = v;
    }
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i]!) || !Number.isFinite(y[i]!)) {
      throw new DataError('trustworthiness needs a finite embedding');
    }
  }
  const dist = new Float64Array(n);
  const nd = new Float64Array(k);
  const nr = new Int32Array(k);
  let total = 0;
  for (let i = 0; i < n; i++) {
    // The k nearest other points in the embedding, by (distance, index).
    nd.fill(Infinity);
    nr.fill(0x7fffffff);
    const xi = x[i]!;
    const yi = y[i]!;
    for (let m = 0; m < n; m++) {
      if (m === i) continue;
      const dx = x[m]! - xi;
      const dy = y[m]! - yi;
      const e = dx * dx + dy * dy;
      if (e > nd[k - 1]! || (e === nd[k - 1]! && m > nr[k - 1]!)) continue;
      let t = k - 1;
      while (t > 0 && (nd[t - 1]! > e || (nd[t - 1]! === e && nr[t - 1]! > m))) {
        nd[t] = nd[t - 1]!;
        nr[t] = nr[t - 1]!;
        t--;
      }
      nd[t] = e;
      nr[t] = m;
    }
    // Original-space distances from i, then each neighbour's rank.
    const io = i * d;
    for (let m = 0; m < n; m++) {
      const mo = m * d;
      let s = 0;
      for (let j = 0; j < d; j++) {
        const u = X[io + j]! - X[mo + j]!;
        s += u * u;
      }
      dist[m] = s;
    }
    for (let t = 0; t < k; t++) {
      const jn = nr[t]!;
      const dj = dist[jn]!;
      let rank = 1;
      for (let m = 0; m < n; m++) {
        if (m === i) continue;
        const dm = dist[m]!;
        if (dm < dj || (dm === dj && m < jn)) rank++;
      }
      if (rank > k) total += rank - k;
    }
  }
  return 1 - total * (2 / (n * k * (2 * n - 3 * k - 1)));
}
