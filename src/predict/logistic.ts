/**
 * L2-regularised binary logistic regression on standardised inputs, with scikit-learn's objective
 * (`LogisticRegression(penalty="l2", C)`: ½‖w‖² + C · Σ sᵢ · logloss(yᵢ, w·xᵢ + b), intercept not penalised),
 * solved by Newton's method with a backtracking line search to a much tighter tolerance than lbfgs' default.
 */
import { DataError, invalidParameter } from '../core/errors.js';
import type { Matrix } from '../core/matrix.js';

const OWNER = 'predict.LogisticRegression';

/** Parameters of {@link fitLogistic}. */
export interface LogisticParams {
  /** Inverse regularisation strength (scikit-learn's `C`). Default 1. */
  C?: number | undefined;
  /** Newton iterations at most. Default 100. */
  maxIter?: number | undefined;
  /** Stop when the largest gradient entry is below tol · max(1, |objective|). Default 1e-10. */
  tol?: number | undefined;
}

/** A fitted model: the standardisation and the coefficients on both scales. */
export interface LogisticFit {
  /** Column means and population standard deviations (1 for a constant column), as `StandardScaler`. */
  mean: number[];
  scale: number[];
  /** Coefficients on standardised inputs, and the intercept there. */
  coef: number[];
  intercept: number;
  /** The same model on the original scale: coef / scale, intercept − Σ coef · mean / scale. */
  coefOriginal: number[];
  interceptOriginal: number;
  nIter: number;
  converged: boolean;
  /** Final value of the penalised objective. */
  objective: number;
}

/** The logistic function 1 / (1 + e⁻ᶻ), stable for large |z|. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** Column means and population standard deviations (zero → 1). O(n · d). */
export function standardisation(X: Matrix): { mean: number[]; scale: number[] } {
  const { data, nRows: n, nCols: d } = X;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] = mean[j]! + data[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j] = mean[j]! / n;
  const v = new Float64Array(d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      const t = data[i * d + j]! - mean[j]!;
      v[j] = v[j]! + t * t;
    }
  const scale = Array.from(v, (s) => {
    const sd = Math.sqrt(s / n);
    return sd > 0 && Number.isFinite(sd) ? sd : 1;
  });
  return { mean: Array.from(mean), scale };
}

/**
 * Fit a binary logistic regression. Inputs are standardised with their own mean and standard deviation first
 * (recorded), `y` holds 0/1 and `weights` optional per-row weights (class weights). Newton's method: each
 * iteration builds the (d + 1)² Hessian, solves it by Cholesky, and halves the step until the objective decreases.
 *
 * Complexity: O(iterations · n · d²) time (typically < 10 iterations), O(n · d) memory for the standardised copy.
 * @throws UsageError for an invalid C, maxIter or tol; DataError when lengths differ or a value is not finite.
 */
export function fitLogistic(
  X: Matrix,
  y: ArrayLike<number>,
  params: LogisticParams = {},
  weights?: ArrayLike<number>,
): LogisticFit {
  const C = params.C ?? 1;
  const maxIter = params.maxIter ?? 100;
  const tol = params.tol ?? 1e-10;
  if (!(Number.isFinite(C) && C > 0)) throw invalidParameter(OWNER, 'C', 'a float in (0, inf)', C);
  if (!Number.isInteger(maxIter) || maxIter < 1)
    throw invalidParameter(OWNER, 'maxIter', 'an int in [1, inf)', maxIter);
  if (!(tol > 0)) throw invalidParameter(OWNER, 'tol', 'a float in (0, inf)', tol);
  const { nRows: n, nCols: d } = X;
  if (y.length !== n) throw new DataError(`the target has ${y.length} values for ${n} rows`);
  if (n < 1) throw new DataError('logistic regression needs at least one row');
  for (let i = 0; i < n * d; i++) {
    if (!Number.isFinite(X.data[i]!)) {
      throw new DataError(
        `row ${Math.floor(i / d) + 1} has a missing or non-finite feature value`,
        'impute first: segment clean --impute median',
      );
    }
  }
  const { mean, scale } = standardisation(X);
  // Standardised columns, column-major, so every pass below is a tight loop over contiguous arrays.
  const Z = new Float64Array(n * d);
  for (let j = 0; j < d; j++) {
    const m = mean[j]!;
    const sc = scale[j]!;
    for (let i = 0, k = j; i < n; i++, k += d) Z[j * n + i] = (X.data[k]! - m) / sc;
  }
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) s[i] = weights ? weights[i]! : 1;
  const yy = Float64Array.from({ length: n }, (_, i) => (y[i] === 1 ? 1 : 0));

  const D = d + 1; // coefficients then intercept
  const beta = new Float64Array(D);
  const margin = new Float64Array(n);
  // e^(−|margin|), shared by the loss (softplus) and the next iteration's σ.
  const em = new Float64Array(n);
  // The margins b + Σ βⱼ·zᵢⱼ (columns added in order), then the weighted loss with the arithmetic of softplus and of
  // sigmoid from one exponential per row.
  const objectiveAt = (bv: Float64Array): number => {
    margin.fill(bv[d]!);
    // Four columns per pass, added in column order (a zero coefficient adds ±0, which changes no result).
    for (let j = 0; j < d; j += 4) {
      const c = (q: number): number => (j + q < d ? bv[j + q]! : 0);
      const o = (q: number): number => Math.min(j + q, d - 1) * n;
      if (c(0) !== 0 || c(1) !== 0 || c(2) !== 0 || c(3) !== 0)
        addScaled4(margin, Z, n, o(0), c(0), o(1), c(1), o(2), c(2), o(3), c(3));
    }
    const loss = lossPass(margin, em, yy, s, n);
    let pen = 0;
    for (let j = 0; j < d; j++) pen += bv[j]! * bv[j]!;
    return 0.5 * pen + C * loss;
  };
  let f = objectiveAt(beta);
  const g = new Float64Array(D);
  const H = new Float64Array(D * D);
  const step = new Float64Array(D);
  const trial = new Float64Array(D);
  const r = new Float64Array(n);
  const h = new Float64Array(n);
  const sums = new Float64Array(6);
  let converged = false;
  let iter = 0;
  for (; iter < maxIter; iter++) {
    // Gradient weights rᵢ = C·sᵢ·(σ(zᵢ) − yᵢ) and curvature weights hᵢ = C·sᵢ·σ(zᵢ)(1 − σ(zᵢ)).
    curvature(margin, em, yy, s, C, r, h, n, sums);
    const gI = sums[0]!;
    const hI = sums[1]!;
    g[d] = gI;
    H[d * D + d] = hI;
    // Every entry is a sum over the rows in order. One pass per four entries of a row of H (a shorter last group
    // repeats column a, unused); the first pass of a row also sums gradient entry a and the intercept's curvature.
    for (let a = 0; a < d; a++) {
      const oa = a * n;
      for (let b = 0; b <= a; b += 4) {
        const o0 = b * n;
        const o1 = Math.min(b + 1, a) * n;
        const o2 = Math.min(b + 2, a) * n;
        const o3 = Math.min(b + 3, a) * n;
        hessianPass(Z, r, h, n, oa, o0, o1, o2, o3, sums);
        if (b === 0) {
          g[a] = sums[0]!;
          H[d * D + a] = sums[1]!;
        }
        const row = a * D + b;
        for (let q = 0; q < 4 && b + q <= a; q++) H[row + q] = sums[2 + q]!;
      }
    }
    let gmax = 0;
    for (let j = 0; j < d; j++) {
      g[j] = g[j]! + beta[j]!;
      H[j * D + j] = H[j * D + j]! + 1;
    }
    for (let a = 0; a < D; a++) gmax = Math.max(gmax, Math.abs(g[a]!));
    if (gmax <= tol * Math.max(1, Math.abs(f))) {
      converged = true;
      break;
    }
    // The intercept's curvature can vanish when every row is predicted with certainty: keep H positive definite.
    H[d * D + d] = H[d * D + d]! + 1e-12 * Math.max(1, C);
    solveCholesky(H, g, D, step);
    // Newton decrement: half of gᵀH⁻¹g estimates how far the objective is above its minimum.
    let decrement = 0;
    for (let a = 0; a < D; a++) decrement += g[a]! * step[a]!;
    if (decrement / 2 <= 1e-15 * Math.max(1, Math.abs(f))) {
      for (let a = 0; a < D; a++) beta[a] = beta[a]! - step[a]!;
      f = objectiveAt(beta);
      converged = true;
      iter++;
      break;
    }
    let t = 1;
    let accepted = false;
    for (let k = 0; k < 40; k++) {
      for (let a = 0; a < D; a++) trial[a] = beta[a]! - t * step[a]!;
      const ft = objectiveAt(trial);
      if (ft <= f) {
        beta.set(trial);
        accepted = f - ft > 1e-16 * Math.max(1, Math.abs(f));
        f = ft;
        break;
      }
      t /= 2;
    }
    if (!accepted) {
      // No further decrease is representable: the optimum is reached to machine precision.
      objectiveAt(beta);
      converged = true;
      iter++;
      break;
    }
  }
  const coef = Array.from(beta.subarray(0, d));
  const intercept = beta[d]!;
  const coefOriginal = coef.map((c, j) => c / scale[j]!);
  let interceptOriginal = intercept;
  for (let j = 0; j < d; j++) interceptOriginal -= (coef[j]! * mean[j]!) / scale[j]!;
  return {
    mean,
    scale,
    coef,
    intercept,
    coefOriginal,
    interceptOriginal,
    nIter: iter,
    converged,
    objective: f,
  };
}

// The passes over the rows are small functions: each is compiled once and reused by every iteration and column.

/** out[i] += a0 · x[o0 + i], then a1 · x[o1 + i], a2 · x[o2 + i], a3 · x[o3 + i], for i < n. */
function addScaled4(
  out: Float64Array,
  x: Float64Array,
  n: number,
  o0: number,
  a0: number,
  o1: number,
  a1: number,
  o2: number,
  a2: number,
  o3: number,
  a3: number,
): void {
  for (let i = 0; i < n; i++) {
    let m = out[i]!;
    m += a0 * x[o0 + i]!;
    m += a1 * x[o1 + i]!;
    m += a2 * x[o2 + i]!;
    m += a3 * x[o3 + i]!;
    out[i] = m;
  }
}

/**
 * Σ sᵢ · softplus(±marginᵢ) (− for y = 1), storing e^(−|marginᵢ|) in `em`: softplus(u) = u + log1p(e^(−u)) for
 * u > 0, else log1p(e^u), the same exponential either way.
 */
function lossPass(
  margin: Float64Array,
  em: Float64Array,
  y: Float64Array,
  s: Float64Array,
  n: number,
): number {
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const m = margin[i]!;
    const e = Math.exp(-Math.abs(m));
    em[i] = e;
    const u = y[i] === 1 ? -m : m;
    loss += s[i]! * (u > 0 ? u + Math.log1p(e) : Math.log1p(e));
  }
  return loss;
}

/**
 * Gradient weights rᵢ = C·sᵢ·(σ(zᵢ) − yᵢ) and curvature weights hᵢ = C·sᵢ·σ(zᵢ)(1 − σ(zᵢ)), σ from the stored
 * e^(−|zᵢ|) as {@link sigmoid} computes it; their sums into out[0], out[1].
 */
function curvature(
  margin: Float64Array,
  em: Float64Array,
  y: Float64Array,
  s: Float64Array,
  C: number,
  r: Float64Array,
  h: Float64Array,
  n: number,
  out: Float64Array,
): void {
  let gI = 0;
  let hI = 0;
  for (let i = 0; i < n; i++) {
    const e = em[i]!;
    const p = margin[i]! >= 0 ? 1 / (1 + e) : e / (1 + e);
    const c = C * s[i]!;
    const ri = c * (p - y[i]!);
    const hi = c * p * (1 - p);
    r[i] = ri;
    h[i] = hi;
    gI += ri;
    hI += hi;
  }
  out[0] = gI;
  out[1] = hI;
}

/** Σ rᵢ·zₐ, Σ hᵢ·zₐ and Σ hᵢ·zₐ·z_b for the four columns at o0…o3, over the rows in order, into out[0…5]. */
function hessianPass(
  Z: Float64Array,
  r: Float64Array,
  h: Float64Array,
  n: number,
  oa: number,
  o0: number,
  o1: number,
  o2: number,
  o3: number,
  out: Float64Array,
): void {
  let sg = 0;
  let sh = 0;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let i = 0; i < n; i++) {
    const za = Z[oa + i]!;
    sg += r[i]! * za;
    const t = h[i]! * za;
    sh += t;
    s0 += t * Z[o0 + i]!;
    s1 += t * Z[o1 + i]!;
    s2 += t * Z[o2 + i]!;
    s3 += t * Z[o3 + i]!;
  }
  out[0] = sg;
  out[1] = sh;
  out[2] = s0;
  out[3] = s1;
  out[4] = s2;
  out[5] = s3;
}

/** Solve H x = g into x for symmetric positive definite H (lower triangle filled). O(D³). */
function solveCholesky(H: Float64Array, g: Float64Array, D: number, x: Float64Array): void {
  const L = new Float64Array(D * D);
  for (let i = 0; i < D; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = H[i * D + j]!;
      for (let k = 0; k < j; k++) sum -= L[i * D + k]! * L[j * D + k]!;
      if (i === j) L[i * D + i] = Math.sqrt(Math.max(sum, 1e-300));
      else L[i * D + j] = sum / L[j * D + j]!;
    }
  }
  const z = new Float64Array(D);
  for (let i = 0; i < D; i++) {
    let sum = g[i]!;
    for (let k = 0; k < i; k++) sum -= L[i * D + k]! * z[k]!;
    z[i] = sum / L[i * D + i]!;
  }
  for (let i = D - 1; i >= 0; i--) {
    let sum = z[i]!;
    for (let k = i + 1; k < D; k++) sum -= L[k * D + i]! * x[k]!;
    x[i] = sum / L[i * D + i]!;
  }
}

/**
 * Decision values (log-odds) of rows on the original scale: b + Σ coef_j · (x_j − mean_j) / scale_j. O(n · d).
 * @throws DataError when X has the wrong number of columns or a non-finite value.
 */
export function logisticDecision(
  fit: Pick<LogisticFit, 'mean' | 'scale' | 'coef' | 'intercept'>,
  X: Matrix,
): Float64Array {
  const d = fit.coef.length;
  if (X.nCols !== d) throw new DataError(`the model was fitted on ${d} feature(s), got ${X.nCols}`);
  const out = new Float64Array(X.nRows);
  for (let i = 0; i < X.nRows; i++) {
    let z = fit.intercept;
    for (let j = 0; j < d; j++) {
      const v = X.data[i * d + j]!;
      if (!Number.isFinite(v)) {
        throw new DataError(
          `row ${i + 1} has a missing or non-finite feature value`,
          'impute first: segment clean --impute median',
        );
      }
      z += (fit.coef[j]! * (v - fit.mean[j]!)) / fit.scale[j]!;
    }
    out[i] = z;
  }
  return out;
}
