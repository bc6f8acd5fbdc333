import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assignRows } from '../../src/cluster/assign.js';
import { parseClusterModel } from '../../src/cluster/cluster-model.js';
import { fitClusters } from '../../src/cluster/fit.js';
import { gowerDbscan, gowerKDistances, gowerLinkageTree } from '../../src/cluster/gower-cluster.js';
import { cutTree } from '../../src/cluster/hierarchical.js';
import { bundleModel, bundleText } from '../../src/model/bundle.js';
import { fitGowerScale, gowerDistance, gowerMatrix, type GowerScale } from '../../src/core/gower.js';
import type { Matrix } from '../../src/core/matrix.js';
import { WorkerPool } from '../../src/core/worker-pool.js';
import { silhouetteFromRows } from '../../src/evaluate/precomputed.js';
import { readDataset } from '../../src/io/read.js';
import { fixtures } from '../helpers/cli.js';
import {
  dbscanGower,
  hclustGower,
  mixedFeatures,
  referenceRows,
  silhouetteHclustAverage,
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

async function reference(): Promise<{ X: Matrix; scale: GowerScale }> {
  const ds = await referenceRows();
  const scale = fitGowerScale(ds, mixedFeatures);
  return { X: gowerMatrix(ds, mixedFeatures, scale), scale };
}

const pool = new WorkerPool(2);
afterAll(() => pool.close());

describe("DBSCAN under Gower's distance equals R's dbscan::dbscan(daisy(x, 'gower'))", () => {
  it('gives the same labels, noise included (R numbers noise 0)', async () => {
    const { X, scale } = await reference();
    for (const [eps, ref] of [
      [0.1, dbscanGower.eps010],
      [0.15, dbscanGower.eps015],
    ] as const) {
      const r = await gowerDbscan(X, scale, eps, 5);
      // Clusters numbered by their first core row, as R's: the labels are equal, not just the partition.
      expect(Array.from(r.labels, (l) => l + 1)).toEqual(ref);
      expect(r.nNoise).toBe(ref.filter((l) => l === 0).length);
    }
  });

  it("gives R's kNNdist (k = 4) for eps auto", async () => {
    const { X, scale } = await reference();
    const kd = (await gowerKDistances(X, scale, 4)).sort();
    expect(kd[0]).toBeCloseTo(dbscanGower.kDist4.first, 12);
    expect(kd[59]).toBeCloseTo(dbscanGower.kDist4.middle, 12);
    expect(kd[119]).toBeCloseTo(dbscanGower.kDist4.last, 12);
  });

  it('gives the same bytes with and without worker threads (blocks past 512 rows)', async () => {
    const ds = await readDataset(join(fixtures, 'subscribers.csv'));
    const scale = fitGowerScale(ds, mixedFeatures);
    const X = gowerMatrix(ds, mixedFeatures, scale);
    expect(X.nRows).toBeGreaterThan(512);
    const one = await gowerDbscan(X, scale, 0.08, 5);
    const two = await gowerDbscan(X, scale, 0.08, 5, pool);
    expect(Array.from(two.labels)).toEqual(Array.from(one.labels));
    expect(one.nClusters).toBeGreaterThan(1);
    const k1 = await gowerKDistances(X, scale, 4);
    const k2 = await gowerKDistances(X, scale, 4, pool);
    expect(Array.from(k2)).toEqual(Array.from(k1));
    const t1 = await gowerLinkageTree(X, scale, { linkage: 'average' });
    const t2 = await gowerLinkageTree(X, scale, { linkage: 'average', pool });
    expect(Array.from(t2.heights)).toEqual(Array.from(t1.heights));
    expect(Array.from(t2.a)).toEqual(Array.from(t1.a));
  });

  it('refuses two rows without a common feature, naming them', async () => {
    const scale: GowerScale = {
      kinds: ['numeric', 'numeric'],
      ranges: [1, 1],
      levels: [null, null],
      weights: [1, 1],
    };
    const X: Matrix = { data: Float64Array.from([0, NaN, NaN, 1, 0.5, 0.5]), nRows: 3, nCols: 2 };
    await expect(gowerDbscan(X, scale, 0.1, 2)).rejects.toThrow(/rows 1 and 2 have no non-missing feature/);
  });
});

describe("hierarchical clustering under Gower's distance equals R's hclust(daisy(x, 'gower'))", () => {
  for (const linkage of ['average', 'complete', 'single'] as const) {
    it(`${linkage}: merge heights to 1e-12 and cutree(k = 4)`, async () => {
      const { X, scale } = await reference();
      const tree = await gowerLinkageTree(X, scale, { linkage });
      const ref = hclustGower[linkage];
      [0, 59, 118].forEach((m, i) =>
        expect(Math.abs(tree.heights[m]! - ref.heights[i]!)).toBeLessThan(1e-12),
      );
      expect(samePartition(cutTree(tree, { nClusters: 4 }), ref.labels)).toBe(true);
    });
  }

  it('refuses ward with a clear message', async () => {
    const { X, scale } = await reference();
    await expect(gowerLinkageTree(X, scale, { linkage: 'ward' })).rejects.toThrow(
      /ward linkage needs the euclidean/,
    );
  });
});

describe("the silhouette from Gower's distances equals R's cluster::silhouette", () => {
  it('for the average-linkage labels, to 1e-12', async () => {
    const { X, scale } = await reference();
    const labels = cutTree(await gowerLinkageTree(X, scale, { linkage: 'average' }), { nClusters: 4 });
    const d = X.nCols;
    const s = silhouetteFromRows(X.nRows, labels, (i, out) => {
      for (let j = 0; j < X.nRows; j++) out[j] = gowerDistance(scale, X.data, i, X.data, j, d);
    });
    expect(Math.abs(s.mean - silhouetteHclustAverage.mean)).toBeLessThan(1e-12);
    [0, 7, 21, 119].forEach((r, i) =>
      expect(Math.abs(s.widths[r]! - silhouetteHclustAverage.widths[i]!)).toBeLessThan(1e-12),
    );
  });
});

describe('fitClusters and assignRows under Gower', () => {
  for (const algorithm of ['dbscan', 'hierarchical'] as const) {
    it(`${algorithm}: the saved model's rule gives the training labels back, after a JSON round trip`, async () => {
      const { X, scale } = await reference();
      const fit = await fitClusters(
        X,
        mixedFeatures,
        null,
        algorithm === 'dbscan'
          ? { algorithm, eps: 0.1, minSamples: 5, distance: 'gower', gower: scale }
          : { algorithm, nClusters: 4, linkage: 'average', distance: 'gower', gower: scale },
        { toolVersion: 'test' },
      );
      expect('metric' in fit.model && fit.model.metric).toBe('gower');
      expect(
        samePartition(fit.labels, algorithm === 'dbscan' ? dbscanGower.eps010 : hclustGower.average.labels),
      ).toBe(true);
      expect(Array.from(assignRows(fit.model, X))).toEqual(Array.from(fit.labels));
      // Missing values (revenue) are null in the file and NaN again when assigned.
      const loaded = parseClusterModel(JSON.parse(bundleText(bundleModel(fit.model, []))), 'model.json');
      expect(Array.from(assignRows(loaded, X))).toEqual(Array.from(fit.labels));
    });
  }

  it('euclidean DBSCAN and hierarchical models still load without a Gower scale', async () => {
    const X: Matrix = { data: Float64Array.from([0, 0, 0, 1, 1, 0, 9, 9, 9, 8, 8, 9]), nRows: 6, nCols: 2 };
    for (const params of [
      { algorithm: 'dbscan', eps: 1.5, minSamples: 2 },
      { algorithm: 'hierarchical', nClusters: 2 },
    ] as const) {
      const fit = await fitClusters(X, ['a', 'b'], null, params, { toolVersion: 'test' });
      const loaded = parseClusterModel(JSON.parse(bundleText(bundleModel(fit.model, []))), 'model.json');
      expect('gower' in loaded).toBe(false);
      expect(Array.from(assignRows(loaded, X))).toEqual(Array.from(fit.labels));
    }
  });

  it('eps auto picks the knee of the Gower 4-distances', async () => {
    const { X, scale } = await reference();
    const fit = await fitClusters(
      X,
      mixedFeatures,
      null,
      { algorithm: 'dbscan', eps: 'auto', minSamples: 5, distance: 'gower', gower: scale },
      { toolVersion: 'test' },
    );
    expect(fit.summary.eps).toBeGreaterThan(dbscanGower.kDist4.first);
    expect(fit.summary.eps).toBeLessThan(dbscanGower.kDist4.last);
  });

  it('refuses ward, --min-size and OPTICS under Gower', async () => {
    const { X, scale } = await reference();
    const env = { toolVersion: 'test' };
    await expect(
      fitClusters(
        X,
        mixedFeatures,
        null,
        { algorithm: 'hierarchical', nClusters: 3, linkage: 'ward', distance: 'gower', gower: scale },
        env,
      ),
    ).rejects.toThrow(/ward linkage needs the euclidean/);
    await expect(
      fitClusters(
        X,
        mixedFeatures,
        null,
        { algorithm: 'dbscan', eps: 0.1, minSize: 5, distance: 'gower', gower: scale },
        env,
      ),
    ).rejects.toThrow(/--min-size/);
    await expect(
      fitClusters(X, mixedFeatures, null, { algorithm: 'optics', distance: 'gower', gower: scale }, env),
    ).rejects.toThrow(/--distance gower/);
  });
});
