import { describe, expect, it } from 'vitest';
import { dedupe } from '../../src/clean/dedupe.js';
import { jaroWinkler, levenshtein, normaliseText, similarity } from '../../src/clean/text-similarity.js';
import { categoricalColumn, Dataset, numericColumn, stringColumn } from '../../src/core/dataset.js';
import { DataError, UsageError } from '../../src/core/errors.js';

describe('text similarity', () => {
  it('normalises case, accents and whitespace', () => {
    expect(normaliseText('  Chloé.ROSSI@Example.com ')).toBe('chloe.rossi@example.com');
    expect(normaliseText('Björn\t  Müller')).toBe('bjorn muller');
    expect(normaliseText('ﬁnance')).toBe('finance'); // compatibility ligature
  });

  it('Jaro-Winkler on the textbook examples (Winkler 1990)', () => {
    expect(jaroWinkler('MARTHA', 'MARHTA')).toBeCloseTo(0.961111, 6);
    expect(jaroWinkler('DWAYNE', 'DUANE')).toBeCloseTo(0.84, 6);
    expect(jaroWinkler('DIXON', 'DICKSONX')).toBeCloseTo(0.813333, 6);
    expect(jaroWinkler('abc', 'xyz')).toBe(0);
    expect(jaroWinkler('', '')).toBe(1);
    expect(jaroWinkler('same', 'same')).toBe(1);
  });

  it('Levenshtein distance, with an early exit past a limit', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('flaw', 'lawn')).toBe(2);
    expect(levenshtein('kitten', 'sitting', 1)).toBe(2); // "more than 1"
    expect(similarity('kitten', 'sitting', 'levenshtein')).toBeCloseTo(1 - 3 / 7, 15);
    expect(similarity('kitten', 'sitting', 'levenshtein', 0.9)).toBeLessThan(0.9);
  });
});

/** id, email, spend: row 2 repeats row 0; row 3 is row 1 with the email upper-cased and padded. */
function customers(): Dataset {
  return Dataset.of([
    stringColumn('id', ['C1', 'C2', 'C1', 'C2', 'C3', 'C4', null]),
    stringColumn('email', [
      'anna.dubois0@example.com',
      'jonas.smith1@example.com',
      'anna.dubois0@example.com',
      '  JONAS.SMITH1@EXAMPLE.COM ',
      'jonas.smiht1@example.com',
      'anna.dubois26@example.com',
      null,
    ]),
    numericColumn('spend', Float64Array.from([10, NaN, 10, 20, 30, 40, 50])),
  ]);
}

describe('dedupe', () => {
  it('exact on a key column keeps the first, last or most complete row of each group', () => {
    const first = dedupe(customers(), { keys: ['id'], keep: 'first' });
    expect(Array.from(first.keep)).toEqual([0, 1, 4, 5, 6]); // a missing key is never a duplicate
    expect(first.report.passes[0]).toMatchObject({
      kind: 'key',
      reason: 'same id',
      groups: 2,
      rowsRemoved: 2,
    });
    expect(first.report.passes[0]!.examples).toEqual([
      { kept: 1, removed: 3 },
      { kept: 2, removed: 4 },
    ]);
    expect(Array.from(dedupe(customers(), { keys: ['id'], keep: 'last' }).keep)).toEqual([2, 3, 4, 5, 6]);
    // row 1 misses spend, row 3 does not
    expect(Array.from(dedupe(customers(), { keys: ['id'], keep: 'most-complete' }).keep)).toEqual([
      0, 3, 4, 5, 6,
    ]);
  });

  it('composite keys and whole rows', () => {
    expect(Array.from(dedupe(customers(), { keys: ['id', 'email'], keep: 'first' }).keep)).toEqual([
      0, 1, 3, 4, 5, 6,
    ]);
    const rows = dedupe(customers(), { rows: true, keep: 'first' });
    expect(Array.from(rows.keep)).toEqual([0, 1, 3, 4, 5, 6]);
    expect(rows.report).toMatchObject({ nRowsIn: 7, nRowsOut: 6, rowsRemoved: 1 });
  });

  it('fuzzy: normalised near-identical values merge; different digits never do; the report says why', () => {
    const r = dedupe(customers(), {
      rows: true,
      fuzzy: { column: 'email', similarity: 0.92, method: 'jaro-winkler', window: 10 },
      keep: 'first',
    });
    // row 3 (case + padding) and row 4 (a transposition) merge into row 1; anna.dubois26 has other digits
    expect(Array.from(r.keep)).toEqual([0, 1, 5, 6]);
    const fuzzy = r.report.passes[1]!;
    expect(fuzzy.kind).toBe('fuzzy');
    expect(fuzzy.reason).toBe('email: jaro-winkler similarity >= 0.92 after normalisation, same digits');
    expect(fuzzy.rowsRemoved).toBe(2);
    expect(fuzzy.examples[0]).toEqual({
      kept: 2,
      removed: 4,
      keptValue: 'jonas.smith1@example.com',
      removedValue: '  JONAS.SMITH1@EXAMPLE.COM ',
      similarity: 1,
    });
    expect(fuzzy.examples[1]!.similarity).toBeGreaterThan(0.92);
    // comparing digits like letters merges the two annas (2 edits in 25, similarity 0.92); with Levenshtein the
    // transposition in row 4 costs 2 edits in 24 (0.917) and stays
    const loose = dedupe(customers(), {
      fuzzy: { column: 'email', similarity: 0.92, method: 'levenshtein', window: 10, digits: 'similar' },
      keep: 'first',
    });
    expect(Array.from(loose.keep)).toEqual([0, 1, 4, 6]);
  });

  it('fuzzy groups are split around their first row: a chain of close values does not merge end to end', () => {
    // each neighbour is one edit away (similarity 0.8), the ends are two edits away (0.6)
    const ds = Dataset.of([stringColumn('name', ['abcde', 'abcdx', 'abcyx'])]);
    const r = dedupe(ds, {
      fuzzy: { column: 'name', similarity: 0.8, method: 'levenshtein', window: 5 },
      keep: 'first',
    });
    expect(Array.from(r.keep)).toEqual([0, 2]);
  });

  it('blocking: the window bounds the comparisons, yet identical normalised values always meet', () => {
    const n = 2000;
    const values = Array.from({ length: n }, (_, i) => `customer${String(i).padStart(5, '0')}@example.com`);
    values.push('  CUSTOMER00017@example.com', 'customer01234@EXAMPLE.com');
    const ds = Dataset.of([stringColumn('email', values)]);
    const r = dedupe(ds, {
      fuzzy: { column: 'email', similarity: 0.95, method: 'jaro-winkler', window: 3 },
      keep: 'first',
    });
    expect(r.report.rowsRemoved).toBe(2);
    expect(r.report.passes[0]!.examples.map((e) => [e.kept, e.removed])).toEqual([
      [18, 2001],
      [1235, 2002],
    ]);
  });

  it('categorical columns dedupe like text; bad parameters and columns are refused', () => {
    const ds = Dataset.of([categoricalColumn('c', Int32Array.from([0, 1, 0]), ['x', 'y'])]);
    expect(Array.from(dedupe(ds, { keys: ['c'], keep: 'first' }).keep)).toEqual([0, 1]);
    expect(() => dedupe(customers(), { keys: ['nope'], keep: 'first' })).toThrow(DataError);
    expect(() =>
      dedupe(customers(), {
        fuzzy: { column: 'spend', similarity: 0.9, method: 'jaro-winkler', window: 10 },
        keep: 'first',
      }),
    ).toThrow(/holds numbers, not text/);
    expect(() =>
      dedupe(customers(), {
        fuzzy: { column: 'email', similarity: 1.5, method: 'jaro-winkler', window: 10 },
        keep: 'first',
      }),
    ).toThrow("The 'similarity' parameter of clean.dedupe must be a float in (0, 1]. Got 1.5.");
    expect(() => dedupe(customers(), { keys: ['id'], keep: 'best' as 'first' })).toThrow(UsageError);
  });
});
