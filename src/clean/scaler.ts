import { numericColumn, type Dataset } from '../core/dataset.js';
import { DataError } from '../core/errors.js';
import { finiteOrThrow, numericValues } from './columns.js';
import { meanStd, medianSorted, presentRange, quantileSorted, sortedPresent } from './stats.js';

/** Scalers `--scale` accepts. */
export const scaleMethods = ['zscore', 'minmax', 'robust', 'none'] as const;
export type ScaleMethod = (typeof scaleMethods)[number];

/** What to do with constant columns: leave them as they are, or drop them. */
export const constantActions = ['keep', 'drop'] as const;
export type ConstantAction = (typeof constantActions)[number];

/** A fitted column scaler: `x ↦ (x − center) / scale`. */
export interface ColumnScale {
  name: string;
  center: number;
  scale: number;
}

/**
 * Fitted scaling (plain JSON). zscore: center = mean, scale = population standard deviation (scikit-learn's
 * StandardScaler); minmax: center = minimum, scale = maximum − minimum (MinMaxScaler to [0, 1]); robust:
 * center = median, scale = 75th − 25th percentile (RobustScaler), 1 when that range is 0.
 */
export interface ScaleStep {
  step: 'scale';
  method: Exclude<ScaleMethod, 'none'>;
  columns: ColumnScale[];
  /** Columns that were constant at fit time: left as they are or dropped, per `constantAction`. */
  constant: string[];
  constantAction: ConstantAction;
}

/**
 * Fit a scaler on the present values of each column. Missing values are ignored (and stay missing on transform).
 * O(n) per column for zscore and minmax, O(n log n) for robust.
 * @returns the fitted step and warnings (robust columns with a zero interquartile range).
 * @throws DataError when a column is not numeric or entirely missing.
 */
export function fitScale(
  ds: Dataset,
  columns: readonly string[],
  method: Exclude<ScaleMethod, 'none'>,
  constantAction: ConstantAction,
): { step: ScaleStep; warnings: string[] } {
  const out: ColumnScale[] = [];
  const constant: string[] = [];
  const warnings: string[] = [];
  for (const name of columns) {
    const v = numericValues(ds, name, `scale it (--scale ${method})`);
    const { count, min, max } = presentRange(v);
    if (count === 0) {
      throw new DataError(
        `column '${name}' is entirely missing: cannot scale it`,
        `drop it with --drop ${name}, or impute it with --impute ${name}=constant`,
      );
    }
    if (min === max) {
      constant.push(name);
      continue;
    }
    let center: number;
    let scale: number;
    if (method === 'zscore') {
      const s = meanStd(v);
      center = s.mean;
      scale = s.std > 0 ? s.std : 1;
    } else if (method === 'minmax') {
      center = min;
      scale = max - min;
    } else {
      const sorted = sortedPresent(v);
      center = medianSorted(sorted);
      scale = quantileSorted(sorted, 0.75) - quantileSorted(sorted, 0.25);
      if (!(scale > 0)) {
        warnings.push(`column '${name}' has an interquartile range of 0: robust scaling only centres it`);
        scale = 1;
      }
    }
    out.push({
      name,
      center: finiteOrThrow(center, name, 'scale it', v),
      scale: finiteOrThrow(scale, name, 'scale it', v),
    });
  }
  return { step: { step: 'scale', method, columns: out, constant, constantAction }, warnings };
}

/**
 * Apply a fitted scaler: every listed column becomes `(x − center) / scale` (float64; missing stays missing), and
 * constant columns are dropped when the step says so. O(n) per column.
 * @throws DataError when a column is missing or not numeric.
 */
export function applyScale(ds: Dataset, step: ScaleStep): Dataset {
  let out = ds;
  for (const { name, center, scale } of step.columns) {
    const v = numericValues(out, name, `scale it (--scale ${step.method})`);
    const r = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) r[i] = (v[i]! - center) / scale;
    out = out.withColumn(numericColumn(name, r, 'double'));
  }
  if (step.constantAction === 'drop') out = out.drop(step.constant);
  return out;
}
