import { assertFreeColumns } from '../core/columns.js';
import { cellText, Dataset, type Column } from '../core/dataset.js';
import { DataError } from '../core/errors.js';

/**
 * The values of numeric column `name`, for a step that needs numbers (`purpose`, e.g. "scale it").
 * @throws DataError when the column is missing, or holds text: naming the first value that is not a number when the
 *   column looks numeric but was read as text because of it.
 */
export function numericValues(ds: Dataset, name: string, purpose: string): Float64Array {
  const c = ds.column(name);
  if (c.kind === 'numeric') return c.values;
  throw notNumeric(c, purpose);
}

function notNumeric(c: Column, purpose: string): DataError {
  const numberLike = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i;
  let numbers = 0;
  let firstBad = -1;
  const n = c.kind === 'categorical' ? c.codes.length : c.kind === 'string' ? c.values.length : 0;
  for (let i = 0; i < n; i++) {
    const t = cellText(c, i);
    if (t === null) continue;
    if (numberLike.test(t)) numbers++;
    else if (firstBad < 0) firstBad = i;
  }
  if (numbers > 0 && firstBad >= 0) {
    return new DataError(
      `column '${c.name}' was read as text, not numbers (row ${firstBad + 1}: ${JSON.stringify(cellText(c, firstBad))} is not a number): cannot ${purpose}`,
      `fix or blank the bad values, or leave the column out with --exclude ${c.name}`,
    );
  }
  return new DataError(
    `column '${c.name}' is ${c.kind} text, not numeric: cannot ${purpose}`,
    `leave it out with --exclude ${c.name}, or encode it with --encode onehot`,
  );
}

/** A dataset whose column `name` is replaced by `replacement` (any number of columns, in place). */
export function replaceColumn(ds: Dataset, name: string, replacement: readonly Column[]): Dataset {
  const cols: Column[] = [];
  for (const c of ds.columns) {
    if (c.name === name) cols.push(...replacement);
    else cols.push(c);
  }
  return Dataset.of(cols, ds.metadata, ds.nRows);
}

/**
 * Refuse a new column name that the dataset already has ({@link assertFreeColumns}).
 * @throws DataError naming the column, the step that wanted it and `hint` (default: drop the existing column).
 */
export function assertNewColumn(ds: Dataset, name: string, what: string, hint?: string): void {
  assertFreeColumns(
    ds,
    [{ name, hint: hint ?? `rename the existing column, or drop it first (--drop ${name})` }],
    what,
  );
}

/**
 * The model can only hold finite numbers (JSON has no NaN or Infinity): a statistic that is not one comes from
 * infinite values in the data, or from finite values so large that the arithmetic overflows (`values`, the column,
 * tells which).
 * @throws DataError naming the column and what could not be fitted.
 */
export function finiteOrThrow(x: number, column: string, what: string, values?: ArrayLike<number>): number {
  if (Number.isFinite(x)) return x;
  let row = -1;
  for (let i = 0; values && i < values.length; i++) {
    const v = values[i]!;
    if (v === Infinity || v === -Infinity) {
      row = -1;
      break;
    }
    if (Number.isFinite(v) && (row < 0 || Math.abs(v) > Math.abs(values[row]!))) row = i;
  }
  if (values && row >= 0) {
    throw new DataError(
      `column '${column}' has values too large to ${what} (${String(values[row])} at row ${row + 1}): the computation overflows`,
      'rescale the column (divide it by a power of ten) or remove the value',
    );
  }
  throw new DataError(
    `column '${column}' holds infinite values: cannot ${what}`,
    'remove or clip them first, or leave the column out with --exclude',
  );
}
