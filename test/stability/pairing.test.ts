import { describe, expect, it } from 'vitest';
import { Dataset, numericColumn, stringColumn } from '../../src/core/dataset.js';
import { DataError } from '../../src/core/errors.js';
import { segmentLabels } from '../../src/core/labels.js';
import { pairRows } from '../../src/stability/pairing.js';

const f64 = (xs: number[]) => Float64Array.from(xs);

function segments(ids: string[], labels: number[]): Dataset {
  return Dataset.of([stringColumn('id', ids), numericColumn('segment', f64(labels), 'integer')]);
}

describe('segmentLabels', () => {
  it('reads integer labels >= -1', () => {
    expect([...segmentLabels(segments(['a', 'b'], [0, -1]), 'segment', 'f')]).toEqual([0, -1]);
  });
  it('refuses a missing column, a fraction and a missing label', () => {
    expect(() => segmentLabels(segments(['a'], [0]), 'seg', 'f')).toThrow(/no column 'seg'/);
    expect(() => segmentLabels(segments(['a'], [0.5]), 'segment', 'f')).toThrow(DataError);
    expect(() => segmentLabels(segments(['a'], [NaN]), 'segment', 'f')).toThrow(
      /row 1 of 'segment' is missing/,
    );
  });
});

describe('pairRows', () => {
  const a = segments(['x', 'y', 'z'], [0, 1, 2]);
  const b = segments(['z', 'w', 'x'], [5, 6, 7]);
  const side = (ds: Dataset, path: string) => ({ ds, path, labels: segmentLabels(ds, 'segment', path) });

  it('pairs by id in the order of a, counting the rows only one side holds', () => {
    const p = pairRows(side(a, 'a'), side(b, 'b'), 'id');
    expect([...p.a]).toEqual([0, 2]);
    expect([...p.b]).toEqual([7, 5]);
    expect([p.onlyA, p.onlyB]).toEqual([1, 1]);
    expect(p.notes[0]).toMatch(/^2 ids in both files are compared; 1 only in a, 1 only in b/);
  });
  it('pairs by position only with equal row counts', () => {
    expect(pairRows(side(a, 'a'), side(b, 'b'), undefined).onlyA).toBe(0);
    const short = segments(['x'], [0]);
    expect(() => pairRows(side(a, 'a'), side(short, 'c'), undefined)).toThrow(/a has 3 rows but c has 1/);
  });
  it('refuses no id in common', () => {
    const other = segments(['q'], [0]);
    expect(() => pairRows(side(a, 'a'), side(other, 'o'), 'id')).toThrow(/no id in common/);
  });
});
