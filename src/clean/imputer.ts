import {
  categoricalColumn,
  cellText,
  isMissing,
  numericColumn,
  stringColumn,
  type Column,
  type Dataset,
} from '../core/dataset.js';
import { DataError, UsageError } from '../core/errors.js';
import { allocMatrix, type Matrix } from '../core/matrix.js';
import type { Logger } from '../core/logger.js';
import type { WorkerPool } from '../core/worker-pool.js';
import { assertNewColumn, finiteOrThrow, numericValues } from './columns.js';
import { knnImpute } from './knn-impute.js';
import { meanStd, medianPresent, modeOf, presentRange, sortedPresent } from './stats.js';

/** Imputation strategies; `none` leaves a column's missing values as they are. */
export const imputeStrategies = ['mean', 'median', 'mode', 'constant', 'knn', 'none'] as const;
export type ImputeStrategy = (typeof imputeStrategies)[number];

/** Donor weights of KNN imputation (scikit-learn's KNNImputer `weights`). */
export const knnWeightings = ['uniform', 'distance'] as const;
export type KnnWeighting = (typeof knnWeightings)[number];

/** Parameters of {@link fitImpute}. */
export interface ImputeParams {
  /** Strategy of every numeric column not named in `perColumn`. */
  strategy: ImputeStrategy;
  /** Per-column strategies; categorical and text columns accept `mode` and `constant` only. */
  perColumn?: Readonly<Record<string, ImputeStrategy>> | undefined;
  /** The `constant` value: a number for numeric columns (default 0), text for the others (default 'missing_value'). */
  fillValue?: string | undefined;
  /** Neighbours of KNN imputation (default 5). */
  knnK?: number | undefined;
  knnWeights?: KnnWeighting | undefined;
  /** Add a 0/1 `<column>_missing` column for every imputed column that had missing values at fit time. */
  indicators?: boolean | undefined;
}

/** A numeric column's fitted imputation; `value` is null for KNN. */
export interface NumericImputation {
  name: string;
  strategy: Exclude<ImputeStrategy, 'none'>;
  value: number | null;
}

/** A categorical or text column's fitted imputation. */
export interface TextImputation {
  name: string;
  strategy: 'mode' | 'constant';
  value: string;
}

/**
 * Fitted KNN imputation: the reference rows (the training rows as they reached imputation) in `columns`, row-major
 * with null for missing. New rows are imputed from their nearest reference rows; the reference is never refitted.
 */
export interface KnnReference {
  k: number;
  weights: KnnWeighting;
  columns: string[];
  nRows: number;
  values: (number | null)[];
}

/** Fitted imputation (plain JSON). */
export interface ImputeStep {
  step: 'impute';
  numeric: NumericImputation[];
  text: TextImputation[];
  knn: KnnReference | null;
  /** Columns that get a `<column>_missing` indicator (those with missing values at fit time). */
  indicators: string[];
}

/** What applying an imputation filled. */
export interface ImputeReport {
  /** Values filled, per column. */
  perColumn: Record<string, number>;
  total: number;
  /** KNN values that fell back to the reference column mean (no donor shared a present coordinate). */
  knnFallbackToMean: number;
  indicators: string[];
}

/** Suffix of missing-indicator columns. */
export const indicatorSuffix = '_missing';

/** The error for a column with no value to learn an imputation statistic from. */
export function entirelyMissing(name: string, strategy: string): DataError {
  return new DataError(
    `column '${name}' is entirely missing: cannot impute it (${strategy})`,
    `drop it with --drop ${name}, or fill it with --impute ${name}=constant --fill-value X`,
  );
}

/**
 * Fit imputation statistics on the present values: mean, median (numpy's: mean of the two middle values), mode
 * (the smallest most frequent value, as scikit-learn's SimpleImputer), constant, or KNN (the reference rows are
 * recorded; distances use every numeric column in `columns` that is not entirely missing, as scikit-learn's
 * KNNImputer on those columns). O(n log n) per column.
 * @throws UsageError for a strategy a column cannot take, or a bad constant; DataError when a column to impute is
 *   entirely missing (nothing to learn from), not numeric for a numeric strategy, or when knnK >= rows.
 */
export function fitImpute(ds: Dataset, columns: readonly string[], params: ImputeParams): ImputeStep {
  const perColumn = params.perColumn ?? {};
  const numeric: NumericImputation[] = [];
  const text: TextImputation[] = [];
  const inScope = new Set(columns);
  for (const [name, strategy] of Object.entries(perColumn)) {
    const c = ds.column(name);
    if (c.kind === 'numeric') {
      if (!inScope.has(name)) {
        throw new UsageError(
          `--impute ${name}=${strategy}: '${name}' is not among the numeric columns being cleaned`,
          'name it in --features, or remove it from --exclude / --id',
        );
      }
    } else if (strategy !== 'mode' && strategy !== 'constant' && strategy !== 'none') {
      throw new UsageError(
        `--impute ${name}=${strategy}: '${name}' is ${c.kind} text; impute it with mode or constant`,
      );
    }
  }
  const knnColumns: string[] = [];
  for (const name of columns) {
    const strategy = perColumn[name] ?? params.strategy;
    const v = numericValues(ds, name, 'impute it');
    const present = presentRange(v).count;
    if (present > 0) knnColumns.push(name);
    if (strategy === 'none') continue;
    if (present === 0 && strategy !== 'constant') throw entirelyMissing(name, strategy);
    let value: number | null;
    switch (strategy) {
      case 'mean':
        value = meanStd(v).mean;
        break;
      case 'median':
        value = medianPresent(v);
        break;
      case 'mode':
        value = modeOf(sortedPresent(v));
        break;
      case 'constant': {
        const raw = params.fillValue ?? '0';
        value = Number(raw);
        if (raw.trim() === '' || !Number.isFinite(value)) {
          throw new UsageError(`--fill-value '${raw}' is not a number; column '${name}' is numeric`);
        }
        break;
      }
      case 'knn':
        value = null;
        break;
    }
    numeric.push({
      name,
      strategy,
      value: value === null ? null : finiteOrThrow(value, name, 'impute it', v),
    });
  }
  for (const [name, strategy] of Object.entries(perColumn)) {
    const c = ds.column(name);
    if (c.kind === 'numeric' || strategy === 'none') continue;
    let value: string;
    if (strategy === 'constant') value = params.fillValue ?? 'missing_value';
    else {
      const counts = new Map<string, number>();
      for (let i = 0; i < ds.nRows; i++) {
        const t = cellText(c, i);
        if (t !== null) counts.set(t, (counts.get(t) ?? 0) + 1);
      }
      if (counts.size === 0) {
        throw new DataError(
          `column '${name}' is entirely missing: cannot impute it (mode)`,
          `drop it with --drop ${name}, or fill it with --impute ${name}=constant --fill-value TEXT`,
        );
      }
      let best: string | null = null;
      let bestCount = 0;
      for (const [t, n] of counts) {
        if (n > bestCount || (n === bestCount && best !== null && t < best)) {
          best = t;
          bestCount = n;
        }
      }
      value = best!;
    }
    text.push({ name, strategy: strategy === 'constant' ? 'constant' : 'mode', value });
  }

  let knn: KnnReference | null = null;
  if (numeric.some((e) => e.strategy === 'knn')) {
    const k = params.knnK ?? 5;
    if (!Number.isInteger(k) || k < 1) {
      throw new UsageError(`--knn-k must be a whole number >= 1, got ${k}`);
    }
    if (k >= ds.nRows) {
      throw new DataError(
        `--knn-k ${k} needs more than ${k} rows to draw neighbours from; the data has ${ds.nRows} at imputation`,
        'lower --knn-k',
      );
    }
    const ref = toNullableMatrix(ds, knnColumns);
    knn = {
      k,
      weights: params.knnWeights ?? 'uniform',
      columns: knnColumns,
      nRows: ds.nRows,
      values: Array.from(ref.data, (x) => (Number.isNaN(x) ? null : x)),
    };
  }
  const indicators: string[] = [];
  if (params.indicators) {
    for (const e of [...numeric, ...text]) {
      const c = ds.column(e.name);
      let any = false;
      for (let i = 0; i < ds.nRows && !any; i++) any = isMissing(c, i);
      if (any) {
        assertNewColumn(ds, e.name + indicatorSuffix, '--missing-indicators');
        indicators.push(e.name);
      }
    }
  }
  return { step: 'impute', numeric, text, knn, indicators };
}

function toNullableMatrix(ds: Dataset, columns: readonly string[]): Matrix {
  const d = columns.length;
  const m = allocMatrix(ds.nRows, d);
  columns.forEach((name, j) => {
    const v = numericValues(ds, name, 'impute it');
    for (let i = 0, k = j; i < v.length; i++, k += d) m.data[k] = v[i]!;
  });
  return m;
}

/**
 * Apply fitted imputation: indicator columns first (from the values before filling), then KNN values, then the
 * constant statistics. Filled numeric columns become float64. KNN runs on `pool` when given (same result for any
 * thread count). O(n · d) plus the KNN search.
 * @throws DataError when a column is missing or has the wrong kind.
 */
export async function applyImpute(
  ds: Dataset,
  step: ImputeStep,
  pool?: WorkerPool,
  logger?: Logger,
): Promise<{ data: Dataset; report: ImputeReport }> {
  const report: ImputeReport = { perColumn: {}, total: 0, knnFallbackToMean: 0, indicators: [] };
  const indicatorCols: Column[] = step.indicators.map((name) => {
    assertNewColumn(ds, name + indicatorSuffix, 'the missing indicators of the clean model');
    const c = ds.column(name);
    const flags = new Float64Array(ds.nRows);
    for (let i = 0; i < ds.nRows; i++) flags[i] = isMissing(c, i) ? 1 : 0;
    report.indicators.push(name + indicatorSuffix);
    return numericColumn(name + indicatorSuffix, flags, 'integer');
  });

  let knnValues: Map<string, Float64Array> | null = null;
  if (step.knn && step.numeric.some((e) => e.strategy === 'knn')) {
    const { k, weights, columns, nRows, values } = step.knn;
    const d = columns.length;
    const reference: Matrix = {
      data: Float64Array.from(values, (x) => (x === null ? Number.NaN : x)),
      nRows,
      nCols: d,
    };
    const X = toNullableMatrix(ds, columns);
    const r = await knnImpute(reference, X, { k, weights, pool, names: columns, logger });
    report.knnFallbackToMean = r.fallbackToMean;
    knnValues = new Map();
    columns.forEach((name, j) => {
      const col = new Float64Array(ds.nRows);
      for (let i = 0, p = j; i < ds.nRows; i++, p += d) col[i] = r.imputed.data[p]!;
      knnValues!.set(name, col);
    });
  }

  let out = ds;
  for (const e of step.numeric) {
    const v = numericValues(out, e.name, 'impute it');
    const filled = new Float64Array(v);
    const fromKnn = e.strategy === 'knn' ? knnValues?.get(e.name) : undefined;
    let count = 0;
    for (let i = 0; i < filled.length; i++) {
      if (!Number.isNaN(filled[i]!)) continue;
      filled[i] = fromKnn ? fromKnn[i]! : e.value!;
      count++;
    }
    report.perColumn[e.name] = count;
    report.total += count;
    out = out.withColumn(numericColumn(e.name, filled, 'double'));
  }
  for (const e of step.text) {
    const c = out.column(e.name);
    const { column, count } = fillText(c, e.value);
    report.perColumn[e.name] = count;
    report.total += count;
    out = out.withColumn(column);
  }
  for (const c of indicatorCols) out = out.withColumn(c);
  return { data: out, report };
}

/** A text column with missing values replaced by `value` (added to the levels of a categorical column, kept sorted). */
function fillText(c: Column, value: string): { column: Column; count: number } {
  let count = 0;
  if (c.kind === 'string') {
    const values = c.values.map((v) => {
      if (v != null) return v;
      count++;
      return value;
    });
    return { column: stringColumn(c.name, values), count };
  }
  if (c.kind === 'numeric') {
    throw new DataError(`column '${c.name}' is numeric; its imputation model expects text`);
  }
  let levels = c.levels;
  let codes = c.codes;
  let code = levels.indexOf(value);
  if (code < 0) {
    levels = [...levels, value].sort();
    code = levels.indexOf(value);
    codes = Int32Array.from(c.codes, (x) => (x >= code ? x + 1 : x));
  } else codes = new Int32Array(codes);
  for (let i = 0; i < codes.length; i++) {
    if (codes[i]! < 0) {
      codes[i] = code;
      count++;
    }
  }
  return { column: categoricalColumn(c.name, codes, levels), count };
}
