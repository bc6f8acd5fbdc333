import type { ClusterDistance, Distance } from '../core/distance.js';
import type { GowerScale } from '../core/gower.js';
import { DataError } from '../core/errors.js';
import type { Matrix } from '../core/matrix.js';
import type { WorkerPool } from '../core/worker-pool.js';
import { computeValidity, type SampledSilhouette } from '../evaluate/metrics.js';
import { euclideanIndexNote, gowerValidity } from '../evaluate/precomputed.js';

/** Profile of one segment: size, share and the mean of every feature. */
export interface SegmentProfile {
  segment: number;
  size: number;
  share: number;
  means: Record<string, number>;
}

/** Quality of a segmentation: sizes, per-segment feature means and the validity indices. */
export interface SegmentQuality {
  nRows: number;
  nSegments: number;
  noise: number;
  features: string[];
  distance: ClusterDistance;
  /** Noise rows (−1) are left out of every index. */
  noisePolicy: 'exclude';
  segments: SegmentProfile[];
  overallMeans: Record<string, number>;
  indices: {
    /** Exact silhouette, or the mean of a seeded sample above `sampleSize` rows (see `silhouetteSampled`). */
    silhouette: number | null;
    silhouetteSampled: SampledSilhouette | null;
    daviesBouldin: number | null;
    calinskiHarabasz: number | null;
    dunn: number | null;
    inertia: number | null;
  };
  /** Why some indices are null (e.g. a single segment). */
  notes: string[];
}

/**
 * Sizes, feature means and validity indices of labelled rows (labels: integers ≥ 0, −1 = noise). Silhouette and
 * Dunn cost O(n²): above `sampleSize` rows the silhouette is estimated on a seeded sample with an interval and
 * Dunn is computed on the same number of sampled rows. With fewer than 2 segments the indices are null and a note
 * says why. Davies-Bouldin and Calinski-Harabasz are null with a note under a distance other than euclidean (they
 * measure euclidean centroid dispersion). Under Gower's distance (`gower`: X from `gowerMatrix`) the silhouette and
 * Dunn come from Gower distances computed row by row, inertia is null, and the means skip missing values
 * (categorical columns: the mean of level indices, not shown as a profile).
 */
export async function segmentQuality(
  X: Matrix,
  labels: Int32Array,
  features: readonly string[],
  opts: {
    distance?: ClusterDistance;
    gower?: GowerScale | undefined;
    sampleSize: number;
    seed: number;
    pool?: WorkerPool | undefined;
  },
): Promise<SegmentQuality> {
  const n = X.nRows;
  const d = X.nCols;
  const distance = opts.distance ?? 'euclidean';
  let k = 0;
  let noise = 0;
  for (let i = 0; i < n; i++) {
    const l = labels[i]!;
    if (l < 0) noise++;
    else if (l + 1 > k) k = l + 1;
  }
  const sums = new Float64Array(k * d);
  const sizes = new Float64Array(k);
  const all = new Float64Array(d);
  // Under Gower missing values stay (NaN): means over the values present.
  const counted = new Float64Array(k * d);
  const allCounted = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const l = labels[i]!;
    if (l >= 0) sizes[l]!++;
    for (let j = 0; j < d; j++) {
      const v = X.data[i * d + j]!;
      if (Number.isNaN(v)) continue;
      all[j]! += v;
      allCounted[j]!++;
      if (l < 0) continue;
      sums[l * d + j]! += v;
      counted[l * d + j]!++;
    }
  }
  const segments: SegmentProfile[] = [];
  for (let s = 0; s < k; s++) {
    if (sizes[s] === 0) continue;
    const means: Record<string, number> = {};
    features.forEach((f, j) => (means[f] = sums[s * d + j]! / counted[s * d + j]!));
    segments.push({ segment: s, size: sizes[s]!, share: sizes[s]! / n, means });
  }
  const overallMeans: Record<string, number> = {};
  features.forEach((f, j) => (overallMeans[f] = allCounted[j]! > 0 ? all[j]! / allCounted[j]! : NaN));
  const indices: SegmentQuality['indices'] = {
    silhouette: null,
    silhouetteSampled: null,
    daviesBouldin: null,
    calinskiHarabasz: null,
    dunn: null,
    inertia: null,
  };
  const notes: string[] = [];
  const scored = n - noise;
  if (segments.length < 2 || segments.length >= scored) {
    notes.push(
      `validity indices need 2 to n−1 segments among the ${scored} non-noise rows; got ${segments.length}`,
    );
    if (scored > 0) {
      const r = await computeValidity(X, labels, { metrics: ['inertia'] });
      indices.inertia = r.inertia ?? null;
    }
  } else if (opts.gower) {
    const r = gowerValidity(X, labels, opts.gower, { sampleSize: opts.sampleSize, seed: opts.seed });
    indices.silhouette = r.silhouette;
    indices.dunn = r.dunn;
    if (r.sampled)
      notes.push(`silhouette and Dunn (Gower) computed on a seeded sample of ${opts.sampleSize} rows`);
    notes.push("inertia is not computed under Gower's distance (it is a sum of squared euclidean distances)");
  } else {
    const sampled = scored > opts.sampleSize;
    const euclidean = distance === 'euclidean';
    const base = await computeValidity(X, labels, {
      metrics: [
        'inertia',
        ...(euclidean ? (['daviesBouldin', 'calinskiHarabasz'] as const) : []),
        ...(sampled ? (['silhouetteSampled'] as const) : (['silhouette', 'dunn'] as const)),
      ],
      distance: distance as Distance,
      pool: opts.pool,
      sampleSize: opts.sampleSize,
      seed: opts.seed,
    });
    indices.inertia = base.inertia ?? null;
    indices.daviesBouldin = base.daviesBouldin ?? null;
    indices.calinskiHarabasz = base.calinskiHarabasz ?? null;
    if (sampled) {
      indices.silhouetteSampled = base.silhouetteSampled ?? null;
      indices.silhouette = base.silhouetteSampled?.mean ?? null;
      notes.push(
        `silhouette estimated on a seeded sample of ${opts.sampleSize} rows; Dunn skipped above ${opts.sampleSize} rows`,
      );
    } else {
      indices.silhouette = base.silhouette ?? null;
      indices.dunn = base.dunn ?? null;
    }
  }
  const note = euclideanIndexNote(distance);
  if (note) notes.push(note);
  if (noise > 0) notes.push(`${noise} noise row(s) (segment −1) left out of the indices`);
  if (n === 0) throw new DataError('no rows to report on');
  return {
    nRows: n,
    nSegments: segments.length,
    noise,
    features: [...features],
    distance,
    noisePolicy: 'exclude',
    segments,
    overallMeans,
    indices,
    notes,
  };
}
