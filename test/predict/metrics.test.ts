import { describe, expect, it } from 'vitest';
import {
  averagePrecision,
  binaryMetrics,
  brierScore,
  calibrationCurve,
  confusionAt,
  logLoss,
  rocAuc,
} from '../../src/predict/metrics.js';

// Reference values from scikit-learn 1.2.1 (/usr/bin/python3, Debian python3-sklearn) on these vectors:
// roc_auc_score, average_precision_score, log_loss, brier_score_loss, confusion_matrix(y, p >= 0.5),
// calibration_curve(y, p, n_bins=10).
const y = [0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 0, 1, 0, 0];
const p = [
  0.1, 0.9, 0.8, 0.8, 0.65, 0.3, 0.3, 0.3, 0.95, 0.05, 0.5, 0.5, 0.2, 0.7, 0.4, 1.0, 0.0, 0.6, 0.1, 0.45,
];
// Heavy ties (a random forest's scores look like this).
const p2 = [
  0.2, 0.2, 0.2, 0.8, 0.8, 0.2, 0.5, 0.5, 0.5, 0.5, 0.2, 0.8, 0.1, 0.1, 0.9, 0.9, 0.2, 0.5, 0.5, 0.2,
];

describe('binary metrics equal scikit-learn', () => {
  it('ROC AUC, with and without ties', () => {
    expect(rocAuc(y, p)).toBeCloseTo(0.8383838383838383, 14);
    expect(rocAuc(y, p2)).toBeCloseTo(0.6717171717171717, 14);
  });

  it('average precision (step-wise, thresholds at distinct scores)', () => {
    expect(averagePrecision(y, p)).toBeCloseTo(0.8034391534391536, 14);
    expect(averagePrecision(y, p2)).toBeCloseTo(0.6373737373737374, 14);
  });

  it('log loss (including a probability of exactly 0 and 1) and Brier', () => {
    expect(logLoss(y, p)).toBeCloseTo(0.4718859640474274, 13);
    expect(brierScore(y, p)).toBeCloseTo(0.163, 15);
  });

  it('confusion matrix at 0.5 is [[8, 3], [2, 7]]', () => {
    expect(confusionAt(y, p, 0.5)).toEqual({ tn: 8, fp: 3, fn: 2, tp: 7 });
  });

  it('calibration curve: 10 uniform bins, edge values in the lower bin, empty bins left out', () => {
    const c = calibrationCurve(y, p, 10);
    const trueRef = [0.0, 0.0, 0.3333333333333333, 1.0, 0.3333333333333333, 1.0, 0.5, 0.5, 1.0, 1.0];
    const predRef = [0.0625, 0.2, 0.3, 0.4, 0.48333333333333334, 0.6, 0.675, 0.8, 0.9, 0.975];
    c.probTrue.forEach((v, k) => expect(v).toBeCloseTo(trueRef[k]!, 14));
    c.probPred.forEach((v, k) => expect(v).toBeCloseTo(predRef[k]!, 14));
    expect(c.count.reduce((a, b) => a + b, 0)).toBe(20);
    const c2 = calibrationCurve(y, p2, 10);
    expect(c2.probTrue).toEqual([0.0, 0.42857142857142855, 0.5, 0.3333333333333333, 1.0]);
    c2.probPred.forEach((v, k) => expect(v).toBeCloseTo([0.1, 0.2, 0.5, 0.8, 0.9][k]!, 14));
    expect(c2.bin).toEqual([0, 1, 4, 7, 8]);
  });

  it('AUC is undefined for one class; binaryMetrics reports null there', () => {
    expect(() => rocAuc([1, 1], [0.2, 0.3])).toThrow(/one class/);
    const m = binaryMetrics([0, 0, 0], [0.1, 0.2, 0.9]);
    expect(m.rocAuc).toBeNull();
    expect(m.averagePrecision).toBeNull();
    expect(m.confusion).toEqual({ tn: 2, fp: 1, fn: 0, tp: 0 });
  });

  it('AUC is invariant to the order of the rows and is 0.5 for constant scores', () => {
    const order = y.map((_, i) => (i * 7) % y.length);
    expect(
      rocAuc(
        order.map((i) => y[i]!),
        order.map((i) => p2[i]!),
      ),
    ).toBeCloseTo(rocAuc(y, p2), 14);
    expect(rocAuc(y, new Array(20).fill(0.3))).toBe(0.5);
  });
});
