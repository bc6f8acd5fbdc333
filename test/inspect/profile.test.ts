import { describe, expect, it } from 'vitest';
import { Dataset, categoricalColumn, numericColumn, stringColumn } from '../../src/core/dataset.js';
import { profileDataset, quantileSorted } from '../../src/inspect/profile.js';

describe('profileDataset', () => {
  it('matches pandas describe on a toy column (ddof = 1, linear quantiles)', () => {
    // pandas: pd.Series([1, 2, 3, 4, 10, None]).describe(percentiles=[.05,.25,.5,.75,.95])
    const ds = Dataset.of([numericColumn('v', Float64Array.of(1, 2, 3, 4, 10, Number.NaN))]);
    const p = profileDataset(ds).profiles[0]!;
    expect(p.count).toBe(5);
    expect(p.missing).toBe(1);
    expect(p.missingPct).toBeCloseTo(16.6667, 4);
    expect(p.distinct).toBe(5);
    expect(p.mean).toBe(4);
    expect(p.std).toBeCloseTo(3.5355339059327378, 12);
    const q = p.quantiles as Record<string, number>;
    for (const [k, v] of Object.entries({ p05: 1.2, p25: 2, p50: 3, p75: 4, p95: 8.8 }))
      expect(q[k]).toBeCloseTo(v, 12);
    expect(p.min).toBe(1);
    expect(p.max).toBe(10);
  });

  it('counts levels of text columns, most frequent first', () => {
    const ds = Dataset.of([categoricalColumn('c', Int32Array.of(0, 1, 1, -1, 2, 1), ['a', 'b', 'c'])]);
    const p = profileDataset(ds).profiles[0]!;
    expect(p.distinct).toBe(3);
    expect(p.missing).toBe(1);
    expect(p.top).toEqual([
      { value: 'b', count: 3 },
      { value: 'a', count: 1 },
      { value: 'c', count: 1 },
    ]);
  });

  it('handles an all-missing column without NaN in the output', () => {
    const ds = Dataset.of([numericColumn('v', Float64Array.of(Number.NaN, Number.NaN))]);
    const p = profileDataset(ds).profiles[0]!;
    expect(p.count).toBe(0);
    expect(p.mean).toBeNull();
    expect(p.quantiles).toBeNull();
    expect(JSON.stringify(p)).not.toContain('NaN');
  });

  it('interpolates quantiles like numpy', () => {
    const s = Float64Array.of(0, 10);
    expect(quantileSorted(s, 0.25)).toBe(2.5);
    expect(quantileSorted(Float64Array.of(5), 0.9)).toBe(5);
  });

  it('counts a string column (sorted runs) as a categorical one (a map): missing, distinct, top with ties, min, max', () => {
    const values = ['b', 'a', 'c', 'b', 'a', 'd', null, 'zz', 'zz', 'Z', 'e', 'f', 'a'];
    const levels = [...new Set(values.filter((v): v is string => v !== null))];
    const codes = Int32Array.from(values, (v) => (v === null ? -1 : levels.indexOf(v)));
    const [asString, asCategorical] = profileDataset(
      Dataset.of([stringColumn('s', values), categoricalColumn('c', codes, levels)]),
    ).profiles;
    expect(asString).toMatchObject({
      kind: 'string',
      count: 12,
      missing: 1,
      distinct: 8,
      min: 'Z',
      max: 'zz',
    });
    expect(asString!.top).toEqual([
      { value: 'a', count: 3 },
      { value: 'b', count: 2 },
      { value: 'zz', count: 2 },
      { value: 'Z', count: 1 },
      { value: 'c', count: 1 },
    ]);
    const { name: _s, kind: _k, type: _t, ...stringStats } = asString!;
    const { name: _c, kind: _ck, type: _ct, ...categoricalStats } = asCategorical!;
    expect(stringStats).toEqual(categoricalStats);
    const empty = profileDataset(Dataset.of([stringColumn('s', [null, null])])).profiles[0]!;
    expect(empty).toMatchObject({ count: 0, missing: 2, distinct: 0, min: null, max: null, top: [] });
  });
});
