import { DataError, UsageError } from '../core/errors.js';
import type { Matrix } from '../core/matrix.js';
import { modelVersion, type ClusterModel, type KMeansModel } from './cluster-model.js';

// Online update of a saved k-means model with new rows (dynamic segments): the mini-batch k-means step with a
// forgetting factor. Each centre j carries a weight w_j (how many rows it stands for); the new rows assigned to it
// (n_j rows summing to S_j) move it to
//
//     c_j' = (decay · w_j · c_j + S_j) / (decay · w_j + n_j),      w_j' = decay · w_j + n_j.
//
// With decay = 1 this is one step of scikit-learn's MiniBatchKMeans.partial_fit (per-centre counts, learning rate
// 1 / count) started from counts equal to the segment sizes; with decay < 1 it is Spark MLlib's StreamingKMeans
// update with `decayFactor` = decay (old rows count less each update, so the segments follow the customers).

/** What one update records in the model (no wall clock: the same inputs give the same bytes). */
export interface UpdateRecord {
  /** The new rows: SHA-256 (hex) of the file read (null for standard input) and how many rows it had. */
  input: { sha256: string | null; rows: number };
  decay: number;
  /** Content hash of the model that was updated (null for a file without one). */
  from: string | null;
  /** Each segment's weight after the update (decay · w + n), in the order of the model's `segments`. */
  weights: number[];
  /** Training exceptions the updated model no longer carries (the rule alone assigns after an update). */
  exceptionsDropped: number;
}

/** A k-means model that may carry the record of earlier updates. */
export type UpdatableModel = KMeansModel & { updates?: UpdateRecord[] };

/** What happened to one segment in an update. */
export interface SegmentUpdate {
  segment: number;
  /** Weight before the update: the last update's weight, or the segment size the fit recorded. */
  weightBefore: number;
  /** New rows the model assigned to the segment (they moved its centre). */
  rows: number;
  /** decay · weightBefore + rows. */
  weightAfter: number;
  /** Euclidean distance between the old and the new centre, in feature space. */
  shift: number;
}

/** The updated model (not yet bundled) and what moved. */
export interface KMeansUpdate {
  model: UpdatableModel;
  segments: SegmentUpdate[];
}

/**
 * Check that a model can be updated online: a k-means model with exactly one centre per segment (a model whose
 * segments were merged by --min-size records no per-centre sizes) and, when it was updated before, a readable
 * record of it. O(model size).
 * @throws UsageError (exit 2) for another algorithm or merged centres, naming `source`; DataError for an update
 *   record that does not fit the model.
 */
export function updatableModel(model: ClusterModel, source: string): UpdatableModel {
  if (model.algorithm !== 'kmeans')
    throw new UsageError(
      `${source}: a ${model.algorithm} model cannot be updated online; update moves k-means centres`,
      'refit it with segment cluster, or fit a k-means model (--algo kmeans)',
    );
  const seen = new Map<number, number>();
  for (const s of model.centroidSegment) seen.set(s, (seen.get(s) ?? 0) + 1);
  const merged = [...seen].find(([, n]) => n > 1);
  if (merged)
    throw new UsageError(
      `${source}: segment ${merged[0]} has ${merged[1]} k-means centres (merged by --min-size) and the model does not record their sizes, so it cannot be updated online`,
      'refit without --min-size',
    );
  const m = model as UpdatableModel;
  const updates = (m as { updates?: unknown }).updates;
  if (updates !== undefined) {
    const ok =
      Array.isArray(updates) &&
      updates.every((u: unknown) => {
        const w = (u as { weights?: unknown } | null)?.weights;
        return (
          Array.isArray(w) &&
          w.length === model.segments.length &&
          w.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)
        );
      });
    if (!ok)
      throw new DataError(
        `${source}: invalid model: updates[].weights must hold one weight ≥ 0 per segment`,
        're-create it with segment update from the model it was updated from',
      );
  }
  return m;
}

/** The weight of each segment (model order) before an update: the last update's, else the recorded size. */
export function priorWeights(model: UpdatableModel): number[] {
  const last = model.updates?.at(-1);
  return last ? [...last.weights] : model.segments.map((s) => s.size);
}

/**
 * Move each centre of a k-means model toward the new rows assigned to it (`labels`: each row's segment under the
 * model, as `segment assign` gives it), with the old centre weighted decay · w and the rows counting one each; a
 * segment that got no row keeps its centre and its weight shrinks to decay · w. The segment's recorded centroid
 * (`segments[].centroid`) moves by the same rule; segment numbers, names, descriptions, features and everything
 * else stay. Segment sizes become the new weights rounded to whole rows; the exact weights, the input and the decay
 * are appended to `updates`. Training exceptions are dropped: the updated model assigns by its centres alone.
 * Not bundled: the caller re-bundles it (content hash). O(n · d + k · d).
 * @param record the input's hash and rows, and the hash of the model being updated.
 * @throws UsageError for a model {@link updatableModel} refuses; DataError when `labels` does not fit `X`.
 * @example
 * const labels = assignRows(model, X);
 * const { model: next, segments } = updateKMeans(model, X, labels, 0.9, { input, from: model.hash ?? null });
 */
export function updateKMeans(
  model: ClusterModel,
  X: Matrix,
  labels: Int32Array,
  decay: number,
  record: { input: UpdateRecord['input']; from: string | null; toolVersion: string },
): KMeansUpdate {
  const m = updatableModel(model, 'model');
  const d = m.features.length;
  if (X.nCols !== d || labels.length !== X.nRows)
    throw new DataError(
      `update: ${X.nRows} × ${X.nCols} rows with ${labels.length} labels for a model of ${d} feature(s)`,
    );
  if (!(decay >= 0 && decay <= 1)) throw new UsageError(`--decay must be in [0, 1], got ${decay}`);
  const index = new Map(m.segments.map((s, i) => [s.segment, i]));
  const k = m.segments.length;
  const sums = new Float64Array(k * d);
  const counts = new Array<number>(k).fill(0);
  for (let r = 0; r < X.nRows; r++) {
    const i = index.get(labels[r]!);
    if (i === undefined) continue;
    counts[i]!++;
    for (let t = 0; t < d; t++) sums[i * d + t]! += X.data[r * d + t]!;
  }
  const before = priorWeights(m);
  const after = before.map((w, i) => decay * w + counts[i]!);
  const move = (c: readonly number[], i: number): number[] => {
    const w = after[i]!;
    if (counts[i] === 0 || w === 0) return [...c];
    const old = decay * before[i]!;
    return c.map((v, t) => (old * v + sums[i * d + t]!) / w);
  };
  const centroids = m.centroids.map((c, j) => move(c, index.get(m.centroidSegment[j]!)!));
  const shifts = new Array<number>(k).fill(0);
  m.centroidSegment.forEach((s, j) => {
    const i = index.get(s)!;
    let ss = 0;
    for (let t = 0; t < d; t++) ss += (centroids[j]![t]! - m.centroids[j]![t]!) ** 2;
    shifts[i] = Math.sqrt(ss);
  });
  const updated: UpdatableModel = {
    ...m,
    // Written by this build: a version 1 file comes out in the current version, with its content hash.
    version: modelVersion,
    toolVersion: record.toolVersion,
    segments: m.segments.map((s, i) => ({
      ...s,
      size: Math.round(after[i]!),
      centroid: move(s.centroid, i),
    })),
    centroids,
    exceptions: [],
    updates: [
      ...(m.updates ?? []),
      {
        input: record.input,
        decay,
        from: record.from,
        weights: after,
        exceptionsDropped: m.exceptions.length,
      },
    ],
  };
  return {
    model: updated,
    segments: m.segments.map((s, i) => ({
      segment: s.segment,
      weightBefore: before[i]!,
      rows: counts[i]!,
      weightAfter: after[i]!,
      shift: shifts[i]!,
    })),
  };
}
