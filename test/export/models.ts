import type { CleanModel } from '../../src/clean/clean-model.js';
import type { ClusterModel } from '../../src/cluster/cluster-model.js';
import { bundleModel } from '../../src/model/bundle.js';
import type { SelectModel } from '../../src/select/select-model.js';

/**
 * Hand-made model bundles (no fitting, so they never change) exercising every step export-sql writes: validation
 * and dedupe (not applied), drop, log1p, IQR clip, median / mode imputation with indicators, z-score with a kept
 * constant column, one-hot levels holding quotes, a backslash and a newline, variance filter and PCA, then k-means;
 * and a second chain (z-score flag, ordinal and strict one-hot) into a hierarchical cosine model.
 */
const base = {
  format: 'segment.clean-model',
  version: 1,
  toolVersion: 'test',
  id: 'id',
  lineage: [],
};

const levels = ["it's", 'back\\slash', 'new\nline', 'plain'];

/** Columns of the raw input of both models. */
export const inputColumns = ['id', 'select', 'it\'s "q"', 'spend', 'junk', 'country'];

function cleanA(): CleanModel {
  return {
    ...base,
    features: ['select', 'it\'s "q"', 'spend'],
    input: {
      source: null,
      nRows: 8,
      columns: [
        { name: 'id', kind: 'string' },
        { name: 'select', kind: 'numeric', type: 'double' },
        { name: 'it\'s "q"', kind: 'numeric', type: 'double' },
        { name: 'spend', kind: 'numeric', type: 'double' },
        { name: 'junk', kind: 'numeric', type: 'double' },
        { name: 'country', kind: 'categorical' },
      ],
    },
    steps: [
      { step: 'validate', rules: [{ column: 'spend', check: 'min', value: 0 }], onInvalid: 'report' },
      { step: 'dedupe', keys: ['id'], rows: false, fuzzy: null, keep: 'first', rowsRemoved: 0 },
      { step: 'drop', columns: ['junk'] },
      { step: 'log1p', columns: ['spend'] },
      {
        step: 'outliers',
        method: 'iqr',
        action: 'clip',
        factor: 1.5,
        columns: [
          { name: 'select', lower: -2.5, upper: 12.75 },
          { name: 'it\'s "q"', lower: -0.1, upper: 0.30000000000000004 },
          { name: 'spend', lower: 0, upper: 7.123456789012345 },
        ],
        flagColumn: 'outlier',
      },
      {
        step: 'impute',
        numeric: [
          { name: 'select', strategy: 'median', value: 4.5 },
          { name: 'it\'s "q"', strategy: 'median', value: 0.1 },
          { name: 'spend', strategy: 'mean', value: 3.3333333333333335 },
        ],
        text: [{ name: 'country', strategy: 'mode', value: 'plain' }],
        knn: null,
        indicators: ['select'],
      },
      {
        step: 'scale',
        method: 'zscore',
        columns: [
          { name: 'select', center: 4.75, scale: 3.031088913245535 },
          { name: 'spend', center: 3.3333333333333335, scale: 1.4142135623730951 },
        ],
        constant: ['it\'s "q"'],
        constantAction: 'keep',
      },
      {
        step: 'encode',
        method: 'onehot',
        columns: [{ name: 'country', levels, outputs: levels.map((l) => `country_${l}`) }],
        unseen: 'ignore',
      },
    ],
    output: { nRows: 8, columns: [] },
  } as CleanModel;
}

function selectA(): SelectModel {
  const features = ['select', 'it\'s "q"', 'spend', 'select_missing', ...levels.map((l) => `country_${l}`)];
  const kept = features.filter((f) => f !== 'it\'s "q"');
  const d = kept.length;
  const comp = (k: number): number[] => kept.map((_, j) => Math.sin(1 + k * d + j) / 2);
  return {
    format: 'segment.select-model',
    version: 1,
    toolVersion: 'test',
    id: 'id',
    features,
    statistics: { nRows: 8, mean: {}, variance: {} },
    steps: [
      { step: 'variance-threshold', threshold: 0, variances: {}, dropped: ['it\'s "q"'] },
      {
        step: 'pca',
        features: kept,
        names: ['pc1', 'pc2'],
        requested: { nComponents: 2 },
        nComponents: 2,
        nSamples: 8,
        standardize: false,
        mean: kept.map((_, j) => j / 7),
        scale: kept.map(() => 1),
        components: [comp(0), comp(1)],
        explainedVariance: [2, 1],
        explainedVarianceRatio: [0.6, 0.3],
        cumulativeVarianceRatio: [0.6, 0.9],
        singularValues: [4, 2],
        noiseVariance: 0,
        spectrum: [2, 1],
        signConvention: 'largest-absolute-loading-positive',
      },
    ],
    output: ['pc1', 'pc2'],
    lineage: [],
  } as SelectModel;
}

function segmentsOf(centroids: number[][]): ClusterModel['segments'] {
  return centroids.map((centroid, segment) => ({ segment, size: 3 - segment, centroid }));
}

/** k-means after clean + select, with a centroid merged into segment 0 (as --min-size does). */
export function kmeansModel(): ClusterModel {
  const centroids = [
    [0.5, -0.25],
    [-1.5, 0.75],
    [2.25, 1e-7],
  ];
  const model = {
    format: 'segment.model',
    version: 2,
    toolVersion: 'test',
    features: ['pc1', 'pc2'],
    id: 'id',
    nRows: 8,
    noise: 0,
    segments: segmentsOf(centroids.slice(0, 2)),
    params: {},
    exceptions: [{ values: [9, 9], segment: 1 }],
    algorithm: 'kmeans',
    centroids,
    centroidSegment: [0, 1, 0],
    inertia: 1,
    nIter: 3,
  } as ClusterModel;
  return bundleModel(model, [
    { stage: 'clean', model: cleanA() },
    { stage: 'select', model: selectA() },
  ]);
}

function cleanB(): CleanModel {
  const m = cleanA();
  return {
    ...m,
    steps: [
      {
        step: 'outliers',
        method: 'zscore',
        action: 'flag',
        factor: 3,
        columns: [
          { name: 'select', lower: -4.4, upper: 13.9 },
          { name: 'spend', lower: -1, upper: 900.5 },
        ],
        flagColumn: 'outlier',
      },
      {
        step: 'impute',
        numeric: [
          { name: 'select', strategy: 'constant', value: 0 },
          { name: 'spend', strategy: 'median', value: 20 },
        ],
        text: [],
        knn: null,
        indicators: [],
      },
      {
        step: 'scale',
        method: 'minmax',
        columns: [
          { name: 'select', center: -1, scale: 15 },
          { name: 'spend', center: 0, scale: 1000 },
        ],
        constant: [],
        constantAction: 'drop',
      },
      {
        step: 'encode',
        method: 'ordinal',
        columns: [{ name: 'country', levels, outputs: ['country'] }],
        unseen: 'error',
      },
    ],
  } as CleanModel;
}

/** Hierarchical (average, cosine) after a clean chain with an outlier flag and ordinal encoding. */
export function cosineModel(): ClusterModel {
  const centroids = [
    [0.2, 0.1, 0, 1],
    [0.9, 0.05, 1, 2],
    [0, 0, 0, 0],
  ];
  const model = {
    format: 'segment.model',
    version: 2,
    toolVersion: 'test',
    features: ['select', 'spend', 'outlier', 'country'],
    id: 'id',
    nRows: 8,
    noise: 0,
    segments: segmentsOf(centroids),
    params: {},
    exceptions: [],
    algorithm: 'hierarchical',
    linkage: 'average',
    metric: 'cosine',
    dendrogram: null,
  } as ClusterModel;
  return bundleModel(model, [{ stage: 'clean', model: cleanB() }]);
}

/** A CSV the hand-made models can score: every level, missing values, an unseen level, an outlier. */
export function inputCsv(): string {
  const q = (s: string): string => `"${s.replaceAll('"', '""')}"`;
  const rows: (string | number)[][] = [
    ['a1', 1, 0.1, 2, 5, levels[0]!],
    ['a2', '', 0.1, 0.5, 5, levels[1]!],
    ['a3', 20, 0.1, '', 5, levels[2]!],
    ['a4', 3.25, 0.1, 1000, 5, levels[3]!],
    ['a5', -7, 0.1, 0, 5, ''],
    ['a6', 5, 0.1, 3, 5, levels[1]!],
    ['a7', 4.5, 0.1, 12.5, 5, levels[0]!],
    ['a8', 8, 0.1, 1, 5, levels[3]!],
    ['a9', 2, 0.1, 2, 5, 'unseen'],
  ];
  return (
    [
      inputColumns.map(q).join(','),
      ...rows.map((r) => r.map((v) => (typeof v === 'string' ? q(v) : v)).join(',')),
    ].join('\n') + '\n'
  );
}
