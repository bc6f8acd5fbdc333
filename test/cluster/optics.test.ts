import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { around15, extractDbscan, extractXi, optics, type OpticsParams } from '../../src/cluster/optics.js';
import { DataError, UsageError } from '../../src/core/errors.js';
import type { Matrix } from '../../src/core/matrix.js';
import { WorkerPool } from '../../src/core/worker-pool.js';
import { fitClusters } from '../../src/cluster/fit.js';
import { assignRows } from '../../src/cluster/assign.js';
import { checkClusterModel } from '../../src/cluster/cluster-model.js';
import { reference } from './optics-reference.js';
import { referenceR } from './optics-reference-r.js';

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

const density = csvMatrix('fixtures/density2d.csv', ['x', 'y']);
const blobs = csvMatrix('fixtures/blobs.csv', ['x0', 'x1', 'x2', 'x3']);
const pool = new WorkerPool(3);
afterAll(() => pool.close());

type Case = (typeof reference)[keyof typeof reference];
const inf = (v: readonly (number | null)[]): number[] => v.map((x) => x ?? Infinity);

/** scikit-learn's OPTICS(**params) as this module's parameters. */
function paramsOf(c: Case): OpticsParams {
  const p = c.params as Record<string, number | string | null>;
  return {
    minSamples: p['min_samples'] as number,
    ...(p['max_eps'] !== undefined ? { maxEps: (p['max_eps'] as number | null) ?? Infinity } : {}),
    ...(p['cluster_method'] !== undefined ? { clusterMethod: p['cluster_method'] as 'xi' | 'dbscan' } : {}),
    ...(p['xi'] !== undefined ? { xi: p['xi'] as number } : {}),
    ...(p['eps'] !== undefined ? { eps: p['eps'] as number } : {}),
    ...(p['min_cluster_size'] !== undefined ? { minClusterSize: p['min_cluster_size'] as number } : {}),
    ...(p['metric'] !== undefined ? { distance: p['metric'] as 'manhattan' } : {}),
  };
}

describe('optics against scikit-learn (scripts/optics-reference.py)', () => {
  const cases: [keyof typeof reference, Matrix][] = [
    ['density8', density],
    ['density20', density],
    ['density8mcs30', density],
    ['density8maxeps', density],
    ['density8dbscan', density],
    ['density10manhattan', density],
    ['blobs10', blobs],
    ['blobs10dbscan', blobs],
  ];
  for (const [name, X] of cases) {
    it(`${name}: ordering, predecessors and labels exactly, distances to 1e-12`, async () => {
      const c = reference[name];
      const r = await optics(X, { ...paramsOf(c), pool });
      expect(Array.from(r.ordering)).toEqual([...c.ordering]);
      expect(Array.from(r.predecessor)).toEqual([...c.predecessor]);
      const close = (got: Float64Array, want: number[]): void => {
        expect(got.length).toBe(want.length);
        for (let i = 0; i < want.length; i++) {
          if (want[i] === Infinity) expect(got[i]).toBe(Infinity);
          else expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, want[i]!));
        }
      };
      close(r.reachability, inf(c.reachability));
      close(r.coreDistances, inf(c.coreDistances));
      expect(Array.from(r.labels)).toEqual([...c.labels]);
    });
  }
});

describe("optics against R's dbscan::optics (scripts/optics-reference.R)", () => {
  const cases: [keyof typeof referenceR, Matrix][] = [
    ['density8', density],
    ['density8maxeps', density],
    ['density20', density],
    ['blobs10', blobs],
  ];
  for (const [name, X] of cases) {
    it(`${name}: with R's ties, ordering and predecessors exactly, distances to 1e-12`, async () => {
      const c = referenceR[name];
      const r = await optics(X, {
        minSamples: c.minPts,
        maxEps: c.maxEps ?? Infinity,
        ties: 'R',
        ...('epsCl' in c ? { clusterMethod: 'dbscan' as const, eps: c.epsCl } : {}),
      });
      expect(Array.from(r.ordering)).toEqual([...c.order]);
      if (c.maxEps === null) expect(Array.from(r.predecessor)).toEqual([...c.predecessor]);
      else {
        // With a finite eps, R names for some rows a predecessor farther than eps (a row that cannot have reached
        // them); the other rows must agree exactly.
        const d = X.nCols;
        let far = 0;
        c.predecessor.forEach((p, i) => {
          let s = 0;
          for (let t = 0; t < d && p >= 0; t++) s += (X.data[i * d + t]! - X.data[p * d + t]!) ** 2;
          if (p >= 0 && Math.sqrt(s) > c.maxEps!) far++;
          else expect(r.predecessor[i], `row ${i}`).toBe(p);
        });
        expect(far).toBeLessThanOrEqual(10);
      }
      const want = inf(c.reachdist);
      for (let i = 0; i < want.length; i++) {
        if (want[i] === Infinity) expect(r.reachability[i]).toBe(Infinity);
        else
          expect(Math.abs(r.reachability[i]! - want[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, want[i]!));
      }
      if ('labels' in c) expect(Array.from(r.labels)).toEqual([...c.labels]);
    });
  }
});

describe('optics details', () => {
  it('rounds as numpy.around(x, 15) (half to even after scaling)', () => {
    // Values from numpy: np.around([0.1 + 0.2, 2.5e-15, 3.5e-15, 1/3, 12.345678901234567], 15).
    expect(around15(0.1 + 0.2)).toBe(0.3);
    expect(around15(2.5e-15)).toBe(2e-15);
    expect(around15(3.5e-15)).toBe(4e-15);
    expect(around15(1 / 3)).toBe(0.333333333333333);
    expect(around15(12.345678901234567)).toBe(12.345678901234567);
    expect(around15(Infinity)).toBe(Infinity);
  });

  it('a finite max-eps beyond every distance gives the unbounded result (kd-tree path = dense path)', async () => {
    const a = await optics(density, { minSamples: 8 });
    const b = await optics(density, { minSamples: 8, maxEps: 1e6 });
    expect(Array.from(b.ordering)).toEqual(Array.from(a.ordering));
    expect(Array.from(b.reachability)).toEqual(Array.from(a.reachability));
    expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
  });

  it('reports the ordering as progress, one unit per row, on both paths', async () => {
    for (const maxEps of [Infinity, 1]) {
      const seen: { label: string; total?: number; ticks: number; done: boolean }[] = [];
      const logger = {
        log() {},
        progress(label: string, total?: number) {
          const p = { label, total, ticks: 0, done: false };
          seen.push(p);
          return { tick: (k = 1) => void (p.ticks += k), done: () => void (p.done = true) };
        },
      };
      await optics(density, { minSamples: 8, maxEps, logger });
      expect(seen).toEqual([{ label: 'OPTICS ordering', total: 380, ticks: 380, done: true }]);
    }
  });

  it('does not depend on the thread count', async () => {
    const one = await optics(blobs, { minSamples: 10, maxEps: 3 });
    const three = await optics(blobs, { minSamples: 10, maxEps: 3, pool });
    expect(Array.from(three.ordering)).toEqual(Array.from(one.ordering));
    expect(Array.from(three.coreDistances)).toEqual(Array.from(one.coreDistances));
  });

  it('extracts DBSCAN labels along the ordering (cluster_optics_dbscan by hand)', () => {
    // Ordering 0..4: a core row starts a cluster, a far non-core row is noise, a near row joins.
    const reach = Float64Array.from([Infinity, 0.1, 5, 0.2, 7]);
    const core = Float64Array.from([0.1, 0.1, 0.2, 0.3, 9]);
    const labels = extractDbscan(reach, core, Int32Array.from([0, 1, 2, 3, 4]), 0.5);
    expect(Array.from(labels)).toEqual([0, 0, 1, 1, -1]);
  });

  it('finds the xi clusters of two valleys and their parent (as scikit-learn _xi_cluster on the same plot)', () => {
    // np.array(_xi_cluster(r, pred, order, 0.1, 2, 3, True)) = [[0, 5], [7, 12], [0, 12]];
    // _extract_xi_labels = [0, 0, 0, 0, 0, 0, -1, 1, 1, 1, 1, 1, 1].
    const reach = Float64Array.from([Infinity, 10, 1, 1, 1, 1, 10, 10, 1, 1, 1, 1, 20]);
    const order = Int32Array.from({ length: 13 }, (_, i) => i);
    const pred = Int32Array.from({ length: 13 }, (_, i) => i - 1);
    const o = { minSamples: 2, minClusterSize: 3, xi: 0.1, predecessorCorrection: true };
    const r = extractXi(reach, pred, order, o);
    expect(r.clusters).toEqual([
      [0, 5],
      [7, 12],
      [0, 12],
    ]);
    expect(Array.from(r.labels)).toEqual([0, 0, 0, 0, 0, 0, -1, 1, 1, 1, 1, 1, 1]);
  });

  it('refuses bad parameters with a usage error and too few rows with a data error', async () => {
    await expect(optics(density, { minSamples: 1 })).rejects.toThrow(UsageError);
    await expect(optics(density, { minSamples: 5, xi: 1 })).rejects.toThrow(/xi/);
    await expect(optics(density, { minSamples: 5, xi: 0 })).rejects.toThrow(UsageError);
    await expect(optics(density, { minSamples: 5, clusterMethod: 'dbscan' })).rejects.toThrow(/needs eps/);
    await expect(
      optics(density, { minSamples: 5, clusterMethod: 'dbscan', eps: 2, maxEps: 1 }),
    ).rejects.toThrow(/above max-eps/);
    await expect(optics(density, { minSamples: 5, eps: 1 })).rejects.toThrow(/dbscan cluster method/);
    await expect(optics(density, { minSamples: 5, distance: 'cosine' })).rejects.toThrow(UsageError);
    await expect(optics(mat([[0], [1]]), { minSamples: 3 })).rejects.toThrow(DataError);
  });
});

describe('optics through fitClusters: model and assignment rule', () => {
  const env = { toolVersion: 'test', pool };

  it('xi: assignRows gives the training rows their fitted labels, and new rows by the core-distance rule', async () => {
    const fit = await fitClusters(density, ['x', 'y'], null, { algorithm: 'optics', minSamples: 8 }, env);
    samePartition(Array.from(fit.labels), reference.density8.labels);
    expect(Array.from(assignRows(fit.model, density))).toEqual(Array.from(fit.labels));
    const m = fit.model;
    if (m.algorithm !== 'optics') throw new Error('not an optics model');
    expect(m).toMatchObject({ clusterMethod: 'xi', xi: 0.05, minClusterSize: 8, eps: null, maxEps: null });
    // A point's own position is within its radius; 1e3 away is outside every radius.
    const p = m.points[0]!;
    const fresh = mat([p, [p[0]! + 1e3, p[1]!]]);
    expect(Array.from(assignRows(m, fresh))).toEqual([m.pointSegment[0], -1]);
    expect(fit.optics!.order.length).toBe(380);
    expect(() => checkClusterModel(m)).not.toThrow();
    expect(() => checkClusterModel({ ...m, eps: 0.5 })).toThrow(/eps/);
  });

  it('dbscan extraction: the radius is eps and only core rows (core distance <= eps) are recorded', async () => {
    const fit = await fitClusters(
      density,
      ['x', 'y'],
      null,
      { algorithm: 'optics', minSamples: 8, eps: 0.5, optics: { clusterMethod: 'dbscan' } },
      env,
    );
    samePartition(Array.from(fit.labels), reference.density8dbscan.labels);
    const m = fit.model;
    if (m.algorithm !== 'optics') throw new Error('not an optics model');
    const core = reference.density8dbscan.coreDistances;
    const nCore = Array.from(fit.labels).filter((l, i) => l >= 0 && core[i]! <= 0.5).length;
    expect(m.points).toHaveLength(nCore);
    expect(m.radius.every((r) => r === 0.5)).toBe(true);
    expect(Array.from(assignRows(m, density))).toEqual(Array.from(fit.labels));
  });

  it('refuses eps auto for the dbscan extraction', async () => {
    await expect(
      fitClusters(
        density,
        ['x', 'y'],
        null,
        { algorithm: 'optics', eps: 'auto', optics: { clusterMethod: 'dbscan' } },
        env,
      ),
    ).rejects.toThrow(UsageError);
  });
});

/** Same partition and the same noise rows (fitClusters numbers segments by size). */
function samePartition(got: number[], want: readonly number[]): void {
  const pairs = new Map<number, number>();
  got.forEach((g, i) => {
    expect(g < 0, `row ${i} noise`).toBe(want[i]! < 0);
    if (g < 0) return;
    if (!pairs.has(g)) pairs.set(g, want[i]!);
    expect(pairs.get(g), `row ${i}`).toBe(want[i]);
  });
  expect(new Set(pairs.values()).size).toBe(pairs.size);
}
