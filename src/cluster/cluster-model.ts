import type { Distance, Linkage } from '../core/distance.js';
import type { InputColumn } from '../core/chain.js';
import type { GowerScale } from '../core/gower.js';
import type { SavedModelKind } from '../core/model-kind.js';
import {
  expectDistinct,
  expectKnown,
  expectLength,
  expectRowLength,
  problem,
  schemaParts,
  parseModel,
  type ModelSpec,
} from '../core/model-schema.js';

/**
 * Discriminator and schema version of saved clustering models. Version 2 added the input schema and the content
 * hash (version 1 files still load). Segment names and descriptions are optional fields of version 2 (earlier
 * releases read such files and ignore them).
 */
export const modelFormat = 'segment.model';
export const modelVersion = 2;

/**
 * A segment as the model records it: canonical number, training size and centroid (feature space), and the business
 * name and description given to it (`segment cluster --names`, or kept from a baseline), if any.
 */
export interface SegmentInfo {
  segment: number;
  size: number;
  centroid: number[];
  name?: string;
  description?: string;
}

/** A training row whose label the assignment rule alone would not reproduce (kept so assign equals the fit). */
export interface LabelException {
  /** The row's values; null for a missing one (Gower's distance takes rows with missing values). */
  values: (number | null)[];
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
  metric: Distance | 'gower';
  /** Core rows' feature values (under Gower: categoricals as level indices, a missing value null in the file). */
  cores: number[][];
  coreSegment: number[];
  /** Gower's fitted scale when the metric is gower (absent otherwise). */
  gower?: GowerScale | null;
}

/** A fitted hierarchical model: rows go to the segment with the nearest centroid (in the model's metric). */
export interface HierarchicalModel extends ModelBase {
  algorithm: 'hierarchical';
  linkage: Linkage;
  metric: Distance | 'gower';
  /**
   * Gower's fitted scale when the metric is gower (absent otherwise): rows then go to the segment whose centre
   * (numeric means, categorical modes as level indices) is nearest under Gower's distance.
   */
  gower?: GowerScale | null;
  /** Merge tree for the report's dendrogram (scipy layout), when the training set was small enough to keep it. */
  dendrogram: { a: number[]; b: number[]; heights: number[]; sizes: number[] } | null;
}

/**
 * A fitted HDBSCAN model (R's `predict.hdbscan`): a row goes to the segment of its nearest clustered training row
 * (ties to the lowest) when it lies within that row's core distance, else noise. Keeps every training row that is
 * not noise: O(n·d) in the file.
 */
export interface HdbscanModel extends ModelBase {
  algorithm: 'hdbscan';
  minClusterSize: number;
  minSamples: number;
  clusterSelection: 'eom' | 'leaf';
  clusterSelectionEpsilon: number;
  metric: Distance | 'gower';
  /**
   * The training rows that are not noise (feature space; under Gower, `gowerMatrix` values: categorical level
   * indices, null for a missing value).
   */
  points: (number | null)[][];
  /** Segment of each of them. */
  pointSegment: number[];
  /** Core distance of each training row. */
  coreDistances: number[];
  /** Gower's fitted scale when the metric is gower (absent otherwise). */
  gower?: GowerScale | undefined;
  /** The condensed tree at cluster level for the report (absent in models saved before it was kept). */
  condensedTree?: CondensedTreeRecord | undefined;
}

/**
 * The condensed tree of an HDBSCAN fit at cluster level (cluster 0 the root), in λ = 1 / distance: parent (−1 for
 * the root), λ at birth and death, rows at birth, stability, the segment of a chosen cluster (−1 otherwise), and
 * per cluster the rows still in it at 8 evenly spaced λ from birth to death (`curve`, cluster-major).
 */
export interface CondensedTreeRecord {
  parent: number[];
  lambdaBirth: number[];
  lambdaDeath: number[];
  size: number[];
  /** Null when infinite (rows leaving at distance 0). */
  stability: (number | null)[];
  segment: number[];
  curve: number[];
}

/**
 * A fitted k-medoids (PAM) model: rows go to the segment of their nearest medoid (ties: the first medoid) under the
 * model's distance. For Gower, `gower` holds what the distance needs (numeric ranges, categorical levels, weights)
 * and a medoid's categorical values are indices into those levels; a segment's `centroid` is then its numeric means
 * and categorical modes (as level indices). Missing medoid values are null.
 */
export interface KMedoidsModel extends ModelBase {
  algorithm: 'kmedoids';
  metric: 'euclidean' | 'manhattan' | 'gower';
  /** The medoids' feature values (in the encoding above). */
  medoids: (number | null)[][];
  /** The medoids' rows in the training data (0-based). */
  medoidRows: number[];
  medoidSegment: number[];
  /**
   * Mean distance to the nearest medoid after BUILD and after SWAP (R's `pam()$objective`); with CLARA
   * (`params.method`), both are the mean over every row for the winning sample's medoids.
   */
  objective: { build: number; swap: number };
  gower: GowerScale | null;
}

/**
 * A fitted OPTICS model: a row goes to the segment of its nearest training point (ties to the lowest) when it lies
 * within that point's radius, else noise. Points: DBSCAN extraction — the clustered training rows whose core
 * distance is within eps, radius eps (R's `predict.optics`); xi — the clustered rows with a finite core distance,
 * radius their core distance (as HDBSCAN's rule). O(n·d) in the file.
 */
export interface OpticsModel extends ModelBase {
  algorithm: 'optics';
  minSamples: number;
  /** Null: no limit. */
  maxEps: number | null;
  clusterMethod: 'xi' | 'dbscan';
  /** Xi extraction's parameters (null with dbscan). */
  xi: number | null;
  minClusterSize: number | null;
  /** DBSCAN extraction's radius (null with xi). */
  eps: number | null;
  metric: Distance;
  points: number[][];
  pointSegment: number[];
  radius: number[];
}

export type ClusterModel =
  KMeansModel | DbscanModel | HierarchicalModel | HdbscanModel | KMedoidsModel | OpticsModel;

const S = schemaParts;
const vector = S.numbers;
const metricOrGower = { enum: ['euclidean', 'manhattan', 'cosine', 'gower'] };
/** Gower's fitted scale (k-medoids, DBSCAN and hierarchical models under Gower's distance). */
const gowerScale = {
  anyOf: [
    { type: 'null' },
    S.object(
      {
        kinds: { type: 'array', items: { enum: ['numeric', 'categorical'] } },
        ranges: { type: 'array', items: { type: 'number', minimum: 0 } },
        levels: {
          type: 'array',
          items: { anyOf: [{ type: 'null' }, { type: 'array', items: { type: 'string' } }] },
        },
        weights: { type: 'array', items: { type: 'number', minimum: 0 } },
      },
      ['kinds', 'ranges', 'levels', 'weights'],
    ),
  ],
};
/** Rows that may hold a missing value (null), under Gower's distance. */
const rowsWithMissing = { type: 'array', items: { type: 'array', items: { type: ['number', 'null'] } } };

/** JSON Schema of a clustering model (every kind); the cross-field checks are in {@link checkClusterModel}. */
export const clusterModelSchema = {
  type: 'object',
  required: ['format', 'version', 'algorithm', 'features', 'segments', 'exceptions', 'nRows', 'noise'],
  properties: {
    ...S.header(modelFormat),
    algorithm: { enum: ['kmeans', 'dbscan', 'hierarchical', 'hdbscan', 'kmedoids', 'optics'] },
    features: { type: 'array', items: S.name, minItems: 1 },
    nRows: S.count,
    noise: S.count,
    segments: {
      type: 'array',
      items: S.object(
        {
          segment: S.count,
          size: S.count,
          centroid: vector,
          name: { type: 'string', minLength: 1, pattern: '^[^\\u0000-\\u001f\\u007f\\u2028\\u2029]*$' },
          description: { type: 'string' },
        },
        ['segment', 'size', 'centroid'],
      ),
    },
    params: { type: 'object' },
    exceptions: {
      type: 'array',
      // Under Gower's distance a training row may hold a missing value (null).
      items: S.object({
        values: { type: 'array', items: { type: ['number', 'null'] } },
        segment: { type: 'integer', minimum: -1 },
      }),
    },
    chain: { type: 'array', items: S.object({ stage: { type: 'string' }, model: {} }) },
    inputSchema: {
      type: 'array',
      items: S.object({ name: S.name, kind: { enum: ['numeric', 'categorical', 'string'] } }),
    },
    hash: { type: 'string' },
  },
  allOf: [
    S.when(
      'algorithm',
      'kmeans',
      S.object(
        {
          centroids: { ...S.matrix, minItems: 1 },
          centroidSegment: { type: 'array', items: S.count },
          inertia: S.number,
        },
        ['centroids', 'centroidSegment'],
      ),
    ),
    S.when(
      'algorithm',
      'dbscan',
      S.object(
        {
          eps: { type: 'number', exclusiveMinimum: 0 },
          minSamples: { type: 'integer', minimum: 1 },
          metric: metricOrGower,
          cores: rowsWithMissing,
          coreSegment: { type: 'array', items: S.count },
          gower: gowerScale,
        },
        ['eps', 'minSamples', 'metric', 'cores', 'coreSegment'],
      ),
    ),
    S.when(
      'algorithm',
      'hierarchical',
      S.object(
        {
          linkage: { enum: ['ward', 'complete', 'average', 'single'] },
          metric: metricOrGower,
          gower: gowerScale,
        },
        ['linkage', 'metric'],
      ),
    ),
    S.when(
      'algorithm',
      'hdbscan',
      S.object(
        {
          minClusterSize: { type: 'integer', minimum: 2 },
          minSamples: { type: 'integer', minimum: 1 },
          clusterSelection: { enum: ['eom', 'leaf'] },
          clusterSelectionEpsilon: { type: 'number', minimum: 0 },
          metric: { enum: ['euclidean', 'manhattan', 'gower'] },
          points: { type: 'array', items: { type: 'array', items: { type: ['number', 'null'] } } },
          pointSegment: { type: 'array', items: S.count },
          coreDistances: { type: 'array', items: { type: 'number', minimum: 0 } },
          gower: {
            anyOf: [
              { type: 'null' },
              S.object(
                {
                  kinds: { type: 'array', items: { enum: ['numeric', 'categorical'] } },
                  ranges: { type: 'array', items: { type: 'number', minimum: 0 } },
                  levels: {
                    type: 'array',
                    items: { anyOf: [{ type: 'null' }, { type: 'array', items: { type: 'string' } }] },
                  },
                  weights: { type: 'array', items: { type: 'number', minimum: 0 } },
                },
                ['kinds', 'ranges', 'levels', 'weights'],
              ),
            ],
          },
          condensedTree: S.object(
            {
              parent: { type: 'array', items: { type: 'integer', minimum: -1 } },
              lambdaBirth: { type: 'array', items: { type: 'number', minimum: 0 } },
              lambdaDeath: { type: 'array', items: { type: 'number', minimum: 0 } },
              size: { type: 'array', items: S.count },
              stability: { type: 'array', items: { type: ['number', 'null'] } },
              segment: { type: 'array', items: { type: 'integer', minimum: -1 } },
              curve: { type: 'array', items: S.count },
            },
            ['parent', 'lambdaBirth', 'lambdaDeath', 'size', 'stability', 'segment', 'curve'],
          ),
        },
        [
          'minClusterSize',
          'minSamples',
          'clusterSelection',
          'clusterSelectionEpsilon',
          'metric',
          'points',
          'pointSegment',
          'coreDistances',
        ],
      ),
    ),
    S.when(
      'algorithm',
      'optics',
      S.object(
        {
          minSamples: { type: 'integer', minimum: 2 },
          maxEps: { anyOf: [{ type: 'null' }, { type: 'number', exclusiveMinimum: 0 }] },
          clusterMethod: { enum: ['xi', 'dbscan'] },
          xi: { anyOf: [{ type: 'null' }, { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 }] },
          minClusterSize: { anyOf: [{ type: 'null' }, { type: 'integer', minimum: 2 }] },
          eps: { anyOf: [{ type: 'null' }, { type: 'number', exclusiveMinimum: 0 }] },
          metric: { enum: ['euclidean', 'manhattan'] },
          points: S.matrix,
          pointSegment: { type: 'array', items: S.count },
          radius: { type: 'array', items: { type: 'number', minimum: 0 } },
        },
        [
          'minSamples',
          'maxEps',
          'clusterMethod',
          'xi',
          'minClusterSize',
          'eps',
          'metric',
          'points',
          'pointSegment',
          'radius',
        ],
      ),
    ),
    S.when(
      'algorithm',
      'kmedoids',
      S.object(
        {
          metric: { enum: ['euclidean', 'manhattan', 'gower'] },
          medoids: {
            type: 'array',
            minItems: 1,
            items: { type: 'array', items: { type: ['number', 'null'] } },
          },
          medoidRows: { type: 'array', items: S.count },
          medoidSegment: { type: 'array', items: S.count },
          objective: S.object({ build: S.number, swap: S.number }, ['build', 'swap']),
          gower: gowerScale,
        },
        ['metric', 'medoids', 'medoidRows', 'medoidSegment', 'objective', 'gower'],
      ),
    ),
  ],
};

/**
 * The checks a schema cannot express: distinct features, one value per feature in every centroid, core point and
 * training exception, distinct segment numbers, centroids (or cores) and their segments agreeing in number, and
 * every segment they name existing (each segment with at least one). O(model size).
 * @throws ModelProblem naming the JSON path at fault.
 */
export function checkClusterModel(m: ClusterModel): void {
  const d = m.features.length;
  expectDistinct(m.features, 'features');
  const numbers = m.segments.map((s) => s.segment);
  expectDistinct(numbers.map(String), 'segments[].segment');
  const known = new Set(numbers);
  m.segments.forEach((s, i) => {
    if (s.centroid.length !== d)
      problem(`segments[${i}].centroid`, `has ${s.centroid.length} values but the model has ${d} feature(s)`);
  });
  m.exceptions.forEach((e, i) => {
    if (!('gower' in m && m.gower) && e.values.some((v) => v === null))
      problem(`exceptions[${i}].values`, 'has a missing value, which only Gower models hold');
    if (e.values.length !== d)
      problem(`exceptions[${i}].values`, `has ${e.values.length} values but the model has ${d} feature(s)`);
    if (e.segment !== -1 && !known.has(e.segment))
      problem(`exceptions[${i}].segment`, `is ${e.segment}, not one of the model's segments`);
  });
  const points = (rows: unknown[][], labels: number[], name: string, labelName: string): void => {
    expectRowLength(rows, d, name);
    expectLength(labels, rows.length, labelName, `${name} has`);
    expectKnown(labels, known, labelName, 'segments');
    const used = new Set(labels);
    m.segments.forEach((s, i) => {
      if (!used.has(s.segment))
        problem(`segments[${i}]`, `(segment ${s.segment}) has no entry in ${labelName}`);
    });
  };
  if (m.algorithm === 'kmeans') points(m.centroids, m.centroidSegment, 'centroids', 'centroidSegment');
  else if (m.algorithm === 'dbscan') {
    points(
      m.cores.map((r) => r.map((v) => v ?? 0)),
      m.coreSegment,
      'cores',
      'coreSegment',
    );
    checkGowerMetric(m.metric, m.gower ?? null, d, m.cores, 'cores');
  } else if (m.algorithm === 'hierarchical') {
    if (m.segments.length === 0) problem('segments', 'is empty: a hierarchical model needs at least one');
    checkGowerMetric(m.metric, m.gower ?? null, d, [], 'segments');
  } else if (m.algorithm === 'hdbscan') {
    points(m.points, m.pointSegment, 'points', 'pointSegment');
    expectLength(m.coreDistances, m.points.length, 'coreDistances', 'points has');
  } else if (m.algorithm === 'optics') {
    // Segments whose rows all lack a finite core distance (xi) have no point: the rule never gives them.
    expectRowLength(m.points, d, 'points');
    expectLength(m.pointSegment, m.points.length, 'pointSegment', 'points has');
    expectKnown(m.pointSegment, known, 'pointSegment', 'segments');
    expectLength(m.radius, m.points.length, 'radius', 'points has');
    if ((m.clusterMethod === 'dbscan') !== (m.eps !== null))
      problem(
        'eps',
        m.clusterMethod === 'dbscan' ? 'is null but the cluster method is dbscan' : 'is set with xi',
      );
  } else if (m.algorithm === 'kmedoids') checkKMedoids(m, points);
}

/** The k-medoids model's own checks: medoids and their segments, and Gower's scale one entry per feature. */
function checkKMedoids(
  m: KMedoidsModel,
  points: (rows: number[][], labels: number[], name: string, labelName: string) => void,
): void {
  const d = m.features.length;
  points(
    m.medoids.map((r) => r.map((v) => v ?? 0)),
    m.medoidSegment,
    'medoids',
    'medoidSegment',
  );
  expectLength(m.medoidRows, m.medoids.length, 'medoidRows', 'medoids has');
  checkGowerMetric(m.metric, m.gower, d, m.medoids, 'medoids');
}

/**
 * A model's metric and Gower scale agree (a scale exactly when the metric is gower), the scale has one entry per
 * feature, and `rows` (medoids, cores) hold missing values only under Gower, categorical ones as level indices.
 */
function checkGowerMetric(
  metric: string,
  g: GowerScale | null,
  d: number,
  rows: readonly (readonly (number | null)[])[],
  name: string,
): void {
  if ((metric === 'gower') !== (g !== null))
    problem(
      'gower',
      metric === 'gower' ? 'is missing but the metric is gower' : `is set but the metric is ${metric}`,
    );
  if (g === null) {
    rows.forEach((r, i) => {
      if (r.some((v) => v === null))
        problem(`${name}[${i}]`, `has a missing value, which ${metric} cannot use`);
    });
    return;
  }
  for (const key of ['kinds', 'ranges', 'levels', 'weights'] as const) {
    if (g[key].length !== d)
      problem(`gower.${key}`, `has ${g[key].length} entries but the model has ${d} feature(s)`);
  }
  g.kinds.forEach((k, j) => {
    if ((k === 'categorical') !== (g.levels[j] !== null))
      problem(
        `gower.levels[${j}]`,
        k === 'categorical' ? 'is null for a categorical feature' : 'is set for a numeric feature',
      );
  });
  rows.forEach((r, i) =>
    r.forEach((v, j) => {
      if (
        v !== null &&
        g.kinds[j] === 'categorical' &&
        !(Number.isInteger(v) && v >= 0 && v < g.levels[j]!.length)
      )
        problem(`${name}[${i}][${j}]`, `is ${v}, not the index of one of the feature's levels`);
    }),
  );
  if (!g.weights.some((w) => w > 0)) problem('gower.weights', 'has no positive weight');
}

/** How to get a good clustering model, for messages. */
export const clusterModelHint = 're-create it with segment cluster --model';

/** What the clustering model's loader checks, and how its messages name it. */
const clusterModelSpec: ModelSpec<ClusterModel> = {
  format: modelFormat,
  version: modelVersion,
  name: 'segment model',
  versionLabel: 'model',
  schema: clusterModelSchema,
  check: checkClusterModel,
  hint: 'write one with segment cluster --model',
  recreate: clusterModelHint,
  rewrite: 'write it again with segment cluster --model or segment run',
  hash: { fromVersion: 2 },
};

/**
 * Check that a parsed JSON value is a clustering model this version understands: format, version, content hash
 * (required from version 2, checked whenever present), then structure ({@link clusterModelSchema} and
 * {@link checkClusterModel}). The chain it carries is checked by the bundle's loader (`loadModel` in
 * model/bundle.ts). O(model size).
 * @throws DataError naming `source` when it is not a segment model, is from a newer version, was edited after it
 *   was written, or is malformed (`invalid model: <json path> <what>`).
 */
export function parseClusterModel(value: unknown, source: string): ClusterModel {
  return parseModel<ClusterModel>(value, source, clusterModelSpec);
}

/** The clustering model (the bundle `segment cluster --model` writes) as a saved model kind. */
export const clusterModelKind: SavedModelKind<ClusterModel> = {
  format: modelFormat,
  file: 'model file',
  hint: clusterModelSpec.hint,
  load: parseClusterModel,
  toJSON: (model) => JSON.stringify(model) + '\n',
};
