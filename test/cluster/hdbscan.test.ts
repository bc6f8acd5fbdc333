import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assignNearestCore,
  assignNearestCoreGower,
  boruvkaMst,
  condense,
  hdbscan,
  primMst,
  selectClusters,
  singleLinkage,
} from '../../src/cluster/hdbscan.js';
import { UsageError, DataError } from '../../src/core/errors.js';
import type { Matrix } from '../../src/core/matrix.js';
import { WorkerPool } from '../../src/core/worker-pool.js';
import { ari } from '../helpers/ari.js';
import { reference } from './hdbscan-reference.js';
import { fitGowerScale, gowerMatrix } from '../../src/core/gower.js';
import { mixedFeatures, referenceRows } from '../helpers/gower-reference.js';

const mat = (rows: number[][]): Matrix => ({
  data: Float64Array.from(rows.flat()),
  nRows: rows.length,
  nCols: rows[0]!.length,
});

/** Numeric columns of a committed CSV fixture, as a matrix. */
function csvMatrix(path: string, columns: string[]): Matrix {
  const lines = readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')
    .trim()
    .split('\n');
  const header = lines[0]!.split(',');
  const at = columns.map((c) => header.indexOf(c));
  return mat(lines.slice(1).map((l) => at.map((j) => Number(l.split(',')[j]))));
}

const blobs = csvMatrix('fixtures/blobs.csv', ['x0', 'x1', 'x2', 'x3']);
const density = csvMatrix('fixtures/density2d.csv', ['x', 'y']);
const densityRounded: Matrix = { ...density, data: density.data.map((v) => Math.round(v * 10) / 10) };
const pool = new WorkerPool(3);
afterAll(() => pool.close());

describe('hdbscan by hand', () => {
  // Two tight groups of three on a line, far apart, and one outlier far from both.
  const X = mat([[0], [0.1], [0.2], [10], [10.1], [10.2], [30]]);

  it('finds the two groups and calls the outlier noise (as R: hdbscan(x, minPts = 3))', async () => {
    const r = await hdbscan(X, { minClusterSize: 3 });
    expect(ari(Array.from(r.labels), [1, 1, 1, 0, 0, 0, -1])).toBe(1);
    expect(r.labels[6]).toBe(-1);
    expect(r.nClusters).toBe(2);
    expect(r.nNoise).toBe(1);
    // Core distance: the 3rd nearest row counting itself.
    expect(Array.from(r.coreDistances).map((v) => +v.toFixed(6))).toEqual([
      0.2, 0.1, 0.2, 0.2, 0.1, 0.2, 19.9,
    ]);
    // (max core distance in the cluster − core distance) / max.
    expect(Array.from(r.probabilities).map((v) => +v.toFixed(12))).toEqual([0, 0.5, 0, 0, 0.5, 0, 0]);
    // The outlier leaves the root at mutual reachability 19.9; the densest leaf under it dies at 0.2.
    expect(r.outlierScores[6]).toBeCloseTo(0.98994974874371866, 12);
    expect(Array.from(r.outlierScores.subarray(0, 6))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('keeps a row that leaves a chosen cluster in it (R: an outlier between the groups joins the nearer one)', async () => {
    const Y = mat([[0], [0.1], [0.2], [10], [10.1], [10.2], [5]]);
    const r = await hdbscan(Y, { minClusterSize: 3 });
    expect(ari(Array.from(r.labels), [1, 1, 1, 0, 0, 0, 1])).toBe(1);
  });

  it('handles duplicate rows (core distance 0) as R does', async () => {
    // R: hdbscan(matrix(c(0, 0, 0, 0.1, 0.1, 10, 10, 10, 10.1, 30)), minPts = 3)
    const D = mat([[0], [0], [0], [0.1], [0.1], [10], [10], [10], [10.1], [30]]);
    const r = await hdbscan(D, { minClusterSize: 3 });
    expect(ari(Array.from(r.labels), [1, 1, 1, 1, 1, 0, 0, 0, 0, -1])).toBe(1);
    expect(r.labels[9]).toBe(-1);
    expect(Array.from(r.probabilities)).toEqual([1, 1, 1, 0, 0, 1, 1, 1, 0, 0]);
    expect(Array.from(r.outlierScores)).toEqual([0, 0, 0, 1, 1, 0, 0, 0, 1, 1]);
  });

  it('builds the mutual reachability spanning tree and the condensed tree', () => {
    const core = Float64Array.from([0.2, 0.1, 0.2, 0.2, 0.1, 0.2, 19.9]);
    const mst = primMst(X, core, false);
    const w = Array.from(mst.w)
      .map((v) => +v.toFixed(6))
      .sort((a, b) => a - b);
    expect(w).toEqual([0.2, 0.2, 0.2, 0.2, 9.8, 19.9]);
    const tree = singleLinkage(mst, 7);
    expect(Array.from(tree.size)).toEqual([2, 3, 2, 3, 6, 7]);
    const ct = condense(tree, 3);
    expect(ct.nClusters).toBe(3);
    expect(Array.from(ct.birth).map((v) => +v.toFixed(6))).toEqual([19.9, 9.8, 9.8]);
    expect(Array.from(ct.death).map((v) => +v.toFixed(6))).toEqual([9.8, 0.2, 0.2]);
    expect(Array.from(selectClusters(ct, 'eom', 0))).toEqual([0, 1, 1]);
    expect(Array.from(selectClusters(ct, 'leaf', 0))).toEqual([0, 1, 1]);
  });

  it('summarises the condensed tree at cluster level with a size curve per cluster', async () => {
    const r = await hdbscan(X, { minClusterSize: 3 });
    const t = r.tree;
    expect(Array.from(t.parent)).toEqual([-1, 0, 0]);
    expect(Array.from(t.size)).toEqual([7, 3, 3]);
    expect(t.lambdaBirth[0]).toBe(0);
    expect(t.lambdaDeath[0]).toBeCloseTo(1 / 9.8, 12);
    expect(t.lambdaBirth[1]).toBeCloseTo(1 / 9.8, 12);
    expect(t.lambdaDeath[1]).toBeCloseTo(1 / 0.2, 12);
    // The outlier leaves the root at λ = 1/19.9, in step ceil((1/19.9) / (1/9.8) · 8) = 4.
    expect(Array.from(t.curve.subarray(0, 8))).toEqual([7, 7, 7, 7, 6, 6, 6, 6]);
    expect(Array.from(t.curve.subarray(8, 16))).toEqual([3, 3, 3, 3, 3, 3, 3, 3]);
    expect(Array.from(t.label).sort()).toEqual([-1, 0, 1]);
    // Stability of a leaf: 3 rows leaving at 0.2 after birth at 9.8.
    expect(t.stability[1]).toBeCloseTo(3 * (1 / 0.2 - 1 / 9.8), 12);
    // Duplicate rows (distance 0): λ drawn at 1.1 × the largest finite one.
    const D = await hdbscan(mat([[0], [0], [0], [0.1], [0.1], [10], [10], [10], [10.1], [30]]), {
      minClusterSize: 3,
    });
    const finite = Math.max(...Array.from(D.tree.lambdaBirth));
    expect(Math.max(...Array.from(D.tree.lambdaDeath))).toBeCloseTo(1.1 * (1 / 0.1), 12);
    expect(finite).toBeLessThan(1 / 0.1 + 1e-9);
  });

  it('cluster selection epsilon merges clusters born below it (never into the root)', async () => {
    // Both groups are born at 9.8 under the root: below epsilon 50 they would merge, but never into the root.
    const r = await hdbscan(X, { minClusterSize: 3, clusterSelectionEpsilon: 50 });
    expect(ari(Array.from(r.labels), [1, 1, 1, 0, 0, 0, -1])).toBe(1);
    // A parent born above epsilon takes its children born below it.
    const Z = mat([[0], [0.1], [0.2], [1], [1.1], [1.2], [10], [10.1], [10.2]]);
    const plain = await hdbscan(Z, { minClusterSize: 3, clusterSelection: 'leaf' });
    expect(plain.nClusters).toBe(3);
    const merged = await hdbscan(Z, {
      minClusterSize: 3,
      clusterSelection: 'leaf',
      clusterSelectionEpsilon: 2,
    });
    expect(ari(Array.from(merged.labels), [0, 0, 0, 0, 0, 0, 1, 1, 1])).toBe(1);
  });

  it('refuses bad parameters and too few rows', async () => {
    await expect(hdbscan(X, { minClusterSize: 1 })).rejects.toThrow(UsageError);
    await expect(hdbscan(X, { minClusterSize: 3, minSamples: 0 })).rejects.toThrow(UsageError);
    await expect(hdbscan(X, { minClusterSize: 3, distance: 'cosine' })).rejects.toThrow(UsageError);
    await expect(hdbscan(X, { minClusterSize: 8 })).rejects.toThrow(DataError);
  });

  it('assigns new rows to the nearest clustered training row within its core distance (R: predict)', () => {
    const train = mat([[0], [0.1], [0.2], [10], [10.1], [10.2]]);
    const core = Float64Array.from([0.2, 0.1, 0.2, 0.2, 0.1, 0.2]);
    const labels = Int32Array.from([0, 0, 0, 1, 1, 1]);
    const Q = mat([[0.05], [10.15], [3], [7.5], [0.2], [30], [-0.2], [-0.21]]);
    // -0.2 is exactly at the core distance of row 0 (0.2): inside.
    expect(Array.from(assignNearestCore(Q, train, labels, core, 'euclidean'))).toEqual([
      0, 1, -1, -1, 0, -1, 0, -1,
    ]);
  });
});

describe('hdbscan against R dbscan::hdbscan(x, minPts)', () => {
  const cases = [
    ['blobs5', blobs],
    ['blobs15', blobs],
    ['density8', density],
    ['density20', density],
    ['density8manhattan', density],
    ['density8rounded', densityRounded],
    ['density20rounded', densityRounded],
  ] as const;
  for (const [name, X] of cases) {
    it(`${name}: labels, core distances, membership probabilities and GLOSH scores`, async () => {
      const ref = reference[name];
      const distance = name.endsWith('manhattan') ? 'manhattan' : 'euclidean';
      const r = await hdbscan(X, { minClusterSize: ref.minPts, distance, pool });
      expect(ari(Array.from(r.labels), [...ref.labels])).toBe(1);
      // Same noise rows.
      expect(Array.from(r.labels, (l) => l < 0)).toEqual(ref.labels.map((l) => l < 0));
      for (let i = 0; i < X.nRows; i++) {
        expect(Math.abs(r.coreDistances[i]! - ref.coreDistance[i]!)).toBeLessThan(1e-9);
        expect(Math.abs(r.probabilities[i]! - ref.probability[i]!)).toBeLessThan(1e-9);
        expect(Math.abs(r.outlierScores[i]! - ref.outlierScore[i]!)).toBeLessThan(1e-9);
      }
    });
  }

  it('gives the same result whatever the thread count', async () => {
    const one = await hdbscan(density, { minClusterSize: 8 });
    const three = await hdbscan(density, { minClusterSize: 8, pool });
    expect(Array.from(three.labels)).toEqual(Array.from(one.labels));
    expect(Array.from(three.outlierScores)).toEqual(Array.from(one.outlierScores));
  });
});

/** Seeded rows around four centres, optionally rounded (many equal distances) and with duplicated rows. */
function seeded(seed: number, n: number, d: number, round: boolean, duplicates: boolean): Matrix {
  let s = seed >>> 0;
  const u = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 2 ** 32);
  const data = new Float64Array(n * d);
  for (let i = 0; i < n * d; i++) {
    const v = Math.floor(u() * 4) * 3 + u() * 1.5;
    data[i] = round ? Math.round(v * 4) / 4 : v;
  }
  if (duplicates) data.copyWithin(n * d - Math.floor(n / 4) * d, 0, Math.floor(n / 4) * d);
  return { data, nRows: n, nCols: d };
}

describe('Borůvka spanning tree against Prim', () => {
  const sets: [string, Matrix][] = [
    ['continuous 2-D', seeded(1, 600, 2, false, false)],
    ['continuous 4-D with duplicates', seeded(2, 500, 4, false, true)],
    ['rounded 1-D (ties)', seeded(3, 400, 1, true, false)],
    ['rounded 3-D with duplicates', seeded(4, 700, 3, true, true)],
    ['density rounded', densityRounded],
  ];
  for (const [name, X] of sets) {
    it(`${name}: same tree, same labels, probabilities and GLOSH scores`, async () => {
      for (const distance of ['euclidean', 'manhattan'] as const) {
        for (const minClusterSize of [4, 15]) {
          const core = (await hdbscan(X, { minClusterSize, distance })).coreDistances;
          const l1 = distance === 'manhattan';
          const p = primMst(X, core, l1);
          const b = await boruvkaMst(X, core, l1);
          // The first round on worker threads gives the same tree.
          const bp = await boruvkaMst(X, core, l1, undefined, pool);
          expect(Array.from(bp.a)).toEqual(Array.from(p.a));
          expect(Array.from(bp.w)).toEqual(Array.from(p.w));
          // The same edges in the same order (a strict order on edges makes the tree unique).
          expect(Array.from(b.a)).toEqual(Array.from(p.a));
          expect(Array.from(b.b)).toEqual(Array.from(p.b));
          expect(Array.from(b.w)).toEqual(Array.from(p.w));
          const rp = await hdbscan(X, { minClusterSize, distance, spanningTree: 'prim' });
          const rb = await hdbscan(X, { minClusterSize, distance, spanningTree: 'boruvka', pool });
          expect(Array.from(rb.labels)).toEqual(Array.from(rp.labels));
          expect(Array.from(rb.probabilities)).toEqual(Array.from(rp.probabilities));
          expect(Array.from(rb.outlierScores)).toEqual(Array.from(rp.outlierScores));
        }
      }
    });
  }

  it('several blocks of rows on worker threads: the same result as one thread and as Prim', async () => {
    const X = seeded(5, 9000, 3, true, true);
    const one = await hdbscan(X, { minClusterSize: 10 });
    const three = await hdbscan(X, { minClusterSize: 10, pool });
    const prim = await hdbscan(X, { minClusterSize: 10, spanningTree: 'prim' });
    for (const r of [three, prim]) {
      expect(Array.from(r.labels)).toEqual(Array.from(one.labels));
      expect(Array.from(r.probabilities)).toEqual(Array.from(one.probabilities));
      expect(Array.from(r.outlierScores)).toEqual(Array.from(one.outlierScores));
    }
    expect(one.nClusters).toBeGreaterThan(1);
  });

  it('reports progress for the core distances and the tree', async () => {
    const ticks = new Map<string, number>();
    const logger = {
      log() {},
      progress(label: string) {
        ticks.set(label, 0);
        return { tick: (k = 1) => void ticks.set(label, ticks.get(label)! + k), done() {} };
      },
    };
    await hdbscan(density, { minClusterSize: 8, logger });
    expect(ticks.get('HDBSCAN core distances')).toBe(density.nRows);
    expect(ticks.get('HDBSCAN spanning tree')).toBe(density.nRows - 1);
  });
});

describe('hdbscan under Gower against R dbscan::hdbscan(daisy(x, metric = "gower"), minPts)', () => {
  for (const name of ['mixed5gower', 'mixed10gower'] as const) {
    it(`${name}: labels, core distances, membership probabilities and GLOSH scores`, async () => {
      const ds = await referenceRows();
      const gower = fitGowerScale(ds, mixedFeatures);
      const G = gowerMatrix(ds, mixedFeatures, gower);
      const ref = reference[name];
      const r = await hdbscan(G, { minClusterSize: ref.minPts, distance: 'gower', gower });
      expect(ari(Array.from(r.labels), [...ref.labels])).toBe(1);
      expect(Array.from(r.labels, (l) => l < 0)).toEqual(ref.labels.map((l) => l < 0));
      for (let i = 0; i < G.nRows; i++) {
        expect(Math.abs(r.coreDistances[i]! - ref.coreDistance[i]!)).toBeLessThan(1e-9);
        expect(Math.abs(r.probabilities[i]! - ref.probability[i]!)).toBeLessThan(1e-9);
        expect(Math.abs(r.outlierScores[i]! - ref.outlierScore[i]!)).toBeLessThan(1e-9);
      }
      // Assignment: a clustered row is its own nearest clustered row (distance 0 <= its core distance).
      const kept = Array.from(r.labels.keys()).filter((i) => r.labels[i]! >= 0);
      const train: Matrix = {
        data: Float64Array.from(kept.flatMap((i) => Array.from(G.data.subarray(i * 6, i * 6 + 6)))),
        nRows: kept.length,
        nCols: 6,
      };
      const back = assignNearestCoreGower(
        train,
        train,
        Int32Array.from(kept, (i) => r.labels[i]!),
        Float64Array.from(kept, (i) => r.coreDistances[i]!),
        gower,
      );
      expect(Array.from(back)).toEqual(kept.map((i) => r.labels[i]!));
    });
  }

  it('needs the fitted scale', async () => {
    await expect(hdbscan(density, { minClusterSize: 5, distance: 'gower' })).rejects.toThrow(UsageError);
  });
});
