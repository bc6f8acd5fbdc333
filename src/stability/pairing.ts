import type { Dataset } from '../core/dataset.js';
import { DataError } from '../core/errors.js';
import { rowsById } from '../core/ids.js';

/** The labels of the rows two datasets share, in matching order, and how many rows only one of them holds. */
export interface PairedLabels {
  a: Int32Array;
  b: Int32Array;
  onlyA: number;
  onlyB: number;
  /** What the comparison should say about rows left out. */
  notes: string[];
}

/** One side of a pairing: its rows, how they are named in messages, and their labels. */
export interface PairingSide {
  ds: Dataset;
  path: string;
  labels: Int32Array;
}

/**
 * Pair the rows of two datasets by position (same row count) or by an id column, and return the labels of the paired
 * rows. By id: the order of `a`'s rows; rows whose id only one side holds are counted and left out. O(n).
 * @throws DataError for a missing id column, unequal row counts without id, repeated or missing ids, no common id.
 */
export function pairRows(a: PairingSide, b: PairingSide, id: string | undefined): PairedLabels {
  const { ds: dsA, path: pathA, labels: labA } = a;
  const { ds: dsB, path: pathB, labels: labB } = b;
  if (id === undefined) {
    if (dsA.nRows !== dsB.nRows)
      throw new DataError(
        `${pathA} has ${dsA.nRows} rows but ${pathB} has ${dsB.nRows}; rows are matched by position`,
        'match them by an id column with --id',
      );
    return { a: labA, b: labB, onlyA: 0, onlyB: 0, notes: [] };
  }
  for (const [p, ds] of [
    [pathA, dsA],
    [pathB, dsB],
  ] as const) {
    if (!ds.has(id))
      throw new DataError(`${p}: no id column '${id}'`, `the columns are ${ds.names.join(', ')}`);
  }
  const idxA = rowsById(dsA, id, pathA);
  const idxB = rowsById(dsB, id, pathB);
  const ia: number[] = [];
  const ib: number[] = [];
  let onlyA = 0;
  for (const [key, i] of idxA) {
    const j = idxB.get(key);
    if (j === undefined) onlyA++;
    else {
      ia.push(i);
      ib.push(j);
    }
  }
  const onlyB = idxB.size - ia.length;
  if (ia.length === 0)
    throw new DataError(`${pathA} and ${pathB} have no id in common in '${id}'`, 'check --id');
  const notes: string[] = [];
  if (onlyA + onlyB > 0)
    notes.push(
      `${ia.length} ids in both files are compared; ${onlyA} only in a, ${onlyB} only in b are left out of ARI / NMI / Jaccard`,
    );
  return {
    a: Int32Array.from(ia, (i) => labA[i]!),
    b: Int32Array.from(ib, (j) => labB[j]!),
    onlyA,
    onlyB,
    notes,
  };
}
