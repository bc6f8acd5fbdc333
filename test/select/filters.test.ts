import { describe, expect, it } from 'vitest';
import { columnMoments } from '../../src/select/covariance.js';
import {
  correlation,
  correlationFilter,
  populationVariance,
  varianceThreshold,
} from '../../src/select/filters.js';

function mixed(): Float64Array[] {
  const n = 400;
  const A = [
    [3, 1, 0, 0, 0, 0],
    [1, 2, 0.5, 0, 0, 0],
    [0, 0, 1, 0.25, 0, 0],
    [5, 0, 0, 0, 0.5, 0],
    [0, 0, 0, 0, 0, 0.125],
    [0.5, -1, 0, 2, 0, 0],
  ];
  let s = 7;
  const U = Array.from({ length: 6 }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 6; j++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      U[j]![i] = (s + 0.5) / 4294967296;
    }
  }
  return A.map((row) => {
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let k = 0; k < row.length; k++) acc = acc + row[k]! * U[k]![i]!;
      c[i] = acc;
    }
    return c;
  });
}

// scikit-learn 1.2.1 VarianceThreshold().fit(X).variances_ and numpy corrcoef on the same data.
const skVariances = [
  0.7807433959103713, 0.39623165808278293, 0.09076828022185836, 2.036663965012483, 0.0012679300768172102,
  0.4093821411806048,
];
const npCorr: [number, number, number][] = [
  [0, 1, 0.6548797259354961],
  [0, 3, 0.9421684349461842],
  [1, 5, -0.2547225477717893],
  [2, 5, 0.2678465673626363],
  [4, 5, 0.02002024449794579],
];

const all = [0, 1, 2, 3, 4, 5];

describe('variance threshold', () => {
  it('population variances equal scikit-learn VarianceThreshold within 1e-12 relative', async () => {
    const m = await columnMoments({ columns: mixed(), nRows: 400 });
    all.forEach((j) => {
      expect(Math.abs(populationVariance(m, j) - skVariances[j]!) / skVariances[j]!).toBeLessThan(1e-12);
    });
  });

  it('keeps variances strictly above the threshold', async () => {
    const m = await columnMoments({ columns: mixed(), nRows: 400 });
    const r = varianceThreshold(m, 0.1, all);
    expect(r.kept).toEqual([0, 1, 3, 5]);
    expect(r.dropped.map((x) => x.index)).toEqual([2, 4]);
    expect(varianceThreshold(m, 0.41, all).kept).toEqual([0, 3]);
  });

  it('threshold 0 drops exactly the constant columns, never a tiny but real spread', async () => {
    const constant = new Float64Array(100).fill(0.3);
    const tiny = Float64Array.from({ length: 100 }, (_, i) => 1 + (i % 2) * 1e-12);
    const m = await columnMoments({ columns: [constant, tiny], nRows: 100 });
    const r = varianceThreshold(m, 0, [0, 1]);
    expect(r.kept).toEqual([1]);
    expect(r.dropped).toEqual([{ index: 0, variance: 0 }]);
  });

  it('refuses a negative threshold', async () => {
    const m = await columnMoments({ columns: mixed(), nRows: 400 });
    expect(() => varianceThreshold(m, -1, all)).toThrow(/must be a float in \[0, inf\)/);
  });
});

describe('correlation filter', () => {
  it('correlations equal numpy corrcoef within 1e-12', async () => {
    const m = await columnMoments({ columns: mixed(), nRows: 400 });
    for (const [j, k, r] of npCorr) expect(Math.abs(correlation(m, j, k) - r)).toBeLessThan(1e-12);
  });

  it('drops the lower-variance member of a pair above the bound, reporting r and the rule', async () => {
    const m = await columnMoments({ columns: mixed(), nRows: 400 });
    const r = correlationFilter(m, 0.9, all);
    expect(r.kept).toEqual([1, 2, 3, 4, 5]);
    expect(r.dropped).toHaveLength(1);
    expect(r.dropped[0]).toMatchObject({ index: 0, correlatedWith: 3, rule: 'lower-variance' });
    expect(r.dropped[0]!.r).toBeCloseTo(0.9421684349461842, 12);
    expect(correlationFilter(m, 0.6, all).dropped.map((x) => x.index)).toEqual([0]);
    expect(correlationFilter(m, 0.95, all).dropped).toEqual([]);
  });

  it('on equal variances drops the member with the higher mean |r|, pair by pair in decreasing |r|', async () => {
    // |r|: (a,b) .976, (b,c) .952, (a,c) .929; mean |r| a .651, b .643, c .698 (numpy).
    const cols = [
      [1, 2, 3, 4, 5, 6, 7, 8],
      [2, 1, 3, 4, 5, 6, 7, 8],
      [2, 1, 4, 3, 5, 6, 8, 7],
      [5, 3, 8, 1, 7, 2, 6, 4],
    ].map((v) => Float64Array.from(v));
    const m = await columnMoments({ columns: cols, nRows: 8 });
    const r = correlationFilter(m, 0.9, [0, 1, 2, 3]);
    expect(r.dropped.map((x) => [x.index, x.correlatedWith, x.rule])).toEqual([
      [0, 1, 'higher-mean-correlation'],
      [2, 1, 'higher-mean-correlation'],
    ]);
    expect(r.kept).toEqual([1, 3]);
  });

  it('on a full tie (identical columns) drops the later column; constant columns are never dropped', async () => {
    const a = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const d = Float64Array.from([5, 3, 8, 1, 7, 2, 6, 4]);
    const k = new Float64Array(8).fill(1);
    const m = await columnMoments({ columns: [a, d, a.slice(), k], nRows: 8 });
    const r = correlationFilter(m, 0.99, [0, 1, 2, 3]);
    expect(r.dropped.map((x) => [x.index, x.correlatedWith, x.rule])).toEqual([[2, 0, 'later-column']]);
    expect(r.kept).toEqual([0, 1, 3]);
    expect(Number.isNaN(correlation(m, 0, 3))).toBe(true);
  });

  it('refuses a bound outside (0, 1]', async () => {
    const m = await columnMoments({ columns: mixed(), nRows: 400 });
    expect(() => correlationFilter(m, 0, all)).toThrow(/\(0, 1\]/);
    expect(() => correlationFilter(m, 1.2, all)).toThrow(/\(0, 1\]/);
  });
});
