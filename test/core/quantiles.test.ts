import { describe, expect, it } from 'vitest';
import { quantileSorted, quantilesUnsorted } from '../../src/core/stats.js';

describe('quantilesUnsorted', () => {
  const qs = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1];
  // Seeded values with many ties, signed zeros and a few lengths around the interpolation edge cases.
  const cases: Float64Array[] = [
    new Float64Array([3]),
    new Float64Array([2, -0, 0]),
    new Float64Array([0, -0]),
  ];
  let s = 12345;
  for (const n of [2, 3, 4, 5, 10, 101, 1000, 4099]) {
    for (const grid of [0, 1, 4]) {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        s = (s * 1103515245 + 12345) % 2147483648;
        const u = s / 2147483648 - 0.5;
        a[i] = grid > 0 ? Math.round(u * grid) * (i % 2 ? 1 : -1) || (i % 3 ? -0 : 0) : u * 1e3;
      }
      cases.push(a);
    }
  }
  for (const [c, a] of cases.entries()) {
    it(`equals quantileSorted of the sorted values, bit for bit (case ${c}, n = ${a.length})`, () => {
      const sorted = a.slice().sort();
      const want = qs.map((q) => quantileSorted(sorted, q));
      const got = quantilesUnsorted(a.slice(), qs);
      expect(got.map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual(
        want.map((v) => (Object.is(v, -0) ? '-0' : v)),
      );
    });
  }

  it('is NaN for no values', () => {
    expect(quantilesUnsorted(new Float64Array(0), [0.5])).toEqual([Number.NaN]);
  });
});
