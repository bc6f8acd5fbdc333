import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { parseIntGrid, parseNameList, parsePositiveGrid } from '../../src/tune/grid.js';

describe('parseIntGrid', () => {
  it('reads ranges, steps, lists and mixes, sorted and deduplicated', () => {
    expect(parseIntGrid('2..5', '--k', 1)).toEqual([2, 3, 4, 5]);
    expect(parseIntGrid('5..20:5', '--min-samples', 1)).toEqual([5, 10, 15, 20]);
    expect(parseIntGrid('8,2,4,4', '--k', 1)).toEqual([2, 4, 8]);
    expect(parseIntGrid('2..4, 10', '--k', 1)).toEqual([2, 3, 4, 10]);
    expect(parseIntGrid('3..3', '--k', 1)).toEqual([3]);
  });
  it('refuses inverted, empty, malformed and out-of-range grids', () => {
    expect(() => parseIntGrid('12..2', '--k', 1)).toThrow(/inverted/);
    expect(() => parseIntGrid('', '--k', 1)).toThrow(/empty/);
    expect(() => parseIntGrid(' , ', '--k', 1)).toThrow(UsageError);
    expect(() => parseIntGrid('2..x', '--k', 1)).toThrow(/expected whole numbers/);
    expect(() => parseIntGrid('2.5', '--k', 1)).toThrow(UsageError);
    expect(() => parseIntGrid('0..3', '--k', 1)).toThrow(/>= 1/);
    expect(() => parseIntGrid('1..5:0', '--k', 1)).toThrow(/step/);
  });
});

describe('parsePositiveGrid', () => {
  it('reads stepped ranges without binary noise', () => {
    expect(parsePositiveGrid('0.1..0.5:0.1', '--eps')).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
  });
  it('spreads a range without a step over 10 points, ends included', () => {
    const g = parsePositiveGrid('0.1..1.0', '--eps');
    expect(g).toHaveLength(10);
    expect(g[0]).toBe(0.1);
    expect(g[9]).toBe(1);
    expect(g[1]).toBeCloseTo(0.2, 12);
  });
  it('reads lists and exponents', () => {
    expect(parsePositiveGrid('0.5,2,1e-1', '--eps')).toEqual([0.1, 0.5, 2]);
  });
  it('refuses values <= 0, inverted ranges and garbage', () => {
    expect(() => parsePositiveGrid('0', '--eps')).toThrow(/> 0/);
    expect(() => parsePositiveGrid('-1..2', '--eps')).toThrow(/> 0/);
    expect(() => parsePositiveGrid('1.0..0.1', '--eps')).toThrow(/inverted/);
    expect(() => parsePositiveGrid('abc', '--eps')).toThrow(/expected numbers/);
    expect(() => parsePositiveGrid('0.1..1:0', '--eps')).toThrow(/step/);
  });
});

describe('parseNameList', () => {
  it('accepts known names once each and refuses unknown ones', () => {
    expect(parseNameList('ward,average,ward', '--linkage', ['ward', 'average', 'single'])).toEqual([
      'ward',
      'average',
    ]);
    expect(() => parseNameList('ward,median', '--linkage', ['ward', 'average'])).toThrow(
      /unknown value 'median'/,
    );
  });
});
