import { describe, expect, it } from 'vitest';
import { applyCalibrator, fitIsotonic, fitPlatt, pav } from '../../src/predict/calibration.js';

const y = [0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 0, 1, 0, 0];
const f = [
  -2.0, 1.5, 0.3, 0.3, 2.2, -0.7, -1.1, 0.9, 1.8, -2.5, 0.1, 0.4, -0.3, 1.0, -0.2, 2.8, -3.0, 0.6, -1.5, 0.0,
];
const p = [
  0.1, 0.9, 0.8, 0.8, 0.65, 0.3, 0.3, 0.3, 0.95, 0.05, 0.5, 0.5, 0.2, 0.7, 0.4, 1.0, 0.0, 0.6, 0.1, 0.45,
];
const p2 = [
  0.2, 0.2, 0.2, 0.8, 0.8, 0.2, 0.5, 0.5, 0.5, 0.5, 0.2, 0.8, 0.1, 0.1, 0.9, 0.9, 0.2, 0.5, 0.5, 0.2,
];
const q = [-1, 0.1, 0.15, 0.2, 0.3, 0.5, 0.65, 0.8, 0.85, 0.9, 2];

describe('Platt scaling', () => {
  it("reaches the optimum of scikit-learn's _sigmoid_calibration objective", () => {
    // Newton's method to convergence in numpy on _sigmoid_calibration's objective; sklearn's fmin_bfgs (gtol 1e-5)
    // itself returned (-1.100036027903757, 0.37199873318136606).
    const c = fitPlatt(f, y);
    expect(c.a).toBeCloseTo(-1.1000360852515687, 12);
    expect(c.b).toBeCloseTo(0.3719991413059939, 12);
    expect(Math.abs(c.a - -1.100036027903757)).toBeLessThan(1e-5);
    const out = applyCalibrator(c, [0, 1]);
    expect(out[0]).toBeCloseTo(1 / (1 + Math.exp(c.b)), 14);
    expect(out[1]!).toBeGreaterThan(out[0]!);
  });
});

describe('isotonic calibration (IsotonicRegression(out_of_bounds="clip"))', () => {
  it('ties merged, PAV, redundant points dropped: the thresholds of scikit-learn', () => {
    const c = fitIsotonic(p2, y);
    expect(c.x).toEqual([0.1, 0.2, 0.5, 0.8, 0.9]);
    c.y.forEach((v, k) =>
      expect(v).toBeCloseTo([0.0, 0.42857142857142855, 0.4444444444444444, 0.4444444444444444, 1.0][k]!, 14),
    );
    const pred = Array.from(applyCalibrator(c, q));
    const ref = [
      0.0, 0.0, 0.21428571428571422, 0.42857142857142855, 0.43386243386243384, 0.4444444444444444,
      0.4444444444444444, 0.4444444444444444, 0.7222222222222219, 1.0, 1.0,
    ];
    pred.forEach((v, k) => expect(v).toBeCloseTo(ref[k]!, 14));
  });

  it('a second case with interior plateaus', () => {
    const c = fitIsotonic(p, y);
    expect(c.x).toEqual([0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 0.9, 1.0]);
    c.y.forEach((v, k) => expect(v).toBeCloseTo([0, 0, 1 / 3, 0.5, 0.5, 0.6, 0.6, 1, 1][k]!, 14));
    const ref = [0.0, 0.0, 0.0, 0.0, 0.3333333333333333, 0.5, 0.6, 0.6, 0.7999999999999998, 1.0, 1.0];
    Array.from(applyCalibrator(c, q)).forEach((v, k) => expect(v).toBeCloseTo(ref[k]!, 14));
  });

  it('PAV gives the weighted non-decreasing least-squares fit', () => {
    expect(pav([1, 3, 2, 4], [1, 1, 1, 1])).toEqual([1, 2.5, 2.5, 4]);
    expect(pav([3, 1], [1, 3])).toEqual([1.5, 1.5]);
  });
});
