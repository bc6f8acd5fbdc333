import { cellText, type Dataset } from '../core/dataset.js';
import { DataError, UsageError } from '../core/errors.js';

/** A binary target as 0/1, with the two class values it came from. */
export interface BinaryTarget {
  /** 1 = positive class, 0 = negative, NaN = missing label. */
  y: Float64Array;
  /** [negative, positive]: numbers for a numeric (or boolean) column, text otherwise. */
  classes: [string | number, string | number];
  /** Rows whose label is missing. */
  missing: number;
  /** How the positive class was chosen. */
  positiveRule: 'given' | 'true/yes/1' | 'larger value';
  /** Type of the column: predictions are written back in it. */
  type: 'boolean' | 'integer' | 'double' | 'text';
}

const truthy = new Set(['true', 'yes', '1', 't', 'y']);

/**
 * Read a binary target column. The positive class is `positive` when given (matched against the column's text
 * form, or as a number for numeric columns); otherwise `true` / `yes` / `1` when one of the two values is such a
 * word, else the larger value (numbers by value, text by code unit — scikit-learn's `classes_[1]`). Booleans are
 * numeric (true = 1), so true is positive. O(n).
 * @throws DataError when the column is missing or holds a single class (or none); UsageError when it holds more than
 *   two classes (multiclass targets are not supported) or `positive` is not one of its values.
 */
export function binaryTarget(ds: Dataset, name: string, positive?: string): BinaryTarget {
  const col = ds.column(name);
  const n = ds.nRows;
  const text: (string | null)[] = new Array<string | null>(n);
  const distinct = new Map<string, string | number>();
  let missing = 0;
  for (let i = 0; i < n; i++) {
    const t = cellText(col, i);
    text[i] = t;
    if (t === null) {
      missing++;
      continue;
    }
    if (!distinct.has(t)) {
      if (distinct.size >= 2) {
        const shown = [...distinct.keys(), t].map((v) => `'${v}'`).join(', ');
        throw new UsageError(
          `target column '${name}' has more than two classes (${shown}, …): multiclass targets are not supported`,
          'predict a yes/no outcome, e.g. derive a 0/1 column first',
        );
      }
      distinct.set(t, col.kind === 'numeric' ? col.values[i]! : t);
    }
  }
  if (distinct.size < 2) {
    throw new DataError(
      distinct.size === 0
        ? `target column '${name}' has no values`
        : `target column '${name}' has a single class ('${[...distinct.keys()][0]}'); a propensity model needs two`,
      'check the column, or train on rows that include both outcomes',
    );
  }
  const [ka, kb] = [...distinct.keys()] as [string, string];
  const va = distinct.get(ka)!;
  const vb = distinct.get(kb)!;
  let pos: string;
  let rule: BinaryTarget['positiveRule'];
  if (positive !== undefined) {
    const match = [ka, kb].find(
      (k) => k === positive || (typeof distinct.get(k) === 'number' && Number(positive) === distinct.get(k)),
    );
    if (match === undefined) {
      throw new UsageError(
        `--positive '${positive}' is not a value of target column '${name}'`,
        `its values are '${ka}' and '${kb}'`,
      );
    }
    pos = match;
    rule = 'given';
  } else if (truthy.has(ka.toLowerCase()) !== truthy.has(kb.toLowerCase())) {
    pos = truthy.has(ka.toLowerCase()) ? ka : kb;
    rule = 'true/yes/1';
  } else {
    const larger = typeof va === 'number' && typeof vb === 'number' ? (va > vb ? ka : kb) : ka > kb ? ka : kb;
    pos = larger;
    rule = 'larger value';
  }
  const neg = pos === ka ? kb : ka;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = text[i] === null ? Number.NaN : text[i] === pos ? 1 : 0;
  const type =
    col.kind !== 'numeric'
      ? 'text'
      : col.type === 'boolean'
        ? 'boolean'
        : Number.isInteger(distinct.get(ka)) && Number.isInteger(distinct.get(kb))
          ? 'integer'
          : 'double';
  return { y, classes: [distinct.get(neg)!, distinct.get(pos)!], missing, positiveRule: rule, type };
}
