import type { Dataset } from './dataset.js';
import { DataError } from './errors.js';
import type { Matrix } from './matrix.js';

/** Kind of a column under Gower's distance: numeric (range-scaled absolute difference) or categorical (0/1). */
export type GowerKind = 'numeric' | 'categorical';

/**
 * What Gower's distance needs about each feature, fitted on the training data and saved with the model:
 * numeric columns' ranges (max − min of the non-missing values), categorical columns' levels, and the weights.
 */
export interface GowerScale {
  kinds: GowerKind[];
  /** Numeric: max − min over the fitted rows (0 for a constant column: it then never differs); categorical: 0. */
  ranges: number[];
  /** Categorical: the levels the codes of {@link gowerMatrix} index; numeric: null. */
  levels: (string[] | null)[];
  weights: number[];
}

/** Code of a categorical value the model has not seen: it differs from every level. */
export const UNSEEN_LEVEL = -1;

/**
 * Fit Gower's scale on the features of a dataset (numeric or categorical columns): ranges over the non-missing
 * values, levels as the dataset holds them, `weights` by column name (default 1). O(n · d).
 * @throws DataError for a text column, a weight naming no feature, a negative or non-finite weight, or no positive weight.
 */
export function fitGowerScale(
  ds: Dataset,
  features: readonly string[],
  weights: ReadonlyMap<string, number> = new Map(),
): GowerScale {
  for (const [name, w] of weights) {
    if (!features.includes(name))
      throw new DataError(
        `--weights names '${name}', which is not a feature`,
        `features: ${features.join(', ')}`,
      );
    if (!(w >= 0) || !Number.isFinite(w))
      throw new DataError(`--weights: the weight of '${name}' must be a finite number >= 0, got ${w}`);
  }
  const scale: GowerScale = { kinds: [], ranges: [], levels: [], weights: [] };
  for (const name of features) {
    const c = ds.column(name);
    if (c.kind === 'string') {
      throw new DataError(
        `feature column '${name}' is free text (too many distinct values to be categorical)`,
        'leave it out with --exclude',
      );
    }
    scale.weights.push(weights.get(name) ?? 1);
    if (c.kind === 'categorical') {
      scale.kinds.push('categorical');
      scale.ranges.push(0);
      scale.levels.push([...c.levels]);
      continue;
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of c.values) {
      if (Number.isNaN(v)) continue;
      if (!Number.isFinite(v))
        throw new DataError(`column '${name}' has an infinite value`, 'remove or clip it first');
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    scale.kinds.push('numeric');
    scale.ranges.push(hi >= lo ? hi - lo : 0);
    scale.levels.push(null);
  }
  if (!scale.weights.some((w) => w > 0)) throw new DataError('--weights: every feature has weight 0');
  return scale;
}

/**
 * The features as a matrix for {@link gowerDistance}: numeric values as they are, categorical values as their index
 * in the scale's levels ({@link UNSEEN_LEVEL} for a level the scale does not know; text and numbers are matched to
 * the levels as text), NaN for a missing value. O(n · d).
 * @throws DataError when a feature is missing, numeric in the scale but not in the data, or infinite.
 */
export function gowerMatrix(ds: Dataset, features: readonly string[], scale: GowerScale): Matrix {
  const n = ds.nRows;
  const d = features.length;
  const data = new Float64Array(n * d);
  features.forEach((name, j) => {
    if (!ds.has(name)) throw new DataError(`missing column '${name}' the model needs`);
    const c = ds.column(name);
    if (scale.kinds[j] === 'numeric') {
      if (c.kind !== 'numeric')
        throw new DataError(`column '${name}' is ${c.kind} but the model needs numbers there`);
      for (let i = 0; i < n; i++) {
        const v = c.values[i]!;
        if (v === Infinity || v === -Infinity)
          throw new DataError(
            `column '${name}' has an infinite value (row ${i + 1})`,
            'remove or clip it first',
          );
        data[i * d + j] = v;
      }
      return;
    }
    // New data may hold a categorical column as text (few rows): its values are matched to the levels all the same.
    const index = new Map(scale.levels[j]!.map((l, k) => [l, k]));
    for (let i = 0; i < n; i++) {
      let level: string | null;
      if (c.kind === 'categorical') level = c.codes[i]! < 0 ? null : c.levels[c.codes[i]!]!;
      else if (c.kind === 'string') level = c.values[i] ?? null;
      else level = Number.isNaN(c.values[i]!) ? null : String(c.values[i]);
      data[i * d + j] = level === null ? NaN : (index.get(level) ?? UNSEEN_LEVEL);
    }
  });
  return { data, nRows: n, nCols: d };
}

/**
 * Gower's distance between row `i` of `a` and row `j` of `b` (matrices of {@link gowerMatrix}), as R's
 * `cluster::daisy(metric = "gower")`: Σ w·δ·d / Σ w·δ over the columns, where d = |x − y| / range for numeric columns
 * (0 when the range is 0) and 0/1 mismatch for categorical ones, and δ = 0 when either value is missing.
 * NaN when the two rows share no non-missing column with a positive weight. O(d).
 */
export function gowerDistance(
  scale: GowerScale,
  a: Float64Array,
  i: number,
  b: Float64Array,
  j: number,
  d: number,
): number {
  let num = 0;
  let den = 0;
  const ia = i * d;
  const jb = j * d;
  for (let t = 0; t < d; t++) {
    const x = a[ia + t]!;
    const y = b[jb + t]!;
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    const w = scale.weights[t]!;
    let dt: number;
    if (scale.kinds[t] === 'categorical') dt = x === y && x !== UNSEEN_LEVEL ? 0 : 1;
    else {
      const r = scale.ranges[t]!;
      dt = r > 0 ? Math.abs(x - y) / r : 0;
    }
    num += w * dt;
    den += w;
  }
  return den > 0 ? num / den : NaN;
}

/**
 * Refuse a pair of rows without a common non-missing column (R's daisy gives NA there, and no clustering can use it).
 * @throws DataError naming both rows (1-based).
 */
export function noCommonColumn(i: number, j: number): DataError {
  return new DataError(
    `rows ${i + 1} and ${j + 1} have no non-missing feature in common: their Gower distance is undefined`,
    'impute the missing values (segment clean --impute) or drop rows that are mostly missing',
  );
}
