import { afterAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/core/random.js';
import { WorkerPool } from '../../src/core/worker-pool.js';
import { stratifiedFolds } from '../../src/core/folds.js';
import { rfe } from '../../src/select/rfe.js';

/** 8 uniform features; the class (0/1/2) depends on x1 + x4 only. */
function planted(n: number, seed: number): { columns: Float64Array[]; y: Int32Array } {
  const rng = new Random(seed);
  const columns = Array.from({ length: 8 }, () => new Float64Array(n));
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (const c of columns) c[i] = rng.next();
    const s = columns[1]![i]! + columns[4]![i]!;
    y[i] = s < 0.8 ? 0 : s < 1.2 ? 1 : 2;
  }
  return { columns, y };
}

const pool = new WorkerPool(2);
afterAll(() => pool.close());

describe('RFE by random-forest importance', () => {
  const { columns, y } = planted(1500, 11);
  const X = { columns, nRows: 1500 };

  it('keeps the planted informative features and ranks the rest (sklearn ranking_ semantics)', async () => {
    const r = await rfe(X, y, 3, { nFeaturesToSelect: 2, forest: { nEstimators: 30 }, pool });
    expect(r.nFeatures).toBe(2);
    expect(Array.from(r.support)).toEqual([0, 1, 0, 0, 1, 0, 0, 0]);
    expect(r.ranking[1]).toBe(1);
    expect(r.ranking[4]).toBe(1);
    expect(new Set(r.ranking)).toEqual(new Set([1, 2, 3, 4, 5, 6, 7]));
    expect(r.firstImportances[1]! + r.firstImportances[4]!).toBeGreaterThan(0.5);
    expect(r.finalImportances[0]).toBe(0);
    expect(r.cvScores).toBeNull();
  });

  it('is identical for 1 and 2 threads', async () => {
    const a = await rfe(X, y, 3, { nFeaturesToSelect: 3, step: 2, forest: { nEstimators: 10 } });
    const b = await rfe(X, y, 3, { nFeaturesToSelect: 3, step: 2, forest: { nEstimators: 10 }, pool });
    expect(Array.from(b.ranking)).toEqual(Array.from(a.ranking));
    expect(Array.from(b.firstImportances)).toEqual(Array.from(a.firstImportances));
    // step 2 from 8 features down to 3: rounds remove 2, 2, 1.
    expect(Math.max(...a.ranking)).toBe(4);
  });

  it('permutation importance (held-out rows) keeps the informative features too', async () => {
    const r = await rfe(X, y, 3, {
      nFeaturesToSelect: 2,
      importance: 'permutation',
      forest: { nEstimators: 20 },
      pool,
    });
    expect(Array.from(r.support)).toEqual([0, 1, 0, 0, 1, 0, 0, 0]);
  });

  it('RFECV picks the feature count by cross-validated accuracy and keeps the planted features', async () => {
    const r = await rfe(X, y, 3, { cv: 3, forest: { nEstimators: 15 }, pool });
    expect(r.cvScores!.map((s) => s.nFeatures)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const best = Math.max(...r.cvScores!.map((s) => s.mean));
    expect(r.cvScores![r.nFeatures - 1]!.mean).toBe(best);
    expect(r.cvScores![1]!.mean).toBeGreaterThan(r.cvScores![0]!.mean + 0.1);
    expect(r.support[1]).toBe(1);
    expect(r.support[4]).toBe(1);
    expect(r.nFeatures).toBeLessThanOrEqual(4);
  });

  it('refuses a constant target, too many features and conflicting parameters', async () => {
    await expect(rfe(X, new Int32Array(1500), 1, { nFeaturesToSelect: 2 })).rejects.toThrow(/single class/);
    await expect(rfe(X, y, 3, { nFeaturesToSelect: 9 })).rejects.toMatchObject({ exitCode: 3 });
    await expect(rfe(X, y, 3, { nFeaturesToSelect: 2, cv: 3 })).rejects.toMatchObject({ exitCode: 2 });
    await expect(rfe(X, y, 3, { cv: 1 })).rejects.toThrow(/'cv' parameter/);
  });
});

describe('stratified folds', () => {
  it('deal every class evenly over the folds', () => {
    const y = Int32Array.from({ length: 90 }, (_, i) => (i < 60 ? 0 : 1));
    const f = stratifiedFolds(y, 2, 3, 1);
    for (let k = 0; k < 3; k++) {
      let c0 = 0;
      let c1 = 0;
      for (let i = 0; i < 90; i++) {
        if (f[i] !== k) continue;
        if (y[i] === 0) c0++;
        else c1++;
      }
      expect([c0, c1]).toEqual([20, 10]);
    }
  });
});
