import { assertContentHash } from '../core/content-hash.js';
import { readJsonFile } from '../io/json-file.js';
import { DataError } from '../core/errors.js';

/**
 * Discriminator and schema version of saved clustering models. Version 2 added the input schema and the content
 * hash (version 1 files still load).
 */
export const modelFormat = 'segment.model';
export const modelVersion = 2;

/** A column raw input must have for a model, and its kind. */
export interface InputColumn {
  name: string;
  kind: 'numeric' | 'categorical' | 'string';
}

/** A segment as the model records it: canonical number, training size and centroid (feature space). */
export interface SegmentInfo {
  segment: number;
  size: number;
  centroid: number[];
}

/** A training row whose label the assignment rule alone would not reproduce (kept so assign equals the fit). */
export interface LabelException {
  values: number[];
  segment: number;
}

interface ModelBase {
  format: typeof modelFormat;
  version: number;
  toolVersion: string;
  /** Feature columns, in matrix order. */
  features: string[];
  /** Id column carried through, if any. */
  id: string | null;
  nRows: number;
  noise: number;
  segments: SegmentInfo[];
  params: Record<string, unknown>;
  exceptions: LabelException[];
  /**
   * The fitted stages that produced the training data from raw input (from its Parquet metadata), oldest first:
   * `segment assign` replays them on raw input. Absent or empty when the training data was raw.
   */
  chain?: { stage: string; model: unknown }[];
  /** Columns raw input must have (what the first stage of the chain reads). */
  inputSchema?: InputColumn[];
  /** `sha256:<hex>` of the file's JSON without this field: a changed or damaged file is refused. */
  hash?: string;
}

/** A fitted k-means model: rows go to the segment of their nearest centroid. */
export interface KMeansModel extends ModelBase {
  algorithm: 'kmeans';
  centroids: number[][];
  /** Segment of each centroid (several centroids share one after --min-size merges). */
  centroidSegment: number[];
  inertia: number;
  nIter: number;
}

/** A fitted DBSCAN model: rows go to the segment of the nearest core point within eps, else noise. */
export interface DbscanModel extends ModelBase {
  algorithm: 'dbscan';
  eps: number;
  minSamples: number;
  metric: 'euclidean' | 'manhattan' | 'cosine';
  cores: number[][];
  coreSegment: number[];
}

/** A fitted hierarchical model: rows go to the segment with the nearest centroid (in the model's metric). */
export interface HierarchicalModel extends ModelBase {
  algorithm: 'hierarchical';
  linkage: 'ward' | 'complete' | 'average' | 'single';
  metric: 'euclidean' | 'manhattan' | 'cosine';
  /** Merge tree for the report's dendrogram (scipy layout), when the training set was small enough to keep it. */
  dendrogram: { a: number[]; b: number[]; heights: number[]; sizes: number[] } | null;
}

export type ClusterModel = KMeansModel | DbscanModel | HierarchicalModel;

/**
 * Load and validate a model file.
 * @throws DataError when the file is missing, not JSON, not a segment model, or from a newer version.
 */
export async function loadModel(path: string): Promise<ClusterModel> {
  const m = await readJsonFile(path, 'model file', 'write one with segment cluster --model');
  const o = m as Partial<ClusterModel> | null;
  if (!o || typeof o !== 'object' || o.format !== modelFormat) {
    throw new DataError(
      `${path}: not a segment model (no "format": "${modelFormat}")`,
      'write one with segment cluster --model',
    );
  }
  if (typeof o.version !== 'number' || o.version > modelVersion) {
    throw new DataError(
      `${path}: model version ${String(o.version)} is newer than this segment understands (${modelVersion})`,
      'upgrade segment',
    );
  }
  if (o.version >= 2) {
    assertContentHash(o, path, 'write it again with segment cluster --model or segment run');
  }
  if (!Array.isArray(o.features) || !Array.isArray(o.segments) || !Array.isArray(o.exceptions)) {
    throw new DataError(`${path}: model file is incomplete (features/segments missing)`);
  }
  const ok =
    (o.algorithm === 'kmeans' && Array.isArray(o.centroids) && Array.isArray(o.centroidSegment)) ||
    (o.algorithm === 'dbscan' &&
      Array.isArray(o.cores) &&
      Array.isArray(o.coreSegment) &&
      typeof o.eps === 'number') ||
    o.algorithm === 'hierarchical';
  if (!ok) throw new DataError(`${path}: unknown or incomplete model algorithm '${String(o.algorithm)}'`);
  return o as ClusterModel;
}
