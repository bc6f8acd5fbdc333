import { afterAll, describe, expect, it } from 'vitest';
import type { Matrix } from '../../src/core/matrix.js';
import { Random } from '../../src/core/random.js';
import { WorkerPool } from '../../src/core/worker-pool.js';
import { binOf, findBinEdges } from '../../src/forest/binning.js';
import { FittedForest, fitForest, forestNodeBudget } from '../../src/forest/forest.js';
import { permutationImportance } from '../../src/forest/importance.js';
import { encodeLabels } from '../../src/forest/labels.js';

/**
 * A planted problem: 6 uniform features in [0, 1); the class depends on x1 and x4 only
 * (0: x1 + x4 < 0.8, 1: < 1.2, 2: otherwise), so a forest should be accurate and rank x1, x4 first.
 */
function planted(n: number, seed: number): { X: Matrix; y: number[] } {
  const rng = new Random(seed);
  const d = 6;
  const data = new Float64Array(n * d);
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) data[i * d + j] = rng.next();
    const s = data[i * d + 1]! + data[i * d + 4]!;
    y.push(s < 0.8 ? 0 : s < 1.2 ? 1 : 2);
  }
  return { X: { data, nRows: n, nCols: d }, y };
}

const pool = new WorkerPool(2);
afterAll(() => pool.close());

function accuracy(pred: ArrayLike<number>, y: readonly number[]): number {
  let hit = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) hit++;
  return hit / y.length;
}

describe('random forest classifier', () => {
  const train = planted(3000, 1);
  const test = planted(2000, 2);

  it('is accurate on a planted problem and ranks the informative features first', async () => {
    const f = await fitForest(train.X, train.y, { nEstimators: 50, seed: 3 }, { pool });
    expect(f.classes).toEqual([0, 1, 2]);
    const pred = await f.predict(test.X, pool);
    expect(accuracy(pred, test.y)).toBeGreaterThan(0.95);
    const imp = Array.from(f.featureImportances);
    expect(imp.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const order = imp.map((v, j) => [v, j] as const).sort((a, b) => b[0] - a[0]);
    expect(new Set([order[0]![1], order[1]![1]])).toEqual(new Set([1, 4]));
    expect(order[1]![0]).toBeGreaterThan(3 * order[2]![0]);
  });

  it('probabilities are the mean of the leaf frequencies: rows sum to 1', async () => {
    const f = await fitForest(train.X, train.y, { nEstimators: 10, seed: 3 });
    const p = await f.predictProba(test.X);
    for (let i = 0; i < 50; i++) expect(p[i * 3]! + p[i * 3 + 1]! + p[i * 3 + 2]!).toBeCloseTo(1, 12);
  });

  it('is deterministic for a seed and identical for 1 and 2 threads; another seed differs', async () => {
    const a = await fitForest(train.X, train.y, { nEstimators: 20, seed: 9 });
    const b = await fitForest(train.X, train.y, { nEstimators: 20, seed: 9 }, { pool });
    const c = await fitForest(train.X, train.y, { nEstimators: 20, seed: 10 }, { pool });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
    const pa = await a.predictProba(test.X);
    const pb = await b.predictProba(test.X, pool);
    expect(Buffer.from(pb.buffer).equals(Buffer.from(pa.buffer))).toBe(true);
  });

  it('round-trips through JSON and predicts identically', async () => {
    const f = await fitForest(
      train.X,
      train.y,
      { nEstimators: 15, seed: 4 },
      { featureNames: ['a', 'b', 'c', 'd', 'e', 'f'] },
    );
    const g = FittedForest.fromJSON(JSON.parse(JSON.stringify(f)));
    expect(g.featureNames).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(Array.from(g.featureImportances)).toEqual(Array.from(f.featureImportances));
    const pf = await f.predictProba(test.X);
    const pg = await g.predictProba(test.X, pool);
    expect(Buffer.from(pg.buffer).equals(Buffer.from(pf.buffer))).toBe(true);
    expect(() => FittedForest.fromJSON({ format: 'nope' })).toThrow(/not a valid segment forest/);
    const broken = JSON.parse(JSON.stringify(f));
    broken.trees.left.pop();
    expect(() => FittedForest.fromJSON(broken)).toThrow(/inconsistent/);
  });

  it('permutation importance: large drops for x1 and x4, about 0 for the noise features', async () => {
    const f = await fitForest(train.X, train.y, { nEstimators: 30, seed: 3 }, { pool });
    const r = await permutationImportance(f, test.X, test.y, { nRepeats: 3, seed: 1, pool });
    expect(r.baselineScore).toBeGreaterThan(0.95);
    expect(r.importancesMean[1]!).toBeGreaterThan(0.2);
    expect(r.importancesMean[4]!).toBeGreaterThan(0.2);
    for (const j of [0, 2, 3, 5]) expect(Math.abs(r.importancesMean[j]!)).toBeLessThan(0.02);
    const again = await permutationImportance(f, test.X, test.y, { nRepeats: 3, seed: 1 });
    expect(Array.from(again.importances)).toEqual(Array.from(r.importances));
  });

  it('a single unbootstrapped tree splits at the midpoint between values, as scikit-learn', async () => {
    const X: Matrix = { data: Float64Array.from([0, 1, 2, 3]), nRows: 4, nCols: 1 };
    const f = await fitForest(X, ['lo', 'lo', 'hi', 'hi'], { nEstimators: 1, bootstrap: false });
    expect(f.classes).toEqual(['hi', 'lo']);
    expect(f.flat.feature[0]).toBe(0);
    expect(f.flat.threshold[0]).toBe(1.5);
    expect(await f.predictLabels({ data: Float64Array.from([-5, 1.5, 1.6, 9]), nRows: 4, nCols: 1 })).toEqual(
      ['lo', 'lo', 'hi', 'hi'],
    );
  });

  it('respects maxDepth and minSamplesLeaf', async () => {
    const f = await fitForest(train.X, train.y, { nEstimators: 3, maxDepth: 2, minSamplesLeaf: 5 });
    expect(f.flat.feature.length).toBeLessThanOrEqual(3 * 7);
  });
});

describe('forest errors', () => {
  const { X, y } = planted(100, 5);
  it('invalid parameters name the parameter, the constraint and the value', async () => {
    await expect(fitForest(X, y, { nEstimators: 0 })).rejects.toThrow(
      "The 'nEstimators' parameter of forest.RandomForestClassifier must be an int in [1, inf). Got 0.",
    );
    await expect(fitForest(X, y, { maxFeatures: 1.5 })).rejects.toThrow(/maxFeatures/);
    await expect(fitForest(X, y, { maxBins: 300 })).rejects.toThrow(/maxBins/);
  });
  it('missing labels and values are data errors', async () => {
    const bad = [...y];
    bad[7] = Number.NaN;
    await expect(fitForest(X, bad)).rejects.toThrow(/1 missing value\(s\) \(first at row 8\)/);
    const data = X.data.slice();
    data[3] = Number.NaN;
    await expect(fitForest({ ...X, data }, y)).rejects.toMatchObject({ exitCode: 3 });
    await expect(fitForest(X, y.slice(1))).rejects.toThrow(/99 values for 100 rows/);
  });
  it('prediction needs the fitted column count', async () => {
    const f = await fitForest(X, y, { nEstimators: 2 });
    await expect(f.predict({ data: new Float64Array(4), nRows: 2, nCols: 2 })).rejects.toThrow(/6 feature/);
  });
});

describe('forest node budget', () => {
  const { X, y } = planted(2000, 9);
  it('refuses a forest past its node budget, whatever the thread count, and fits it under the budget', async () => {
    const full = await fitForest(X, y, { nEstimators: 12, seed: 3 }, { pool });
    const nodes = full.toJSON().trees.feature.length;
    expect(nodes).toBeGreaterThan(12 * 20);
    for (const p of [undefined, pool]) {
      await expect(
        fitForest(X, y, { nEstimators: 12, seed: 3 }, { pool: p, maxNodes: nodes - 1 }),
      ).rejects.toThrow(
        /^the random forest would hold more than [0-9,]+ nodes \(a model of over [0-9.]+ kB\): 12 trees of unlimited depth, one row per leaf on 2,000 rows grow too large$/,
      );
      const exact = await fitForest(X, y, { nEstimators: 12, seed: 3 }, { pool: p, maxNodes: nodes });
      expect(JSON.stringify(exact.toJSON())).toBe(JSON.stringify(full.toJSON()));
    }
    await expect(
      fitForest(
        X,
        y,
        { nEstimators: 12, seed: 3, maxDepth: 3 },
        { maxNodes: 10, budgetHint: 'use --max-depth' },
      ),
    ).rejects.toMatchObject({
      exitCode: 3,
      hint: 'use --max-depth; or raise --memory-limit',
      message: expect.stringMatching(/max depth 3, min 1 row/),
    });
  });
  it('budgets nodes from the memory limit, capped by what a model file can hold', () => {
    expect(forestNodeBudget(2 ** 30)).toBe(2 ** 22);
    expect(forestNodeBudget(64 * 2 ** 30)).toBe(12_000_000);
    expect(forestNodeBudget(1)).toBe(1);
  });
});

describe('binning and labels', () => {
  it('exact bins for few distinct values; value ≤ edge ⇔ lower bin', () => {
    const col = Float64Array.from([3, 1, 2, 2, 5, 1]);
    const { edges } = findBinEdges({ columns: [col], nRows: 6 });
    expect(Array.from(edges[0]!)).toEqual([1.5, 2.5, 4]);
    expect([1, 1.5, 1.6, 2, 2.5, 5, 9].map((v) => binOf(edges[0]!, v))).toEqual([0, 0, 1, 1, 1, 3, 3]);
  });
  it('quantile bins for many distinct values, at most maxBins', () => {
    const col = Float64Array.from({ length: 10_000 }, (_, i) => (i * 7919) % 10_007);
    const { edges } = findBinEdges({ columns: [col], nRows: col.length }, 16);
    expect(edges[0]!.length).toBe(15);
    for (let b = 1; b < 15; b++) expect(edges[0]![b]!).toBeGreaterThan(edges[0]![b - 1]!);
  });
  it('labels are encoded in sorted order', () => {
    expect(encodeLabels(['b', 'a', 'c', 'a'])).toEqual({
      codes: Int32Array.from([1, 0, 2, 0]),
      classes: ['a', 'b', 'c'],
    });
    expect(encodeLabels(Float64Array.from([10, -1, 10])).classes).toEqual([-1, 10]);
    expect(() => encodeLabels(['a', null])).toThrow(/missing/);
  });
});
