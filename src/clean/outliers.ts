import { numericColumn, type Dataset } from '../core/dataset.js';
import { DataError, UsageError, invalidParameter } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { allocMatrix, type Matrix } from '../core/matrix.js';
import { assertNewColumn, finiteOrThrow, numericValues } from './columns.js';
import { fitIsolationForest, isolationScores, type FittedIsolationForest } from './isolation-forest.js';
import { meanStd, medianSorted, quantileSorted, sortedPresent } from './stats.js';

/** Outlier detectors `--outliers` accepts. */
export const outlierMethods = ['iqr', 'zscore', 'iforest', 'none'] as const;
export type OutlierMethod = (typeof outlierMethods)[number];

/** What happens to outliers: a 0/1 column, values clipped to the bounds, or rows removed. */
export const outlierActions = ['flag', 'clip', 'drop'] as const;
export type OutlierAction = (typeof outlierActions)[number];

/** Parameters of {@link fitOutliers}. */
export interface OutlierParams {
  method: Exclude<OutlierMethod, 'none'>;
  action: OutlierAction;
  /** IQR: bounds at Q1 − factor·IQR and Q3 + factor·IQR (default 1.5, Tukey's fences). */
  iqrFactor?: number | undefined;
  /** z-score: bounds at mean ± threshold · population std (default 3). */
  zThreshold?: number | undefined;
  /** Isolation forest: expected outlier share in (0, 0.5], or 'auto' (score threshold −0.5, as scikit-learn). */
  contamination?: number | 'auto' | undefined;
  nEstimators?: number | undefined;
  maxSamples?: number | undefined;
  /** Name of the 0/1 column added by `flag` (default `outlier`). */
  flagColumn?: string | undefined;
  seed: number;
}

/** Fitted bounds of one column. */
export interface ColumnBounds {
  name: string;
  lower: number;
  upper: number;
}

/** Fitted per-column fences (IQR or z-score): a row is an outlier when any value lies outside its column's bounds. */
export interface BoundsOutlierStep {
  step: 'outliers';
  method: 'iqr' | 'zscore';
  action: OutlierAction;
  /** The IQR factor or the z threshold. */
  factor: number;
  columns: ColumnBounds[];
  flagColumn: string;
}

/**
 * Fitted isolation forest: a row is an outlier when its score (scikit-learn's `score_samples`) is below `offset`.
 * Missing values are replaced by the training median of their column for scoring only (the data keep them).
 */
export interface ForestOutlierStep {
  step: 'outliers';
  method: 'iforest';
  action: 'flag' | 'drop';
  columns: string[];
  fill: number[];
  contamination: number | 'auto';
  offset: number;
  forest: FittedIsolationForest;
  flagColumn: string;
}

export type OutlierStep = BoundsOutlierStep | ForestOutlierStep;

/** What applying an outlier step found. */
export interface OutlierReport {
  method: OutlierMethod;
  action: OutlierAction;
  /** Rows that are outliers. */
  rows: number;
  /** IQR / z-score: values outside the bounds, per column. */
  perColumn?: Record<string, number>;
  /** Isolation forest: the score threshold. */
  offset?: number;
}

const OWNER = 'clean.outliers';

/**
 * Fit an outlier detector on the present values of `columns`. IQR: quartiles by linear interpolation (numpy's
 * default); z-score: mean and population standard deviation; a constant column gets bounds [value, value] and
 * never flags. Isolation forest: see {@link fitIsolationForest}; with a `contamination` share the threshold is that
 * quantile of the training scores (so about that share is flagged), with 'auto' it is −0.5. O(n log n) per column
 * (IQR), O(T · ψ · log ψ · d + n · T · log ψ) for the forest.
 * @throws UsageError for invalid parameters (clip with iforest); DataError for non-numeric or entirely missing columns.
 */
export function fitOutliers(
  ds: Dataset,
  columns: readonly string[],
  params: OutlierParams,
  logger: Logger = silentLogger,
): OutlierStep {
  const flagColumn = params.flagColumn ?? 'outlier';
  if (params.action === 'flag')
    assertNewColumn(
      ds,
      flagColumn,
      '--outlier-action flag',
      'name the flag column otherwise with --outlier-col NAME',
    );
  if (params.method === 'iforest') {
    if (params.action === 'clip') {
      throw new UsageError(
        '--outlier-action clip needs per-column bounds; the isolation forest only scores whole rows',
        'use --outlier-action flag or drop with --outliers iforest, or --outliers iqr|zscore to clip',
      );
    }
    const contamination = params.contamination ?? 'auto';
    if (contamination !== 'auto' && !(contamination > 0 && contamination <= 0.5)) {
      throw invalidParameter(OWNER, 'contamination', "a float in (0, 0.5] or 'auto'", contamination);
    }
    const fill = columns.map((name) => {
      const v = numericValues(ds, name, 'detect outliers in it');
      const sorted = sortedPresent(v);
      if (sorted.length === 0) throw entirelyMissing(name);
      return finiteOrThrow(medianSorted(sorted), name, 'detect outliers', v);
    });
    const X = filledMatrix(ds, columns, fill);
    const trees = logger.progress('isolation forest trees', params.nEstimators ?? 100);
    const forest = fitIsolationForest(
      X,
      { nEstimators: params.nEstimators, maxSamples: params.maxSamples, seed: params.seed },
      trees,
    );
    trees.done();
    let offset = -0.5;
    if (contamination !== 'auto') {
      const scoring = logger.progress('isolation forest rows', X.nRows);
      offset = quantileSorted(isolationScores(forest, X, scoring).sort(), contamination);
      scoring.done();
    }
    return {
      step: 'outliers',
      method: 'iforest',
      action: params.action,
      columns: [...columns],
      fill,
      contamination,
      offset,
      forest,
      flagColumn,
    };
  }
  const factor = params.method === 'iqr' ? (params.iqrFactor ?? 1.5) : (params.zThreshold ?? 3);
  if (!(factor > 0) || !Number.isFinite(factor)) {
    throw invalidParameter(
      OWNER,
      params.method === 'iqr' ? 'iqrFactor' : 'zThreshold',
      'a float in (0, inf)',
      factor,
    );
  }
  const bounds: ColumnBounds[] = columns.map((name) => {
    const v = numericValues(ds, name, 'detect outliers in it');
    const sorted = sortedPresent(v);
    if (sorted.length === 0) throw entirelyMissing(name);
    const min = sorted[0]!;
    const max = sorted[sorted.length - 1]!;
    if (min === max) return { name, lower: min, upper: max };
    if (params.method === 'iqr') {
      const q1 = quantileSorted(sorted, 0.25);
      const q3 = quantileSorted(sorted, 0.75);
      const iqr = q3 - q1;
      return {
        name,
        lower: finiteOrThrow(q1 - factor * iqr, name, 'detect outliers', v),
        upper: finiteOrThrow(q3 + factor * iqr, name, 'detect outliers', v),
      };
    }
    const { mean, std } = meanStd(v);
    return {
      name,
      lower: finiteOrThrow(mean - factor * std, name, 'detect outliers', v),
      upper: finiteOrThrow(mean + factor * std, name, 'detect outliers', v),
    };
  });
  return {
    step: 'outliers',
    method: params.method,
    action: params.action,
    factor,
    columns: bounds,
    flagColumn,
  };
}

function entirelyMissing(name: string): DataError {
  return new DataError(
    `column '${name}' is entirely missing: cannot detect outliers in it`,
    `drop it with --drop ${name}`,
  );
}

function filledMatrix(ds: Dataset, columns: readonly string[], fill: readonly number[]): Matrix {
  const d = columns.length;
  const m = allocMatrix(ds.nRows, d);
  columns.forEach((name, j) => {
    const v = numericValues(ds, name, 'detect outliers in it');
    const f = fill[j]!;
    for (let i = 0, k = j; i < v.length; i++, k += d) {
      const x = v[i]!;
      m.data[k] = Number.isNaN(x) ? f : x;
    }
  });
  return m;
}

/**
 * Apply a fitted outlier step: `flag` appends a 0/1 column, `clip` moves values outside the bounds onto them,
 * `drop` removes outlier rows (only when `dropRows`; otherwise the rows stay untouched). Missing values are never
 * outliers. O(n · d) (bounds) or O(n · T · log ψ) (forest).
 * @returns the data, the rows kept when rows were dropped (indices into `ds`), and the counts.
 * @throws DataError when a column is missing or not numeric.
 */
export function applyOutliers(
  ds: Dataset,
  step: OutlierStep,
  dropRows = true,
  logger: Logger = silentLogger,
): { data: Dataset; keep: Int32Array | null; report: OutlierReport } {
  const n = ds.nRows;
  const flagged = new Uint8Array(n);
  const report: OutlierReport = { method: step.method, action: step.action, rows: 0 };
  let out = ds;
  if (step.method === 'iforest') {
    const scoring = logger.progress('isolation forest rows', n);
    const scores = isolationScores(step.forest, filledMatrix(ds, step.columns, step.fill), scoring);
    scoring.done();
    for (let i = 0; i < n; i++) if (scores[i]! < step.offset) flagged[i] = 1;
    report.offset = step.offset;
  } else {
    report.perColumn = {};
    for (const { name, lower, upper } of step.columns) {
      const v = numericValues(ds, name, 'detect outliers in it');
      let count = 0;
      const clipped = step.action === 'clip' ? new Float64Array(v) : null;
      for (let i = 0; i < n; i++) {
        const x = v[i]!;
        if (x < lower || x > upper) {
          count++;
          flagged[i] = 1;
          if (clipped) clipped[i] = x < lower ? lower : upper;
        }
      }
      report.perColumn[name] = count;
      if (clipped) out = out.withColumn(numericColumn(name, clipped, 'double'));
    }
  }
  for (let i = 0; i < n; i++) report.rows += flagged[i]!;
  if (step.action === 'flag') {
    assertNewColumn(ds, step.flagColumn, 'the outlier flag of the clean model');
    out = out.withColumn(numericColumn(step.flagColumn, Float64Array.from(flagged), 'integer'));
  }
  if (step.action !== 'drop' || !dropRows || report.rows === 0) return { data: out, keep: null, report };
  const keep = new Int32Array(n - report.rows);
  for (let i = 0, k = 0; i < n; i++) if (flagged[i] === 0) keep[k++] = i;
  return { data: out.take(keep), keep, report };
}
