import { describe, expect, it } from 'vitest';
import { dedupe, identicalRowGroups } from '../../src/clean/dedupe.js';
import {
  cellText,
  categoricalColumn,
  Dataset,
  lazyStringColumn,
  numericColumn,
  stringColumn,
  unmadeText,
} from '../../src/core/dataset.js';
import { Random } from '../../src/core/random.js';
import { Utf8TextBuilder } from '../../src/core/utf8-text.js';

/** The rule whole-row deduplication used before the hashed version: rows are equal when their joined texts are. */
function textRuleGroups(ds: Dataset, rows: readonly number[]): number[][] {
  const groups = new Map<string, number[]>();
  for (const i of rows) {
    const key = ds.columns.map((c) => cellText(c, i) ?? '\u0000').join('\u001f');
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  }
  return [...groups.values()].filter((g) => g.length > 1);
}

/** Rows drawn from small pools of tricky values, so that many rows repeat. */
function tricky(n: number, seed: number): Dataset {
  const rng = new Random(seed);
  const pick = <T>(a: readonly T[]): T => a[rng.int(a.length)]!;
  const nums = [0, -0, NaN, 1, 1.0000000000000002, -1, 1e21, Infinity, -Infinity, 0.1 + 0.2, 0.3];
  const bools = [0, 1, 2, -1, NaN];
  const stamps = [0, -0, 1.2, 1.7, 2, NaN, 1_700_000_000_000, -86_400_000.5];
  const days = [0, 86_400_000, NaN, 19_000 * 86_400_000];
  const texts = [null, '', '1', '1.0', '0', '-0', 'NaN', 'null', 'a\u001fb', 'é', 'e\u0301', 'x'];
  const levels = ['red', 'blue', 'red', 'NaN'];
  const colours = Int32Array.from({ length: n }, () => rng.int(levels.length + 1) - 1);
  const text = Array.from({ length: n }, () => pick(texts));
  return Dataset.of([
    numericColumn(
      'num',
      Float64Array.from({ length: n }, () => pick(nums)),
    ),
    numericColumn(
      'flag',
      Float64Array.from({ length: n }, () => pick(bools)),
      'boolean',
    ),
    numericColumn(
      'at',
      Float64Array.from({ length: n }, () => pick(stamps)),
      'timestamp',
    ),
    numericColumn(
      'day',
      Float64Array.from({ length: n }, () => pick(days)),
      'date',
    ),
    categoricalColumn('colour', colours, levels),
    stringColumn('text', text),
    // Distinct levels: compared by their codes.
    categoricalColumn(
      'plan',
      colours.map((k) => (k < 0 ? -1 : k % 3)),
      ['basic', 'gold', 'pro'],
    ),
    // Text kept as UTF-8 bytes (as a reader keeps identifiers): compared as bytes.
    lazyStringColumn('bytes', utf8(text.map((t, i) => (i % 5 === 0 && t !== null ? `${t}~` : t)))),
  ]);
}

function utf8(values: readonly (string | null)[]) {
  const b = new Utf8TextBuilder();
  for (const v of values) b.push(v);
  return b.finish();
}

describe('whole-row deduplication', () => {
  it('groups exactly as the joined-text rule on tricky values (−0 and 0, NaN and null, text and numbers)', () => {
    for (const seed of [1, 2, 3]) {
      const ds = tricky(3000, seed);
      const rows = Array.from({ length: ds.nRows }, (_, i) => i).filter((i) => i % 7 !== 3);
      expect(unmadeText(ds.column('bytes'))).toBeDefined();
      const got = identicalRowGroups(ds, rows);
      expect(unmadeText(ds.column('bytes'))).toBeDefined();
      expect(got.length).toBeGreaterThan(10);
      expect(got).toEqual(textRuleGroups(ds, rows));
    }
  });

  it('treats 0 and −0 as one value, missing as equal to missing, and text "1" apart from "1.0"', () => {
    const ds = Dataset.of([
      numericColumn('x', Float64Array.from([0, -0, NaN, NaN, 1, 1])),
      stringColumn('s', ['a', 'a', null, null, '1', '1.0']),
    ]);
    expect(identicalRowGroups(ds, [0, 1, 2, 3, 4, 5])).toEqual([
      [0, 1],
      [2, 3],
    ]);
    const r = dedupe(ds, { rows: true, keep: 'last' });
    expect(Array.from(r.keep)).toEqual([1, 3, 4, 5]);
  });
});

describe('whole-row deduplication of text kept as bytes', () => {
  it('compares rows whose text hashes alike byte by byte: a hash collision is not a duplicate', () => {
    // Find two different random ids of the same length with the same 32-bit hash (a few pairs among 300,000).
    const rng = new Random(7);
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
    const ids = Array.from({ length: 300_000 }, () =>
      Array.from({ length: 10 }, () => alphabet[rng.int(alphabet.length)]).join(''),
    );
    const text = utf8(ids);
    const seen = new Map<number, number>();
    let pair: [number, number] | undefined;
    for (let i = 0; i < ids.length && !pair; i++) {
      const h = text.hash(i);
      const j = seen.get(h);
      if (j !== undefined && ids[j] !== ids[i]) pair = [j, i];
      else seen.set(h, i);
    }
    expect(pair).toBeDefined();
    const [a, b] = pair!;
    const ds = Dataset.of([lazyStringColumn('id', utf8([ids[a]!, ids[b]!, ids[a]!]))]);
    expect(identicalRowGroups(ds, [0, 1, 2])).toEqual([[0, 2]]);
  });
});
