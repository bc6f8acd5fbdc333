import type { GowerScale } from '../core/gower.js';
import type { Matrix } from '../core/matrix.js';
import { symmetricEigen } from '../core/eigen.js';
import { DataError } from '../core/errors.js';
import { Random } from '../core/random.js';
import type { WorkerPool } from '../core/worker-pool.js';
import { tsne } from '../select/embed.js';
import { umap } from '../select/umap.js';

/** How the report projects its rows to 2-D: `--projection`, or PCA of the Gower coordinates for a Gower model. */
export type ProjectionMethod = 'pca' | 'tsne' | 'umap' | 'gower-pca';
/** What `--projection` may ask for. */
export type ProjectionChoice = Exclude<ProjectionMethod, 'gower-pca'>;

/**
 * A 2-D projection of (a sample of) the rows, for the report's scatter plot: PCA of the features, t-SNE or UMAP, or
 * under Gower's distance PCA of the Gower coordinates (see {@link gowerProjection}).
 */
export interface Projection {
  method: ProjectionMethod;
  /** PCA: share of the total variance on each of the two axes; null for t-SNE and UMAP. */
  explainedRatio: [number, number] | null;
  /** Rows drawn (a seeded sample when the data is larger than the limit). */
  sampled: number;
  points: { x: number; y: number; segment: number }[];
}

/**
 * Project rows on the first two principal components (centred, not scaled, as scikit-learn's PCA). The covariance
 * (d×d) is built in one pass over all rows; the eigenvectors come from the symmetric eigensolver (Householder + QL); each axis is signed so
 * that its largest-magnitude loading is positive. Points are drawn for a seeded sample of at most `maxPoints` rows.
 * O(n·d² + d³) time, O(d²) memory beyond the output.
 */
export function pcaProjection(X: Matrix, labels: Int32Array, maxPoints: number, seed: number): Projection {
  const n = X.nRows;
  const d = X.nCols;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += X.data[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= Math.max(1, n);
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = X.data[i * d + j]! - mean[j]!;
    for (let a = 0; a < d; a++) {
      const ra = row[a]!;
      for (let b = a; b < d; b++) cov[a * d + b]! += ra * row[b]!;
    }
  }
  for (let a = 0; a < d; a++) for (let b = a; b < d; b++) cov[b * d + a] = cov[a * d + b]!;
  const { values, vectors } = symmetricEigen(cov, d);
  const total = values.reduce((sum, v) => sum + Math.max(0, v), 0);
  const axes = [0, Math.min(1, d - 1)].map((c) => {
    const v = vectors.slice(c * d, (c + 1) * d);
    let big = 0;
    for (let j = 1; j < d; j++) if (Math.abs(v[j]!) > Math.abs(v[big]!)) big = j;
    if (v[big]! < 0) for (let j = 0; j < d; j++) v[j] = -v[j]!;
    return { v, value: Math.max(0, values[c]!) };
  });
  const rows = Array.from(projectedRows(n, maxPoints, seed));
  const points = rows.map((i) => {
    let x = 0;
    let y = 0;
    for (let j = 0; j < d; j++) {
      const c = X.data[i * d + j]! - mean[j]!;
      x += c * axes[0]!.v[j]!;
      y += c * (d > 1 ? axes[1]!.v[j]! : 0);
    }
    return { x, y, segment: labels[i]! };
  });
  return {
    method: 'pca',
    explainedRatio: [total > 0 ? axes[0]!.value / total : 0, total > 0 && d > 1 ? axes[1]!.value / total : 0],
    sampled: rows.length,
    points,
  };
}

/**
 * The 2-D projection of a model under Gower's distance: PCA (as {@link pcaProjection}) of the Gower coordinates of a
 * seeded sample of at most `maxPoints` rows — each numeric column range-scaled, (x − min) / range, each categorical
 * column one-hot with entries 1/√2 (so one mismatch adds 1 to the squared distance, as a full-range numeric
 * difference does), each column times √weight, a missing value at its column's sample mean (it then moves no
 * axis). Squared euclidean distances in these coordinates are the quadratic counterpart of Gower's sum, so the
 * picture reflects the geometry the segments were made in. O(m·p² + p³) time and O(m·p) memory for m points and p
 * coordinates (numeric columns plus categorical levels).
 */
export function gowerProjection(
  X: Matrix,
  labels: Int32Array,
  scale: GowerScale,
  maxPoints: number,
  seed: number,
): Projection {
  const n = X.nRows;
  const d = X.nCols;
  const rows = projectedRows(n, maxPoints, seed);
  const m = rows.length;
  const offsets: number[] = [];
  let p = 0;
  for (let j = 0; j < d; j++) {
    offsets.push(p);
    p += scale.kinds[j] === 'categorical' ? Math.max(1, scale.levels[j]!.length) : 1;
  }
  const data = new Float64Array(m * p);
  const min = new Float64Array(d).fill(Infinity);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      const v = X.data[i * d + j]!;
      if (v < min[j]!) min[j] = v;
    }
  for (let j = 0; j < d; j++) {
    const w = Math.sqrt(scale.weights[j]!);
    const o = offsets[j]!;
    const cat = scale.kinds[j] === 'categorical';
    const r = scale.ranges[j]!;
    let count = 0;
    for (let k = 0; k < m; k++) {
      const v = X.data[rows[k]! * d + j]!;
      if (Number.isNaN(v)) continue;
      if (cat) {
        if (v >= 0) data[k * p + o + v] = w * Math.SQRT1_2;
      } else {
        data[k * p + o] = r > 0 ? (w * (v - min[j]!)) / r : 0;
      }
      count++;
    }
    // Missing values at the sample mean of the column (of each level's indicator for a categorical one).
    const width = cat ? Math.max(1, scale.levels[j]!.length) : 1;
    const means = new Float64Array(width);
    for (let k = 0; k < m; k++) {
      if (Number.isNaN(X.data[rows[k]! * d + j]!)) continue;
      for (let l = 0; l < width; l++) means[l]! += data[k * p + o + l]!;
    }
    for (let k = 0; k < m; k++) {
      if (!Number.isNaN(X.data[rows[k]! * d + j]!)) continue;
      for (let l = 0; l < width; l++) data[k * p + o + l] = count > 0 ? means[l]! / count : 0;
    }
  }
  const sub = Int32Array.from(rows, (r) => labels[r]!);
  return { ...pcaProjection({ data, nRows: m, nCols: p }, sub, m, seed), method: 'gower-pca' };
}

/**
 * The report's projection by `method`: PCA ({@link pcaProjection}), or t-SNE / UMAP (select's `tsne` with its
 * defaults, `umap` with umap-learn's) of the same seeded sample of at most `maxPoints` rows the PCA draws. t-SNE
 * costs O(m²) time per iteration and 16·m² bytes for m rows drawn (3,000: 144 MB, about a minute); UMAP
 * O(m·log m) for the neighbours and O(m·15·500) for the layout, O(m) memory (3,000: a few seconds).
 * @throws DataError with too few rows for t-SNE's perplexity (30) or UMAP's neighbours (15).
 */
export async function projectRows(
  X: Matrix,
  labels: Int32Array,
  maxPoints: number,
  seed: number,
  method: ProjectionChoice,
  pool?: WorkerPool,
): Promise<Projection> {
  if (method === 'pca') return pcaProjection(X, labels, maxPoints, seed);
  const n = X.nRows;
  const d = X.nCols;
  const rows = projectedRows(n, maxPoints, seed);
  const m = rows.length;
  const least = method === 'tsne' ? 31 : 16; // above the default perplexity (30) / neighbours (15)
  if (m < least) {
    throw new DataError(
      `--projection ${method} needs at least ${least} rows; got ${m}`,
      'use --projection pca',
    );
  }
  const columns = Array.from({ length: d }, (_, j) => Float64Array.from(rows, (i) => X.data[i * d + j]!));
  const data = { columns, nRows: m };
  const e = method === 'tsne' ? await tsne(data, { sampleSize: m, seed }, { pool }) : umap(data, { seed });
  const points = Array.from(e.rows, (r, p) => ({ x: e.x[p]!, y: e.y[p]!, segment: labels[rows[r]!]! }));
  return { method, explainedRatio: null, sampled: m, points };
}

/** The rows a projection draws: all of them, or a seeded sample of `maxPoints` (the same for every method). */
function projectedRows(n: number, maxPoints: number, seed: number): Int32Array {
  return n > maxPoints
    ? new Random(seed, 13).sampleIndices(n, maxPoints)
    : Int32Array.from({ length: n }, (_, i) => i);
}
