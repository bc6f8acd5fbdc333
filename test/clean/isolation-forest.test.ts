import { describe, expect, it } from 'vitest';
import { averagePathLength, fitIsolationForest, isolationScores } from '../../src/clean/isolation-forest.js';
import { applyOutliers, fitOutliers } from '../../src/clean/outliers.js';
import { Dataset, numericColumn } from '../../src/core/dataset.js';
import { UsageError } from '../../src/core/errors.js';
import type { Matrix } from '../../src/core/matrix.js';

/** 300 points uniform in the unit square (MINSTD LCG, seed 2024, u = s / (2^31 − 1)), then 5 planted outliers. */
function planted(): Matrix {
  let s = 2024;
  const data: number[] = [];
  for (let i = 0; i < 600; i++) {
    s = (s * 48271) % 2147483647;
    data.push(s / 2147483647);
  }
  data.push(3, 3, -2, 0.5, 0.5, -2.5, 4, -1, -1.5, -1.5);
  return { data: Float64Array.from(data), nRows: 305, nCols: 2 };
}

const mean = (xs: ArrayLike<number>, from: number, to: number): number => {
  let s = 0;
  for (let i = from; i < to; i++) s += xs[i]!;
  return s / (to - from);
};

describe('isolation forest', () => {
  it('c(n) as scikit-learn _average_path_length([1, 2, 3, 10, 256])', () => {
    const sk = [0.0, 1.0, 1.207392357589623, 3.748880484475504, 10.244770920119917];
    [1, 2, 3, 10, 256].forEach((n, i) => expect(averagePathLength(n)).toBeCloseTo(sk[i]!, 13));
  });

  it('planted outliers get the lowest scores (the most anomalous), for every seed', () => {
    const X = planted();
    for (const seed of [0, 1, 42]) {
      const s = isolationScores(fitIsolationForest(X, { seed }), X);
      const order = [...s.keys()].sort((a, b) => s[a]! - s[b]!);
      expect(order.slice(0, 5).sort((a, b) => a - b)).toEqual([300, 301, 302, 303, 304]);
      for (const v of s) {
        expect(v).toBeLessThan(0);
        expect(v).toBeGreaterThanOrEqual(-1);
      }
    }
  });

  it('follows the same law as scikit-learn: mean scores over 20 seeds agree', () => {
    // scikit-learn 1.2.1, IsolationForest(random_state=0..19).fit(X).score_samples(X) on the same data: mean inlier
    // score −0.43108 (std over seeds 0.0035), mean planted-outlier score −0.79093 (std 0.0038).
    const X = planted();
    let inliers = 0;
    let outliers = 0;
    for (let seed = 0; seed < 20; seed++) {
      const s = isolationScores(fitIsolationForest(X, { seed }), X);
      inliers += mean(s, 0, 300) / 20;
      outliers += mean(s, 300, 305) / 20;
    }
    expect(Math.abs(inliers - -0.43108)).toBeLessThan(0.005);
    expect(Math.abs(outliers - -0.79093)).toBeLessThan(0.01);
  });

  it('is deterministic for a seed and differs between seeds; trees respect the depth limit', () => {
    const X = planted();
    const a = fitIsolationForest(X, { seed: 7 });
    const b = fitIsolationForest(X, { seed: 7 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(fitIsolationForest(X, { seed: 8 }))).not.toBe(JSON.stringify(a));
    expect(a.maxSamples).toBe(256);
    expect(a.maxDepth).toBe(8);
    expect(a.trees).toHaveLength(100);
    // a tree's leaves hold every subsampled row exactly once
    for (const t of a.trees.slice(0, 5)) {
      let rows = 0;
      t.feature.forEach((f, i) => (rows += f < 0 ? t.value[i]! : 0));
      expect(rows).toBe(256);
    }
    // a JSON round trip scores identically
    const back = JSON.parse(JSON.stringify(a)) as typeof a;
    expect(Array.from(isolationScores(back, X))).toEqual(Array.from(isolationScores(a, X)));
  });

  it('small inputs cap the subsample; parameters are checked', () => {
    const X: Matrix = { data: Float64Array.from([0, 1, 2, 50]), nRows: 4, nCols: 1 };
    const f = fitIsolationForest(X, { seed: 1, nEstimators: 10 });
    expect(f.maxSamples).toBe(4);
    expect(f.maxDepth).toBe(2);
    expect(() => fitIsolationForest(X, { seed: 1, nEstimators: 0 })).toThrow(UsageError);
    expect(() => fitIsolationForest(X, { seed: 1, maxSamples: 0 })).toThrow(
      "The 'maxSamples' parameter of clean.IsolationForest must be an int in [1, inf). Got 0.",
    );
  });
});

describe('isolation-forest outliers', () => {
  const ds = (): Dataset => {
    const X = planted();
    const x = new Float64Array(305);
    const y = new Float64Array(305);
    for (let i = 0; i < 305; i++) {
      x[i] = X.data[2 * i]!;
      y[i] = X.data[2 * i + 1]!;
    }
    y[10] = Number.NaN; // scored with the column median in its place
    return Dataset.of([numericColumn('x', x), numericColumn('y', y)]);
  };

  it("contamination flags that share of the training rows; 'auto' uses the −0.5 offset", () => {
    for (const contamination of [0.02, 0.1]) {
      const step = fitOutliers(ds(), ['x', 'y'], {
        method: 'iforest',
        action: 'flag',
        contamination,
        seed: 3,
      });
      const { report, data } = applyOutliers(ds(), step);
      expect(Math.abs(report.rows - contamination * 305)).toBeLessThanOrEqual(1);
      const flags = data.numeric('outlier').values;
      for (let i = 300; i < 305; i++) expect(flags[i]).toBe(1);
      expect(data.numeric('y').values[10]).toBeNaN();
    }
    const auto = fitOutliers(ds(), ['x', 'y'], { method: 'iforest', action: 'drop', seed: 3 });
    expect(auto.method === 'iforest' && auto.offset).toBe(-0.5);
    const { data, report } = applyOutliers(ds(), auto);
    expect(data.nRows).toBe(305 - report.rows);
    expect(report.rows).toBeGreaterThanOrEqual(5);
    expect(report.rows).toBeLessThan(30);
  });

  it('rejects a contamination outside (0, 0.5]', () => {
    expect(() =>
      fitOutliers(ds(), ['x', 'y'], { method: 'iforest', action: 'flag', contamination: 0.7, seed: 3 }),
    ).toThrow(UsageError);
  });
});
