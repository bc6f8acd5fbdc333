import { describe, expect, it } from 'vitest';
import { categoricalColumn, Dataset, numericColumn } from '../../src/core/dataset.js';
import { fitGowerScale, gowerDistance, gowerMatrix, UNSEEN_LEVEL } from '../../src/core/gower.js';
import {
  daisyGower,
  daisyGowerWeighted,
  mixedFeatures,
  referenceRows,
  referenceWeights,
} from '../helpers/gower-reference.js';

describe('Gower distance', () => {
  it('matches a hand-computed toy case (numeric range, categorical mismatch, missing values skipped)', () => {
    const ds = Dataset.of([
      numericColumn('a', Float64Array.from([0, 10, 5])),
      categoricalColumn('b', Int32Array.from([0, 1, -1]), ['x', 'y']),
      numericColumn('c', Float64Array.from([1, NaN, 1])),
    ]);
    const scale = fitGowerScale(ds, ['a', 'b', 'c']);
    expect(scale.kinds).toEqual(['numeric', 'categorical', 'numeric']);
    expect(scale.ranges).toEqual([10, 0, 0]);
    const X = gowerMatrix(ds, ['a', 'b', 'c'], scale);
    const g = (i: number, j: number): number => gowerDistance(scale, X.data, i, X.data, j, 3);
    // rows 0,1: a 10/10 = 1, b mismatch 1, c missing → 2/2
    expect(g(0, 1)).toBe(1);
    // rows 0,2: a 5/10, b missing, c constant column → (0.5 + 0) / 2
    expect(g(0, 2)).toBe(0.25);
    // rows 1,2: a 0.5 only (b, c missing in one) → 0.5
    expect(g(1, 2)).toBe(0.5);
    const w = fitGowerScale(ds, ['a', 'b', 'c'], new Map([['b', 3]]));
    expect(gowerDistance(w, X.data, 0, X.data, 1, 3)).toBe((1 + 3) / 4);
  });

  it('is NaN when two rows share no non-missing column, and a level the scale never saw differs from all', () => {
    const ds = Dataset.of([
      numericColumn('a', Float64Array.from([1, NaN])),
      numericColumn('b', Float64Array.from([NaN, 2])),
    ]);
    const scale = fitGowerScale(ds, ['a', 'b']);
    const X = gowerMatrix(ds, ['a', 'b'], scale);
    expect(gowerDistance(scale, X.data, 0, X.data, 1, 2)).toBeNaN();
    const cat = Dataset.of([categoricalColumn('c', Int32Array.from([0]), ['new'])]);
    const cs = { kinds: ['categorical' as const], ranges: [0], levels: [['old']], weights: [1] };
    const C = gowerMatrix(cat, ['c'], cs);
    expect(C.data[0]).toBe(UNSEEN_LEVEL);
    expect(gowerDistance(cs, C.data, 0, C.data, 0, 1)).toBe(1);
  });

  it("equals R's daisy(metric = 'gower') on mixed data with missing values, with and without weights", async () => {
    const ds = await referenceRows();
    const scale = fitGowerScale(ds, mixedFeatures);
    const X = gowerMatrix(ds, mixedFeatures, scale);
    const d = mixedFeatures.length;
    for (const [i, j, v] of daisyGower)
      expect(Math.abs(gowerDistance(scale, X.data, i, X.data, j, d) - v)).toBeLessThan(1e-12);
    const ws = fitGowerScale(ds, mixedFeatures, referenceWeights);
    for (const [i, j, v] of daisyGowerWeighted)
      expect(Math.abs(gowerDistance(ws, X.data, i, X.data, j, d) - v)).toBeLessThan(1e-12);
  });

  it('refuses weights on a column that is not a feature, and negative weights', () => {
    const ds = Dataset.of([numericColumn('a', Float64Array.from([1, 2]))]);
    expect(() => fitGowerScale(ds, ['a'], new Map([['z', 1]]))).toThrow(/not a feature/);
    expect(() => fitGowerScale(ds, ['a'], new Map([['a', -1]]))).toThrow(/>= 0/);
    expect(() => fitGowerScale(ds, ['a'], new Map([['a', 0]]))).toThrow(/weight 0/);
  });
});
