import { describe, expect, it } from 'vitest';
import { Dataset, categoricalColumn, cellText, numericColumn, stringColumn } from '../../src/core/dataset.js';
import { DataError, ExitCode, InternalError, UsageError, invalidParameter } from '../../src/core/errors.js';
import { assertFinite, resolveFeatures, toMatrix } from '../../src/core/matrix.js';

const ds = Dataset.of([
  stringColumn('id', ['a', 'b', null]),
  numericColumn('x', Float64Array.of(1, 2, 3)),
  numericColumn('y', Float64Array.of(4, Number.NaN, 6), 'integer'),
  categoricalColumn('c', Int32Array.of(0, 1, -1), ['lo', 'hi']),
]);

describe('Dataset', () => {
  it('selects, drops, replaces and takes without touching the source', () => {
    expect(ds.names).toEqual(['id', 'x', 'y', 'c']);
    expect(ds.select(['y', 'x']).names).toEqual(['y', 'x']);
    expect(ds.drop(['id', 'nope']).names).toEqual(['x', 'y', 'c']);
    const replaced = ds.withColumn(numericColumn('x', Float64Array.of(9, 9, 9)));
    expect(replaced.numeric('x').values[0]).toBe(9);
    expect(ds.numeric('x').values[0]).toBe(1);
    const t = ds.take(Int32Array.of(2, 0));
    expect(t.nRows).toBe(2);
    expect(cellText(t.column('id'), 0)).toBeNull();
    expect(cellText(t.column('c'), 1)).toBe('lo');
    expect(t.numeric('x').values).toEqual(Float64Array.of(3, 1));
  });

  it('shares column arrays between derived tables', () => {
    expect(ds.select(['x']).numeric('x').values).toBe(ds.numeric('x').values);
  });

  it('names the available columns when one is missing', () => {
    expect(() => ds.column('z')).toThrow(DataError);
    try {
      ds.column('z');
    } catch (e) {
      expect((e as DataError).hint).toContain('id, x, y, c');
    }
    expect(() => ds.numeric('c')).toThrow(/categorical, not numeric/);
  });

  it('refuses unequal lengths and duplicate names', () => {
    expect(() =>
      Dataset.of([numericColumn('a', new Float64Array(2)), numericColumn('b', new Float64Array(3))]),
    ).toThrow(InternalError);
    expect(() =>
      Dataset.of([numericColumn('a', new Float64Array(2)), numericColumn('a', new Float64Array(2))]),
    ).toThrow(/duplicate/);
  });

  it('renders cells as text', () => {
    const t = Dataset.of([
      numericColumn('ts', Float64Array.of(Date.UTC(2026, 0, 2, 3, 4, 5)), 'timestamp'),
      numericColumn('d', Float64Array.of(Date.UTC(2026, 0, 2)), 'date'),
      numericColumn('b', Float64Array.of(1), 'boolean'),
    ]);
    expect(cellText(t.column('ts'), 0)).toBe('2026-01-02T03:04:05.000Z');
    expect(cellText(t.column('d'), 0)).toBe('2026-01-02');
    expect(cellText(t.column('b'), 0)).toBe('true');
  });
});

describe('features and matrices', () => {
  it('uses every numeric column but the id by default', () => {
    expect(resolveFeatures(ds, {})).toEqual(['x', 'y']);
    expect(resolveFeatures(ds, { exclude: ['y'] })).toEqual(['x']);
    expect(resolveFeatures(ds, { features: ['y'] })).toEqual(['y']);
    const withNumId = ds.withColumn(numericColumn('nid', Float64Array.of(1, 2, 3)));
    expect(resolveFeatures(withNumId, { id: 'nid' })).toEqual(['x', 'y']);
  });

  it('refuses missing, non-numeric or no features', () => {
    expect(() => resolveFeatures(ds, { features: ['nope'] })).toThrow(DataError);
    expect(() => resolveFeatures(ds, { features: ['c'] })).toThrow(/not numeric/);
    expect(() => resolveFeatures(ds, { exclude: ['x', 'y'] })).toThrow(UsageError);
    expect(() => resolveFeatures(ds, { id: 'missing' })).toThrow(DataError);
  });

  it('builds a row-major matrix', () => {
    const m = toMatrix(ds, ['x', 'y']);
    expect(m.nRows).toBe(3);
    expect(m.nCols).toBe(2);
    expect(Array.from(m.data)).toEqual([1, 4, 2, Number.NaN, 3, 6]);
    expect(toMatrix(ds, ['x'], true).data.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('names the column and row of a missing value and suggests imputation', () => {
    const m = toMatrix(ds, ['x', 'y']);
    expect(() => assertFinite(m, ['x', 'y'])).toThrow(
      /column 'y' has 1 missing value\(s\) \(first at row 2\)/,
    );
    try {
      assertFinite(m, ['x', 'y']);
    } catch (e) {
      expect((e as DataError).hint).toContain('segment clean --impute');
      expect((e as DataError).exitCode).toBe(ExitCode.data);
    }
    expect(() => assertFinite(toMatrix(ds, ['x']), ['x'])).not.toThrow();
    const inf = { data: Float64Array.of(1, Infinity), nRows: 2, nCols: 1 };
    expect(() => assertFinite(inf, ['v'])).toThrow(/infinite/);
  });
});

describe('errors', () => {
  it('formats parameter errors like scikit-learn', () => {
    const e = invalidParameter('cluster.kmeans', 'nClusters', 'an int in [1, inf)', 0);
    expect(e.message).toBe("The 'nClusters' parameter of cluster.kmeans must be an int in [1, inf). Got 0.");
    expect(e.exitCode).toBe(2);
  });
});
