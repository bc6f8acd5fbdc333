import type { Matrix } from '../core/matrix.js';
import { symmetricEigen } from '../core/eigen.js';
import { Random } from '../core/random.js';

/** A 2-D PCA projection of (a sample of) the rows, for the report's scatter plot. */
export interface Projection {
  method: 'pca';
  /** Share of the total variance on each of the two axes. */
  explainedRatio: [number, number];
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
  const rows =
    n > maxPoints
      ? Array.from(new Random(seed, 13).sampleIndices(n, maxPoints))
      : Array.from({ length: n }, (_, i) => i);
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
