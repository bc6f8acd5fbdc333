import { DataError } from './errors.js';

/** Eigen-decomposition of a symmetric matrix: eigenvalues in decreasing order and their unit eigenvectors. */
export interface SymmetricEigen {
  /** The d eigenvalues, largest first. */
  values: Float64Array;
  /** d × d row-major; row k is the unit eigenvector of `values[k]`. */
  vectors: Float64Array;
}

const MAX_QL_ITERATIONS = 60;

/**
 * Eigenvalues and eigenvectors of a real symmetric d × d matrix (row-major; only symmetry is assumed, both
 * triangles are read). Householder reduction to tridiagonal form followed by the implicit QL algorithm with
 * Wilkinson-style shifts (EISPACK tred2 / tql2, as in JAMA), backward stable: each eigenvalue is exact to about
 * machine precision times the matrix norm.
 *
 * Ties keep the order QL produced them in (sorted by value, stable). Vectors are returned with no sign convention;
 * callers fix one.
 *
 * Complexity: O(d³) time, O(d²) memory. The input is not modified.
 * @throws DataError when the matrix has a non-finite entry or QL does not converge (never seen on finite input).
 */
export function symmetricEigen(a: Float64Array, d: number): SymmetricEigen {
  if (a.length !== d * d) throw new DataError(`symmetricEigen: expected ${d}×${d} values, got ${a.length}`);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) throw new DataError('cannot decompose a matrix with non-finite entries');
  }
  // V holds the matrix, then the accumulated transformations (column j = eigenvector j).
  const V = Float64Array.from(a);
  // Use the average of both triangles so tiny asymmetries from rounding cannot bias the result.
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < i; j++) {
      const m = 0.5 * (V[i * d + j]! + V[j * d + i]!);
      V[i * d + j] = m;
      V[j * d + i] = m;
    }
  }
  const e = new Float64Array(d);
  const w = new Float64Array(d);
  if (d === 0) return { values: w, vectors: V };
  tred2(V, w, e, d);
  tql2(V, w, e, d);
  // Sort decreasing (stable on ties).
  const order = Array.from({ length: d }, (_, i) => i);
  order.sort((p, q) => w[q]! - w[p]! || p - q);
  const values = new Float64Array(d);
  const vectors = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const src = order[k]!;
    values[k] = w[src]!;
    for (let i = 0; i < d; i++) vectors[k * d + i] = V[i * d + src]!;
  }
  return { values, vectors };
}

/** Householder tridiagonalisation (EISPACK tred2): V ← Q, d ← diagonal, e ← sub-diagonal. */
function tred2(V: Float64Array, dv: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) dv[j] = V[(n - 1) * n + j]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(dv[k]!);
    if (scale === 0) {
      e[i] = dv[i - 1]!;
      for (let j = 0; j < i; j++) {
        dv[j] = V[(i - 1) * n + j]!;
        V[i * n + j] = 0;
        V[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        dv[k] = dv[k]! / scale;
        h += dv[k]! * dv[k]!;
      }
      let f = dv[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h = h - f * g;
      dv[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = dv[j]!;
        V[j * n + i] = f;
        g = e[j]! + V[j * n + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[k * n + j]! * dv[k]!;
          e[k] = e[k]! + V[k * n + j]! * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] = e[j]! / h;
        f += e[j]! * dv[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] = e[j]! - hh * dv[j]!;
      for (let j = 0; j < i; j++) {
        f = dv[j]!;
        g = e[j]!;
        for (let k = j; k <= i - 1; k++) V[k * n + j] = V[k * n + j]! - (f * e[k]! + g * dv[k]!);
        dv[j] = V[(i - 1) * n + j]!;
        V[i * n + j] = 0;
      }
    }
    dv[i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    V[(n - 1) * n + i] = V[i * n + i]!;
    V[i * n + i] = 1;
    const h = dv[i + 1]!;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) dv[k] = V[k * n + i + 1]! / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[k * n + i + 1]! * V[k * n + j]!;
        for (let k = 0; k <= i; k++) V[k * n + j] = V[k * n + j]! - g * dv[k]!;
      }
    }
    for (let k = 0; k <= i; k++) V[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    dv[j] = V[(n - 1) * n + j]!;
    V[(n - 1) * n + j] = 0;
  }
  V[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** Implicit symmetric QL on the tridiagonal (EISPACK tql2), accumulating into V. */
function tql2(V: Float64Array, dv: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = Number.EPSILON;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(dv[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]!) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > MAX_QL_ITERATIONS) {
          throw new DataError(
            'the eigenvalue iteration did not converge',
            'check the data for extreme values',
          );
        }
        let g = dv[l]!;
        let p = (dv[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        dv[l] = e[l]! / (p + r);
        dv[l + 1] = e[l]! * (p + r);
        const dl1 = dv[l + 1]!;
        let h = g - dv[l]!;
        for (let i = l + 2; i < n; i++) dv[i] = dv[i]! - h;
        f += h;
        p = dv[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * dv[i]! - s * g;
          dv[i + 1] = h + s * (c * g + s * dv[i]!);
          for (let k = 0; k < n; k++) {
            h = V[k * n + i + 1]!;
            V[k * n + i + 1] = s * V[k * n + i]! + c * h;
            V[k * n + i] = c * V[k * n + i]! - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        dv[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    dv[l] = dv[l]! + f;
    e[l] = 0;
  }
}
