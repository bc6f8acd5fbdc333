/**
 * Probability calibration of a binary classifier's scores, as scikit-learn's `CalibratedClassifierCV`
 * calibrators: Platt's sigmoid (`_sigmoid_calibration`) and isotonic regression (`IsotonicRegression`, clipped).
 */
import { DataError } from '../core/errors.js';
import { sigmoid } from './logistic.js';

/** Platt scaling: P(positive | f) = 1 / (1 + exp(a · f + b)). */
export interface PlattCalibrator {
  method: 'platt';
  a: number;
  b: number;
}

/**
 * Isotonic calibration: a non-decreasing step function through (x, y), linearly interpolated between the points
 * and clipped to [x₀, x_last] outside (`IsotonicRegression(out_of_bounds="clip")` after `np.interp`).
 */
export interface IsotonicCalibrator {
  method: 'isotonic';
  x: number[];
  y: number[];
}

export type Calibrator = PlattCalibrator | IsotonicCalibrator;
export type CalibrationMethod = Calibrator['method'];

/** log(1 + eᶻ) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/**
 * Fit Platt's sigmoid on scores `f` and 0/1 labels, exactly scikit-learn's `_sigmoid_calibration`: targets are
 * Platt's prior-corrected (n₊ + 1) / (n₊ + 2) and 1 / (n₋ + 2), the start is (0, log((n₋ + 1) / (n₊ + 1))), and
 * the cross-entropy is minimised — here by Newton's method with a backtracking line search, to a gradient below
 * 1e-12 · n (scikit-learn's BFGS stops at 1e-5, so the two agree to about that). Weights are optional per-row
 * weights. O(iterations · n).
 * @throws DataError when the lengths differ or there are no rows.
 */
export function fitPlatt(
  f: ArrayLike<number>,
  y: ArrayLike<number>,
  weights?: ArrayLike<number>,
): PlattCalibrator {
  const n = f.length;
  if (y.length !== n) throw new DataError(`calibration: ${y.length} labels for ${n} scores`);
  if (n === 0) throw new DataError('calibration: no rows to fit on');
  let prior0 = 0;
  let prior1 = 0;
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i]! : 1;
    if (y[i]! > 0) prior1 += w;
    else prior0 += w;
  }
  const hi = (prior1 + 1) / (prior1 + 2);
  const lo = 1 / (prior0 + 2);
  const T = Float64Array.from({ length: n }, (_, i) => (y[i]! > 0 ? hi : lo));
  const w = Float64Array.from({ length: n }, (_, i) => (weights ? weights[i]! : 1));
  // u = a·f + b; P = σ(−u); loss = T·softplus(u) + (1 − T)·softplus(−u); d loss / du = σ(u) − (1 − T).
  const objective = (a: number, b: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const u = a * f[i]! + b;
      s += w[i]! * (T[i]! * softplus(u) + (1 - T[i]!) * softplus(-u));
    }
    return s;
  };
  let a = 0;
  let b = Math.log((prior0 + 1) / (prior1 + 1));
  let obj = objective(a, b);
  let total = 0;
  for (let i = 0; i < n; i++) total += w[i]!;
  for (let iter = 0; iter < 200; iter++) {
    let ga = 0;
    let gb = 0;
    let haa = 0;
    let hab = 0;
    let hbb = 0;
    for (let i = 0; i < n; i++) {
      const fi = f[i]!;
      const s = sigmoid(a * fi + b);
      const r = w[i]! * (s - (1 - T[i]!));
      const h = w[i]! * s * (1 - s);
      ga += r * fi;
      gb += r;
      haa += h * fi * fi;
      hab += h * fi;
      hbb += h;
    }
    if (Math.max(Math.abs(ga), Math.abs(gb)) <= 1e-12 * Math.max(1, total)) break;
    // Newton step on the 2 × 2 system (a tiny ridge keeps it solvable when every score is equal).
    haa += 1e-12;
    hbb += 1e-12;
    const det = haa * hbb - hab * hab;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    let t = 1;
    let moved = false;
    for (let k = 0; k < 60; k++) {
      const na = a - t * da;
      const nb = b - t * db;
      const no = objective(na, nb);
      if (no <= obj) {
        moved = no < obj;
        a = na;
        b = nb;
        obj = no;
        break;
      }
      t /= 2;
    }
    if (!moved) break;
  }
  return { method: 'platt', a, b };
}

/**
 * Fit an isotonic calibrator on scores `x` and 0/1 labels, as scikit-learn's `IsotonicRegression(increasing=True,
 * out_of_bounds="clip")`: rows sorted by score, tied scores merged into their weighted mean label, pool adjacent
 * violators (PAV) on those means, then interior points equal to both neighbours dropped (the interpolation is
 * unchanged). O(n log n).
 * @throws DataError when the lengths differ or there are no rows.
 */
export function fitIsotonic(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  weights?: ArrayLike<number>,
): IsotonicCalibrator {
  const n = x.length;
  if (y.length !== n) throw new DataError(`calibration: ${y.length} labels for ${n} scores`);
  if (n === 0) throw new DataError('calibration: no rows to fit on');
  const order = Int32Array.from({ length: n }, (_, i) => i).sort(
    (i, j) => x[i]! - x[j]! || y[i]! - y[j]! || i - j,
  );
  // Unique scores with weighted mean labels.
  const ux: number[] = [];
  const uy: number[] = [];
  const uw: number[] = [];
  for (let k = 0; k < n;) {
    const v = x[order[k]!]!;
    let sw = 0;
    let sy = 0;
    while (k < n && x[order[k]!] === v) {
      const w = weights ? weights[order[k]!]! : 1;
      sw += w;
      sy += w * y[order[k]!]!;
      k++;
    }
    ux.push(v);
    uy.push(sw > 0 ? sy / sw : 0);
    uw.push(sw);
  }
  const fitted = pav(uy, uw);
  const keepX: number[] = [];
  const keepY: number[] = [];
  const m = ux.length;
  for (let k = 0; k < m; k++) {
    if (k > 0 && k < m - 1 && fitted[k] === fitted[k - 1] && fitted[k] === fitted[k + 1]) continue;
    keepX.push(ux[k]!);
    keepY.push(fitted[k]!);
  }
  return { method: 'isotonic', x: keepX, y: keepY };
}

/** Pool adjacent violators: the weighted least-squares non-decreasing fit of `y`. O(m). */
export function pav(y: readonly number[], w: readonly number[]): number[] {
  const m = y.length;
  const val: number[] = [];
  const wt: number[] = [];
  const len: number[] = [];
  for (let i = 0; i < m; i++) {
    val.push(y[i]!);
    wt.push(w[i]!);
    len.push(1);
    while (val.length > 1 && val[val.length - 2]! > val[val.length - 1]!) {
      const v2 = val.pop()!;
      const w2 = wt.pop()!;
      const l2 = len.pop()!;
      const k = val.length - 1;
      const tw = wt[k]! + w2;
      val[k] = tw > 0 ? (val[k]! * wt[k]! + v2 * w2) / tw : (val[k]! + v2) / 2;
      wt[k] = tw;
      len[k] = len[k]! + l2;
    }
  }
  const out: number[] = [];
  for (let b = 0; b < val.length; b++) for (let i = 0; i < len[b]!; i++) out.push(val[b]!);
  return out;
}

/**
 * Calibrated probabilities of scores. Platt: 1 / (1 + exp(a · f + b)); isotonic: `np.interp` on the clipped
 * score. Values a hair above 1 are set to 1 as scikit-learn does. O(n log points).
 */
export function applyCalibrator(c: Calibrator, f: ArrayLike<number>): Float64Array {
  const out = new Float64Array(f.length);
  if (c.method === 'platt') {
    for (let i = 0; i < f.length; i++) out[i] = sigmoid(-(c.a * f[i]! + c.b));
    return out;
  }
  const { x, y } = c;
  const m = x.length;
  for (let i = 0; i < f.length; i++) {
    const v = f[i]!;
    let p: number;
    if (m === 1 || v <= x[0]!) p = y[0]!;
    else if (v >= x[m - 1]!) p = y[m - 1]!;
    else {
      let lo = 0;
      let hi = m - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >>> 1;
        if (x[mid]! <= v) lo = mid;
        else hi = mid;
      }
      const x0 = x[lo]!;
      const x1 = x[hi]!;
      // numpy's interp: slope · (v − x0) + y0.
      p = v === x0 ? y[lo]! : ((y[hi]! - y[lo]!) / (x1 - x0)) * (v - x0) + y[lo]!;
    }
    out[i] = p > 1 && p <= 1 + 1e-5 ? 1 : p;
  }
  return out;
}

/**
 * Fit a calibrator of the given method. O(n log n).
 * @throws DataError when the lengths differ or there are no rows.
 */
export function fitCalibrator(
  method: CalibrationMethod,
  f: ArrayLike<number>,
  y: ArrayLike<number>,
  weights?: ArrayLike<number>,
): Calibrator {
  return method === 'platt' ? fitPlatt(f, y, weights) : fitIsotonic(f, y, weights);
}
