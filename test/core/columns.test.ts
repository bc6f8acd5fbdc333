import { describe, expect, it } from 'vitest';
import { assertDistinctNames, assertFreeColumns } from '../../src/core/columns.js';
import {
  Dataset,
  categoricalColumn,
  lazyStringColumn,
  numericColumn,
  stringColumn,
  unmadeText,
} from '../../src/core/dataset.js';
import { Utf8TextBuilder } from '../../src/core/utf8-text.js';
import { DataError, ExitCode } from '../../src/core/errors.js';
import { describeDuplicateIds, findDuplicateIds, assertUniqueIds, rowsById } from '../../src/core/ids.js';
import { chooseFeatures, isUnasked, leftOutWarning, resolveFeatures } from '../../src/core/matrix.js';

const ds = Dataset.of([
  stringColumn('id', ['a', 'b', 'c', 'd']),
  numericColumn('spend', Float64Array.of(1, 2, 3, 4)),
  stringColumn('note', ['x', 'y', 'z', 'w']),
  categoricalColumn('region', Int32Array.of(0, 1, 0, 1), ['n', 's']),
  numericColumn('signup', Float64Array.of(0, 1e9, 2e9, 3e9), 'date'),
  numericColumn('visits', Float64Array.of(5, 6, 7, 8), 'integer'),
  numericColumn('segment', Float64Array.of(0, 1, 0, 1), 'integer'),
]);

describe('chooseFeatures', () => {
  it('lists every column it leaves out, with its reason, in input order', () => {
    const r = chooseFeatures(ds, { id: 'id' }, { roles: ['segment'] });
    expect(r.features).toEqual(['spend', 'signup', 'visits']);
    expect(r.leftOut).toEqual([
      { name: 'id', reason: 'id' },
      { name: 'note', reason: 'text' },
      { name: 'region', reason: 'categorical' },
      { name: 'segment', reason: 'role' },
    ]);
    const t = chooseFeatures(
      ds,
      { id: 'id', exclude: ['visits'] },
      { roles: ['segment'], skipTemporal: true },
    );
    expect(t.features).toEqual(['spend']);
    expect(t.leftOut.find((c) => c.name === 'signup')?.reason).toBe('date');
    expect(t.leftOut.find((c) => c.name === 'visits')?.reason).toBe('exclude');
  });

  it('an explicit --features list leaves the rest out as unlisted, and nothing to warn about', () => {
    const r = chooseFeatures(ds, { id: 'id', features: ['visits', 'signup'] }, { skipTemporal: true });
    expect(r.features).toEqual(['visits', 'signup']);
    expect(r.leftOut.map((c) => c.reason)).toEqual(['id', 'unlisted', 'unlisted', 'unlisted', 'unlisted']);
    expect(leftOutWarning(r.leftOut)).toBeNull();
  });

  it('warns about kind reasons only, naming each column once', () => {
    const r = chooseFeatures(ds, { id: 'id', exclude: ['note'] }, { roles: ['segment'] });
    expect(r.leftOut.filter(isUnasked).map((c) => c.name)).toEqual(['region']);
    const w = leftOutWarning(r.leftOut)!;
    expect(w).toMatch(/^features: left out 'region' \(categorical\);/);
    expect(w).not.toContain("'note'");
    expect(w).not.toContain("'id'");
    const many = Array.from({ length: 12 }, (_, i) => ({ name: `t${i}`, reason: 'text' as const }));
    expect(leftOutWarning(many, 10)).toContain(', and 2 more;');
  });

  it('refuses a non-numeric named feature and an empty choice (unless allowed); resolveFeatures is the thin form', () => {
    expect(() => chooseFeatures(ds, { features: ['note'] })).toThrow(/'note' is string, not numeric/);
    const textOnly = Dataset.of([stringColumn('a', ['x'])]);
    expect(() => chooseFeatures(textOnly, {})).toThrow(/no numeric feature columns/);
    expect(chooseFeatures(textOnly, {}, { allowEmpty: true })).toEqual({
      features: [],
      leftOut: [{ name: 'a', reason: 'text' }],
    });
    expect(resolveFeatures(ds, { id: 'id' }, ['segment'])).toEqual(['spend', 'signup', 'visits']);
  });
});

describe('assertFreeColumns', () => {
  it('refuses a name the input already has, naming the column and the flag, exit 3', () => {
    expect(() => assertFreeColumns(ds, [{ name: 'label', hint: 'h' }], 'segment cluster')).not.toThrow();
    let err: unknown;
    try {
      assertFreeColumns(
        ds,
        [{ name: 'segment', hint: 'name the new labels otherwise with --segment-col NAME' }],
        'segment cluster',
        'in.csv',
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).exitCode).toBe(ExitCode.data);
    expect((err as DataError).message).toBe(
      "in.csv: the input already has a column 'segment', which segment cluster would write over",
    );
    expect((err as DataError).hint).toContain('--segment-col');
  });

  it('refuses two outputs under one name', () => {
    expect(() =>
      assertDistinctNames([
        { name: 'p', flag: '--probability-col' },
        { name: 'p', flag: '--tier-col' },
      ]),
    ).toThrow(/--probability-col and --tier-col both name the output column 'p'/);
  });
});

describe('duplicate ids', () => {
  it('are found on numeric, categorical and string ids by their exact text, missing ids skipped', () => {
    const num = Dataset.of([
      numericColumn('id', Float64Array.of(7, 8, 7, Number.NaN, Number.NaN, 8, 7), 'integer'),
    ]);
    expect(findDuplicateIds(num, 'id')).toEqual({
      ids: 2,
      rows: 5,
      examples: [
        { id: '7', rows: [1, 3, 7] },
        { id: '8', rows: [2, 6] },
      ],
    });
    const cat = Dataset.of([categoricalColumn('id', Int32Array.of(0, 1, 0, -1), ['x', 'y'])]);
    expect(findDuplicateIds(cat, 'id')?.examples).toEqual([{ id: 'x', rows: [1, 3] }]);
    // Ids are text: '01' and '1' differ, and case matters.
    const str = Dataset.of([stringColumn('id', ['01', '1', 'A', 'a', null, null])]);
    expect(findDuplicateIds(str, 'id')).toBeNull();
  });

  it('are found the same in text kept as UTF-8 bytes, without making its strings', () => {
    const values = Array.from({ length: 3000 }, (_, i) =>
      i % 97 === 5 ? null : i % 400 === 7 ? 'Zoë-7' : i % 250 === 3 ? `dup-${i % 3}` : `id-${i}`,
    );
    const b = new Utf8TextBuilder();
    for (const v of values) b.push(v);
    const bytes = Dataset.of([lazyStringColumn('id', b.finish())]);
    const plain = Dataset.of([stringColumn('id', values)]);
    const got = findDuplicateIds(bytes, 'id', 5);
    expect(got).toEqual(findDuplicateIds(plain, 'id', 5));
    expect(got?.examples.map((e) => e.id)).toEqual(['dup-0', 'Zoë-7', 'dup-1', 'dup-2']);
    expect(unmadeText(bytes.column('id'))).toBeDefined();
    const b2 = new Utf8TextBuilder();
    for (const v of ['01', '1', 'A', 'a', null, null]) b2.push(v);
    expect(findDuplicateIds(Dataset.of([lazyStringColumn('id', b2.finish())]), 'id')).toBeNull();
  });

  it('are described with a count and at most three examples', () => {
    const ids = Dataset.of([stringColumn('id', ['a', 'b', 'c', 'd', 'a', 'b', 'c', 'd'])]);
    const d = findDuplicateIds(ids, 'id')!;
    expect(d.ids).toBe(4);
    expect(d.examples).toHaveLength(3);
    expect(describeDuplicateIds(d, 'id')).toBe(
      "id column 'id' has 4 id(s) on more than one row (8 rows): 'a' (rows 1, 5), 'b' (rows 2, 6), 'c' (rows 3, 7), …",
    );
    expect(() => assertUniqueIds(ids, 'id', 'a.csv')).toThrow(
      /^a\.csv: id column 'id' has 4 id\(s\) on more than one row .*; rows are paired by id$/,
    );
  });

  it('rowsById refuses them with the same words, and rows without id unless skipped', () => {
    const ids = Dataset.of([stringColumn('id', ['a', null, 'b', 'a'])]);
    expect(() => rowsById(ids, 'id', 'x.csv', true)).toThrow(
      /x\.csv: id column 'id' has 1 id\(s\).*'a' \(rows 1, 4\)/,
    );
    expect(() => rowsById(ids, 'id', 'x.csv')).toThrow(/row 2 has no id/);
    const ok = Dataset.of([stringColumn('id', ['a', null, 'b'])]);
    expect([...rowsById(ok, 'id', 'x.csv', true)]).toEqual([
      ['a', 0],
      ['b', 2],
    ]);
  });
});
