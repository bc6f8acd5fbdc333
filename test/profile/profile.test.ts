import { describe, expect, it } from 'vitest';
import { Dataset, numericColumn, stringColumn } from '../../src/core/dataset.js';
import { computeKpi, parseKpis } from '../../src/profile/kpi.js';
import { autoNames, completeNames } from '../../src/profile/names.js';
import { profileColumn, segmentMembers, type NumericProfile } from '../../src/profile/profile.js';
import { chainProfileSource, numericProfileColumn, rawProfileSource } from '../../src/profile/source.js';

describe('profile sources', () => {
  it('undoes z-scoring and log(1 + x) in the recorded order, folds one-hot and ordinal columns back', () => {
    // spend was logged, then z-scored with mean 2 and std 0.5; plan was one-hot encoded; tier ordinal-encoded.
    const spend = [10, 100, 1000];
    const z = spend.map((x) => (Math.log1p(x) - 2) / 0.5);
    const ds = Dataset.of([
      numericColumn('spend', Float64Array.from(z)),
      numericColumn('plan_a', Float64Array.from([1, 0, 0])),
      numericColumn('plan_b', Float64Array.from([0, 1, 0])),
      numericColumn('tier', Float64Array.from([2, 0, Number.NaN])),
      numericColumn('visits', Float64Array.from([3, 4, 5])),
    ]);
    const chain = [
      {
        stage: 'clean',
        model: {
          steps: [
            { step: 'log1p', columns: ['spend'] },
            { step: 'impute', numeric: [{ name: 'spend', strategy: 'median', value: 1 }], text: [], knn: null, indicators: [] },
            { step: 'scale', method: 'zscore', columns: [{ name: 'spend', center: 2, scale: 0.5 }], constant: [], constantAction: 'keep' },
            { step: 'encode', method: 'onehot', columns: [{ name: 'plan', levels: ['a', 'b'], outputs: ['plan_a', 'plan_b'] }], unseen: 'ignore' },
            { step: 'encode', method: 'ordinal', columns: [{ name: 'tier', levels: ['gold', 'silver', 'bronze'], outputs: ['tier'] }], unseen: 'ignore' },
          ],
        },
      },
    ]; // prettier-ignore
    const src = chainProfileSource(ds, chain);
    expect(src.names).toEqual(['spend', 'plan', 'tier', 'visits']);
    expect(src.nameOf('plan_b')).toBe('plan');
    const s = src.column('spend');
    expect(s.kind === 'numeric' && [...s.values].map((x) => +x.toFixed(9))).toEqual(spend);
    expect(s.origin).toBe('inverted');
    expect(s.note).toBe('missing values, if any, were imputed by clean');
    const plan = src.column('plan');
    expect(plan.kind === 'categorical' && [...plan.codes]).toEqual([0, 1, -1]);
    expect(plan.origin).toBe('folded');
    const tier = src.column('tier');
    expect(tier.kind === 'categorical' && [...tier.codes].map((k) => tier.levels[k] ?? null)).toEqual([
      'bronze',
      'gold',
      null,
    ]);
    expect(src.column('visits').origin).toBe('as-is');
  });

  it('undoes a later stage before folding: one-hot columns and a 0/1 flag z-scored by a second clean', () => {
    // clean 1 one-hot encoded plan; clean 2 z-scored every numeric column, the one-hot columns and a flag included.
    const z = (v: number[], c: number, sd: number) => Float64Array.from(v.map((x) => (x - c) / sd));
    const ds = Dataset.of([
      numericColumn('plan_a', z([1, 0, 0, 1], 0.5, 0.5)),
      numericColumn('plan_b', z([0, 1, 0, 0], 0.25, 0.433)),
      numericColumn('churned', z([1, 0, 0, 1], 0.5, 0.3)),
    ]);
    const chain = [
      { stage: 'clean', model: { steps: [
        { step: 'encode', method: 'onehot', columns: [{ name: 'plan', levels: ['a', 'b', 'c'], outputs: ['plan_a', 'plan_b', 'plan_c'] }], unseen: 'ignore' },
      ] } },
      { stage: 'clean', model: { steps: [
        { step: 'scale', method: 'zscore', columns: [
          { name: 'plan_a', center: 0.5, scale: 0.5 }, { name: 'plan_b', center: 0.25, scale: 0.433 },
          { name: 'churned', center: 0.5, scale: 0.3 },
        ], constant: [], constantAction: 'keep' },
      ] } },
    ]; // prettier-ignore
    const src = chainProfileSource(ds, chain);
    const plan = src.column('plan');
    expect(plan.kind === 'categorical' && [...plan.codes]).toEqual([0, 1, -1, 0]);
    expect(plan.note).toMatch(/left out/); // plan_c is not in the file
    const churned = src.column('churned');
    expect(churned.kind === 'numeric' && [...churned.values]).toEqual([1, 0, 0, 1]);
    expect(churned.kind === 'numeric' && churned.binary).toBe(true);
  });

  it('joins a raw table by id: rows in the segments order, missing ids refused', () => {
    const seg = Dataset.of([stringColumn('id', ['b', 'a'])]);
    const raw = Dataset.of([
      stringColumn('id', ['a', 'b', 'c']),
      numericColumn('x', Float64Array.from([1, 2, 3])),
    ]);
    const x = rawProfileSource(seg, raw, 'id', 'raw.csv').column('x');
    expect(x.kind === 'numeric' && [...x.values]).toEqual([2, 1]);
    const short = Dataset.of([stringColumn('id', ['a']), numericColumn('x', Float64Array.from([1]))]);
    expect(() => rawProfileSource(seg, short, 'id', 'short.csv')).toThrow(
      /1 id\(s\) of the segments file are not in it \(e\.g\. b\)/,
    );
  });
});

describe('profiles', () => {
  const labels = Int32Array.from([0, 0, 0, 1, 1, -1]);
  const members = segmentMembers(labels);

  it('numeric: mean, quartiles (numpy linear), population std, diffSd and lift, missing values left out', () => {
    const c = numericProfileColumn('spend', Float64Array.from([1, 2, Number.NaN, 10, 20, 5]), 'raw', null);
    const { overall, segments } = profileColumn(c, members);
    const o = overall as NumericProfile;
    expect([o.count, o.missing, o.mean, o.median]).toEqual([5, 1, 38 / 5, 5]);
    const s0 = segments[0] as NumericProfile;
    expect([s0.count, s0.missing, s0.mean, s0.q1, s0.q3]).toEqual([2, 1, 1.5, 1.25, 1.75]);
    expect(s0.diffSd).toBeCloseTo((1.5 - 7.6) / o.std!, 12);
    expect((segments[1] as NumericProfile).lift).toBeCloseTo(15 / 7.6, 12);
  });

  it('categorical: shares within the segment against overall, rare levels summed as (other)', () => {
    const levels = Array.from({ length: 12 }, (_, k) => `l${k}`);
    const codes = Int32Array.from([0, 0, 1, 2, 3, 11]);
    const { overall, segments } = profileColumn(
      { kind: 'categorical', name: 'c', codes, levels, origin: 'raw', note: null },
      members,
    );
    expect(overall.kind === 'categorical' && overall.levels.map((l) => l.level)).toEqual([
      'l0',
      'l1',
      'l11',
      'l2',
      'l3',
    ]);
    const s0 = segments[0]!;
    expect(s0.kind === 'categorical' && s0.levels[0]).toEqual({
      level: 'l0',
      count: 2,
      share: 2 / 3,
      overallShare: 2 / 6,
    });
  });
});

describe('KPIs', () => {
  it('parses COL:STAT lists and refuses the rest', () => {
    expect(parseKpis('churned:mean, revenue:share')).toEqual([
      { column: 'churned', stat: 'mean' },
      { column: 'revenue', stat: 'share' },
    ]);
    expect(parseKpis('a:b:sum')).toEqual([{ column: 'a:b', stat: 'sum' }]);
    expect(() => parseKpis('churned')).toThrow(/not COL:STAT/);
    expect(() => parseKpis('churned:avg')).toThrow(/not COL:STAT/);
  });

  it('rates of yes/no columns, sums, shares of the total, medians', () => {
    const members = [Int32Array.from([0, 1]), Int32Array.from([2, 3, 4])];
    const yn = { kind: 'categorical' as const, name: 'nl', codes: Int32Array.from([0, 1, 1, 1, -1]), levels: ['No', 'Yes'], origin: 'raw' as const, note: null }; // prettier-ignore
    expect(computeKpi(yn, { column: 'nl', stat: 'mean' }, members)).toEqual({
      column: 'nl',
      stat: 'mean',
      rate: true,
      overall: 0.75,
      segments: [0.5, 1],
    });
    const rev = numericProfileColumn('rev', Float64Array.from([10, 30, 60, Number.NaN, 0]), 'raw', null);
    expect(computeKpi(rev, { column: 'rev', stat: 'share' }, members).segments).toEqual([0.4, 0.6]);
    expect(computeKpi(rev, { column: 'rev', stat: 'sum' }, members).segments).toEqual([40, 60]);
    expect(computeKpi(rev, { column: 'rev', stat: 'median' }, members).segments).toEqual([20, 30]);
    const signed = numericProfileColumn('profit', Float64Array.from([10, -30, 60, 5, 0]), 'raw', null);
    expect(() => computeKpi(signed, { column: 'profit', stat: 'share' }, members)).toThrow(
      /has negative values/,
    );
    const plan = { ...yn, levels: ['basic', 'pro'] };
    expect(() => computeKpi(plan, { column: 'nl', stat: 'mean' }, members)).toThrow(/is categorical/);
  });
});

describe('names', () => {
  const num = (column: string, diffSd: number): NumericProfile => ({
    column, kind: 'numeric', binary: false, count: 1, missing: 0, mean: 0, median: 0, q1: 0, q3: 0, std: 0, diffSd, lift: null,
  }); // prettier-ignore

  it('business words for known columns, plain words for the others, distinct across segments', () => {
    const names = autoNames(
      [0, 1, 2, 3],
      [
        [num('recency_days', -1.2), num('monetary', 1.8), num('x', 0.1)],
        [num('recency_days', 1.5), num('monetary', -0.6), num('x', 0.2)],
        [num('recency_days', 0.1), num('monetary', 0.1), num('x', 0.2)],
        [num('recency_days', 0.2), num('monetary', 0.1), num('x', -2)],
      ],
    );
    expect(names).toEqual(['Recent big spenders', 'Lapsed low spenders', 'Close to average', 'Low x']);
  });

  it('reads whole words: gaps between purchases and refunds get no business word', () => {
    expect(autoNames([0], [[num('mean_days_between_purchases', 2)]])).toEqual([
      'High mean_days_between_purchases',
    ]);
    expect(autoNames([0], [[num('refund_amount', 2)]])).toEqual(['High refund_amount']);
    expect(autoNames([0], [[num('visits_per_week', 2), num('avg_basket', 1)]])).toEqual([
      'Frequent big spenders',
    ]);
    expect(autoNames([0], [[num('recency', -2)]])).toEqual(['Recent customers']);
  });

  it('keeps given names and numbers a made name that repeats one', () => {
    expect(
      completeNames([0, 1, 2], new Map([[0, 'Recent customers']]), ['x', 'Recent customers', 'y']),
    ).toEqual(['Recent customers', 'Recent customers (segment 1)', 'y']);
  });

  it('blanks control characters of levels and column names in made names, and cuts long ones', () => {
    const cat = {
      column: 'plan', kind: 'categorical' as const, count: 10, missing: 0,
      levels: [{ level: 'pro\nplus\t', count: 9, share: 0.9, overallShare: 0.3 }],
    }; // prettier-ignore
    expect(autoNames([0], [[cat]])).toEqual(['plan: pro plus ']);
    const long = autoNames([0], [[num('a'.repeat(50), 2), num('b'.repeat(50), 1)]])[0]!;
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long.endsWith('…')).toBe(true);
  });

  it('adds traits, then the segment number, until names differ', () => {
    expect(
      autoNames(
        [0, 1],
        [
          [num('a', 1), num('b', 0.9), num('c', 0.6)],
          [num('a', 1), num('b', 0.9), num('c', -0.6)],
        ],
      ),
    ).toEqual(['High a · high b · high c', 'High a · high b · low c']);
    const cat = (level: string) => ({
      column: 'plan', kind: 'categorical' as const, count: 10, missing: 0,
      levels: [{ level, count: 9, share: 0.9, overallShare: 0.3 }],
    }); // prettier-ignore
    expect(
      autoNames(
        [0, 1],
        [
          [num('a', 1), cat('pro')],
          [num('a', 1), cat('basic')],
        ],
      ),
    ).toEqual(['plan: pro · high a', 'plan: basic · high a']);
    expect(autoNames([4, 7], [[num('a', 1)], [num('a', 1)]])).toEqual([
      'High a (segment 4)',
      'High a (segment 7)',
    ]);
  });
});
