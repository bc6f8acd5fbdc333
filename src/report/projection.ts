import type { Matrix } from '../core/matrix.js';
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
 * (d×d) is built in one pass over all rows; the eigenvectors come from cyclic Jacobi rotations; each axis is signed so
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
  const { values, vectors } = jacobiEigen(cov, d);
  const order = Array.from({ length: d }, (_, i) => i).sort((p, q) => values[q]! - values[p]! || p - q);
  const total = values.reduce((s, v) => s + Math.max(0, v), 0);
  const axes = [order[0] ?? 0, order[1] ?? order[0] ?? 0].map((c) => {
    const v = new Float64Array(d);
    for (let j = 0; j < d; j++) v[j] = vectors[j * d + c]!;
    let big = 0;
    for (let j = 1; j < d; j++) if (Math.abs(v[j]!) > Math.abs(v[big]!)) big = j;
    if (v[big]! < 0) for (let j = 0; j < d; j++) v[j] = -v[j]!;
    return { v, value: d > 0 ? Math.max(0, values[c]!) : 0 };
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

/** Eigen-decomposition of a symmetric d×d matrix by cyclic Jacobi rotations; `vectors` columns are eigenvectors. */
export function jacobiEigen(A: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(A);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * d + q]! - a[p * d + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p]!;
          const akq = a[k * d + q]!;
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k]!;
          const aqk = a[q * d + k]!;
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p]!;
          const vkq = v[k * d + q]!;
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = a[i * d + i]!;
  return { values, vectors: v };
}
