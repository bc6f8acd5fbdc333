import type { Matrix } from '../core/matrix.js';

/** Per-segment mean of the rows of `X` (segments 0..nSegments-1; label -1 = noise is skipped). */
export function segmentCentroids(
  X: Matrix,
  labels: Int32Array,
  nSegments: number,
): { centroids: Float64Array; sizes: Int32Array } {
  const d = X.nCols;
  const centroids = new Float64Array(nSegments * d);
  const sizes = new Int32Array(nSegments);
  for (let i = 0; i < X.nRows; i++) {
    const l = labels[i]!;
    if (l < 0) continue;
    sizes[l]!++;
    for (let j = 0; j < d; j++) centroids[l * d + j]! += X.data[i * d + j]!;
  }
  for (let l = 0; l < nSegments; l++) {
    const s = sizes[l]!;
    if (s > 0) for (let j = 0; j < d; j++) centroids[l * d + j]! /= s;
  }
  return { centroids, sizes };
}

/** Number of segments in labels (max label + 1; noise -1 ignored). */
export function countSegments(labels: Int32Array): number {
  let m = -1;
  for (let i = 0; i < labels.length; i++) if (labels[i]! > m) m = labels[i]!;
  return m + 1;
}

/** One merge made by {@link mergeSmallSegments}. */
export interface SegmentMerge {
  from: number;
  into: number;
  size: number;
}

/**
 * Merge every segment smaller than `minSize` into the segment with the nearest centroid (euclidean), smallest
 * first, recomputing the receiving centroid each time; stops when one segment remains. Returns the map
 * old label → new label (compacted to 0..m-1, in old-label order) and the merges, in the order made.
 * O(k² · d) per merge.
 */
export function mergeSmallSegments(
  X: Matrix,
  labels: Int32Array,
  minSize: number,
): { map: Int32Array; merges: SegmentMerge[] } {
  const k = countSegments(labels);
  const d = X.nCols;
  const { centroids, sizes } = segmentCentroids(X, labels, k);
  const target = Int32Array.from({ length: k }, (_, i) => i);
  const alive = new Uint8Array(k).fill(1);
  const merges: SegmentMerge[] = [];
  const find = (l: number): number => {
    while (target[l] !== l) l = target[l]!;
    return l;
  };
  for (;;) {
    let small = -1;
    let aliveCount = 0;
    for (let l = 0; l < k; l++) {
      if (!alive[l]) continue;
      aliveCount++;
      if (sizes[l]! < minSize && (small < 0 || sizes[l]! < sizes[small]!)) small = l;
    }
    if (small < 0 || aliveCount <= 1) break;
    let best = -1;
    let bestD = Infinity;
    for (let l = 0; l < k; l++) {
      if (!alive[l] || l === small) continue;
      let dist = 0;
      for (let j = 0; j < d; j++) dist += (centroids[small * d + j]! - centroids[l * d + j]!) ** 2;
      if (dist < bestD) {
        bestD = dist;
        best = l;
      }
    }
    const a = sizes[small]!;
    const b = sizes[best]!;
    for (let j = 0; j < d; j++) {
      centroids[best * d + j] = (centroids[best * d + j]! * b + centroids[small * d + j]! * a) / (a + b || 1);
    }
    sizes[best] = a + b;
    alive[small] = 0;
    target[small] = best;
    merges.push({ from: small, into: best, size: a });
  }
  const compact = new Int32Array(k).fill(-1);
  let next = 0;
  for (let l = 0; l < k; l++) if (alive[l]) compact[l] = next++;
  const map = new Int32Array(k);
  for (let l = 0; l < k; l++) map[l] = compact[find(l)]!;
  return { map, merges };
}

/**
 * Canonical segment numbering: by decreasing size, ties broken by the lexicographic order of the segment
 * centroids, then by the old label. Returns the map old → new; noise (-1) is not part of it.
 */
export function canonicalOrder(X: Matrix, labels: Int32Array): Int32Array {
  const k = countSegments(labels);
  const d = X.nCols;
  const { centroids, sizes } = segmentCentroids(X, labels, k);
  const order = Array.from({ length: k }, (_, i) => i);
  order.sort((a, b) => {
    if (sizes[b]! !== sizes[a]!) return sizes[b]! - sizes[a]!;
    for (let j = 0; j < d; j++) {
      const diff = centroids[a * d + j]! - centroids[b * d + j]!;
      if (diff !== 0) return diff;
    }
    return a - b;
  });
  const map = new Int32Array(k);
  order.forEach((old, rank) => (map[old] = rank));
  return map;
}

/** Apply a label map (old → new) in place; -1 stays -1. */
export function relabel(labels: Int32Array, map: Int32Array): Int32Array {
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l >= 0) labels[i] = map[l]!;
  }
  return labels;
}
