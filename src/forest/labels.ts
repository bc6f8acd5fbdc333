import { DataError } from '../core/errors.js';

/** Class labels as a classifier takes them: numbers, or text (null = missing). */
export type Labels = ArrayLike<number> | readonly (string | null)[];

/** Labels encoded as class codes into `classes` (sorted: numbers ascending, text by code unit, as np.unique). */
export interface EncodedLabels {
  codes: Int32Array;
  classes: (string | number)[];
}

/**
 * Encode labels as codes 0 … K − 1 in the order of the sorted distinct values. O(n log K).
 * @throws DataError naming the first missing label (NaN or null) and how many there are.
 */
export function encodeLabels(y: Labels, what = 'the target'): EncodedLabels {
  const n = y.length;
  let missing = 0;
  let first = -1;
  const seen = new Map<string | number, number>();
  for (let i = 0; i < n; i++) {
    const v = y[i];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) {
      if (first < 0) first = i;
      missing++;
      continue;
    }
    if (!seen.has(v)) seen.set(v, 0);
  }
  if (missing > 0) {
    throw new DataError(
      `${what} has ${missing} missing value(s) (first at row ${first + 1})`,
      'drop or impute those rows first',
    );
  }
  const classes = [...seen.keys()].sort((a, b) =>
    typeof a === 'number' && typeof b === 'number'
      ? a - b
      : String(a) < String(b)
        ? -1
        : String(a) > String(b)
          ? 1
          : 0,
  );
  classes.forEach((c, k) => seen.set(c, k));
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) codes[i] = seen.get(y[i] as string | number)!;
  return { codes, classes };
}
