import { describe, expect, it } from 'vitest';
import { medianPresent, medianSorted, presentRange, sortedPresent } from '../../src/clean/stats.js';
import { Random } from '../../src/core/random.js';

/** Values from a small pool (many ties, both zeros, NaN) or spread out, in random, sorted or reversed order. */
function sample(n: number, rng: Random, kind: number): Float64Array {
  const pool = [0, -0, NaN, 1, -1, 2.5, 1e-300, -Infinity, Infinity, 3];
  const v = Float64Array.from({ length: n }, () =>
    kind === 0
      ? pool[rng.int(pool.length)]!
      : kind === 1
        ? rng.int(5) - 2 + (rng.int(3) === 0 ? -0 : 0)
        : rng.next(),
  );
  if (kind === 3) v.sort();
  if (kind === 4) v.sort().reverse();
  return v;
}

describe('median by selection', () => {
  it('equals the sort-based median bit for bit (ties, −0 and 0, NaN, sorted and reversed input)', () => {
    const rng = new Random(5);
    for (let trial = 0; trial < 600; trial++) {
      const n = trial < 40 ? trial : 1 + rng.int(trial < 300 ? 60 : 5000);
      const v = sample(n, rng, trial % 5);
      const expected = medianSorted(sortedPresent(v));
      expect(Object.is(medianPresent(v), expected)).toBe(true);
      const sorted = sortedPresent(v);
      const r = presentRange(v);
      expect(r.count).toBe(sorted.length);
      if (sorted.length > 0) {
        expect(Object.is(r.min, sorted[0])).toBe(true);
        expect(Object.is(r.max, sorted[sorted.length - 1])).toBe(true);
      }
    }
  });

  it('handles the small and signed-zero cases', () => {
    expect(medianPresent(new Float64Array([]))).toBeNaN();
    expect(medianPresent(Float64Array.from([NaN, NaN]))).toBeNaN();
    expect(Object.is(medianPresent(Float64Array.from([0, -0, -0])), -0)).toBe(true);
    expect(Object.is(medianPresent(Float64Array.from([0, -0, 0])), 0)).toBe(true);
    expect(Object.is(medianPresent(Float64Array.from([-0, -0])), -0)).toBe(true);
    expect(medianPresent(Float64Array.from([4, NaN, 1, 3, 2]))).toBe(2.5);
    expect(presentRange(Float64Array.from([NaN])).count).toBe(0);
  });
});
