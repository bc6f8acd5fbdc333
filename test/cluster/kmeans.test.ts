import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kmeans, nearestCentroid, type KMeansParams } from '../../src/cluster/kmeans.js';
import { DataError, UsageError } from '../../src/core/errors.js';
import type { Matrix } from '../../src/core/matrix.js';
import { WorkerPool } from '../../src/core/worker-pool.js';

/**
 * Gaussian-ish blobs from a 31-bit LCG, each coordinate centre + spread · (sum of 12 uniforms − 6): integer and
 * IEEE arithmetic only, so the Python twin used for the scikit-learn reference builds bit-identical data:
 *
 *   def lcg_blobs(n_per, centres, spread, seed):
 *       state = seed; rows = []
 *       for c in centres:
 *           for _ in range(n_per):
 *               row = []
 *               for v in c:
 *                   s = 0.0
 *                   for _ in range(12):
 *                       state = (state * 1103515245 + 12345) % 2147483648
 *                       s += state / 2147483648
 *                   row.append(v + spread * (s - 6))
 *               rows.append(row)
 *       return np.array(rows)
 */
function lcgBlobs(nPer: number, centres: number[][], spread: number, seed: number): Matrix {
  const d = centres[0]!.length;
  const data = new Float64Array(nPer * centres.length * d);
  let state = BigInt(seed);
  let q = 0;
  for (const c of centres) {
    for (let i = 0; i < nPer; i++) {
      for (const v of c) {
        let s = 0;
        for (let r = 0; r < 12; r++) {
          state = (state * 1103515245n + 12345n) % 2147483648n;
          s += Number(state) / 2147483648;
        }
        data[q++] = v + spread * (s - 6);
      }
    }
  }
  return { data, nRows: nPer * centres.length, nCols: d };
}

/** True when `a` and `b` are the same partition up to a renaming of the clusters (adjusted Rand index 1). */
function samePartition(a: Int32Array, b: Int32Array): boolean {
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if ((ab.get(x) ?? y) !== y || (ba.get(y) ?? x) !== x) return false;
    ab.set(x, y);
    ba.set(y, x);
  }
  return true;
}

const exact = ['lloyd', 'hamerly', 'elkan'] as const;

describe('kmeans', () => {
  it('finds the hand-computed optimum of two obvious groups', async () => {
    const X: Matrix = {
      data: Float64Array.from([0, 0, 0, 1, 1, 0, 10, 10, 10, 11, 11, 10]),
      nRows: 6,
      nCols: 2,
    };
    for (const algorithm of exact) {
      const r = await kmeans(X, { nClusters: 2, algorithm });
      // Centroids (1/3, 1/3) and (31/3, 31/3); each group contributes 2/9 + 5/9 + 5/9 = 4/3.
      expect(r.inertia, algorithm).toBeCloseTo(8 / 3, 12);
      const lo = r.centroids[0]! < r.centroids[2]! ? 0 : 1;
      expect(r.centroids[lo * 2]).toBeCloseTo(1 / 3, 12);
      expect(r.centroids[lo * 2 + 1]).toBeCloseTo(1 / 3, 12);
      expect(r.centroids[(1 - lo) * 2]).toBeCloseTo(31 / 3, 12);
      expect(r.centroids[(1 - lo) * 2 + 1]).toBeCloseTo(31 / 3, 12);
      expect(Array.from(r.labels)).toEqual([lo, lo, lo, 1 - lo, 1 - lo, 1 - lo]);
      expect(r.algorithm).toBe(algorithm);
      expect(r.nInit).toBe(10);
      expect(r.nIter).toBe(2); // labels unchanged in the second iteration: strict convergence
    }
    // Mini-batch centres are running means of batches drawn with replacement: close, not exact.
    const mb = await kmeans(X, { nClusters: 2, algorithm: 'minibatch' });
    expect(samePartition(mb.labels, Int32Array.from([0, 0, 0, 1, 1, 1]))).toBe(true);
    expect(mb.inertia).toBeGreaterThanOrEqual(8 / 3);
    expect(mb.inertia).toBeLessThan((8 / 3) * 1.1);
  });

  it("reaches scikit-learn's optimum on well-separated blobs", async () => {
    const X = lcgBlobs(
      75,
      [
        [0, 0, 0],
        [10, 0, 0],
        [0, 10, 0],
        [0, 0, 10],
      ],
      1.0,
      7,
    );
    expect(X.data[0]).toBe(0.6562065193429589); // same data as the Python generator
    // scikit-learn 1.2.1: KMeans(4, n_init=10, random_state=0).fit(X)
    const skInertia = 836.3859407432566;
    const skLabels = Int32Array.from(
      '3'.repeat(75) + '2'.repeat(75) + '0'.repeat(75) + '1'.repeat(75),
      Number,
    );
    for (const algorithm of ['auto', ...exact] as const) {
      const r = await kmeans(X, { nClusters: 4, algorithm });
      expect(Math.abs(r.inertia - skInertia) / skInertia, algorithm).toBeLessThan(1e-6);
      expect(samePartition(r.labels, skLabels), algorithm).toBe(true);
    }
    expect((await kmeans(X, { nClusters: 4 })).algorithm).toBe('hamerly');
  });

  it('gives bit-identical results with Lloyd, Hamerly and Elkan from the same seeding', async () => {
    // Overlapping clusters: many rows near boundaries, where the bounds are tight.
    const X = lcgBlobs(
      400,
      [
        [0, 0],
        [3, 0],
        [0, 3],
        [3, 3],
        [1.5, 1.5],
      ],
      1.2,
      11,
    );
    for (const p of [
      { nClusters: 5, nInit: 3 },
      { nClusters: 9, nInit: 2, blockSize: 100, seed: 3, tol: 0 },
    ]) {
      const [lloyd, ...bounded] = await Promise.all(exact.map((algorithm) => kmeans(X, { ...p, algorithm })));
      for (const r of bounded) {
        expect(r.labels).toEqual(lloyd!.labels);
        expect(r.centroids).toEqual(lloyd!.centroids);
        expect(r.inertia).toBe(lloyd!.inertia);
        expect(r.nIter).toBe(lloyd!.nIter);
      }
      expect(lloyd!.nIter).toBeGreaterThan(2);
    }
  });

  it('is deterministic for a seed and lets the seed matter', async () => {
    const X = lcgBlobs(
      400,
      [
        [0, 0],
        [3, 0],
        [0, 3],
        [3, 3],
        [1.5, 1.5],
      ],
      1.2,
      11,
    );
    const a = await kmeans(X, { nClusters: 5, nInit: 1, seed: 1 });
    const b = await kmeans(X, { nClusters: 5, nInit: 1, seed: 1 });
    expect(b.labels).toEqual(a.labels);
    expect(b.inertia).toBe(a.inertia);
    const others = await Promise.all([2, 3, 4, 5].map((seed) => kmeans(X, { nClusters: 5, nInit: 1, seed })));
    expect(others.some((o) => o.inertia !== a.inertia)).toBe(true);
  });

  describe('with worker threads', () => {
    let pool: WorkerPool;
    beforeAll(() => {
      pool = new WorkerPool(2);
    });
    afterAll(async () => {
      await pool.close();
    });

    it('gives byte-identical results for 1 and 2 threads', async () => {
      const X = lcgBlobs(
        1000,
        [
          [0, 0, 0],
          [3, 0, 0],
          [0, 3, 0],
          [0, 0, 3],
        ],
        1.5,
        5,
      );
      // One restart and several: every pass of every restart is split over the threads by row blocks.
      for (const nInit of [1, 2, 3]) {
        for (const algorithm of [...exact, 'minibatch'] as const) {
          const p: KMeansParams = { nClusters: 6, nInit, algorithm, blockSize: 256, batchSize: 300 };
          const one = await kmeans(X, p);
          const two = await kmeans(X, { ...p, pool });
          const oneThread = await kmeans(X, { ...p, pool: new WorkerPool(1) });
          for (const r of [two, oneThread]) {
            const what = `${algorithm}, nInit ${nInit}`;
            expect(r.labels, what).toEqual(one.labels);
            expect(r.centroids, what).toEqual(one.centroids);
            expect(r.inertia, what).toBe(one.inertia);
            expect(r.nIter, what).toBe(one.nIter);
          }
        }
      }
    });
  });

  it('mini-batch gets within a few percent of the full inertia', async () => {
    const X = lcgBlobs(
      4000,
      [
        [0, 0],
        [6, 0],
        [0, 6],
        [6, 6],
        [3, 3],
      ],
      1.0,
      3,
    );
    const full = await kmeans(X, { nClusters: 5, nInit: 3 });
    const mb = await kmeans(X, { nClusters: 5, nInit: 3, algorithm: 'minibatch' });
    expect(mb.algorithm).toBe('minibatch');
    expect(mb.nSteps).toBeGreaterThan(0);
    expect(mb.inertia).toBeGreaterThanOrEqual(full.inertia * (1 - 1e-9));
    expect(mb.inertia / full.inertia).toBeLessThan(1.03);
    // Labels are the exact nearest centres of the returned centroids.
    expect(nearestCentroid(X, mb.centroids, 5).labels).toEqual(mb.labels);
  });

  it('survives fewer distinct points than clusters (empty clusters relocated)', async () => {
    const X: Matrix = { data: Float64Array.from([1, 1, 1, 1, 1, 1, 5, 5]), nRows: 4, nCols: 2 };
    const results = await Promise.all(
      exact.map((algorithm) => kmeans(X, { nClusters: 3, algorithm, nInit: 2 })),
    );
    for (const r of results) {
      expect(r.inertia).toBe(0);
      expect(r.labels).toEqual(results[0]!.labels);
      expect(r.centroids).toEqual(results[0]!.centroids);
      for (const l of r.labels) expect(l >= 0 && l < 3).toBe(true);
      expect(r.centroids.every(Number.isFinite)).toBe(true);
    }
    const same = await kmeans({ data: new Float64Array(10).fill(2), nRows: 5, nCols: 2 }, { nClusters: 5 });
    expect(same.inertia).toBe(0);
    expect(Array.from(same.centroids)).toEqual(new Array(10).fill(2));
  });

  it('rejects invalid parameters and impossible requests', async () => {
    const X: Matrix = { data: new Float64Array(10), nRows: 5, nCols: 2 };
    const bad: [Partial<KMeansParams>, RegExp][] = [
      [{ nClusters: 0 }, /'nClusters' parameter of cluster\.kmeans must be an int in \[1, inf\)\. Got 0\./],
      [{ nClusters: 2.5 }, /'nClusters'.*Got 2\.5/],
      [{ nInit: 0 }, /'nInit'/],
      [{ maxIter: -1 }, /'maxIter'/],
      [{ tol: -1e-3 }, /'tol' parameter of cluster\.kmeans must be a float in \[0, inf\)/],
      [{ tol: Number.NaN }, /'tol'.*Got NaN/],
      [{ algorithm: 'full' as never }, /'algorithm'.*'lloyd'.*Got "full"/],
      [{ batchSize: 0 }, /'batchSize'/],
      [{ seed: 0.5 }, /'seed'/],
    ];
    for (const [p, msg] of bad) {
      const run = kmeans(X, { nClusters: 2, ...p });
      await expect(run).rejects.toBeInstanceOf(UsageError);
      await expect(kmeans(X, { nClusters: 2, ...p })).rejects.toThrow(msg);
    }
    await expect(kmeans(X, { nClusters: 9 })).rejects.toThrow(/^k = 9 exceeds the 5 rows$/);
    await expect(kmeans(X, { nClusters: 9 })).rejects.toBeInstanceOf(DataError);
    const nan: Matrix = { data: Float64Array.from([0, 0, 1, Number.NaN]), nRows: 2, nCols: 2 };
    await expect(kmeans(nan, { nClusters: 1 })).rejects.toThrow(/row 2 has a missing or infinite value/);
  });
});

describe('nearestCentroid', () => {
  it('returns the nearest centre and squared distance, ties to the lowest index', () => {
    const X: Matrix = { data: Float64Array.from([0, 0, 2, 0, 1, 0, 5, 5]), nRows: 4, nCols: 2 };
    const { labels, distances } = nearestCentroid(X, Float64Array.from([0, 0, 2, 0]), 2);
    expect(Array.from(labels)).toEqual([0, 1, 0, 1]);
    expect(Array.from(distances)).toEqual([0, 0, 1, 34]);
  });

  it('refuses centroids of the wrong shape', () => {
    const X: Matrix = { data: new Float64Array(6), nRows: 3, nCols: 2 };
    expect(() => nearestCentroid(X, new Float64Array(5), 2)).toThrow(DataError);
  });
});
