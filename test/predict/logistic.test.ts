import { describe, expect, it } from 'vitest';
import { fitLogistic, logisticDecision, standardisation } from '../../src/predict/logistic.js';
import { balancedWeights } from '../../src/predict/estimator.js';
import { churnFeatures, makeChurn } from './churn-data.js';

// scikit-learn 1.2.1: LogisticRegression(solver="lbfgs", tol=1e-12, max_iter=100000, C=…) on
// StandardScaler().fit_transform(X) of makeChurn(4000, 7) (written to CSV and read back with pandas). lbfgs stops
// on its relative-decrease test about 1e-6 from the optimum, so the tight comparison is with
// LogisticRegression(solver="newton-cholesky", tol=1e-14) (`newton`).
const newton = {
  C1: {
    coef: [
      -0.04388557014440042, -0.03249663261668303, -0.555642406575528, -0.06423442907200802,
      -0.38522095605304507, 0.44381504083684736, 0.09713919485395131, 1.042588383662015,
    ],
    intercept: -0.6176145864523436,
  },
  C001: {
    coef: [
      -0.03291705502355719, -0.029519405285666725, -0.3420438963167625, -0.17643862212023756,
      -0.3154574767865991, 0.36776958796280934, 0.08105325371143125, 0.8450578812992502,
    ],
    intercept: -0.5945212452262877,
  },
  balanced: {
    coef: [
      -0.044106097390794054, -0.03253236159944212, -0.5196382837626322, -0.079463953077198,
      -0.3781458453452529, 0.44016505804094497, 0.09433920754368404, 1.0401580903677472,
    ],
    intercept: -0.09845124837632854,
  },
};
const reference = {
  C1: {
    coef: [
      -0.04388580120530725, -0.032497079166849505, -0.5556438738610857, -0.06423362924737036,
      -0.38522080039678525, 0.443814662654916, 0.09713865822427507, 1.0425884190749162,
    ],
    intercept: -0.6176148773395623,
  },
  C001: {
    coef: [
      -0.03291637290759487, -0.02952297527148541, -0.34204394761701773, -0.17643670304885425,
      -0.31545428131298625, 0.36777362836476907, 0.08105196046366993, 0.8450575656761811,
    ],
    intercept: -0.5945210845687583,
  },
  balanced: {
    coef: [
      -0.044105452373822344, -0.03253297721159928, -0.5196398151497187, -0.07946347062322577,
      -0.3781463624196787, 0.44016663754720997, 0.09433916821084538, 1.040158365128642,
    ],
    intercept: -0.09845151349068827,
  },
  mean: [47.78425, 51761.875, 232.6224325, 7.37925, 780.42275, 0.771, 0.1523575, 40.439],
  scale: [
    17.22626488643142, 23892.21135601255, 262.07167034221374, 7.771899345558974, 433.15778826247316,
    1.1644994632888417, 0.08683903035933783, 39.9663893665665,
  ],
};

const { X: data, y } = makeChurn(4000, 7);
const X = { data, nRows: 4000, nCols: churnFeatures.length };

function close(a: readonly number[], b: readonly number[], tol: number): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, j) => expect(Math.abs(v - b[j]!)).toBeLessThan(tol));
}

describe('L2 logistic regression on standardised inputs', () => {
  it('records StandardScaler means and population standard deviations', () => {
    const s = standardisation(X);
    close(s.mean, reference.mean, 1e-9);
    close(s.scale, reference.scale, 1e-9);
  });

  it('matches LogisticRegression(C=1): lbfgs to 1e-5, newton-cholesky to 1e-9', () => {
    const fit = fitLogistic(X, y, { C: 1 });
    expect(fit.converged).toBe(true);
    close(fit.coef, reference.C1.coef, 1e-5);
    expect(Math.abs(fit.intercept - reference.C1.intercept)).toBeLessThan(1e-5);
    close(fit.coef, newton.C1.coef, 1e-9);
    expect(Math.abs(fit.intercept - newton.C1.intercept)).toBeLessThan(1e-9);
  });

  it('matches a strong penalty (C=0.01) and balanced class weights', () => {
    const strong = fitLogistic(X, y, { C: 0.01 });
    close(strong.coef, reference.C001.coef, 1e-5);
    close(strong.coef, newton.C001.coef, 1e-9);
    expect(Math.abs(strong.intercept - newton.C001.intercept)).toBeLessThan(1e-9);
    const bal = fitLogistic(X, y, { C: 1 }, balancedWeights(y));
    close(bal.coef, reference.balanced.coef, 1e-5);
    close(bal.coef, newton.balanced.coef, 1e-9);
    expect(Math.abs(bal.intercept - newton.balanced.intercept)).toBeLessThan(1e-9);
  });

  it('original-scale coefficients give the same log-odds on raw rows', () => {
    const fit = fitLogistic(X, y);
    const z = logisticDecision(fit, X);
    for (let i = 0; i < 50; i++) {
      let raw = fit.interceptOriginal;
      for (let j = 0; j < 8; j++) raw += fit.coefOriginal[j]! * data[i * 8 + j]!;
      expect(raw).toBeCloseTo(z[i]!, 9);
    }
  });

  it('keeps a constant column (scale 1, coefficient 0) and separable data finite', () => {
    const d = new Float64Array(200 * 2);
    const yy = new Float64Array(200);
    for (let i = 0; i < 200; i++) {
      d[i * 2] = i;
      d[i * 2 + 1] = 5;
      yy[i] = i >= 100 ? 1 : 0;
    }
    const fit = fitLogistic({ data: d, nRows: 200, nCols: 2 }, yy);
    expect(fit.scale[1]).toBe(1);
    expect(fit.coef[1]).toBe(0);
    expect(Number.isFinite(fit.coef[0]!)).toBe(true);
    expect(fit.coef[0]!).toBeGreaterThan(1);
  });

  // The penalised objective and its largest gradient entry at a fit's coefficients, summed here row by row.
  function atFit(
    fit: ReturnType<typeof fitLogistic>,
    Xm: { data: ArrayLike<number>; nRows: number; nCols: number },
    yv: ArrayLike<number>,
    C: number,
    w?: ArrayLike<number>,
  ): { objective: number; gmax: number } {
    const d = Xm.nCols;
    const g = new Array<number>(d + 1).fill(0);
    let loss = 0;
    for (let i = 0; i < Xm.nRows; i++) {
      const z = Array.from({ length: d }, (_, j) => (Xm.data[i * d + j]! - fit.mean[j]!) / fit.scale[j]!);
      let m = fit.intercept;
      for (let j = 0; j < d; j++) m += fit.coef[j]! * z[j]!;
      const s = w ? w[i]! : 1;
      const u = yv[i] === 1 ? -m : m;
      loss += s * (Math.max(u, 0) + Math.log1p(Math.exp(-Math.abs(u))));
      const r = C * s * (1 / (1 + Math.exp(-m)) - (yv[i] === 1 ? 1 : 0));
      for (let j = 0; j < d; j++) g[j] = g[j]! + r * z[j]!;
      g[d] = g[d]! + r;
    }
    for (let j = 0; j < d; j++) g[j] = g[j]! + fit.coef[j]!;
    const objective = 0.5 * fit.coef.reduce((a, c) => a + c * c, 0) + C * loss;
    return { objective, gmax: Math.max(...g.map(Math.abs)) };
  }

  it('stops with the gradient within the tolerance, also when the last Hessian is skipped', () => {
    // Near the optimum the trial point's Hessian is not summed when the step predicts convergence; the gradient there
    // is still summed and checked, and a step with the previous Hessian follows when it is above the tolerance.
    // These fits cover both: the default tolerance (converged after one such step) and tol 1e-8 with balanced
    // weights on 300 rows (the predicted step falls short; one step with the previous Hessian finishes).
    const small = makeChurn(300, 7);
    const Xs = { data: small.X, nRows: 300, nCols: churnFeatures.length };
    const cases = [
      { Xm: X, yv: y, C: 1, tol: 1e-10, w: undefined },
      { Xm: X, yv: y, C: 0.01, tol: 1e-10, w: undefined },
      { Xm: X, yv: y, C: 1, tol: 1e-10, w: balancedWeights(y) },
      { Xm: Xs, yv: small.y, C: 1, tol: 1e-8, w: balancedWeights(small.y) },
      { Xm: Xs, yv: small.y, C: 100, tol: 1e-8, w: balancedWeights(small.y) },
    ];
    for (const { Xm, yv, C, tol, w } of cases) {
      const fit = fitLogistic(Xm, yv, { C, tol }, w);
      expect(fit.converged).toBe(true);
      const at = atFit(fit, Xm, yv, C, w);
      expect(Math.abs(at.objective - fit.objective)).toBeLessThan(1e-12 * at.objective);
      expect(at.gmax).toBeLessThanOrEqual(tol * Math.max(1, at.objective));
    }
  });

  it('refuses a bad C and missing values', () => {
    expect(() => fitLogistic(X, y, { C: 0 })).toThrow(/'C' parameter/);
    const bad = { data: Float64Array.from([1, Number.NaN]), nRows: 2, nCols: 1 };
    expect(() => fitLogistic(bad, [0, 1])).toThrow(/impute|missing/);
  });
});
