import { describe, expect, it } from 'vitest';
import { assignRows } from '../../src/cluster/assign.js';
import { fitClusters, type ClusterParams } from '../../src/cluster/fit.js';
import {
  DEFAULT_MATCH_MIN_JACCARD,
  matchByCentroids,
  matchByMembers,
  type ModelWithIdentity,
} from '../../src/cluster/identity.js';
import { contentHash } from '../../src/core/content-hash.js';
import { modelFormat, type ClusterModel, type KMeansModel } from '../../src/cluster/cluster-model.js';
import { DataError, UsageError } from '../../src/core/errors.js';
import type { Matrix } from '../../src/core/matrix.js';
import { bundleModel } from '../../src/model/bundle.js';
import { keepSegmentIdentity } from '../../src/model/identity.js';

// Three separated groups in 2-D with distinct sizes, so the canonical fit numbers them A = 0, B = 1, C = 2.
const A = Array.from({ length: 8 }, (_, i) => [i % 2, Math.floor(i / 2) % 2]);
const B = Array.from({ length: 6 }, (_, i) => [20 + (i % 2), Math.floor(i / 2)]);
const C = Array.from({ length: 4 }, (_, i) => [(i % 2) + 0.5, 30 + Math.floor(i / 2)]);
const rows = [...A, ...B, ...C];
const X: Matrix = { data: Float64Array.from(rows.flat()), nRows: rows.length, nCols: 2 };
const group = (a: number, b: number, c: number) =>
  Int32Array.from([...A.map(() => a), ...B.map(() => b), ...C.map(() => c)]);

async function fit(params: Partial<ClusterParams> = {}) {
  const f = await fitClusters(
    X,
    ['x', 'y'],
    null,
    { algorithm: 'kmeans', nClusters: 3, ...params } as ClusterParams,
    {
      toolVersion: 'test',
    },
  );
  return f;
}

/** A hand-made baseline: its segments (number, size, centroid over `features`) and its lineage's retired numbers. */
function baseline(
  segments: [number, number, number[]][],
  opts: { features?: string[]; retired?: number[] } = {},
): ClusterModel {
  const m: KMeansModel & { identity?: unknown } = {
    format: modelFormat,
    version: 2,
    toolVersion: 'test',
    features: opts.features ?? ['x', 'y'],
    id: null,
    nRows: segments.reduce((s, [, n]) => s + n, 0),
    noise: 0,
    segments: segments.map(([segment, size, centroid]) => ({ segment, size, centroid })),
    params: {},
    exceptions: [],
    algorithm: 'kmeans',
    centroids: segments.map(([, , c]) => c),
    centroidSegment: segments.map(([s]) => s),
    inertia: 0,
    nIter: 1,
  };
  if (opts.retired)
    m.identity = {
      baseline: null,
      method: 'members',
      matched: [],
      new: [],
      vanished: [],
      retired: opts.retired,
    };
  return bundleModel(m, []);
}

const centroidOf = (g: number[][]) => [0, 1].map((j) => g.reduce((s, r) => s + r[j]!, 0) / g.length);

describe('segment identity across runs', () => {
  it('the fit numbers the groups canonically (the premise of the cases below)', async () => {
    const f = await fit();
    expect(Array.from(f.labels)).toEqual(Array.from(group(0, 1, 2)));
  });

  it('recovers permuted numbers exactly (members), rewriting every label the model holds', async () => {
    const f = await fit();
    const base = baseline(
      [
        [4, 8, centroidOf(A)],
        [0, 6, centroidOf(B)],
        [9, 4, centroidOf(C)],
      ],
      { retired: [11] },
    );
    const before = JSON.stringify(f.model);
    const r = keepSegmentIdentity(X, f.labels, f.model, base, {
      method: 'members',
      baselineLabels: group(4, 0, 9),
    });
    expect(Array.from(r.labels)).toEqual(Array.from(group(4, 0, 9)));
    expect(JSON.stringify(f.model)).toBe(before); // the input model is left alone
    const m = r.model as ModelWithIdentity & KMeansModel;
    expect(m.segments.map((s) => [s.segment, s.size])).toEqual([
      [0, 6],
      [4, 8],
      [9, 4],
    ]);
    expect(m.segments[1]!.centroid).toEqual(centroidOf(A));
    expect([...m.centroidSegment].sort((a, b) => a - b)).toEqual([0, 4, 9]);
    expect(Array.from(assignRows(m, X))).toEqual(Array.from(r.labels));
    expect(m.hash).toBe(contentHash(m));
    expect(m.identity).toEqual({
      baseline: base.hash,
      method: 'members',
      minJaccard: DEFAULT_MATCH_MIN_JACCARD,
      matched: [
        { segment: 0, baseline: 0, size: 6, jaccard: 1 },
        { segment: 4, baseline: 4, size: 8, jaccard: 1 },
        { segment: 9, baseline: 9, size: 4, jaccard: 1 },
      ],
      new: [],
      vanished: [],
      retired: [11],
    });
    expect([...r.map.entries()].sort((a, b) => a[0] - b[0])).toEqual([
      [0, 4],
      [1, 0],
      [2, 9],
    ]);
  });

  it('a split baseline segment: the larger part keeps the number, the other is new above every used number', async () => {
    const f = await fit();
    // Baseline: A and C were one segment (3), B was segment 1; the lineage once used 7.
    const base = baseline(
      [
        [3, 12, [0.5, 10]],
        [1, 6, centroidOf(B)],
      ],
      { retired: [7] },
    );
    const r = keepSegmentIdentity(X, f.labels, f.model, base, {
      method: 'members',
      baselineLabels: group(3, 1, 3),
    });
    expect(Array.from(r.labels)).toEqual(Array.from(group(3, 1, 8)));
    expect(r.identity.matched).toEqual([
      { segment: 1, baseline: 1, size: 6, jaccard: 1 },
      { segment: 3, baseline: 3, size: 8, jaccard: 8 / 12 },
    ]);
    expect(r.identity.new).toEqual([{ segment: 8, size: 4, closest: { baseline: 3, jaccard: 4 / 12 } }]);
    expect(r.identity.vanished).toEqual([]);
    expect(r.identity.retired).toEqual([7]);

    // A stricter threshold rejects the 8/12 pair: A and C both new, in decreasing size; 3 vanishes and retires.
    const strict = keepSegmentIdentity(X, f.labels, f.model, base, {
      method: 'members',
      baselineLabels: group(3, 1, 3),
      minJaccard: 0.7,
    });
    expect(Array.from(strict.labels)).toEqual(Array.from(group(8, 1, 9)));
    expect(strict.identity.new.map((s) => [s.segment, s.size])).toEqual([
      [8, 8],
      [9, 4],
    ]);
    expect(strict.identity.vanished).toEqual([{ segment: 3, size: 12 }]);
    expect(strict.identity.retired).toEqual([3, 7]);
  });

  it('merged baseline segments: the largest overlap keeps its number, the other vanishes and retires', async () => {
    const f = await fit();
    // Baseline: B was two segments, 1 (its first 4 rows) and 2 (its last 2).
    const base = baseline([
      [0, 8, centroidOf(A)],
      [1, 4, [20.5, 0.5]],
      [2, 2, [20.5, 2]],
      [3, 4, centroidOf(C)],
    ]);
    const labels = Int32Array.from([...A.map(() => 0), 1, 1, 1, 1, 2, 2, ...C.map(() => 3)]);
    const r = keepSegmentIdentity(X, f.labels, f.model, base, { method: 'members', baselineLabels: labels });
    expect(Array.from(r.labels)).toEqual(Array.from(group(0, 1, 3)));
    expect(r.identity.matched.map((m) => [m.segment, m.jaccard])).toEqual([
      [0, 1],
      [1, 4 / 6],
      [3, 1],
    ]);
    expect(r.identity.new).toEqual([]);
    expect(r.identity.vanished).toEqual([{ segment: 2, size: 2 }]);
    expect(r.identity.retired).toEqual([2]);
    // fewer segments than the baseline's numbers: the model's numbers are not contiguous
    expect(r.model.segments.map((s) => s.segment)).toEqual([0, 1, 3]);
    expect(Array.from(assignRows(r.model, X))).toEqual(Array.from(r.labels));
  });

  it('noise never matches: rows the baseline calls noise give no partner, and the fit keeps its noise', () => {
    const p = matchByMembers(group(0, 1, 2), group(-1, 5, 6), 0.2);
    expect(p.pairs.map((x) => [x.fitted, x.baseline])).toEqual([
      [1, 5],
      [2, 6],
    ]);
    expect(p.closest.has(0)).toBe(false);
    const q = matchByMembers(Int32Array.of(-1, -1, 0, 0), Int32Array.of(-1, -1, 3, 3), 0.2);
    expect(q.pairs).toEqual([{ fitted: 0, baseline: 3, jaccard: 1 }]);
  });

  it('DBSCAN: core segments are renumbered and noise stays −1', async () => {
    const pts = [...rows, [100, 100]];
    const Xn: Matrix = { data: Float64Array.from(pts.flat()), nRows: pts.length, nCols: 2 };
    const f = await fitClusters(
      Xn,
      ['x', 'y'],
      null,
      { algorithm: 'dbscan', eps: 2.5, minSamples: 3 },
      {
        toolVersion: 'test',
      },
    );
    expect(Array.from(f.labels)).toEqual([...group(0, 1, 2), -1]);
    const base = baseline([
      [2, 8, centroidOf(A)],
      [5, 6, centroidOf(B)],
      [1, 4, centroidOf(C)],
    ]);
    const r = keepSegmentIdentity(Xn, f.labels, f.model, base, {
      method: 'members',
      baselineLabels: Int32Array.from([...group(2, 5, 1), 1]),
    });
    expect(Array.from(r.labels)).toEqual([...group(2, 5, 1), -1]);
    expect(Array.from(assignRows(r.model, Xn))).toEqual(Array.from(r.labels));
    expect(r.model.noise).toBe(1);
  });

  it('hierarchical: the training exceptions still reproduce the fit after renumbering', async () => {
    const f = await fitClusters(
      X,
      ['x', 'y'],
      null,
      { algorithm: 'hierarchical', nClusters: 3, linkage: 'single' },
      {
        toolVersion: 'test',
      },
    );
    const base = baseline([
      [7, 8, centroidOf(A)],
      [3, 6, centroidOf(B)],
      [5, 4, centroidOf(C)],
    ]);
    const r = keepSegmentIdentity(X, f.labels, f.model, base, { method: 'centroids' });
    expect(Array.from(r.labels)).toEqual(Array.from(group(7, 3, 5)));
    expect(Array.from(assignRows(r.model, X))).toEqual(Array.from(r.labels));
  });

  it('hierarchical: a row tied between two centroids keeps its segment when renumbering reorders the segments', () => {
    // Segment 0 = {-1, 1} (centroid 0), segment 1 = {2}: row 1 is at distance 1 from both centroids, and the rule
    // gives ties to the first segment in the model's order — 0 here, but 2 comes first once renumbered.
    const X1: Matrix = { data: Float64Array.of(-1, 1, 2), nRows: 3, nCols: 1 };
    const model: ClusterModel = {
      format: modelFormat,
      version: 2,
      toolVersion: 'test',
      features: ['x'],
      id: null,
      nRows: 3,
      noise: 0,
      segments: [
        { segment: 0, size: 2, centroid: [0] },
        { segment: 1, size: 1, centroid: [2] },
      ],
      params: {},
      exceptions: [],
      algorithm: 'hierarchical',
      linkage: 'single',
      metric: 'euclidean',
      dendrogram: null,
    };
    expect(Array.from(assignRows(model, X1))).toEqual([0, 0, 1]);
    const base = baseline(
      [
        [5, 2, [0]],
        [2, 1, [2]],
      ],
      { features: ['x'] },
    );
    const r = keepSegmentIdentity(X1, Int32Array.of(0, 0, 1), model, base, {
      method: 'members',
      baselineLabels: Int32Array.of(5, 5, 2),
    });
    expect(Array.from(r.labels)).toEqual([5, 5, 2]);
    expect(r.model.exceptions).toEqual([{ values: [1], segment: 5 }]);
    expect(Array.from(assignRows(r.model, X1))).toEqual([5, 5, 2]);
  });

  it('centroids: pairs by the nearest centroids, features matched by name, every Hungarian pair accepted', async () => {
    const f = await fit();
    // Baseline features in the other order; centroids shifted a little; two segments only.
    const swap = (c: number[]) => [c[1]! + 0.3, c[0]! - 0.2];
    const base = baseline(
      [
        [6, 10, swap(centroidOf(B))],
        [2, 8, swap(centroidOf(A))],
      ],
      { features: ['y', 'x'] },
    );
    const r = keepSegmentIdentity(X, f.labels, f.model, base, { method: 'centroids' });
    expect(Array.from(r.labels)).toEqual(Array.from(group(2, 6, 7)));
    expect(r.identity.method).toBe('centroids');
    expect(r.identity.minJaccard).toBeUndefined();
    for (const m of r.identity.matched) expect(m.distance).toBeCloseTo(Math.hypot(0.3, 0.2), 12);
    expect(r.identity.new).toEqual([
      { segment: 7, size: 4, closest: { baseline: 2, distance: expect.any(Number) as number } },
    ]);
    // More baseline segments than fitted ones: the far one vanishes even though its centroid is the nearest to none.
    const wide = baseline([
      [0, 8, centroidOf(A)],
      [1, 6, centroidOf(B)],
      [2, 4, centroidOf(C)],
      [3, 1, [500, 500]],
    ]);
    const p = matchByCentroids(f.model, wide);
    expect(p.pairs.map((x) => [x.fitted, x.baseline])).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
    ]);
    const w = keepSegmentIdentity(X, f.labels, f.model, wide, { method: 'centroids' });
    expect(w.identity.vanished).toEqual([{ segment: 3, size: 1 }]);
    expect(w.identity.retired).toEqual([3]);
  });

  it('refuses what cannot be compared', async () => {
    const f = await fit();
    const other = baseline([[0, 18, [0, 0]]], { features: ['x', 'z'] });
    expect(() => keepSegmentIdentity(X, f.labels, f.model, other, { method: 'centroids' })).toThrow(
      DataError,
    );
    expect(() => keepSegmentIdentity(X, f.labels, f.model, other, { method: 'centroids' })).toThrow(
      /features \(x, z\) differ from this fit's \(x, y\)/,
    );
    expect(() => keepSegmentIdentity(X, f.labels, f.model, other, { method: 'members' })).toThrow(UsageError);
    expect(() =>
      keepSegmentIdentity(X, f.labels, f.model, other, {
        method: 'members',
        baselineLabels: Int32Array.of(0),
      }),
    ).toThrow(DataError);
    expect(() => matchByMembers(f.labels, f.labels, 1.5)).toThrow(UsageError);
    // members do not need the same features
    const r = keepSegmentIdentity(X, f.labels, f.model, other, {
      method: 'members',
      baselineLabels: new Int32Array(18),
    });
    expect(r.identity.matched.map((m) => m.segment)).toEqual([0]);
    expect(r.identity.new.map((s) => [s.segment, s.size])).toEqual([
      [1, 6],
      [2, 4],
    ]);
  });
});
