import { describe, expect, it } from 'vitest';
import { Dataset, numericColumn, stringColumn, cellText } from '../../src/core/dataset.js';
import { DataError } from '../../src/core/errors.js';
import {
  computeMigration,
  labelledIds,
  migrationChart,
  migrationLines,
  migrationSection,
  migrationWarnings,
  movesDataset,
  type LabelledIds,
} from '../../src/report/migration.js';

/** Ids and labels in file order, as rowsById would index them. */
const side = (pairs: [string, number][]): LabelledIds => ({
  ids: new Map(pairs.map(([id], i) => [id, i])),
  labels: Int32Array.from(pairs.map(([, l]) => l)),
});

// Baseline: 7 ids; current: 8 ids. Paired a–f; g is lost; h and i are new. e is noise in both, d becomes noise.
const baseline = side([
  ['a', 0],
  ['b', 0],
  ['c', 1],
  ['d', 1],
  ['e', -1],
  ['f', 2],
  ['g', 0],
]);
const current = side([
  ['a', 0],
  ['b', 1],
  ['c', 1],
  ['d', -1],
  ['e', -1],
  ['f', 1],
  ['h', 2],
  ['i', 0],
]);
const opts = {
  baseline: { path: 'old.csv', sha256: null, rows: 7 },
  idColumn: 'id',
  maxShift: 10,
  names: new Map([[1, 'Loyal']]),
};

describe('computeMigration on a hand-computed case', () => {
  const { migration: m, moves } = computeMigration(current, baseline, opts);

  it('counts paired, unchanged, changed, new and lost ids', () => {
    expect([m.paired, m.unchanged, m.changed, m.new, m.lost]).toEqual([6, 3, 3, 2, 1]);
    expect(m.baseline).toEqual({ path: 'old.csv', sha256: null, rows: 7 });
    expect(m.idColumn).toBe('id');
    expect(m.maxShift).toBe(10);
  });

  it('cross-tabulates the paired ids, noise as its own row and column, zeros included', () => {
    // rows: baseline labels of paired ids (−1, 0, 1, 2); columns: current labels of paired ids (−1, 0, 1)
    expect(m.matrix.map((c) => [c.from, c.to, c.count])).toEqual([
      [-1, -1, 1],
      [-1, 0, 0],
      [-1, 1, 0],
      [0, -1, 0],
      [0, 0, 1],
      [0, 1, 1],
      [1, -1, 1],
      [1, 0, 0],
      [1, 1, 1],
      [2, -1, 0],
      [2, 0, 0],
      [2, 1, 1],
    ]);
    expect(m.matrix.map((c) => c.rowShare)).toEqual([1, 0, 0, 0, 0.5, 0.5, 0.5, 0, 0.5, 0, 0, 1]);
  });

  it('gives every segment its share of each file and the shift in points', () => {
    expect(m.segments.map((s) => [s.segment, s.name])).toEqual([
      [-1, 'Noise'],
      [0, 'Segment 0'],
      [1, 'Loyal'],
      [2, 'Segment 2'],
    ]);
    const expected = [
      [1 / 7, 2 / 8],
      [3 / 7, 2 / 8],
      [2 / 7, 3 / 8],
      [1 / 7, 1 / 8],
    ];
    m.segments.forEach((s, k) => {
      expect(s.before).toBeCloseTo(expected[k]![0]!, 12);
      expect(s.after).toBeCloseTo(expected[k]![1]!, 12);
      expect(s.shift).toBeCloseTo((expected[k]![1]! - expected[k]![0]!) * 100, 10);
    });
  });

  it('warns for the segments whose share moved more than maxShift points, in segment order', () => {
    expect(migrationWarnings(m)).toEqual([
      'the share of Noise moved from 14.3 % to 25.0 % (+10.7 points) since the baseline',
      'the share of Segment 0 moved from 42.9 % to 25.0 % (−17.9 points) since the baseline',
    ]);
    const wide = computeMigration(current, baseline, { ...opts, maxShift: 17.9 }).migration;
    expect(migrationWarnings(wide)).toHaveLength(0);
  });

  it('lists changed and new ids in current order, then lost ids', () => {
    expect(moves).toEqual([
      { id: 'b', from: 0, to: 1 },
      { id: 'd', from: 1, to: -1 },
      { id: 'f', from: 2, to: 1 },
      { id: 'h', from: null, to: 2 },
      { id: 'i', from: null, to: 0 },
      { id: 'g', from: 0, to: null },
    ]);
    const ds = movesDataset(moves, 'text');
    expect(ds.names).toEqual(['id', 'from_segment', 'to_segment']);
    expect(ds.nRows).toBe(6);
    const col = (name: string) => Array.from({ length: ds.nRows }, (_, i) => cellText(ds.column(name), i));
    expect(col('from_segment')).toEqual(['0', '1', '2', null, null, '0']);
    expect(col('to_segment')).toEqual(['1', '-1', '1', '2', '0', null]);
    const numeric = movesDataset([{ id: '17', from: 1, to: 2 }], 'number');
    expect(numeric.column('id').kind).toBe('numeric');
  });

  it('renders the heatmap, the page section and the text lines', () => {
    const chart = migrationChart(m);
    expect(chart.id).toBe('migration');
    const values = (chart.spec['data'] as { values: { from: string; to: string; count: number }[] }).values;
    expect(values).toHaveLength(12);
    expect(values[5]).toMatchObject({ from: 'Segment 0', to: 'Loyal', count: 1 });
    const html = migrationSection(m, []);
    expect(html).toContain('<section id="migration">');
    expect(html).toContain('<td>6</td><td>3</td><td>3</td><td>2</td><td>1</td>');
    expect(html).toContain('<b>−17.9</b>');
    expect(migrationSection(null, [])).toBe('');
    const lines = migrationLines(m);
    expect(lines[0]).toBe('migration since old.csv (by id): 6 paired, 3 unchanged, 3 changed, 2 new, 1 lost');
    expect(lines[2]).toContain('Segment 0: 42.9 % → 25.0 % (−17.9 points)  !');
  });
});

describe('pairing the files by id', () => {
  it('refuses repeated ids, a missing id column and two files without a common id', () => {
    const ds = Dataset.of([
      stringColumn('id', ['x', 'y', 'x']),
      numericColumn('segment', Float64Array.from([0, 1, 0]), 'integer'),
    ]);
    expect(() => labelledIds(ds, new Int32Array(3), 'id', 'old.csv')).toThrow(DataError);
    expect(() => labelledIds(ds, new Int32Array(3), 'id', 'old.csv')).toThrow(
      /old\.csv: id column 'id' has 1 id\(s\) on more than one row/,
    );
    expect(() => labelledIds(ds, new Int32Array(3), 'customer', 'old.csv')).toThrow(
      /old\.csv: no id column 'customer'/,
    );
    expect(() => computeMigration(side([['p', 0]]), side([['q', 0]]), opts)).toThrow(/no id in common/);
  });
});
