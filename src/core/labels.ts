import type { Dataset } from './dataset.js';
import { DataError } from './errors.js';

/**
 * The segment labels of a dataset's label column: integers >= −1 (−1 = noise). O(n).
 * @param source how the dataset is named in messages.
 * @param hint the hint when the column is missing (after the list of columns).
 * @throws DataError naming `source` when the column is missing, not numeric, or holds a missing, fractional or
 * negative label.
 * @example
 * const labels = segmentLabels(ds, 'segment', 'segments.parquet');
 */
export function segmentLabels(
  ds: Dataset,
  col: string,
  source: string,
  hint = 'write labels with segment cluster -o, or name the column with --segment-col',
): Int32Array {
  if (!ds.has(col))
    throw new DataError(
      `${source}: no column '${col}' with segment labels`,
      `the columns are ${ds.names.join(', ')}; ${hint}`,
    );
  const c = ds.column(col);
  if (c.kind !== 'numeric')
    throw new DataError(`${source}: column '${col}' is ${c.kind}, not integer segment labels`);
  const out = new Int32Array(c.values.length);
  for (let i = 0; i < c.values.length; i++) {
    const v = c.values[i]!;
    if (!Number.isInteger(v) || v < -1)
      throw new DataError(
        `${source}: row ${i + 1} of '${col}' is ${Number.isNaN(v) ? 'missing' : v}; segment labels are integers >= 0 (−1 = noise)`,
      );
    out[i] = v;
  }
  return out;
}
