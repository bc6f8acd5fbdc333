import { describe, expect, it } from 'vitest';
import { gowerLinkageTree } from '../../src/cluster/gower-cluster.js';
import { cutTree } from '../../src/cluster/hierarchical.js';
import { fitGowerScale, gowerMatrix } from '../../src/core/gower.js';
import type { Matrix } from '../../src/core/matrix.js';
import { computeValidity } from '../../src/evaluate/metrics.js';
import { dunnFromRows, euclideanIndexNote, gowerValidity } from '../../src/evaluate/precomputed.js';
import { segmentQuality } from '../../src/report/quality.js';
import { mixedFeatures, referenceRows, silhouetteHclustAverage } from '../helpers/gower-reference.js';

async function averageK4(): Promise<{
  X: Matrix;
  labels: Int32Array;
  scale: ReturnType<typeof fitGowerScale>;
}> {
  const ds = await referenceRows();
  const scale = fitGowerScale(ds, mixedFeatures);
  const X = gowerMatrix(ds, mixedFeatures, scale);
  const labels = cutTree(await gowerLinkageTree(X, scale, { linkage: 'average' }), { nClusters: 4 });
  return { X, labels, scale };
}

describe("validity under Gower's distance equals R (scripts/gower-reference.R)", () => {
  it('gowerValidity: silhouette (cluster::silhouette) and Dunn to 1e-12; a sample past sampleSize', async () => {
    const { X, labels, scale } = await averageK4();
    const v = gowerValidity(X, labels, scale, { sampleSize: 10_000, seed: 42 });
    expect(v.sampled).toBe(false);
    expect(Math.abs(v.silhouette! - silhouetteHclustAverage.mean)).toBeLessThan(1e-12);
    expect(Math.abs(v.dunn! - silhouetteHclustAverage.dunn)).toBeLessThan(1e-12);
    const s = gowerValidity(X, labels, scale, { sampleSize: 60, seed: 42 });
    expect(s.sampled).toBe(true);
    expect(s.nRows).toBe(60);
    expect(s.silhouette).not.toBe(v.silhouette);
  });

  it('dunnFromRows skips noise and refuses a single cluster', () => {
    const pts = [0, 1, 10, 12, -1];
    const row = (i: number, out: Float64Array): void => {
      for (let j = 0; j < pts.length; j++) out[j] = Math.abs(pts[i]! - pts[j]!);
    };
    expect(dunnFromRows(5, [0, 0, 1, 1, -1], row)).toBe(9 / 2);
    expect(() => dunnFromRows(5, [0, 0, 0, 0, -1], row)).toThrow(/at least 2 clusters/);
  });
});

describe('Davies-Bouldin and Calinski-Harabasz only under euclidean', () => {
  const X: Matrix = { data: Float64Array.from([0, 0, 0, 1, 5, 5, 5, 6]), nRows: 4, nCols: 2 };
  const y = [0, 0, 1, 1];

  it('computeValidity refuses them under another distance, and keeps silhouette and Dunn', async () => {
    await expect(
      computeValidity(X, y, { metrics: ['daviesBouldin'], distance: 'manhattan' }),
    ).rejects.toThrow(/daviesBouldin need the euclidean distance/);
    await expect(
      computeValidity(X, y, { metrics: ['calinskiHarabasz', 'silhouette'], distance: 'cosine' }),
    ).rejects.toThrow(/calinskiHarabasz need the euclidean distance/);
    const ok = await computeValidity(X, y, { metrics: ['silhouette', 'dunn'], distance: 'manhattan' });
    expect(ok.silhouette).toBeGreaterThan(0);
    const eu = await computeValidity(X, y, { metrics: ['daviesBouldin', 'calinskiHarabasz'] });
    expect(eu.daviesBouldin).toBeGreaterThan(0);
  });

  it('the report gives them as null with a note under manhattan, and as numbers under euclidean', async () => {
    const q = await segmentQuality(X, Int32Array.from(y), ['a', 'b'], {
      distance: 'manhattan',
      sampleSize: 100,
      seed: 1,
    });
    expect(q.indices.daviesBouldin).toBeNull();
    expect(q.indices.calinskiHarabasz).toBeNull();
    expect(q.indices.silhouette).not.toBeNull();
    expect(q.notes).toContain(euclideanIndexNote('manhattan'));
    const e = await segmentQuality(X, Int32Array.from(y), ['a', 'b'], { sampleSize: 100, seed: 1 });
    expect(e.indices.daviesBouldin).not.toBeNull();
    expect(euclideanIndexNote('euclidean')).toBeNull();
  });
});
