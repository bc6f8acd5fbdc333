import type { Dataset } from './dataset.js';
import { DataError, UsageError } from './errors.js';

/** A dense row-major matrix: element (i, j) is `data[i * nCols + j]`. */
export interface Matrix {
  readonly data: Float64Array;
  readonly nRows: number;
  readonly nCols: number;
}

/** Allocate a zero matrix, on a SharedArrayBuffer when `shared` so worker threads can read it without a copy. */
export function allocMatrix(nRows: number, nCols: number, shared = false): Matrix {
  const bytes = nRows * nCols * Float64Array.BYTES_PER_ELEMENT;
  const data = shared ? new Float64Array(new SharedArrayBuffer(bytes)) : new Float64Array(nRows * nCols);
  return { data, nRows, nCols };
}

/**
 * Copy numeric columns into a row-major matrix. O(n·d) time and memory.
 * @throws DataError when a column is not numeric.
 */
export function toMatrix(ds: Dataset, names: readonly string[], shared = false): Matrix {
  const d = names.length;
  const m = allocMatrix(ds.nRows, d, shared);
  for (let j = 0; j < d; j++) {
    const col = ds.numeric(names[j]!).values;
    const out = m.data;
    for (let i = 0, k = j; i < col.length; i++, k += d) out[k] = col[i]!;
  }
  return m;
}

/** Column `j` of a matrix as a new array. */
export function matrixColumn(m: Matrix, j: number): Float64Array {
  const out = new Float64Array(m.nRows);
  for (let i = 0, k = j; i < m.nRows; i++, k += m.nCols) out[i] = m.data[k]!;
  return out;
}

/**
 * Refuse missing or infinite values in a matrix about to reach an algorithm that cannot take them; with `squares`
 * (distances, variances) also finite values so large that their squared differences overflow.
 * @throws DataError naming the column, the row and how many values are affected (or the too large value).
 */
export function assertFinite(
  m: Matrix,
  names: readonly string[],
  what = 'this algorithm',
  squares = true,
): void {
  const { data, nRows, nCols } = m;
  // Squared differences of values up to this size, summed over every column, stay finite.
  const limit = Math.sqrt(Number.MAX_VALUE / (4 * Math.max(1, nCols)));
  for (let j = 0; j < nCols; j++) {
    let count = 0;
    let first = -1;
    let sawNaN = false;
    let large = -1;
    for (let i = 0, k = j; i < nRows; i++, k += nCols) {
      const v = data[k]!;
      if (!Number.isFinite(v)) {
        if (first < 0) first = i;
        if (Number.isNaN(v)) sawNaN = true;
        count++;
      } else if (squares && large < 0 && Math.abs(v) > limit) large = i;
    }
    const name = names[j] ?? `#${j}`;
    if (count > 0) {
      throw new DataError(
        sawNaN
          ? `column '${name}' has ${count} missing value(s) (first at row ${first + 1}); ${what} cannot use missing values`
          : `column '${name}' has ${count} infinite value(s) (first at row ${first + 1})`,
        sawNaN ? 'impute them first: segment clean --impute median' : 'remove or clip them first',
      );
    }
    if (large >= 0) {
      throw new DataError(
        `values too large to compute distances (${String(data[large * nCols + j])} in column '${name}', row ${large + 1}): ${what} would overflow`,
        'rescale the column (divide it by a power of ten) or remove the value',
      );
    }
  }
}

/** Options shared by every command that models numeric columns (`--id`, `--features`, `--exclude`). */
export interface FeatureChoice {
  id?: string | undefined;
  features?: readonly string[] | undefined;
  exclude?: readonly string[] | undefined;
}

/**
 * Resolve the model's feature columns: `features` when given (each must exist and be numeric),
 * otherwise every numeric column except the id and `exclude`d ones.
 * @throws DataError for a missing or non-numeric column; UsageError when nothing is left.
 */
export function resolveFeatures(
  ds: Dataset,
  choice: FeatureChoice,
  alsoExclude: readonly string[] = [],
): string[] {
  for (const name of choice.exclude ?? []) ds.column(name);
  if (choice.id !== undefined) ds.column(choice.id);
  const excluded = new Set([...(choice.exclude ?? []), ...alsoExclude]);
  if (choice.id !== undefined) excluded.add(choice.id);
  let names: string[];
  if (choice.features && choice.features.length > 0) {
    names = choice.features.filter((n) => !excluded.has(n));
    for (const n of names) {
      const c = ds.column(n);
      if (c.kind !== 'numeric') {
        throw new DataError(
          `feature column '${n}' is ${c.kind}, not numeric`,
          'encode it first (segment clean --encode onehot) or leave it out of --features',
        );
      }
    }
  } else {
    names = ds.columns.filter((c) => c.kind === 'numeric' && !excluded.has(c.name)).map((c) => c.name);
  }
  if (names.length === 0) {
    throw new UsageError(
      'no numeric feature columns to use',
      `columns: ${ds.names.join(', ') || '(none)'}; name them with --features`,
    );
  }
  return names;
}
