import { describe, expect, it } from 'vitest';
import { numericStats, profileColumn, type NumericProfile } from '../../src/profile/profile.js';
import type { NumericProfileColumn } from '../../src/profile/source.js';

describe('segment profiles without quantiles', () => {
  // Seeded values with missing cells, and segments as a fit makes them (ascending, disjoint) or not.
  let s = 99;
  const n = 5000;
  const values = Float64Array.from({ length: n }, (_, i) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return i % 17 === 0 ? Number.NaN : (s / 2147483648 - 0.3) * 1e4;
  });
  const column = { name: 'x', kind: 'numeric', values, binary: false } as NumericProfileColumn;
  const labels = Int32Array.from({ length: n }, (_, i) => (i * 7919) % 5);
  const members = new Map<number, Int32Array>();
  for (let g = 0; g < 5; g++)
    members.set(
      g,
      Int32Array.from(labels.keys()).filter((i) => labels[i] === g),
    );

  const expectSameAsOneByOne = (m: Map<number, Int32Array>): void => {
    const { segments } = profileColumn(column, m, false);
    [...m.values()].forEach((rows, g) => {
      const want = numericStats(values, rows, false);
      const got = segments[g] as NumericProfile;
      expect(got.mean).toBe(want.mean);
      expect(got.std).toBe(want.std);
      expect(got.count).toBe(want.count);
      expect(got.missing).toBe(want.missing);
    });
  };

  it('gives the bits of numericStats segment by segment', () => {
    expectSameAsOneByOne(members);
  });

  it('falls back to one segment at a time when segments overlap or are out of order', () => {
    const overlapping = new Map(members);
    overlapping.set(
      9,
      Int32Array.from({ length: n }, (_, i) => i),
    );
    expectSameAsOneByOne(overlapping);
    const reversed = new Map([...members].map(([g, rows]) => [g, rows.slice().reverse()] as const));
    expectSameAsOneByOne(reversed);
  });
});
