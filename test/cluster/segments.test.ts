import { describe, expect, it } from 'vitest';
import { canonicalOrder, mergeSmallSegments, relabel, segmentCentroids } from '../../src/cluster/segments.js';
import type { Matrix } from '../../src/core/matrix.js';

const m = (rows: number[][]): Matrix => ({
  data: Float64Array.from(rows.flat()),
  nRows: rows.length,
  nCols: rows[0]!.length,
});

describe('segment bookkeeping', () => {
  const X = m([[0], [1], [10], [11], [12], [50], [-100]]);

  it('computes centroids and sizes, skipping noise', () => {
    const { centroids, sizes } = segmentCentroids(X, Int32Array.of(0, 0, 1, 1, 1, 2, -1), 3);
    expect(Array.from(sizes)).toEqual([2, 3, 1]);
    expect(Array.from(centroids)).toEqual([0.5, 11, 50]);
  });

  it('numbers segments by decreasing size, ties by centroid', () => {
    const labels = Int32Array.of(2, 2, 0, 0, 0, 1, -1);
    const map = canonicalOrder(X, labels);
    expect(Array.from(relabel(labels, map))).toEqual([1, 1, 0, 0, 0, 2, -1]);
    const tie = m([[5], [6], [1], [2]]);
    expect(Array.from(canonicalOrder(tie, Int32Array.of(0, 0, 1, 1)))).toEqual([1, 0]);
  });

  it('merges small segments into the nearest one, smallest first', () => {
    const labels = Int32Array.of(0, 0, 1, 1, 1, 2, -1);
    const { map, merges } = mergeSmallSegments(X, labels, 3);
    // segment 2 (size 1, at 50) joins segment 1 (centroid 11); then segment 0 (size 2) joins the merged one.
    expect(merges).toEqual([
      { from: 2, into: 1, size: 1 },
      { from: 0, into: 1, size: 2 },
    ]);
    expect(Array.from(map)).toEqual([0, 0, 0]);
  });

  it('keeps everything when no segment is small', () => {
    const { map, merges } = mergeSmallSegments(X, Int32Array.of(0, 0, 1, 1, 1, 2, -1), 1);
    expect(merges).toEqual([]);
    expect(Array.from(map)).toEqual([0, 1, 2]);
  });
});
