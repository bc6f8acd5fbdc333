/**
 * Binary classification metrics on predicted probabilities of the positive class, defined exactly as
 * scikit-learn's `sklearn.metrics` (1.2) so the numbers are comparable: `y` holds 0 / 1 (1 = positive class).
 */
import { DataError } from '../core/errors.js';

/** True labels (0 or 1) and scores of the same length. */
function check(y: ArrayLike<number>, p: ArrayLike<number>, what: string): void {
  if (y.length !== p.length) {
    throw new DataError(`${what}: ${y.length} labels for ${p.length} predictions`);
  }
  if (y.length === 0) throw new DataError(`${what}: no rows to score`);
}

/** Row order by decreasing score (stable: equal scores keep their order). O(n log n). */
function byScoreDesc(p: ArrayLike<number>): Int32Array {
  const idx = Int32Array.from({ length: p.length }, (_, i) => i);
  const scores = Float64Array.from(p);
  return idx.sort((a, b) => scores[b]! - scores[a]! || a - b);
}

/** Counts of positives and negatives. */
function classCounts(y: ArrayLike<number>): { pos: number; neg: number } {
  let pos = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === 1) pos++;
  return { pos, neg: y.length - pos };
}

/**
 * Area under the ROC curve (`roc_auc_score`): the Mann–Whitney statistic, the probability that a random positive
 * scores above a random negative, ties counting one half (the trapezoid rule on the ROC curve gives the same).
 * O(n log n).
 * @throws DataError when y holds only one class (the area is undefined), or lengths differ.
 */
export function rocAuc(y: ArrayLike<number>, p: ArrayLike<number>): number {
  check(y, p, 'AUC');
  const { pos, neg } = classCounts(y);
  if (pos === 0 || neg === 0) {
    throw new DataError('AUC is undefined when only one class is present in the evaluated rows');
  }
  const order = byScoreDesc(p);
  // Walk groups of tied scores from the top: each negative in a group beats the positives of later groups and
  // ties with the positives of its own group.
  let auc = 0;
  let tpAbove = 0;
  for (let s = 0; s < order.length;) {
    const v = p[order[s]!]!;
    let e = s;
    let tp = 0;
    let fp = 0;
    while (e < order.length && p[order[e]!] === v) {
      if (y[order[e]!] === 1) tp++;
      else fp++;
      e++;
    }
    auc += fp * (tpAbove + tp / 2);
    tpAbove += tp;
    s = e;
  }
  return auc / (pos * neg);
}

/** Points of a curve over the distinct thresholds, highest threshold first. */
export interface CurvePoints {
  thresholds: Float64Array;
  /** Cumulative true and false positives when predicting positive at score ≥ threshold. */
  tps: Float64Array;
  fps: Float64Array;
}

/** True/false positive counts at each distinct score (scikit-learn's `_binary_clf_curve`). O(n log n). */
export function binaryCurve(y: ArrayLike<number>, p: ArrayLike<number>): CurvePoints {
  check(y, p, 'curve');
  const order = byScoreDesc(p);
  const th: number[] = [];
  const tps: number[] = [];
  const fps: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let s = 0; s < order.length; s++) {
    if (y[order[s]!] === 1) tp++;
    else fp++;
    if (s === order.length - 1 || p[order[s + 1]!] !== p[order[s]!]) {
      th.push(p[order[s]!]!);
      tps.push(tp);
      fps.push(fp);
    }
  }
  return { thresholds: Float64Array.from(th), tps: Float64Array.from(tps), fps: Float64Array.from(fps) };
}

/**
 * Average precision (`average_precision_score`): Σ (R_k − R_{k−1}) · P_k over the distinct thresholds from the
 * highest, the step-wise area under the precision–recall curve (no interpolation). O(n log n).
 * @throws DataError when there is no positive row (recall is undefined), or lengths differ.
 */
export function averagePrecision(y: ArrayLike<number>, p: ArrayLike<number>): number {
  const { tps, fps } = binaryCurve(y, p);
  const pos = tps[tps.length - 1]!;
  if (pos === 0) throw new DataError('average precision is undefined without a positive row');
  let ap = 0;
  let prevRecall = 0;
  for (let k = 0; k < tps.length; k++) {
    const recall = tps[k]! / pos;
    const precision = tps[k]! / (tps[k]! + fps[k]!);
    ap += (recall - prevRecall) * precision;
    prevRecall = recall;
  }
  return ap;
}

/**
 * Mean log loss (`log_loss` with eps = float64 machine epsilon): probabilities are clipped to [ε, 1 − ε] per class
 * and renormalised, as scikit-learn does. O(n).
 */
export function logLoss(y: ArrayLike<number>, p: ArrayLike<number>): number {
  check(y, p, 'log loss');
  const eps = Number.EPSILON;
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const q1 = Math.min(Math.max(p[i]!, eps), 1 - eps);
    const q0 = Math.min(Math.max(1 - p[i]!, eps), 1 - eps);
    s -= Math.log((y[i] === 1 ? q1 : q0) / (q0 + q1));
  }
  return s / y.length;
}

/** Brier score (`brier_score_loss`): mean squared difference between the probability and the 0/1 outcome. O(n). */
export function brierScore(y: ArrayLike<number>, p: ArrayLike<number>): number {
  check(y, p, 'Brier score');
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (y[i]! - p[i]!) ** 2;
  return s / y.length;
}

/** Confusion matrix of a binary prediction, as scikit-learn's `[[tn, fp], [fn, tp]]`. */
export interface Confusion {
  tn: number;
  fp: number;
  fn: number;
  tp: number;
}

/**
 * Confusion counts when rows with probability ≥ `threshold` are predicted positive (`confusion_matrix` of
 * `p >= threshold`). O(n).
 */
export function confusionAt(y: ArrayLike<number>, p: ArrayLike<number>, threshold: number): Confusion {
  check(y, p, 'confusion matrix');
  const c: Confusion = { tn: 0, fp: 0, fn: 0, tp: 0 };
  for (let i = 0; i < y.length; i++) {
    const pred = p[i]! >= threshold;
    if (y[i] === 1) {
      if (pred) c.tp++;
      else c.fn++;
    } else if (pred) c.fp++;
    else c.tn++;
  }
  return c;
}

/** Precision, recall, F1 and accuracy from confusion counts (0 where the denominator is 0, as scikit-learn). */
export function confusionRates(c: Confusion): {
  precision: number;
  recall: number;
  f1: number;
  accuracy: number;
} {
  const precision = c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : 0;
  const recall = c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : 0;
  const f1 = c.tp > 0 ? (2 * c.tp) / (2 * c.tp + c.fp + c.fn) : 0;
  const total = c.tn + c.fp + c.fn + c.tp;
  return { precision, recall, f1, accuracy: total > 0 ? (c.tp + c.tn) / total : 0 };
}

/** A reliability diagram: one entry per non-empty bin, in increasing probability. */
export interface CalibrationCurve {
  /** Share of positives in the bin (`prob_true`). */
  probTrue: number[];
  /** Mean predicted probability in the bin (`prob_pred`). */
  probPred: number[];
  /** Rows in the bin. */
  count: number[];
  /** Bin index in [0, nBins). */
  bin: number[];
}

/**
 * Calibration curve with `nBins` uniform bins on [0, 1] (`calibration_curve(strategy="uniform")`): the edges are
 * numpy's `linspace(0, 1, nBins + 1)`; a probability equal to an inner edge falls in the lower bin (`searchsorted`,
 * side left); empty bins are left out. O(n).
 * @throws DataError when a probability is outside [0, 1].
 */
export function calibrationCurve(y: ArrayLike<number>, p: ArrayLike<number>, nBins = 10): CalibrationCurve {
  check(y, p, 'calibration curve');
  const step = 1 / nBins;
  const inner = Float64Array.from({ length: nBins - 1 }, (_, k) => (k + 1) * step);
  const sums = new Float64Array(nBins);
  const trues = new Float64Array(nBins);
  const totals = new Float64Array(nBins);
  for (let i = 0; i < y.length; i++) {
    const v = p[i]!;
    if (!(v >= 0 && v <= 1)) throw new DataError(`calibration curve: probability ${v} outside [0, 1]`);
    let lo = 0;
    let hi = inner.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (inner[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    sums[lo] = sums[lo]! + v;
    trues[lo] = trues[lo]! + (y[i] === 1 ? 1 : 0);
    totals[lo] = totals[lo]! + 1;
  }
  const out: CalibrationCurve = { probTrue: [], probPred: [], count: [], bin: [] };
  for (let b = 0; b < nBins; b++) {
    if (totals[b] === 0) continue;
    out.probTrue.push(trues[b]! / totals[b]!);
    out.probPred.push(sums[b]! / totals[b]!);
    out.count.push(totals[b]!);
    out.bin.push(b);
  }
  return out;
}

/** Every metric of a binary evaluation. */
export interface BinaryMetrics {
  n: number;
  positives: number;
  rocAuc: number | null;
  averagePrecision: number | null;
  logLoss: number;
  brier: number;
  threshold: number;
  confusion: Confusion;
  precision: number;
  recall: number;
  f1: number;
  accuracy: number;
  calibration: CalibrationCurve;
}

/**
 * All metrics of a binary evaluation at once (AUC and average precision are null when the rows hold one class).
 * O(n log n).
 */
export function binaryMetrics(y: ArrayLike<number>, p: ArrayLike<number>, threshold = 0.5): BinaryMetrics {
  check(y, p, 'metrics');
  const { pos, neg } = classCounts(y);
  const confusion = confusionAt(y, p, threshold);
  return {
    n: y.length,
    positives: pos,
    rocAuc: pos > 0 && neg > 0 ? rocAuc(y, p) : null,
    averagePrecision: pos > 0 ? averagePrecision(y, p) : null,
    logLoss: logLoss(y, p),
    brier: brierScore(y, p),
    threshold,
    confusion,
    ...confusionRates(confusion),
    calibration: calibrationCurve(y, p, 10),
  };
}
