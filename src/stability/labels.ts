import type { Dataset } from '../core/dataset.js';
import { DataError } from '../core/errors.js';

/**
 * The segment labels of a dataset's label column: integers >= −1 (−1 = noise). O(n).
 * @param path how the dataset is named in messages.
 * @throws DataError when the column is missing, not numeric, or holds a missing, fractional or negative label.
 */
export function segmentLabels(ds: Dataset, path: string, col: string): Int32Array {
  if (!ds.has(col)) {
    throw new DataError(
      `${path}: no column '${col}' with segment labels`,
      `the columns are ${ds.names.join(', ')}; name the column with --segment-col`,
    );
  }
  const c = ds.column(col);
  if (c.kind !== 'numeric')
    throw new DataError(`${path}: column '${col}' is ${c.kind}, not integer segment labels`);
  const out = new Int32Array(c.values.length);
  for (let i = 0; i < c.values.length; i++) {
    const v = c.values[i]!;
    if (!Number.isInteger(v) || v < -1)
      throw new DataError(
        `${path}: row ${i + 1} of '${col}' is ${Number.isNaN(v) ? 'missing' : v}; segment labels are integers >= 0 (−1 = noise)`,
      );
    out[i] = v;
  }
  return out;
}
