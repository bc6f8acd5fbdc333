import { DataError } from '../core/errors.js';
import { rowDistance } from '../core/distance.js';
import type { Matrix } from '../core/matrix.js';
import { assignToCores } from './dbscan.js';
import { gowerAssignToCores, gowerNearest } from './gower-cluster.js';
import { assignNearestCore, assignNearestCoreGower } from './hdbscan.js';
import { nearestCentroid } from './kmeans.js';
import { nearestMedoid } from './kmedoids.js';
import type { ClusterModel, LabelException } from './cluster-model.js';

function flat(rows: number[][], d: number): Float64Array {
  const out = new Float64Array(rows.length * d);
  rows.forEach((r, i) => out.set(r, i * d));
  return out;
}

/** Rows that may hold missing values (null in a saved Gower model, NaN in a fitted one) as NaN. */
function flatMissing(rows: readonly (readonly (number | null)[])[], d: number): Float64Array {
  const out = new Float64Array(rows.length * d);
  rows.forEach((r, i) => r.forEach((v, j) => (out[i * d + j] = v ?? NaN)));
  return out;
}

/** Key of a row's exact float64 values, for exception lookup. */
function rowKey(data: Float64Array, i: number, d: number): string {
  let k = '';
  for (let t = 0; t < d; t++) k += (t ? ',' : '') + String(data[i * d + t]);
  return k;
}

/**
 * The assignment rule of a model alone, without its exceptions: k-means → segment of the nearest centroid;
 * DBSCAN → segment of the nearest core point within eps, else -1 (Gower: brute force over the cores); HDBSCAN →
 * segment of the nearest training row when within its core distance, else -1; hierarchical → segment with the
 * nearest centroid in the model's metric (Gower: numeric means and categorical modes, −1 when no centre shares a
 * non-missing feature); k-medoids → segment of the nearest medoid (−1 when every Gower distance is undefined: no
 * feature in common); OPTICS → segment of the nearest training point when within its radius (eps, or its core
 * distance for xi), else −1.
 * O(n · centroids · d) (DBSCAN: a spatial index over the cores).
 */
export function assignByRule(model: ClusterModel, X: Matrix): Int32Array {
  const d = X.nCols;
  switch (model.algorithm) {
    case 'kmeans': {
      const { labels } = nearestCentroid(X, flat(model.centroids, d), model.centroids.length);
      for (let i = 0; i < labels.length; i++) labels[i] = model.centroidSegment[labels[i]!]!;
      return labels;
    }
    case 'dbscan': {
      if (model.gower)
        return gowerAssignToCores(X, flatMissing(model.cores, d), model.coreSegment, model.eps, model.gower);
      if (model.metric === 'gower') throw new Error('unreachable: a Gower model without its scale');
      const cores: Matrix = { data: flat(model.cores, d), nRows: model.cores.length, nCols: d };
      return assignToCores(X, cores, Int32Array.from(model.coreSegment), model.eps, model.metric);
    }
    case 'hdbscan': {
      const points = model.points.map((r) => r.map((v) => v ?? NaN));
      const train: Matrix = { data: flat(points, d), nRows: points.length, nCols: d };
      if (model.metric === 'gower') {
        if (!model.gower)
          throw new DataError("the HDBSCAN model's metric is gower but it has no Gower scale");
        return assignNearestCoreGower(
          X,
          train,
          Int32Array.from(model.pointSegment),
          Float64Array.from(model.coreDistances),
          model.gower,
        );
      }
      return assignNearestCore(
        X,
        train,
        Int32Array.from(model.pointSegment),
        Float64Array.from(model.coreDistances),
        model.metric,
      );
    }
    case 'optics': {
      const train: Matrix = { data: flat(model.points, d), nRows: model.points.length, nCols: d };
      return assignNearestCore(
        X,
        train,
        Int32Array.from(model.pointSegment),
        Float64Array.from(model.radius),
        model.metric,
      );
    }
    case 'hierarchical': {
      const c = flat(
        model.segments.map((s) => s.centroid),
        d,
      );
      const k = model.segments.length;
      if (model.gower) {
        const near = gowerNearest(
          X,
          flatMissing(
            model.segments.map((s) => s.centroid),
            d,
          ),
          k,
          model.gower,
        );
        return Int32Array.from(near, (m) => (m < 0 ? -1 : model.segments[m]!.segment));
      }
      const metric = model.metric;
      if (metric === 'gower') throw new Error('unreachable: a Gower model without its scale');
      const labels = new Int32Array(X.nRows);
      for (let i = 0; i < X.nRows; i++) {
        let best = 0;
        let bestD = Infinity;
        for (let s = 0; s < k; s++) {
          const dist = rowDistance(metric, X.data, i, c, s, d);
          if (dist < bestD) {
            bestD = dist;
            best = s;
          }
        }
        labels[i] = model.segments[best]!.segment;
      }
      return labels;
    }
    case 'kmedoids': {
      // Gower input comes from gowerMatrix (categoricals as level indices); a missing medoid value is NaN.
      const M = flat(
        model.medoids.map((r) => r.map((v) => v ?? NaN)),
        d,
      );
      const labels = nearestMedoid(X, M, model.medoids.length, model.metric, model.gower);
      for (let i = 0; i < labels.length; i++)
        labels[i] = labels[i]! < 0 ? -1 : model.medoidSegment[labels[i]!]!;
      return labels;
    }
  }
}

/**
 * Segments of new rows under a saved model: the model's rule, except that rows equal to a recorded training
 * exception get that row's training segment — so assigning the training data reproduces the fit exactly.
 * Never invents a segment.
 * @example
 * const labels = assignRows(model, toMatrix(newRows, model.features));
 */
export function assignRows(model: ClusterModel, X: Matrix): Int32Array {
  const labels = assignByRule(model, X);
  if (model.exceptions.length === 0) return labels;
  const d = X.nCols;
  const lookup = new Map<string, number>();
  // A missing value (NaN) is null in a saved model's JSON: keyed as NaN, as rowKey writes it.
  for (const e of model.exceptions)
    lookup.set(e.values.map((v) => String((v as number | null) ?? NaN)).join(','), e.segment);
  for (let i = 0; i < X.nRows; i++) {
    const s = lookup.get(rowKey(X.data, i, d));
    if (s !== undefined) labels[i] = s;
  }
  return labels;
}

/**
 * Training rows whose fitted label differs from the model's rule (deduplicated by value). `candidates`, when given,
 * restricts the check to those rows: the caller vouches that the rule reproduces every other row (DBSCAN: core and
 * noise rows always agree with it, only border rows can differ).
 */
export function findExceptions(
  model: ClusterModel,
  X: Matrix,
  labels: Int32Array,
  candidates?: Int32Array,
): LabelException[] {
  const d = X.nCols;
  let byRule: Int32Array;
  if (candidates) {
    const sub = new Float64Array(candidates.length * d);
    candidates.forEach((r, i) => sub.set(X.data.subarray(r * d, (r + 1) * d), i * d));
    byRule = assignByRule(model, { data: sub, nRows: candidates.length, nCols: d });
  } else byRule = assignByRule(model, X);
  const seen = new Set<string>();
  const out: LabelException[] = [];
  const count = candidates ? candidates.length : X.nRows;
  for (let k = 0; k < count; k++) {
    const i = candidates ? candidates[k]! : k;
    if (byRule[k] === labels[i]) continue;
    const key = rowKey(X.data, i, d);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      values: Array.from(X.data.subarray(i * d, (i + 1) * d), (v) => (Number.isNaN(v) ? null : v)),
      segment: labels[i]!,
    });
  }
  return out;
}
