/**
 * ROC and precision–recall curve points of an evaluation, thinned to a bounded count so they can travel in the saved
 * model and be drawn by `segment predict report`.
 */
import { binaryCurve } from './metrics.js';

/** Most points kept per curve. */
export const MAX_CURVE_POINTS = 200;

/** ROC curve, by increasing false-positive rate; threshold null for the (0, 0) start (scikit-learn's +inf). */
export interface RocPoints {
  fpr: number[];
  tpr: number[];
  threshold: (number | null)[];
}

/**
 * Precision–recall curve, by increasing recall, starting at (recall 0, precision 1) with threshold null; between two
 * points the precision of the right one holds (the step function average precision integrates).
 */
export interface PrPoints {
  recall: number[];
  precision: number[];
  threshold: (number | null)[];
}

/** The curves stored in an evaluation (absent from models written before they were recorded). */
export interface EvaluationCurves {
  roc: RocPoints;
  pr: PrPoints;
  /** Points of each curve before thinning (distinct thresholds + the start). */
  rocPointsFull: number;
  prPointsFull: number;
}

/**
 * Indices of at most `max` of `n` points, deterministically and evenly spread by position, always keeping the first
 * and the last: round(k · (n − 1) / (max − 1)) for k = 0 … max − 1 (strictly increasing since n > max). All indices
 * when n ≤ max. O(min(n, max)).
 * @throws RangeError when max < 2.
 */
export function thinIndices(n: number, max = MAX_CURVE_POINTS): number[] {
  if (!(Number.isInteger(max) && max >= 2)) throw new RangeError(`thinIndices: max must be ≥ 2, got ${max}`);
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let k = 0; k < max; k++) out.push(Math.round((k * (n - 1)) / (max - 1)));
  return out;
}

function pick<T>(values: readonly T[], idx: readonly number[]): T[] {
  return idx.map((i) => values[i]!);
}

/**
 * ROC and PR points of scores `p` against 0/1 labels `y`. ROC is scikit-learn's `roc_curve(drop_intermediate=True)`
 * (points on a straight segment between their neighbours dropped, (0, 0) prepended); PR is `precision_recall_curve`
 * read by increasing recall, with (0, 1) first. Each is then thinned by {@link thinIndices}. ROC is null when the
 * rows hold one class; PR when they hold no positive. O(n log n).
 * @throws DataError when the lengths differ or there are no rows.
 */
export function evaluationCurves(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  max = MAX_CURVE_POINTS,
): EvaluationCurves | null {
  const { thresholds, tps, fps } = binaryCurve(y, p);
  const m = thresholds.length;
  const pos = tps[m - 1]!;
  const neg = fps[m - 1]!;
  if (pos === 0 || neg === 0) return null;

  // ROC: keep the ends and every point where the slope changes.
  const fpr: number[] = [0];
  const tpr: number[] = [0];
  const rocTh: (number | null)[] = [null];
  for (let k = 0; k < m; k++) {
    const ends = k === 0 || k === m - 1;
    const bend =
      ends || fps[k + 1]! - 2 * fps[k]! + fps[k - 1]! !== 0 || tps[k + 1]! - 2 * tps[k]! + tps[k - 1]! !== 0;
    if (!bend) continue;
    fpr.push(fps[k]! / neg);
    tpr.push(tps[k]! / pos);
    rocTh.push(thresholds[k]!);
  }
  const recall: number[] = [0];
  const precision: number[] = [1];
  const prTh: (number | null)[] = [null];
  for (let k = 0; k < m; k++) {
    recall.push(tps[k]! / pos);
    precision.push(tps[k]! / (tps[k]! + fps[k]!));
    prTh.push(thresholds[k]!);
  }
  const ri = thinIndices(fpr.length, max);
  const pi = thinIndices(recall.length, max);
  return {
    roc: { fpr: pick(fpr, ri), tpr: pick(tpr, ri), threshold: pick(rocTh, ri) },
    pr: { recall: pick(recall, pi), precision: pick(precision, pi), threshold: pick(prTh, pi) },
    rocPointsFull: fpr.length,
    prPointsFull: recall.length,
  };
}
