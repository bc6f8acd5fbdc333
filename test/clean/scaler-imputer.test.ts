import { describe, expect, it } from 'vitest';
import { applyImpute, fitImpute } from '../../src/clean/imputer.js';
import { applyOutliers, fitOutliers } from '../../src/clean/outliers.js';
import { applyScale, fitScale } from '../../src/clean/scaler.js';
import { medianSorted, modeOf, quantileSorted, sortedPresent } from '../../src/clean/stats.js';
import { categoricalColumn, Dataset, numericColumn, stringColumn } from '../../src/core/dataset.js';
import { DataError, UsageError } from '../../src/core/errors.js';

const N = NaN;
/** The fixed data of the scikit-learn comparisons: 12 rows of age, income, spend (with gaps) and a constant. */
const ROWS = [
  [23.0, 41250.5, 0.37, 4],
  [35.0, N, 1.92, 4],
  [N, 38900.0, 0.05, 4],
  [51.0, 72010.25, N, 4],
  [29.0, 29999.0, 12.6, 4],
  [44.0, 41250.5, 3.3, 4],
  [62.0, 55500.0, 0.88, 4],
  [35.0, N, 2.71, 4],
  [19.0, 23100.75, 0.37, 4],
  [N, 98000.0, 7.45, 4],
  [35.0, 47321.0, 1.11, 4],
  [58.0, 61234.5, 0.37, 4],
];
const NAMES = ['age', 'income', 'spend', 'const'];
const FEATURES = ['age', 'income', 'spend'];

function dataset(): Dataset {
  return Dataset.of(
    NAMES.map((n, j) =>
      numericColumn(
        n,
        Float64Array.from(ROWS, (r) => r[j]!),
        j === 0 || j === 3 ? 'integer' : 'double',
      ),
    ),
  );
}

/** Column-major view of the three features of a dataset, row-major flattened (as scikit-learn's output). */
function flat(ds: Dataset, names = FEATURES): number[] {
  const out: number[] = [];
  for (let i = 0; i < ds.nRows; i++) for (const n of names) out.push(ds.numeric(n).values[i]!);
  return out;
}

/** Compare with a relative tolerance; null in the expected values is a missing value (NaN). */
function expectClose(actual: ArrayLike<number>, expected: readonly (number | null)[], rel = 1e-13): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    if (e === null) expect(a, `index ${i}`).toBeNaN();
    else
      expect(Math.abs(a - e), `index ${i}: ${a} vs ${e}`).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(e)));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Expected values from scikit-learn 1.2.1 / numpy 1.24.2 on the first three columns of ROWS, computed once and
// embedded (StandardScaler, MinMaxScaler, RobustScaler fitted and applied to the data with NaN; SimpleImputer
// statistics; KNNImputer(n_neighbors=3, weights).fit_transform; np.nanpercentile 25/75 fences; nanmean ± 2·nanstd).
const SK = {
  stdMean: [39.1, 50856.65, 2.83],
  stdScale: [13.648809471891678, 20843.89789878563, 3.6989531688647457],
  stdT: [
    -1.1795900611812553,
    -0.4608614975301552,
    -0.6650530265445357,
    -0.30039250005236945,
    null,
    -0.24601555046972665,
    null,
    -0.5736283135745257,
    -0.7515639893470769,
    0.8718709147861451,
    1.014858166294914,
    null,
    -0.7399912806168124,
    -1.0006597662913697,
    2.6412878330650864,
    0.35900567079429496,
    -0.4608614975301552,
    0.12706297661623236,
    1.6778020124876238,
    0.22276783462226232,
    -0.5271761795779857,
    -0.30039250005236945,
    null,
    -0.03244161105095299,
    -1.472655914890884,
    -1.3316079427551344,
    -0.6650530265445357,
    null,
    2.261733876692352,
    1.249002025461689,
    -0.30039250005236945,
    -0.1696251832151792,
    -0.46499642506365907,
    1.3847361587779952,
    0.49788432328699006,
    -0.6650530265445357,
  ],
  mmMin: [19.0, 23100.75, 0.05],
  mmMax: [62.0, 98000.0, 12.6],
  mmT: [
    0.09302325581395343,
    0.2423221861367103,
    0.025498007968127494,
    0.37209302325581395,
    null,
    0.14900398406374504,
    null,
    0.21094002943954715,
    0.0,
    0.7441860465116278,
    0.6530038685300587,
    null,
    0.2325581395348837,
    0.09210038818813271,
    1.0000000000000002,
    0.5813953488372093,
    0.2423221861367103,
    0.25896414342629487,
    0.9999999999999999,
    0.4325710871604188,
    0.0661354581673307,
    0.37209302325581395,
    null,
    0.2119521912350598,
    0.0,
    0.0,
    0.025498007968127494,
    null,
    0.9999999999999999,
    0.5896414342629483,
    0.37209302325581395,
    0.32337106179300856,
    0.08446215139442234,
    0.9069767441860465,
    0.5091339365881501,
    0.025498007968127494,
  ],
  rbCenter: [35.0, 44285.75, 1.11],
  rbScale: [18.75, 20313.25, 2.635],
  rbT: [
    -0.64,
    -0.14942217518122408,
    -0.28083491461100574,
    0.0,
    null,
    0.30740037950664134,
    null,
    -0.2651348257910477,
    -0.4022770398481974,
    0.8533333333333334,
    1.3648480671482899,
    null,
    -0.32,
    -0.7033217235055936,
    4.360531309297913,
    0.48,
    -0.14942217518122408,
    0.8311195445920302,
    1.44,
    0.552065769879266,
    -0.08728652751423153,
    0.0,
    null,
    0.6072106261859582,
    -0.8533333333333334,
    -1.042915338510578,
    -0.28083491461100574,
    null,
    2.6442962106014547,
    2.4060721062618597,
    0.0,
    0.14942217518122408,
    0.0,
    1.2266666666666666,
    0.8343691925221223,
    -0.28083491461100574,
  ],
  impMean: [39.1, 50856.65, 2.83],
  impMedian: [35.0, 44285.75, 1.11],
  impMostFrequent: [35.0, 41250.5, 0.37],
  knn3Uniform: [
    23.0, 41250.5, 0.37, 35.0, 61407.0, 1.92, 31.0, 38900.0, 0.05, 51.0, 72010.25, 1.6666666666666667, 29.0,
    29999.0, 12.6, 44.0, 41250.5, 3.3, 62.0, 55500.0, 0.88, 35.0, 61407.0, 2.71, 19.0, 23100.75, 0.37,
    40.333333333333336, 98000.0, 7.45, 35.0, 47321.0, 1.11, 58.0, 61234.5, 0.37,
  ],
  knn3Distance: [
    23.0, 41250.5, 0.37, 35.0, 49214.602677592164, 1.92, 34.9920772819104, 38900.0, 0.05, 51.0, 72010.25,
    2.31296004202156, 29.0, 29999.0, 12.6, 44.0, 41250.5, 3.3, 62.0, 55500.0, 0.88, 35.0, 52437.95300770676,
    2.71, 19.0, 23100.75, 0.37, 35.001571116075894, 98000.0, 7.45, 35.0, 47321.0, 1.11, 58.0, 61234.5, 0.37,
  ],
  iqrLo: [2.375, 9017.75, -3.5824999999999996],
  iqrHi: [77.375, 90270.75, 6.9575],
  zLo: [11.802381056216646, 9168.854202428738, -4.567906337729491],
  zHi: [66.39761894378336, 92544.44579757127, 10.227906337729491],
};

describe('numpy-compatible statistics', () => {
  it('linear quantiles, median and mode', () => {
    const s = sortedPresent(Float64Array.from([5, N, 1, 3, 2, N, 4]));
    expect(Array.from(s)).toEqual([1, 2, 3, 4, 5]);
    expect(quantileSorted(s, 0.25)).toBe(2);
    expect(quantileSorted(s, 0.1)).toBeCloseTo(1.4, 15);
    expect(quantileSorted(new Float64Array(), 0.5)).toBeNaN();
    expect(medianSorted(Float64Array.from([1, 2, 3, 10]))).toBe(2.5);
    expect(medianSorted(Float64Array.from([7]))).toBe(7);
    // ties: the smallest most frequent value (scikit-learn's SimpleImputer)
    expect(modeOf(Float64Array.from([1, 2, 2, 3, 3]))).toBe(2);
  });
});

describe('scalers match scikit-learn', () => {
  it('zscore = StandardScaler (population std, NaN ignored and kept)', () => {
    const { step } = fitScale(dataset(), FEATURES, 'zscore', 'keep');
    expectClose(
      step.columns.map((c) => c.center),
      SK.stdMean,
    );
    expectClose(
      step.columns.map((c) => c.scale),
      SK.stdScale,
    );
    expectClose(flat(applyScale(dataset(), step)), SK.stdT, 1e-12);
  });

  it('minmax = MinMaxScaler', () => {
    const { step } = fitScale(dataset(), FEATURES, 'minmax', 'keep');
    expectClose(
      step.columns.map((c) => c.center),
      SK.mmMin,
    );
    expectClose(
      step.columns.map((c) => c.center + c.scale),
      SK.mmMax,
    );
    expectClose(flat(applyScale(dataset(), step)), SK.mmT, 1e-12);
  });

  it('robust = RobustScaler (median, 25–75 % range)', () => {
    const { step } = fitScale(dataset(), FEATURES, 'robust', 'keep');
    expect(step.columns.map((c) => c.center)).toEqual(SK.rbCenter);
    expect(step.columns.map((c) => c.scale)).toEqual(SK.rbScale);
    expectClose(flat(applyScale(dataset(), step)), SK.rbT, 1e-12);
  });

  it('reports constant columns and keeps them unscaled, or drops them; transformed columns become float64', () => {
    const kept = fitScale(dataset(), NAMES, 'zscore', 'keep');
    expect(kept.step.constant).toEqual(['const']);
    const out = applyScale(dataset(), kept.step);
    expect(Array.from(out.numeric('const').values)).toEqual(new Array(12).fill(4));
    expect(out.numeric('const').type).toBe('integer');
    expect(out.numeric('age').type).toBe('double');
    const dropped = fitScale(dataset(), NAMES, 'minmax', 'drop');
    expect(applyScale(dataset(), dropped.step).has('const')).toBe(false);
  });

  it('robust scaling of a column with a zero interquartile range only centres it, with a warning', () => {
    const ds = Dataset.of([numericColumn('x', Float64Array.from([0, 0, 0, 0, 0, 0, 9]))]);
    const { step, warnings } = fitScale(ds, ['x'], 'robust', 'keep');
    expect(step.columns[0]).toEqual({ name: 'x', center: 0, scale: 1 });
    expect(warnings[0]).toMatch(/interquartile range of 0/);
  });

  it('refuses text columns and entirely missing columns with a data error', () => {
    const ds = Dataset.of([
      stringColumn('income', ['100', 'n/a', '300']),
      numericColumn('empty', Float64Array.from([N, N, N])),
    ]);
    expect(() => fitScale(ds, ['income'], 'zscore', 'keep')).toThrow(DataError);
    expect(() => fitScale(ds, ['income'], 'zscore', 'keep')).toThrow(/row 2: "n\/a" is not a number/);
    expect(() => fitScale(ds, ['empty'], 'zscore', 'keep')).toThrow(/entirely missing: cannot scale/);
  });
});

describe('imputation matches scikit-learn', () => {
  const stats = (strategy: 'mean' | 'median' | 'mode') =>
    fitImpute(dataset(), FEATURES, { strategy }).numeric.map((e) => e.value!);

  it('SimpleImputer statistics: mean, median, most_frequent', () => {
    expectClose(stats('mean'), SK.impMean);
    expect(stats('median')).toEqual(SK.impMedian);
    expect(stats('mode')).toEqual(SK.impMostFrequent);
  });

  it('constant fills, and filled columns become float64', async () => {
    const step = fitImpute(dataset(), FEATURES, { strategy: 'constant', fillValue: '-1' });
    const { data, report } = await applyImpute(dataset(), step);
    expect(data.numeric('age').values[2]).toBe(-1);
    expect(data.numeric('age').type).toBe('double');
    expect(report.perColumn).toEqual({ age: 2, income: 2, spend: 1 });
    expect(report.total).toBe(5);
  });

  it('KNN = KNNImputer(n_neighbors=3) with uniform and distance weights', async () => {
    // scikit-learn expands |x − y|² as |x|² − 2x·y + |y|², which loses about 1e-7 of the small squared distances
    // here next to incomes squared (~1e9); weights 1/distance carry that into its values, hence the tolerance.
    for (const [weights, expected, rel] of [
      ['uniform', SK.knn3Uniform, 1e-12],
      ['distance', SK.knn3Distance, 1e-7],
    ] as const) {
      const step = fitImpute(dataset(), FEATURES, { strategy: 'knn', knnK: 3, knnWeights: weights });
      expect(step.knn?.columns).toEqual(FEATURES);
      const { data } = await applyImpute(dataset(), step);
      expectClose(flat(data), expected, rel);
    }
  });

  it('per-column strategies and missing indicators (only for columns with gaps, as add_indicator)', async () => {
    const step = fitImpute(dataset(), NAMES, {
      strategy: 'median',
      perColumn: { spend: 'mean', age: 'none' },
      indicators: true,
    });
    expect(step.numeric.map((e) => [e.name, e.strategy])).toEqual([
      ['income', 'median'],
      ['spend', 'mean'],
      ['const', 'median'],
    ]);
    expect(step.indicators).toEqual(['income', 'spend']);
    const { data } = await applyImpute(dataset(), step);
    expect(data.numeric('age').values[2]).toBeNaN();
    expect(Array.from(data.numeric('income_missing').values)).toEqual([0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(data.numeric('spend').values[3]).toBeCloseTo(2.83, 12);
  });

  it('imputes categorical columns with the most frequent level (smallest among ties) or a constant', async () => {
    const ds = Dataset.of([
      categoricalColumn('country', Int32Array.from([0, -1, 1, 1, 0, -1]), ['DE', 'FR']),
      stringColumn('note', ['a', null, 'b', null, 'c', 'd']),
    ]);
    const step = fitImpute(ds, [], {
      strategy: 'none',
      perColumn: { country: 'mode', note: 'constant' },
      fillValue: 'n/a',
    });
    expect(step.text).toEqual([
      { name: 'country', strategy: 'mode', value: 'DE' },
      { name: 'note', strategy: 'constant', value: 'n/a' },
    ]);
    const { data } = await applyImpute(ds, step);
    const country = data.column('country');
    expect(country.kind === 'categorical' && Array.from(country.codes)).toEqual([0, 0, 1, 1, 0, 0]);
    const note = data.column('note');
    expect(note.kind === 'string' && note.values).toEqual(['a', 'n/a', 'b', 'n/a', 'c', 'd']);
  });

  it('says so when a column is entirely missing, and refuses impossible strategies', () => {
    const ds = Dataset.of([
      numericColumn('x', Float64Array.from([1, N, 3])),
      numericColumn('gone', Float64Array.from([N, N, N])),
      categoricalColumn('c', Int32Array.from([0, 0, -1]), ['a']),
    ]);
    expect(() => fitImpute(ds, ['x', 'gone'], { strategy: 'median' })).toThrow(
      /column 'gone' is entirely missing: cannot impute it/,
    );
    expect(() => fitImpute(ds, ['x', 'gone'], { strategy: 'median' })).toThrow(DataError);
    // a constant needs nothing to learn from
    expect(fitImpute(ds, ['x', 'gone'], { strategy: 'constant' }).numeric[1]).toEqual({
      name: 'gone',
      strategy: 'constant',
      value: 0,
    });
    expect(() => fitImpute(ds, ['x'], { strategy: 'none', perColumn: { c: 'median' } })).toThrow(UsageError);
    expect(() => fitImpute(ds, ['x'], { strategy: 'constant', fillValue: 'abc' })).toThrow(/not a number/);
    expect(() => fitImpute(ds, ['x'], { strategy: 'knn', knnK: 3 })).toThrow(
      /--knn-k 3 needs more than 3 rows/,
    );
  });
});

describe('outlier fences match numpy', () => {
  it('IQR fences at Q1 − 1.5·IQR and Q3 + 1.5·IQR, counted per column, clipped', () => {
    const step = fitOutliers(dataset(), FEATURES, { method: 'iqr', action: 'clip', seed: 1 });
    if (step.method === 'iforest') throw new Error('unexpected');
    expectClose(
      step.columns.map((c) => c.lower),
      SK.iqrLo,
    );
    expectClose(
      step.columns.map((c) => c.upper),
      SK.iqrHi,
    );
    const { data, report, keep } = applyOutliers(dataset(), step);
    expect(keep).toBeNull();
    // income 98000 and spend 7.45 (same row) and spend 12.6 lie above the upper fences
    expect(report.perColumn).toEqual({ age: 0, income: 1, spend: 2 });
    expect(report.rows).toBe(2);
    expect(data.numeric('income').values[9]).toBe(step.columns[1]!.upper);
    expect(data.numeric('spend').values[3]).toBeNaN();
  });

  it('z-score bounds at mean ± 2·population std; flag adds a 0/1 column; drop removes rows', () => {
    const step = fitOutliers(dataset(), FEATURES, {
      method: 'zscore',
      zThreshold: 2,
      action: 'flag',
      seed: 1,
    });
    if (step.method === 'iforest') throw new Error('unexpected');
    expectClose(
      step.columns.map((c) => c.lower),
      SK.zLo,
    );
    expectClose(
      step.columns.map((c) => c.upper),
      SK.zHi,
    );
    const flagged = applyOutliers(dataset(), step);
    expect(Array.from(flagged.data.numeric('outlier').values)).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0]);
    const dropped = applyOutliers(dataset(), { ...step, action: 'drop' });
    expect(dropped.data.nRows).toBe(10);
    expect(Array.from(dropped.keep!)).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 10, 11]);
    // a replay that must keep every row
    expect(applyOutliers(dataset(), { ...step, action: 'drop' }, false).data.nRows).toBe(12);
  });

  it('a constant column never flags; an existing flag column is refused; clip with iforest is a usage error', () => {
    const step = fitOutliers(dataset(), ['const'], { method: 'zscore', action: 'flag', seed: 1 });
    expect(applyOutliers(dataset(), step).report.rows).toBe(0);
    const withFlag = dataset().withColumn(numericColumn('outlier', new Float64Array(12)));
    expect(() => fitOutliers(withFlag, FEATURES, { method: 'iqr', action: 'flag', seed: 1 })).toThrow(
      DataError,
    );
    expect(() => fitOutliers(dataset(), FEATURES, { method: 'iforest', action: 'clip', seed: 1 })).toThrow(
      UsageError,
    );
  });
});
