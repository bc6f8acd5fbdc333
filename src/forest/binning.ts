import { DataError, invalidParameter } from '../core/errors.js';
import { Random } from '../core/random.js';

/** Numeric columns of equal length (column-major view of a feature table). */
export interface FeatureColumns {
  readonly columns: readonly Float64Array[];
  readonly nRows: number;
}

/**
 * Per-feature bin edges. Bin b of feature j holds the values in (edges[j][b − 1], edges[j][b]] (the first bin is
 * unbounded below, the last above), so "bin ≤ b" is exactly "value ≤ edges[j][b]": a split found on bins is a
 * threshold on raw values.
 */
export interface BinEdges {
  /** One strictly increasing array per feature, at most maxBins − 1 edges. */
  edges: Float64Array[];
}

/** Rows sampled to find the bin edges of large inputs (scikit-learn's HistGradientBoosting uses 200 000 too). */
const EDGE_SAMPLE = 200_000;

/**
 * Find the bin edges of every column, as scikit-learn's HistGradientBoosting: with at most `maxBins` distinct
 * values, the midpoints between consecutive distinct values (so bins are exact); otherwise the midpoints of
 * `maxBins` − 1 evenly spaced quantiles (of a seeded 200 000-row sample when there are more rows).
 * O(d · m log m) time for m = min(n, 200 000).
 * @throws UsageError when maxBins is not in [2, 256]; DataError on a non-finite value.
 */
export function findBinEdges(X: FeatureColumns, maxBins = 256, seed = 0): BinEdges {
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > 256) {
    throw invalidParameter('forest.bins', 'maxBins', 'an int in [2, 256]', maxBins);
  }
  const n = X.nRows;
  const sample = n > EDGE_SAMPLE ? new Random(seed, 0x62696e73).sampleIndices(n, EDGE_SAMPLE) : null;
  const m = sample ? sample.length : n;
  const buf = new Float64Array(m);
  const edges = X.columns.map((col, j) => {
    for (let i = 0; i < m; i++) {
      const v = col[sample ? sample[i]! : i]!;
      if (!Number.isFinite(v)) {
        throw new DataError(
          `feature #${j + 1} has a ${Number.isNaN(v) ? 'missing' : 'non-finite'} value; the random forest needs complete numeric features`,
          'impute first: segment clean --impute median',
        );
      }
      buf[i] = v;
    }
    buf.sort();
    let nDistinct = m > 0 ? 1 : 0;
    for (let i = 1; i < m; i++) if (buf[i] !== buf[i - 1]) nDistinct++;
    const out: number[] = [];
    if (nDistinct <= maxBins) {
      for (let i = 1; i < m; i++) if (buf[i] !== buf[i - 1]) out.push(midpoint(buf[i - 1]!, buf[i]!));
    } else {
      for (let q = 1; q < maxBins; q++) {
        // numpy's percentile with method="midpoint" at q / maxBins.
        const pos = (q / maxBins) * (m - 1);
        const lo = Math.floor(pos);
        const hi = Math.ceil(pos);
        const e = lo === hi ? buf[lo]! : midpoint(buf[lo]!, buf[hi]!);
        if (out.length === 0 || e > out[out.length - 1]!) out.push(e);
      }
      // The largest value must not fall on the last edge, or the last bin would be empty.
      while (out.length > 0 && out[out.length - 1]! >= buf[m - 1]!) out.pop();
    }
    return Float64Array.from(out);
  });
  return { edges };
}

function midpoint(a: number, b: number): number {
  const mid = a + (b - a) / 2;
  // Between adjacent doubles the midpoint rounds to one of them; keep a so that b stays above the edge.
  return mid < b ? mid : a;
}

/** Bin of value `v` given sorted edges: the number of edges strictly below v (binary search, O(log bins)). */
export function binOf(edges: Float64Array, v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Bin every value: a column-major n × d `Uint8Array` (feature j's bins at `[j · n, (j + 1) · n)`), on a
 * SharedArrayBuffer when `shared`. O(n · d · log bins).
 */
export function binColumns(X: FeatureColumns, bins: BinEdges, shared = false): Uint8Array {
  const n = X.nRows;
  const d = X.columns.length;
  const out = shared
    ? new Uint8Array(new SharedArrayBuffer(Math.max(1, n * d)), 0, n * d)
    : new Uint8Array(n * d);
  for (let j = 0; j < d; j++) {
    const col = X.columns[j]!;
    const e = bins.edges[j]!;
    const base = j * n;
    for (let i = 0; i < n; i++) out[base + i] = binOf(e, col[i]!);
  }
  return out;
}
