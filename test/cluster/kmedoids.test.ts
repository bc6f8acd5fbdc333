import { describe, expect, it } from 'vitest';
import { fitGowerScale, gowerMatrix } from '../../src/core/gower.js';
import { toMatrix, type Matrix } from '../../src/core/matrix.js';
import {
  checkPamSize,
  clara,
  distanceMatrix,
  fitKMedoids,
  MAX_PAM_ROWS,
  nearestMedoid,
  pam,
  type MedoidDistance,
} from '../../src/cluster/kmedoids.js';
import type { GowerScale } from '../../src/core/gower.js';
import { silhouetteFromRows } from '../../src/evaluate/precomputed.js';
import {
  mixedFeatures,
  numericFeatures,
  pamEuclidean,
  pamGower,
  pamGowerWeighted,
  pamManhattan,
  referenceRows,
  referenceWeights,
  type PamReference,
} from '../helpers/gower-reference.js';

/** Whether two labelings are the same partition (up to the numbering). */
function samePartition(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    if ((ab.get(a[i]!) ?? b[i]) !== b[i] || (ba.get(b[i]!) ?? a[i]) !== a[i]) return false;
    ab.set(a[i]!, b[i]!);
    ba.set(b[i]!, a[i]!);
  }
  return true;
}

function check(X: Matrix, metric: MedoidDistance, scale: GowerScale | null, ref: PamReference): void {
  const r = pam(distanceMatrix(X, metric, scale), X.nRows, ref.k);
  expect([...r.medoids].sort((x, y) => x - y)).toEqual(ref.medoids);
  expect(samePartition(r.labels, ref.labels)).toBe(true);
  expect(Math.abs(r.objective.build - ref.build)).toBeLessThan(1e-12 * Math.max(1, ref.build));
  expect(Math.abs(r.objective.swap - ref.swap)).toBeLessThan(1e-12 * Math.max(1, ref.swap));
  // The assignment rule on the medoids' values gives the fitted labels back.
  const d = X.nCols;
  const M = new Float64Array(ref.k * d);
  r.medoids.forEach((m, i) => M.set(X.data.subarray(m * d, (m + 1) * d), i * d));
  expect([...nearestMedoid(X, M, ref.k, metric, scale)]).toEqual([...r.labels]);
}

describe("PAM equals R's cluster::pam", () => {
  it('on daisy(metric = "gower") of mixed data with missing values', async () => {
    const ds = await referenceRows();
    const scale = fitGowerScale(ds, mixedFeatures);
    check(gowerMatrix(ds, mixedFeatures, scale), 'gower', scale, pamGower);
  });

  it('on weighted Gower distances', async () => {
    const ds = await referenceRows();
    const scale = fitGowerScale(ds, mixedFeatures, referenceWeights);
    check(gowerMatrix(ds, mixedFeatures, scale), 'gower', scale, pamGowerWeighted);
  });

  it('with euclidean and manhattan distances', async () => {
    const ds = await referenceRows();
    const X = toMatrix(ds, numericFeatures);
    check(X, 'euclidean', null, pamEuclidean);
    check(X, 'manhattan', null, pamManhattan);
  });

  it('handles k = 1 and k = n, and refuses k out of range', () => {
    const X: Matrix = { data: Float64Array.from([0, 1, 5, 6]), nRows: 4, nCols: 1 };
    const D = distanceMatrix(X, 'euclidean', null);
    expect([...pam(D, 4, 1).medoids]).toEqual([1]);
    expect(pam(D, 4, 4).objective.swap).toBe(0);
    expect(() => pam(D, 4, 5)).toThrow(/between 1 and the 4 rows/);
  });

  it('refuses more rows than it holds, or a matrix over the memory limit, before any work', () => {
    expect(() => checkPamSize(MAX_PAM_ROWS + 1, undefined)).toThrow(/at most 10,000 rows/);
    expect(() => checkPamSize(2000, 1e6)).toThrow(/over the .* memory limit/);
    expect(() => checkPamSize(100, 1e6)).not.toThrow();
  });

  it('refuses two rows without a common non-missing column under Gower', () => {
    const X: Matrix = { data: Float64Array.from([1, NaN, NaN, 2]), nRows: 2, nCols: 2 };
    const scale: GowerScale = {
      kinds: ['numeric', 'numeric'],
      ranges: [1, 1],
      levels: [null, null],
      weights: [1, 1],
    };
    expect(() => distanceMatrix(X, 'gower', scale)).toThrow(
      /rows 1 and 2 have no non-missing feature in common/,
    );
  });
});

describe("silhouette under the fit's distance equals R's silhouette(pam(...))", () => {
  const rows = (D: Float64Array, n: number) => (i: number, out: Float64Array) =>
    out.set(D.subarray(i * n, (i + 1) * n));
  it('Gower and euclidean', async () => {
    const ds = await referenceRows();
    const scale = fitGowerScale(ds, mixedFeatures);
    const G = gowerMatrix(ds, mixedFeatures, scale);
    const D = distanceMatrix(G, 'gower', scale);
    const s = silhouetteFromRows(120, pam(D, 120, 4).labels, rows(D, 120));
    expect(Math.abs(s.mean - 0.45899728421272135)).toBeLessThan(1e-12);
    const want = [0.41155211445354867, 0.37085471912087997, 0.42560153010751045, 0.47079034208893278];
    [0, 7, 21, 119].forEach((i, t) => expect(Math.abs(s.widths[i]! - want[t]!)).toBeLessThan(1e-12));
    const X = toMatrix(ds, numericFeatures);
    const E = distanceMatrix(X, 'euclidean', null);
    const e = silhouetteFromRows(120, pam(E, 120, 3).labels, rows(E, 120));
    expect(Math.abs(e.mean - 0.62219054967198106)).toBeLessThan(1e-12);
    expect(Math.abs(e.widths[21]! - 0.88156513209331)).toBeLessThan(1e-12);
  });

  it('gives 0 to a row alone in its cluster and refuses one cluster', () => {
    const D = Float64Array.from([0, 1, 5, 1, 0, 4, 5, 4, 0]);
    const s = silhouetteFromRows(3, [0, 0, 1], rows(D, 3));
    expect(s.widths[2]).toBe(0);
    expect(() => silhouetteFromRows(3, [0, 0, 0], rows(D, 3))).toThrow(/at least 2 clusters/);
  });
});

describe('CLARA', () => {
  it('with one sample of every row is PAM (R pam medoids)', async () => {
    const ds = await referenceRows();
    const scale = fitGowerScale(ds, mixedFeatures);
    const G = gowerMatrix(ds, mixedFeatures, scale);
    const c = clara(G, 4, 'gower', scale, { samples: 1, sampsize: 120, seed: 1 });
    expect([...c.medoids].sort((x, y) => x - y)).toEqual(pamGower.medoids);
    expect(Math.abs(c.objective - pamGower.swap)).toBeLessThan(1e-12);
  });

  it('is seeded, keeps the best sample, and the fit past the memory limit uses it with labels the rule reproduces', async () => {
    const ds = await referenceRows();
    const X = toMatrix(ds, numericFeatures);
    const a = clara(X, 3, 'euclidean', null, { samples: 4, sampsize: 30, seed: 7 });
    const b = clara(X, 3, 'euclidean', null, { samples: 4, sampsize: 30, seed: 7 });
    expect([...a.medoids]).toEqual([...b.medoids]);
    // never better than PAM on all rows, and close to it
    expect(a.objective).toBeGreaterThanOrEqual(pamEuclidean.swap - 1e-9);
    expect(a.objective).toBeLessThan(pamEuclidean.swap * 1.2);
    const fit = fitKMedoids(X, numericFeatures, null, {
      nClusters: 3,
      metric: 'euclidean',
      gower: null,
      memoryLimit: 8 * 100 * 100,
      toolVersion: 'test',
      sampsize: 60,
      seed: 3,
    });
    expect(fit.model.params['method']).toBe('clara');
    expect(fit.summary.warnings[0]).toMatch(/CLARA kept the best of 5 seeded samples of 60 rows/);
    const model = fit.model;
    if (model.algorithm !== 'kmedoids') throw new Error('not a k-medoids model');
    const M = new Float64Array(model.medoids.flat() as number[]);
    const rule = nearestMedoid(X, M, 3, 'euclidean', null);
    expect([...rule].map((m) => model.medoidSegment[m])).toEqual([...fit.labels]);
  });
});
