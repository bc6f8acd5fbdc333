import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assignRows } from '../../src/cluster/assign.js';
import { modelFormat, type ClusterModel, type KMeansModel } from '../../src/cluster/cluster-model.js';
import { priorWeights, updatableModel, updateKMeans, type UpdatableModel } from '../../src/cluster/update.js';
import { DataError, UsageError } from '../../src/core/errors.js';
import type { Matrix } from '../../src/core/matrix.js';
import { bundleModel, loadModel } from '../../src/model/bundle.js';
import { fixtures } from '../helpers/cli.js';

const record = { input: { sha256: 'ab'.repeat(32), rows: 0 }, from: 'sha256:old', toolVersion: 'test' };

/** A k-means model with one centre per segment (segment order = centre order unless `centroidSegment` says). */
function kmeansModel(
  segments: { segment: number; size: number; centroid: number[]; name?: string }[],
  extra: Partial<KMeansModel> = {},
): KMeansModel {
  return {
    format: modelFormat,
    version: 2,
    toolVersion: 'test',
    features: segments[0]!.centroid.map((_, t) => `x${t}`),
    id: null,
    nRows: segments.reduce((s, x) => s + x.size, 0),
    noise: 0,
    segments,
    params: {},
    exceptions: [],
    algorithm: 'kmeans',
    centroids: segments.map((s) => [...s.centroid]),
    centroidSegment: segments.map((s) => s.segment),
    inertia: 0,
    nIter: 1,
    ...extra,
  };
}

const matrix = (rows: number[][]): Matrix => ({
  data: Float64Array.from(rows.flat()),
  nRows: rows.length,
  nCols: rows[0]?.length ?? 0,
});

function update(model: ClusterModel, rows: number[][], decay: number) {
  const X = matrix(rows);
  return updateKMeans(model, X, assignRows(model, X), decay, {
    ...record,
    input: { ...record.input, rows: X.nRows },
  });
}

describe('updateKMeans: c′ = (decay·w·c + Σx) / (decay·w + n), w′ = decay·w + n', () => {
  it('a toy case computed by hand (2 segments, decay 0.5)', () => {
    const model = kmeansModel([
      { segment: 0, size: 2, centroid: [0, 0], name: 'Near' },
      { segment: 1, size: 4, centroid: [10, 0], name: 'Far' },
    ]);
    // Rows (2,0), (4,2) go to segment 0 and (12,0) to segment 1.
    const r = update(
      model,
      [
        [2, 0],
        [4, 2],
        [12, 0],
      ],
      0.5,
    );
    // Segment 0: decay·w = 0.5·2 = 1, Σx = (6, 2), n = 2 → c′ = (6, 2) / 3 = (2, 2/3), w′ = 3.
    // Segment 1: decay·w = 0.5·4 = 2, Σx = (12, 0), n = 1 → c′ = (2·10 + 12, 0) / 3 = (32/3, 0), w′ = 3.
    expect(r.model.centroids[0]![0]).toBeCloseTo(2, 14);
    expect(r.model.centroids[0]![1]).toBeCloseTo(2 / 3, 14);
    expect(r.model.centroids[1]![0]).toBeCloseTo(32 / 3, 14);
    expect(r.model.centroids[1]![1]).toBe(0);
    expect(r.model.segments.map((s) => s.centroid)).toEqual(r.model.centroids);
    expect(r.segments).toEqual([
      { segment: 0, weightBefore: 2, rows: 2, weightAfter: 3, shift: expect.any(Number) },
      { segment: 1, weightBefore: 4, rows: 1, weightAfter: 3, shift: expect.any(Number) },
    ]);
    // shift: |(2, 2/3)| = √(4 + 4/9) = √40 / 3; |(2/3, 0)| = 2/3.
    expect(r.segments[0]!.shift).toBeCloseTo(Math.sqrt(40) / 3, 14);
    expect(r.segments[1]!.shift).toBeCloseTo(2 / 3, 14);
    expect(r.model.segments.map((s) => [s.segment, s.size, s.name])).toEqual([
      [0, 3, 'Near'],
      [1, 3, 'Far'],
    ]);
    expect(r.model.updates).toEqual([
      {
        input: { sha256: 'ab'.repeat(32), rows: 3 },
        decay: 0.5,
        from: 'sha256:old',
        weights: [3, 3],
        exceptionsDropped: 0,
      },
    ]);
    // The input model is not changed.
    expect(model.centroids).toEqual([
      [0, 0],
      [10, 0],
    ]);
  });

  it('a segment with no new row keeps its centre, its weight decays; the next update starts from the recorded weights', () => {
    const model = kmeansModel([
      { segment: 0, size: 10, centroid: [0] },
      { segment: 1, size: 10, centroid: [100] },
    ]);
    const first = update(model, [[1], [3]], 0.5);
    // Segment 0: (5·0 + 4) / 7; segment 1: no row, centre kept, weight 5.
    expect(first.model.centroids).toEqual([[4 / 7], [100]]);
    expect(priorWeights(first.model)).toEqual([7, 5]);
    expect(first.segments[1]).toEqual({ segment: 1, weightBefore: 10, rows: 0, weightAfter: 5, shift: 0 });
    const second = update(bundleModel(first.model, []), [[99]], 0.8);
    // Segment 1: decay·w = 0.8·5 = 4 → (4·100 + 99) / 5 = 99.8, w′ = 5; segment 0: 0.8·7 = 5.6 (size 6).
    expect(second.model.centroids[1]![0]).toBeCloseTo(99.8, 12);
    expect(priorWeights(second.model)[0]).toBeCloseTo(5.6, 14);
    expect(second.model.segments.map((s) => s.size)).toEqual([6, 5]);
    expect(second.model.updates).toHaveLength(2);
    expect(second.model.updates![1]!.from).toBe('sha256:old');
  });

  it('decay 0 forgets the past: the centre is the mean of its new rows', () => {
    const model = kmeansModel([
      { segment: 0, size: 50, centroid: [0, 0] },
      { segment: 1, size: 50, centroid: [10, 10] },
    ]);
    const r = update(
      model,
      [
        [1, 1],
        [2, 3],
        [9, 9],
      ],
      0,
    );
    expect(r.model.centroids).toEqual([
      [1.5, 2],
      [9, 9],
    ]);
    expect(r.model.segments.map((s) => s.size)).toEqual([2, 1]);
  });

  it('keeps numbers that are not positions: centres are matched to segments through centroidSegment', () => {
    // Segments listed 7 then 2; centres listed for 2 then 7.
    const model = kmeansModel(
      [
        { segment: 7, size: 3, centroid: [0] },
        { segment: 2, size: 1, centroid: [10] },
      ],
      { centroids: [[10], [0]], centroidSegment: [2, 7] },
    );
    const r = update(model, [[1], [11]], 1);
    // Segment 7 (centre [0], w 3): (0 + 1) / 4; segment 2 (centre [10], w 1): (10 + 11) / 2.
    expect(r.model.centroids).toEqual([[10.5], [0.25]]);
    expect(r.model.centroidSegment).toEqual([2, 7]);
    expect(r.model.segments.map((s) => [s.segment, s.centroid[0]])).toEqual([
      [7, 0.25],
      [2, 10.5],
    ]);
    expect(r.segments.map((s) => [s.segment, s.rows, s.shift])).toEqual([
      [7, 1, 0.25],
      [2, 1, 0.5],
    ]);
  });

  it('drops training exceptions and records how many; writes the current model version', () => {
    const model = kmeansModel(
      [
        { segment: 0, size: 2, centroid: [0] },
        { segment: 1, size: 2, centroid: [10] },
      ],
      { exceptions: [{ values: [4], segment: 1 }] },
    );
    const r = update({ ...model, version: 1 }, [[4]], 1);
    // Written in the current version (a version 1 file has no content hash; the bundle gets one).
    expect(r.model.version).toBe(2);
    // The exception sends 4 to segment 1 under the old model, so segment 1 moves: (2·10 + 4) / 3 = 8.
    expect(r.model.centroids).toEqual([[0], [8]]);
    expect(r.model.exceptions).toEqual([]);
    expect(r.model.updates![0]!.exceptionsDropped).toBe(1);
  });

  it('refuses other algorithms, merged centres and a damaged update record', () => {
    const base = kmeansModel([
      { segment: 0, size: 2, centroid: [0] },
      { segment: 1, size: 2, centroid: [10] },
    ]);
    const { centroids: _c, centroidSegment: _s, inertia: _i, nIter: _n, ...rest } = base;
    const dbscan = {
      ...rest,
      algorithm: 'dbscan',
      eps: 1,
      minSamples: 2,
      metric: 'euclidean',
      cores: [[0], [10]],
      coreSegment: [0, 1],
    } as ClusterModel;
    expect(() => updatableModel(dbscan, 'm.json')).toThrow(UsageError);
    expect(() => updatableModel(dbscan, 'm.json')).toThrow(
      /m\.json: a dbscan model cannot be updated online/,
    );
    const hier = { ...rest, algorithm: 'hierarchical', linkage: 'ward', metric: 'euclidean' } as ClusterModel;
    expect(() => updatableModel(hier, 'm.json')).toThrow(/a hierarchical model/);
    const merged = { ...base, centroids: [[0], [1], [10]], centroidSegment: [0, 0, 1] };
    expect(() => updatableModel(merged, 'm.json')).toThrow(
      /segment 0 has 2 k-means centres \(merged by --min-size\)/,
    );
    const bad = { ...base, updates: [{ weights: [1] }] } as unknown as UpdatableModel;
    expect(() => updatableModel(bad, 'm.json')).toThrow(DataError);
    expect(() => update(base, [[1]], 1.5)).toThrow(/--decay must be in \[0, 1\]/);
  });
});

// Reference from scikit-learn 1.2.1 (Debian python3-sklearn) and numpy, on fixtures/blobs.csv (x0..x3): rows 1–400
// are the old rows, rows 401–600 the new ones.
//   init = per-label means of the old rows
//   m = MiniBatchKMeans(n_clusters=4, init=init, n_init=1, batch_size=400, reassignment_ratio=0)
//   m.partial_fit(old)  → cluster_centers_ = C0, _counts = N0 (each centre the mean of its nearest old rows)
//   m.partial_fit(new)  → cluster_centers_ = C1, _counts = N1 (one mini-batch step: the update with decay 1)
// C9 / W9: the update formula with decay 0.9 from (C0, N0), computed in numpy (nearest centre by squared distance,
// c′ = (0.9·N0·c + Σx) / (0.9·N0 + n)); shift9 = ‖C9 − C0‖ per centre.
const C0 = [
  [-5.298972520000001, 0.9359236500000004, 5.767948450000001, -0.28864479000000004],
  [-0.4941405757575761, 7.32426382828283, -8.830208323232325, 4.632342666666665],
  [-1.2842497400000001, 0.08127849000000001, 7.925373379999999, -9.57785979],
  [-1.3669807821782178, 6.404875940594057, -5.822404980198021, 5.800435257425744],
];
const N0 = [100, 99, 100, 101];
const C1 = [
  [-5.254107693333335, 1.002774706666667, 5.76507784, -0.2843986],
  [-0.511818496503497, 7.366411825174829, -8.863964370629375, 4.661257160839158],
  [-1.2454510533333334, 0.08447992666666666, 7.977878826666669, -9.549674213333331],
  [-1.3900799554140133, 6.374153522292997, -5.837128815286625, 5.67077284713376],
];
const N1 = [150, 143, 150, 157];
const C9 = [
  [-5.250903062857144, 1.0075497821428574, 5.764872796428572, -0.2840953007142858],
  [-0.5131333831705486, 7.369546800150264, -8.866475151014274, 4.663407825694964],
  [-1.2426797185714284, 0.08470860071428571, 7.9816292157142845, -9.547660957857142],
  [-1.3916681218515996, 6.372041225323348, -5.838141141592922, 5.661858004765148],
];
const W9 = [140.0, 133.10000000000002, 140.0, 146.9];
const shift9 = [0.08643571607505379, 0.0684952639048287, 0.07626611866215145, 0.14539210775507233];

describe('updateKMeans against scikit-learn MiniBatchKMeans.partial_fit and numpy', () => {
  const lines = readFileSync(join(fixtures, 'blobs.csv'), 'utf8').trim().split('\n').slice(1);
  const newRows = lines.slice(400).map((l) => l.split(',').slice(0, 4).map(Number));
  const model = kmeansModel(C0.map((c, i) => ({ segment: i, size: N0[i]!, centroid: c })));
  const expectClose = (got: number[][], want: number[][]) =>
    got.forEach((row, i) => row.forEach((v, t) => expect(Math.abs(v - want[i]![t]!)).toBeLessThan(1e-12)));

  it('decay 1 equals one partial_fit step from counts equal to the segment sizes', () => {
    const r = update(model, newRows, 1);
    expect(newRows).toHaveLength(200);
    expectClose(r.model.centroids, C1);
    expect(r.segments.map((s) => s.weightAfter)).toEqual(N1);
    expect(r.model.segments.map((s) => s.size)).toEqual(N1);
  });

  it('decay 0.9 equals the numpy computation of the formula', () => {
    const r = update(model, newRows, 0.9);
    expectClose(r.model.centroids, C9);
    r.segments.forEach((s, i) => {
      expect(s.weightAfter).toBeCloseTo(W9[i]!, 12);
      expect(s.shift).toBeCloseTo(shift9[i]!, 12);
    });
    expect(r.segments.map((s) => s.rows)).toEqual([50, 44, 50, 56]);
    expect(r.model.segments.map((s) => s.size)).toEqual([140, 133, 140, 147]);
  });

  it('the updated bundle loads as a normal model', async () => {
    const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'segment-update-'));
    try {
      const bundled = bundleModel(update(model, newRows, 0.9).model, []);
      writeFileSync(join(dir, 'm.json'), JSON.stringify(bundled) + '\n');
      const back = (await loadModel(join(dir, 'm.json'))) as UpdatableModel;
      expect(back.updates![0]!.weights).toEqual(W9);
      expect(back.hash).toBe(bundled.hash);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
