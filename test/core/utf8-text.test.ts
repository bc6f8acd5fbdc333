import { describe, expect, it } from 'vitest';
import {
  Dataset,
  cellText,
  columnLength,
  isMissing,
  lazyStringColumn,
  numericColumn,
  takeColumn,
  unmadeText,
} from '../../src/core/dataset.js';
import type { Utf8Text } from '../../src/core/utf8-text.js';
import { Utf8TextBuilder } from '../../src/core/utf8-text.js';

// Text kept as UTF-8 bytes must give back exactly the strings it was made from, whatever their characters (two- and
// four-byte characters are one and two UTF-16 units), and compare, hash and select rows as those strings would.
const cells: (string | null)[] = [
  'plain',
  null,
  '',
  'Zoë Müller',
  '東京都',
  'emoji 😀 and 😀',
  'x'.repeat(40),
  null,
  'a"quote,comma\nline',
  'plain',
  '',
];

function built(values: readonly (string | null)[]): Utf8Text {
  const b = new Utf8TextBuilder();
  for (const v of values) b.push(v);
  return b.finish();
}

describe('Utf8Text', () => {
  it('gives back every string exactly, one at a time or all at once, across blocks of any size', () => {
    const t = built(cells);
    expect(t.length).toBe(cells.length);
    expect(t.ascii).toBe(false);
    expect(Array.from({ length: t.length }, (_, i) => t.at(i))).toEqual(cells);
    expect(t.at(cells.length)).toBeUndefined();
    // Blocks of 1 to 64 bytes cut the text between every pair of rows.
    for (const block of [1, 5, 16, 64, 1 << 24]) expect(t.strings(block)).toEqual(cells);
    const ascii = built(['a', null, 'bc', '', 'def'.repeat(9)]);
    expect(ascii.ascii).toBe(true);
    for (const block of [1, 3, 1 << 24])
      expect(ascii.strings(block)).toEqual(['a', null, 'bc', '', 'def'.repeat(9)]);
    expect(t.missingCount()).toBe(2);
    expect(built([]).strings()).toEqual([]);
  });

  it('compares and hashes rows as their text: missing equals only missing, the empty string is not missing', () => {
    const t = built(cells);
    expect(t.same(0, 9)).toBe(true);
    expect(t.hash(0)).toBe(t.hash(9));
    expect(t.same(1, 7)).toBe(true);
    expect(t.same(2, 10)).toBe(true);
    expect(t.same(1, 2)).toBe(false);
    expect(t.same(2, 1)).toBe(false);
    expect(t.same(0, 3)).toBe(false);
    expect(t.hash(1)).not.toBe(t.hash(2));
  });

  it('takes rows in any order, runs of consecutive rows and repeats included', () => {
    const many = Array.from({ length: 500 }, (_, i) =>
      i % 9 === 0 ? null : `${'é'.repeat(i % 7)}row ${i} ${'y'.repeat(i % 70)}`,
    );
    const t = built(many);
    for (const idx of [
      Int32Array.from({ length: 500 }, (_, i) => i),
      Int32Array.from({ length: 500 }, (_, i) => 499 - i),
      Int32Array.from([3, 4, 5, 6, 100, 101, 102, 0, 0, 499, 7]),
      Int32Array.from({ length: 480 }, (_, i) => i + Math.floor(i / 24)),
      new Int32Array(0),
    ]) {
      const got = t.take(idx);
      expect(got.strings()).toEqual(Array.from(idx, (i) => many[i]!));
    }
  });
});

describe('string columns over UTF-8 bytes', () => {
  it('make their strings once, on first use, and behave as plain string columns', () => {
    const t = built(cells);
    const c = lazyStringColumn('s', t);
    expect(columnLength(c)).toBe(cells.length);
    expect(isMissing(c, 1)).toBe(true);
    expect(isMissing(c, 2)).toBe(false);
    expect(unmadeText(c)).toBe(t);
    // A selection of rows stays in bytes.
    const taken = takeColumn(c, Int32Array.from([5, 1, 0]));
    expect(unmadeText(taken)).toBeDefined();
    expect(taken.kind === 'string' && taken.values).toEqual([cells[5], null, cells[0]]);
    // Reading the strings makes them once; the bytes are then no longer offered.
    const ds = Dataset.of([c, numericColumn('x', new Float64Array(cells.length))]);
    expect(cellText(ds.column('s'), 3)).toBe('Zoë Müller');
    expect(unmadeText(c)).toBeUndefined();
    expect(c.values).toBe(c.values);
    expect(c.values).toEqual(cells);
    // A copy is a plain string column with the same strings, without the bytes.
    const copy = { ...c };
    expect(copy).toEqual({ kind: 'string', name: 's', values: cells });
    expect(unmadeText(copy)).toBeUndefined();
  });
});
