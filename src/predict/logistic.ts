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
  const mean = columnMeans(X);
  return { mean: Array.from(mean), scale: columnScales(X, mean) };
}

/** Column sums over the rows in order, divided by n; four columns per pass over the rows. */
function columnMeans(X: Matrix): Float64Array {
  const { data, nRows: n, nCols: d } = X;
  const mean = new Float64Array(d);
  const sums = new Float64Array(4);
  for (let j = 0; j < d; j += 4) {
    columnSums4(data, n, d, j, Math.min(j + 1, d - 1), Math.min(j + 2, d - 1), Math.min(j + 3, d - 1), sums);
    for (let q = 0; q < 4 && j + q < d; q++) mean[j + q] = sums[q]! / n;
  }
  return mean;
}

/**
 * Population standard deviations about `mean` (zero or non-finite → 1), from the squared deviations summed over the
 * rows in order. With `Z`, the deviations are also written there column-major (column j at j · n), unscaled.
 */
function columnScales(X: Matrix, mean: Float64Array, Z?: Float64Array): number[] {
  const { data, nRows: n, nCols: d } = X;
  const scale = new Array<number>(d);
  const sums = new Float64Array(4);
  for (let j = 0; j < d; j += 4) {
    const j1 = Math.min(j + 1, d - 1);
    const j2 = Math.min(j + 2, d - 1);
    const j3 = Math.min(j + 3, d - 1);
    const m = [mean[j]!, mean[j1]!, mean[j2]!, mean[j3]!] as const;
    if (Z) centre4(data, n, d, j, j1, j2, j3, m[0], m[1], m[2], m[3], Z, sums);
    else squares4(data, n, d, j, j1, j2, j3, m[0], m[1], m[2], m[3], sums);
    for (let q = 0; q < 4 && j + q < d; q++) {
      const sd = Math.sqrt(sums[q]! / n);
      scale[j + q] = sd > 0 && Number.isFinite(sd) ? sd : 1;
    }
  }
  return scale;
}

/** What a sweep sums besides the loss. */
const LOSS = 0;
const GRADIENT = 1;
const HESSIAN = 2;

/** Rows per block of the Newton sweep: the block's margins, weights and columns stay in cache between passes. */
const BLOCK = 512;

/**
 * Fit a binary logistic regression. Inputs are standardised with their own mean and standard deviation first
 * (recorded), `y` holds 0/1 and `weights` optional per-row weights (class weights). Newton's method from the
 * intercept-only optimum: each iteration builds the (d + 1)² Hessian, solves it by Cholesky, and halves the step
 * until the objective decreases. Near the optimum, when the step is small enough that the next gradient is
 * predicted within the tolerance, that point's Hessian is not built: its gradient is still summed and checked, and
 * if it is above the tolerance the previous Hessian's factor gives the next step.
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
  // A column's sum is finite when all its values are; otherwise (or on overflow) look for the first bad value.
  const mu = columnMeans(X);
  if (!mu.every(Number.isFinite)) {
    for (let i = 0; i < n * d; i++) {
      if (!Number.isFinite(X.data[i]!)) {
        throw new DataError(
          `row ${Math.floor(i / d) + 1} has a missing or non-finite feature value`,
          'impute first: segment clean --impute median',
        );
      }
    }
  }
  // Standardised columns, column-major, so every pass below is a tight loop over contiguous arrays.
  const Z = new Float64Array(n * d);
  const scale = columnScales(X, mu, Z);
  // The largest |zᵢⱼ| of each column bounds how far a step can move the margins.
  const zmax = new Float64Array(d);
  for (let j = 0; j < d; j++) zmax[j] = divide(Z, j * n, n, scale[j]!);
  const mean = Array.from(mu);
  const s = new Float64Array(n);
  if (weights) for (let i = 0; i < n; i++) s[i] = weights[i]!;
  else s.fill(1);
  const yy = new Float64Array(n);
  for (let i = 0; i < n; i++) yy[i] = y[i] === 1 ? 1 : 0;

  const D = d + 1; // coefficients then intercept
  const beta = new Float64Array(D);
  // One block of rows at a time: margins, gradient and curvature weights.
  const B = Math.min(BLOCK, n);
  const margin = new Float64Array(B);
  const r = new Float64Array(B);
  const h = new Float64Array(B);
  // Gradient passes: four columns each, Σ rᵢ·zⱼ and Σ hᵢ·zⱼ (a shorter last group repeats column d − 1, unused).
  const nGrad = Math.ceil(d / 4);
  // Hessian passes over the lower triangle of H in 4 × 4 blocks of columns: a block on the diagonal in one pass (its
  // ten entries), one below it in two (rows a, a + 1 against four columns b…b + 3). Past the last row or column the
  // last one is repeated (unused). Each pass: its first row, first column, and where its sums start in acc.
  const passes: number[] = [];
  let slot = 8 * nGrad;
  for (let a = 0; a < d; a += 4) {
    for (let b = 0; b < a; b += 4) {
      passes.push(a, b, slot, a + 2, b, slot + 8);
      slot += 16;
    }
    passes.push(a, a, slot);
    slot += 10;
  }
  // Running sums, each over the rows in order whatever the blocking: per gradient pass four Σ rᵢ·zⱼ and four
  // Σ hᵢ·zⱼ, per Hessian pass its Σ hᵢ·zₐ·z_b, then the loss, Σ rᵢ and Σ hᵢ.
  const acc = new Float64Array(slot + 3);
  const L = slot;
  const col = (j: number, i0: number): number => Math.min(j, d - 1) * n + i0;
  const coefs = new Float64Array(8);
  const offsets = new Int32Array(8);
  // The objective at bv: margins b + Σ βⱼ·zᵢⱼ (columns added in order, eight per pass), then the weighted loss with
  // the arithmetic of softplus and of sigmoid from one exponential per row. The same sweep also sums the gradient at
  // bv into acc (`sums` ≥ GRADIENT) and the Hessian (`sums` = HESSIAN), used if bv is accepted.
  const sweep = (bv: Float64Array, sums: number): number => {
    acc.fill(0);
    let uniform = sums !== LOSS;
    for (let j = 0; j < d; j++) if (bv[j] !== 0) uniform = false;
    for (let i0 = 0; i0 < n; i0 += B) {
      const len = Math.min(B, n - i0);
      if (uniform) {
        // Every margin is the intercept: one exponential for all rows.
        uniformWeights(bv[d]!, yy, s, C, r, h, i0, len, acc, L);
      } else {
        margin.fill(bv[d]!, 0, len);
        // Eight columns per pass; a zero coefficient (or one past the last column) adds ±0, which changes no result.
        for (let j = 0; j < d; j += 8) {
          for (let q = 0; q < 8; q++) {
            coefs[q] = j + q < d ? bv[j + q]! : 0;
            offsets[q] = col(j + q, i0);
          }
          addScaled8(margin, Z, len, coefs, offsets);
        }
        if (sums === LOSS) {
          lossPass(margin, yy, s, i0, len, acc, L);
          continue;
        }
        // Gradient weights rᵢ = C·sᵢ·(σ(zᵢ) − yᵢ) and curvature weights hᵢ = C·sᵢ·σ(zᵢ)(1 − σ(zᵢ)).
        lossAndWeights(margin, yy, s, C, r, h, i0, len, acc, L);
      }
      for (let p = 0; p < nGrad; p++) {
        const j = 4 * p;
        gradientPass(Z, r, h, len, col(j, i0), col(j + 1, i0), col(j + 2, i0), col(j + 3, i0), acc, 8 * p);
      }
      if (sums === GRADIENT) continue;
      for (let p = 0; p < passes.length; p += 3) {
        const a = passes[p]!;
        const b = passes[p + 1]!;
        const o = [col(b, i0), col(b + 1, i0), col(b + 2, i0), col(b + 3, i0)] as const;
        if (a === b) diagonalPass(Z, h, len, o[0], o[1], o[2], o[3], acc, passes[p + 2]!);
        else hessianPass(Z, h, len, col(a, i0), col(a + 1, i0), o[0], o[1], o[2], o[3], acc, passes[p + 2]!);
      }
    }
    let pen = 0;
    for (let j = 0; j < d; j++) pen += bv[j]! * bv[j]!;
    return 0.5 * pen + C * acc[L]!;
  };
  // Start from the intercept-only optimum: the log-odds of the (weighted) share of positives, coefficients zero.
  let sw = 0;
  let sp = 0;
  for (let i = 0; i < n; i++) {
    sw += s[i]!;
    sp += s[i]! * yy[i]!;
  }
  if (sp > 0 && sp < sw) beta[d] = Math.log(sp / (sw - sp));
  let f = sweep(beta, HESSIAN);
  // Whether acc holds the Hessian at beta; otherwise the last factored Hessian is used again (a chord step), and
  // `drift` bounds how far the margins have moved since the point it was computed at.
  let fresh = true;
  let drift = 0;
  const g = new Float64Array(D);
  const H = new Float64Array(D * D);
  const factor = new Float64Array(D * D);
  const step = new Float64Array(D);
  const trial = new Float64Array(D);
  let converged = false;
  let iter = 0;
  for (; iter < maxIter; iter++) {
    // The gradient at beta, summed by the sweep that accepted it.
    g[d] = acc[L + 1]!;
    for (let j = 0; j < d; j++) g[j] = acc[8 * (j >> 2) + (j & 3)]! + beta[j]!;
    let gmax = 0;
    for (let a = 0; a < D; a++) gmax = Math.max(gmax, Math.abs(g[a]!));
    if (gmax <= tol * Math.max(1, Math.abs(f))) {
      converged = true;
      break;
    }
    if (fresh) {
      H[d * D + d] = acc[L + 2]!;
      for (let j = 0; j < d; j++) H[d * D + j] = acc[8 * (j >> 2) + (j & 3) + 4]!;
      for (let p = 0; p < passes.length; p += 3) {
        const a = passes[p]!;
        const b = passes[p + 1]!;
        const at = passes[p + 2]!;
        if (a === b) {
          // Rows a + q, columns a + q′ for q′ ≤ q, at at + q(q + 1)/2 + q′.
          for (let q = 0; q < 4 && a + q < d; q++)
            for (let q2 = 0; q2 <= q; q2++) H[(a + q) * D + a + q2] = acc[at + (q * (q + 1)) / 2 + q2]!;
        } else {
          for (let u = 0; u < 2 && a + u < d; u++)
            for (let q = 0; q < 4; q++) H[(a + u) * D + b + q] = acc[at + 4 * u + q]!;
        }
      }
      for (let j = 0; j < d; j++) H[j * D + j] = H[j * D + j]! + 1;
      // The intercept's curvature can vanish when every row is predicted with certainty: keep H positive definite.
      H[d * D + d] = H[d * D + d]! + 1e-12 * Math.max(1, C);
      cholesky(H, D, factor);
    }
    solveFactored(factor, g, D, step);
    // Newton decrement: half of gᵀH⁻¹g estimates how far the objective is above its minimum.
    let decrement = 0;
    for (let a = 0; a < D; a++) decrement += g[a]! * step[a]!;
    if (decrement / 2 <= 1e-15 * Math.max(1, Math.abs(f))) {
      for (let a = 0; a < D; a++) beta[a] = beta[a]! - step[a]!;
      f = sweep(beta, LOSS);
      converged = true;
      iter++;
      break;
    }
    let t = 1;
    let accepted = false;
    for (let k = 0; k < 40; k++) {
      // No margin moves by more than R. The gradient after a Newton step is then about R · gmax or less (the
      // curvature weights change by a factor e^(±R) at most), and a chord step with this Hessian shrinks it by about
      // R again: when two such steps reach the tolerance, the trial point's Hessian is not summed.
      let R = t * Math.abs(step[d]!);
      for (let j = 0; j < d; j++) R += t * Math.abs(step[j]!) * zmax[j]!;
      const moved: number = (fresh ? 0 : drift) + R;
      const sums: number = moved * moved * gmax <= tol * Math.max(1, Math.abs(f)) ? GRADIENT : HESSIAN;
      for (let a = 0; a < D; a++) trial[a] = beta[a]! - t * step[a]!;
      const ft = sweep(trial, sums);
      if (ft <= f) {
        beta.set(trial);
        accepted = f - ft > 1e-16 * Math.max(1, Math.abs(f));
        f = ft;
        fresh = sums === HESSIAN;
        drift = moved;
        break;
      }
      t /= 2;
    }
    if (!accepted) {
      // No further decrease is representable: the optimum is reached to machine precision.
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

/** Sums of the columns j0…j3 of row-major `data` (n × d) over the rows in order, into out[0…3]. */
function columnSums4(
  data: ArrayLike<number>,
  n: number,
  d: number,
  j0: number,
  j1: number,
  j2: number,
  j3: number,
  out: Float64Array,
): void {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let i = 0, k = 0; i < n; i++, k += d) {
    s0 += data[k + j0]!;
    s1 += data[k + j1]!;
    s2 += data[k + j2]!;
    s3 += data[k + j3]!;
  }
  out[0] = s0;
  out[1] = s1;
  out[2] = s2;
  out[3] = s3;
}

/** Σ (x − m)² of the columns j0…j3 over the rows in order, into out[0…3]. */
function squares4(
  data: ArrayLike<number>,
  n: number,
  d: number,
  j0: number,
  j1: number,
  j2: number,
  j3: number,
  m0: number,
  m1: number,
  m2: number,
  m3: number,
  out: Float64Array,
): void {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let i = 0, k = 0; i < n; i++, k += d) {
    const t0 = data[k + j0]! - m0;
    const t1 = data[k + j1]! - m1;
    const t2 = data[k + j2]! - m2;
    const t3 = data[k + j3]! - m3;
    s0 += t0 * t0;
    s1 += t1 * t1;
    s2 += t2 * t2;
    s3 += t3 * t3;
  }
  out[0] = s0;
  out[1] = s1;
  out[2] = s2;
  out[3] = s3;
}

/** As {@link squares4}, also writing the deviations x − m column-major into Z (column j at j · n). */
function centre4(
  data: ArrayLike<number>,
  n: number,
  d: number,
  j0: number,
  j1: number,
  j2: number,
  j3: number,
  m0: number,
  m1: number,
  m2: number,
  m3: number,
  Z: Float64Array,
  out: Float64Array,
): void {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const o0 = j0 * n;
  const o1 = j1 * n;
  const o2 = j2 * n;
  const o3 = j3 * n;
  for (let i = 0, k = 0; i < n; i++, k += d) {
    const t0 = data[k + j0]! - m0;
    const t1 = data[k + j1]! - m1;
    const t2 = data[k + j2]! - m2;
    const t3 = data[k + j3]! - m3;
    s0 += t0 * t0;
    s1 += t1 * t1;
    s2 += t2 * t2;
    s3 += t3 * t3;
    Z[o0 + i] = t0;
    Z[o1 + i] = t1;
    Z[o2 + i] = t2;
    Z[o3 + i] = t3;
  }
  out[0] = s0;
  out[1] = s1;
  out[2] = s2;
  out[3] = s3;
}

/** x[o + i] /= c for i < n; returns the largest |x[o + i]| after. */
function divide(x: Float64Array, o: number, n: number, c: number): number {
  let top = 0;
  for (let i = o; i < o + n; i++) {
    const v = x[i]! / c;
    x[i] = v;
    top = Math.max(top, Math.abs(v));
  }
  return top;
}

/** out[i] += a[0] · x[o[0] + i], then a[1] · x[o[1] + i], … a[7] · x[o[7] + i], for i < n. */
function addScaled8(out: Float64Array, x: Float64Array, n: number, a: Float64Array, o: Int32Array): void {
  const a0 = a[0]!;
  const a1 = a[1]!;
  const a2 = a[2]!;
  const a3 = a[3]!;
  const a4 = a[4]!;
  const a5 = a[5]!;
  const a6 = a[6]!;
  const a7 = a[7]!;
  const o0 = o[0]!;
  const o1 = o[1]!;
  const o2 = o[2]!;
  const o3 = o[3]!;
  const o4 = o[4]!;
  const o5 = o[5]!;
  const o6 = o[6]!;
  const o7 = o[7]!;
  for (let i = 0; i < n; i++) {
    let m = out[i]!;
    m += a0 * x[o0 + i]!;
    m += a1 * x[o1 + i]!;
    m += a2 * x[o2 + i]!;
    m += a3 * x[o3 + i]!;
    m += a4 * x[o4 + i]!;
    m += a5 * x[o5 + i]!;
    m += a6 * x[o6 + i]!;
    m += a7 * x[o7 + i]!;
    out[i] = m;
  }
}

/**
 * Adds Σ sᵢ · softplus(±marginᵢ) (− for y = 1) over a block of rows (from row i0; margins indexed from 0) to
 * acc[at]: softplus(u) = u + log1p(e^(−u)) for u > 0, else log1p(e^u), the same exponential e^(−|margin|) either way.
 */
function lossPass(
  margin: Float64Array,
  y: Float64Array,
  s: Float64Array,
  i0: number,
  len: number,
  acc: Float64Array,
  at: number,
): void {
  let loss = acc[at]!;
  for (let k = 0; k < len; k++) {
    const m = margin[k]!;
    const e = Math.exp(-Math.abs(m));
    // u = ∓m exactly (y is 0 or 1), and ½(u + |u|) is u if u > 0, else 0: no branch on the row's sign.
    const u = m * (1 - 2 * y[i0 + k]!);
    loss += s[i0 + k]! * (0.5 * (u + Math.abs(u)) + Math.log1p(e));
  }
  acc[at] = loss;
}

/**
 * {@link lossPass}, and from the same exponential the gradient weights rᵢ = C·sᵢ·(σ(zᵢ) − yᵢ) and curvature weights
 * hᵢ = C·sᵢ·σ(zᵢ)(1 − σ(zᵢ)) (σ as {@link sigmoid} computes it) into r, h, their sums added to acc[at + 1],
 * acc[at + 2].
 */
function lossAndWeights(
  margin: Float64Array,
  y: Float64Array,
  s: Float64Array,
  C: number,
  r: Float64Array,
  h: Float64Array,
  i0: number,
  len: number,
  acc: Float64Array,
  at: number,
): void {
  let loss = acc[at]!;
  let gI = acc[at + 1]!;
  let hI = acc[at + 2]!;
  for (let k = 0; k < len; k++) {
    const m = margin[k]!;
    const e = Math.exp(-Math.abs(m));
    const yk = y[i0 + k]!;
    const sk = s[i0 + k]!;
    const u = m * (1 - 2 * yk);
    loss += sk * (0.5 * (u + Math.abs(u)) + Math.log1p(e));
    const p = (m >= 0 ? 1 : e) / (1 + e);
    const c = C * sk;
    const ri = c * (p - yk);
    const hi = c * p * (1 - p);
    r[k] = ri;
    h[k] = hi;
    gI += ri;
    hI += hi;
  }
  acc[at] = loss;
  acc[at + 1] = gI;
  acc[at + 2] = hI;
}

/**
 * {@link lossAndWeights} when every row has the same margin m (all coefficients zero): the exponential, the two
 * softplus terms and σ once, then the same per-row products and sums.
 */
function uniformWeights(
  m: number,
  y: Float64Array,
  s: Float64Array,
  C: number,
  r: Float64Array,
  h: Float64Array,
  i0: number,
  len: number,
  acc: Float64Array,
  at: number,
): void {
  const e = Math.exp(-Math.abs(m));
  const l0 = 0.5 * (m + Math.abs(m)) + Math.log1p(e);
  const l1 = 0.5 * (-m + Math.abs(-m)) + Math.log1p(e);
  const p = (m >= 0 ? 1 : e) / (1 + e);
  let loss = acc[at]!;
  let gI = acc[at + 1]!;
  let hI = acc[at + 2]!;
  for (let k = 0; k < len; k++) {
    const yk = y[i0 + k]!;
    const sk = s[i0 + k]!;
    // l0·(1 − y) + l1·y is exactly l0 or l1.
    loss += sk * (l0 * (1 - yk) + l1 * yk);
    const c = C * sk;
    const ri = c * (p - yk);
    const hi = c * p * (1 - p);
    r[k] = ri;
    h[k] = hi;
    gI += ri;
    hI += hi;
  }
  acc[at] = loss;
  acc[at + 1] = gI;
  acc[at + 2] = hI;
}

/**
 * Adds Σ rᵢ·zⱼ then Σ hᵢ·zⱼ for the four columns at o0…o3 over a block of rows (r, h indexed from 0, the columns
 * from their offsets) to acc[at…at + 7].
 */
function gradientPass(
  Z: Float64Array,
  r: Float64Array,
  h: Float64Array,
  len: number,
  o0: number,
  o1: number,
  o2: number,
  o3: number,
  acc: Float64Array,
  at: number,
): void {
  let g0 = acc[at]!;
  let g1 = acc[at + 1]!;
  let g2 = acc[at + 2]!;
  let g3 = acc[at + 3]!;
  let h0 = acc[at + 4]!;
  let h1 = acc[at + 5]!;
  let h2 = acc[at + 6]!;
  let h3 = acc[at + 7]!;
  for (let k = 0; k < len; k++) {
    const rk = r[k]!;
    const hk = h[k]!;
    const z0 = Z[o0 + k]!;
    g0 += rk * z0;
    h0 += hk * z0;
    const z1 = Z[o1 + k]!;
    g1 += rk * z1;
    h1 += hk * z1;
    const z2 = Z[o2 + k]!;
    g2 += rk * z2;
    h2 += hk * z2;
    const z3 = Z[o3 + k]!;
    g3 += rk * z3;
    h3 += hk * z3;
  }
  acc[at] = g0;
  acc[at + 1] = g1;
  acc[at + 2] = g2;
  acc[at + 3] = g3;
  acc[at + 4] = h0;
  acc[at + 5] = h1;
  acc[at + 6] = h2;
  acc[at + 7] = h3;
}

/**
 * Adds Σ hᵢ·zₐ·z_b for the columns a (at oa), a′ (at ob) against the four columns at o0…o3 over a block of rows
 * (h indexed from 0, the columns from their offsets) to acc[at…at + 3] (a) and acc[at + 4…at + 7] (a′).
 */
function hessianPass(
  Z: Float64Array,
  h: Float64Array,
  len: number,
  oa: number,
  ob: number,
  o0: number,
  o1: number,
  o2: number,
  o3: number,
  acc: Float64Array,
  at: number,
): void {
  let a0 = acc[at]!;
  let a1 = acc[at + 1]!;
  let a2 = acc[at + 2]!;
  let a3 = acc[at + 3]!;
  let b0 = acc[at + 4]!;
  let b1 = acc[at + 5]!;
  let b2 = acc[at + 6]!;
  let b3 = acc[at + 7]!;
  for (let k = 0; k < len; k++) {
    const hk = h[k]!;
    const ta = hk * Z[oa + k]!;
    const tb = hk * Z[ob + k]!;
    const z0 = Z[o0 + k]!;
    a0 += ta * z0;
    b0 += tb * z0;
    const z1 = Z[o1 + k]!;
    a1 += ta * z1;
    b1 += tb * z1;
    const z2 = Z[o2 + k]!;
    a2 += ta * z2;
    b2 += tb * z2;
    const z3 = Z[o3 + k]!;
    a3 += ta * z3;
    b3 += tb * z3;
  }
  acc[at] = a0;
  acc[at + 1] = a1;
  acc[at + 2] = a2;
  acc[at + 3] = a3;
  acc[at + 4] = b0;
  acc[at + 5] = b1;
  acc[at + 6] = b2;
  acc[at + 7] = b3;
}

/**
 * Adds Σ hᵢ·z_q·z_q′ for the four columns at o0…o3, q′ ≤ q, over a block of rows (h indexed from 0, the columns from
 * their offsets) to acc[at…at + 9], in the order (0,0), (1,0), (1,1), (2,0), (2,1), (2,2), (3,0)…(3,3).
 */
function diagonalPass(
  Z: Float64Array,
  h: Float64Array,
  len: number,
  o0: number,
  o1: number,
  o2: number,
  o3: number,
  acc: Float64Array,
  at: number,
): void {
  let s00 = acc[at]!;
  let s10 = acc[at + 1]!;
  let s11 = acc[at + 2]!;
  let s20 = acc[at + 3]!;
  let s21 = acc[at + 4]!;
  let s22 = acc[at + 5]!;
  let s30 = acc[at + 6]!;
  let s31 = acc[at + 7]!;
  let s32 = acc[at + 8]!;
  let s33 = acc[at + 9]!;
  for (let k = 0; k < len; k++) {
    const hk = h[k]!;
    const z0 = Z[o0 + k]!;
    const z1 = Z[o1 + k]!;
    const z2 = Z[o2 + k]!;
    const z3 = Z[o3 + k]!;
    const t0 = hk * z0;
    s00 += t0 * z0;
    const t1 = hk * z1;
    s10 += t1 * z0;
    s11 += t1 * z1;
    const t2 = hk * z2;
    s20 += t2 * z0;
    s21 += t2 * z1;
    s22 += t2 * z2;
    const t3 = hk * z3;
    s30 += t3 * z0;
    s31 += t3 * z1;
    s32 += t3 * z2;
    s33 += t3 * z3;
  }
  acc[at] = s00;
  acc[at + 1] = s10;
  acc[at + 2] = s11;
  acc[at + 3] = s20;
  acc[at + 4] = s21;
  acc[at + 5] = s22;
  acc[at + 6] = s30;
  acc[at + 7] = s31;
  acc[at + 8] = s32;
  acc[at + 9] = s33;
}

/** The Cholesky factor L (L·Lᵀ = H) of symmetric positive definite H (lower triangle filled), into L. O(D³). */
function cholesky(H: Float64Array, D: number, L: Float64Array): void {
  for (let i = 0; i < D; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = H[i * D + j]!;
      for (let k = 0; k < j; k++) sum -= L[i * D + k]! * L[j * D + k]!;
      if (i === j) L[i * D + i] = Math.sqrt(Math.max(sum, 1e-300));
      else L[i * D + j] = sum / L[j * D + j]!;
    }
  }
}

/** Solve L·Lᵀ x = g into x for the factor of {@link cholesky}. O(D²). */
function solveFactored(L: Float64Array, g: Float64Array, D: number, x: Float64Array): void {
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
