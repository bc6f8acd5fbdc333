import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  applyCleanModel,
  applyCleanModelWithReport,
  fitClean,
  type CleanParams,
} from '../../src/clean/clean.js';
import { chainKey, chainOf } from '../../src/core/chain.js';
import { cleanModelText, parseCleanModel, type CleanModel } from '../../src/clean/clean-model.js';
import type { ScaleStep } from '../../src/clean/scaler.js';
import { contentHash } from '../../src/core/content-hash.js';
import { cellText, Dataset, numericColumn, stringColumn, type Column } from '../../src/core/dataset.js';
import { CheckFailedError, DataError, UsageError } from '../../src/core/errors.js';
import { WorkerPool } from '../../src/core/worker-pool.js';
import { readDataset } from '../../src/io/read.js';

const fixtures = join(import.meta.dirname, '../../fixtures');
const customers = await readDataset(join(fixtures, 'customers.csv'));
const pool = new WorkerPool(3);
afterAll(() => pool.close());

const AS_OF = Date.parse('2026-11-01T00:00:00Z');

/** Every option on, as `segment clean` would pass them. */
const FULL: CleanParams = {
  id: 'customer_id',
  rules: [
    { column: 'age', check: 'min', value: 18 },
    { column: 'signup_date', check: 'past' },
    { column: 'country', check: 'pattern', pattern: '[A-Z]{2}' },
  ],
  onInvalid: 'report',
  asOf: AS_OF,
  dedupe: {
    rows: true,
    fuzzy: { column: 'email', similarity: 0.92, method: 'jaro-winkler', window: 10 },
    keep: 'first',
  },
  drop: ['name'],
  log: ['spend'],
  outliers: { method: 'iqr', action: 'clip' },
  impute: { strategy: 'median', perColumn: { age: 'knn' }, knnK: 5, indicators: true },
  scale: { method: 'zscore' },
  encode: { method: 'onehot' },
  seed: 42,
};

/** Two columns are identical: same kind, type, and values bit for bit (NaN included). */
function expectSameColumn(a: Column, b: Column): void {
  expect(a.name).toBe(b.name);
  expect(a.kind).toBe(b.kind);
  if (a.kind === 'numeric' && b.kind === 'numeric') {
    expect(a.type).toBe(b.type);
    expect(Buffer.from(a.values.buffer, a.values.byteOffset, a.values.byteLength)).toEqual(
      Buffer.from(b.values.buffer, b.values.byteOffset, b.values.byteLength),
    );
  } else {
    const n = a.kind === 'numeric' ? 0 : a.kind === 'categorical' ? a.codes.length : a.values.length;
    for (let i = 0; i < n; i++) expect(cellText(a, i)).toBe(cellText(b, i));
  }
}

function expectSameData(a: Dataset, b: Dataset): void {
  expect(a.names).toEqual(b.names);
  expect(a.nRows).toBe(b.nRows);
  a.columns.forEach((c, j) => expectSameColumn(c, b.columns[j]!));
}

/** The model as it comes back from a file. */
const roundTrip = (m: CleanModel): CleanModel => parseCleanModel(JSON.parse(JSON.stringify(m)), 'model.json');

describe('fitClean on the customers fixture', () => {
  it('finds the exact and the upper-cased / padded duplicates and reports every step', async () => {
    const fit = await fitClean(customers, FULL, { toolVersion: 't' });
    const r = fit.report;
    expect(r.nRowsIn).toBe(530);
    expect(r.nRowsOut).toBe(500);
    expect(r.dedupe!.passes.map((p) => [p.kind, p.rowsRemoved])).toEqual([
      ['row', 15],
      ['fuzzy', 15],
    ]);
    expect(r.features).toEqual(['age', 'income', 'spend', 'visits']); // dates and the id are not features
    expect(r.validation!.rules.map((x) => x.rule)).toEqual([
      'age: min 18',
      'signup_date: past',
      'country: pattern [A-Z]{2}',
    ]);
    expect(r.validation!.rules[2]!.failing).toBeGreaterThan(0); // 'Germany', 'france', ' ES '
    expect(r.imputation!.strategies).toEqual({
      age: 'knn',
      income: 'median',
      spend: 'median',
      visits: 'median',
    });
    expect(r.imputation!.indicators).toEqual(['age_missing', 'income_missing', 'spend_missing']);
    expect(r.encoding!.columns).toEqual([{ name: 'country', levels: 10, outputs: 10 }]);
    expect(fit.data.has('name')).toBe(false);
    expect(fit.model.steps.map((s) => s.step)).toEqual([
      'validate',
      'dedupe',
      'drop',
      'log1p',
      'outliers',
      'impute',
      'scale',
      'encode',
    ]);
    // cleaned features: complete, standardised
    for (const f of r.features) {
      const v = fit.data.numeric(f).values;
      expect(v.every((x) => Number.isFinite(x))).toBe(true);
      expect(v.reduce((a, b) => a + b, 0) / v.length).toBeCloseTo(0, 10);
    }
    // the id is carried through untouched
    const id = fit.data.column('customer_id');
    const rawId = customers.column('customer_id');
    fit.rows.forEach((src, i) => expect(cellText(id, i)).toBe(cellText(rawId, src)));
  });

  it('replaying the model on the raw training input reproduces the output bit for bit (dedupe excepted)', async () => {
    const fit = await fitClean(customers, FULL, { toolVersion: 't' });
    const model = roundTrip(fit.model);
    const { data, report } = await applyCleanModelWithReport(customers, model, { asOf: AS_OF });
    // dedupe is not replayed: all 530 rows come out; the rows the fit kept are identical
    expect(data.nRows).toBe(530);
    expect(Array.from(report.rows)).toEqual(Array.from({ length: 530 }, (_, i) => i));
    expectSameData(data.take(fit.rows), fit.data);
    expect(data.metadata[chainKey]).toBe(fit.data.metadata[chainKey]);
  });

  it('replays row-dropping steps (validation drop, outlier drop, iforest) exactly', async () => {
    const params: CleanParams = {
      ...FULL,
      dedupe: undefined,
      onInvalid: 'drop',
      outliers: { method: 'iforest', action: 'drop', contamination: 0.05 },
      scale: { method: 'robust' },
      encode: { method: 'ordinal' },
    };
    const fit = await fitClean(customers, params);
    expect(fit.report.validation!.rowsDropped).toBeGreaterThan(0);
    expect(fit.report.outliers!.rows).toBeGreaterThan(0);
    const replay = await applyCleanModel(customers, roundTrip(fit.model), { asOf: AS_OF });
    expectSameData(replay, fit.data);
    // a scoring run that must keep every row
    const all = await applyCleanModel(customers, roundTrip(fit.model), { asOf: AS_OF, dropRows: false });
    expect(all.nRows).toBe(530);
  });

  it('gives the same model and data whatever the thread count', async () => {
    const one = await fitClean(customers, {
      ...FULL,
      impute: { strategy: 'knn', knnK: 7, knnWeights: 'distance' },
    });
    const three = await fitClean(
      customers,
      { ...FULL, impute: { strategy: 'knn', knnK: 7, knnWeights: 'distance' } },
      { pool },
    );
    expect(JSON.stringify(three.model)).toBe(JSON.stringify(one.model));
    expectSameData(three.data, one.data);
  });

  it('transforms new rows with the training statistics, never refitting them', async () => {
    const fit = await fitClean(customers, { ...FULL, rules: undefined, dedupe: undefined }, {});
    const fresh = Dataset.of([
      stringColumn('customer_id', ['N1', 'N2']),
      stringColumn('name', ['X Y', 'Z W']),
      stringColumn('email', ['x@y.z', 'z@w.x']),
      stringColumn('signup_date', ['2026-01-01', '2026-02-02']),
      stringColumn('country', ['DE', 'Atlantis']),
      numericColumn('age', Float64Array.from([NaN, 40])),
      numericColumn('income', Float64Array.from([NaN, 1e9])),
      numericColumn('spend', Float64Array.from([100, 0])),
      numericColumn('visits', Float64Array.from([3, 4])),
    ]);
    const { data, report } = await applyCleanModelWithReport(fresh, fit.model);
    expect(data.names).toEqual(fit.data.names);
    const impute = fit.model.steps.find((s) => s.step === 'impute')!;
    const scale = fit.model.steps.find((s) => s.step === 'scale')!;
    const outliers = fit.model.steps.find((s) => s.step === 'outliers')!;
    if (impute.step !== 'impute' || scale.step !== 'scale' || outliers.step !== 'outliers')
      throw new Error('steps');
    if (outliers.method === 'iforest') throw new Error('bounds expected');
    const incomeMedian = impute.numeric.find((e) => e.name === 'income')!.value!;
    const incomeScale = scale.columns.find((c) => c.name === 'income')!;
    const upper = outliers.columns.find((c) => c.name === 'income')!.upper;
    const income = data.numeric('income').values;
    expect(income[0]).toBe((incomeMedian - incomeScale.center) / incomeScale.scale);
    // 1e9 is clipped to the training fence, then scaled with the training statistics
    expect(income[1]).toBe((upper - incomeScale.center) / incomeScale.scale);
    expect(Array.from(data.numeric('income_missing').values)).toEqual([1, 0]);
    expect(report.encoding!.unseen).toEqual({ country: 1 });
    const countryCols = data.names.filter((n) => n.startsWith('country_'));
    expect(countryCols.map((c) => data.numeric(c).values[1])).toEqual(countryCols.map(() => 0));
    await expect(applyCleanModel(fresh, fit.model, { unseen: 'error' })).rejects.toThrow(/"Atlantis"/);
    await expect(applyCleanModel(fresh.drop(['visits']), fit.model)).rejects.toThrow(DataError);
  });

  it('records the lineage of the input and hands the chain on', async () => {
    const upstream = [{ stage: 'features', model: { format: 'segment.features', window: '90d' } }];
    const ds = customers.withMetadata({ [chainKey]: JSON.stringify(upstream) });
    const fit = await fitClean(ds, { id: 'customer_id', impute: { strategy: 'mean' }, seed: 1 });
    expect(fit.model.lineage).toEqual(upstream);
    const chain = chainOf(fit.data);
    expect(chain.map((e) => e.stage)).toEqual(['features', 'clean']);
    expect((chain[1]!.model as CleanModel).steps).toEqual(fit.model.steps);
  });
});

describe('fitClean errors', () => {
  const small = Dataset.of([
    stringColumn('id', ['a', 'b', 'c']),
    numericColumn('x', Float64Array.from([1, NaN, 3])),
    numericColumn('gone', Float64Array.from([NaN, NaN, NaN])),
    stringColumn('email', ['p@q.r', 'n/a', 's@t.u']),
  ]);

  it('unknown strategies and impossible parameters are usage errors in scikit-learn wording', async () => {
    await expect(
      fitClean(small, { impute: { strategy: 'average' as 'mean' }, features: ['x'], seed: 1 }),
    ).rejects.toThrow(
      "The 'impute.strategy' parameter of clean.fitClean must be a str among {'mean', 'median', 'mode', 'constant', 'knn', 'none'}. Got \"average\".",
    );
    await expect(
      fitClean(small, { impute: { strategy: 'knn', knnK: 0 }, features: ['x'], seed: 1 }),
    ).rejects.toThrow(UsageError);
    await expect(fitClean(small, { drop: ['id'], id: 'id', seed: 1 })).rejects.toThrow(UsageError);
    await expect(
      fitClean(small, { features: ['email'], scale: { method: 'zscore' }, seed: 1 }),
    ).rejects.toThrow(DataError);
    await expect(
      fitClean(Dataset.of([stringColumn('s', ['a'])]), { scale: { method: 'zscore' }, seed: 1 }),
    ).rejects.toThrow('no numeric columns to clean');
  });

  it('impossible requests on the data are data errors', async () => {
    await expect(
      fitClean(small, { impute: { strategy: 'knn', knnK: 3 }, features: ['x'], seed: 1 }),
    ).rejects.toThrow(DataError);
    await expect(fitClean(small, { impute: { strategy: 'median' }, seed: 1 })).rejects.toThrow(
      "column 'gone' is entirely missing: cannot impute it (median)",
    );
    await expect(fitClean(small, { id: 'nope', seed: 1 })).rejects.toThrow(DataError);
    await expect(fitClean(small, { dedupe: { keys: ['nope'], keep: 'first' }, seed: 1 })).rejects.toThrow(
      "column 'nope' not found",
    );
    await expect(fitClean(small, { log: ['x'], seed: 1 })).resolves.toBeDefined();
    const negative = small.withColumn(numericColumn('x', Float64Array.from([1, -2, 3])));
    await expect(fitClean(negative, { log: ['x'], seed: 1 })).rejects.toThrow(
      /log\(1 \+ x\) needs values above -1/,
    );
    await expect(
      fitClean(small, {
        rules: [{ column: 'x', check: 'min', value: 2 }],
        onInvalid: 'fail',
        seed: 1,
      }),
    ).rejects.toThrow(CheckFailedError);
  });

  it('the model file carries a content hash: checked on load, then dropped; a file without one still loads', async () => {
    const fit = await fitClean(
      customers,
      {
        id: 'customer_id',
        log: ['spend'],
        impute: { strategy: 'median' },
        scale: { method: 'zscore' },
        seed: 1,
      },
      { toolVersion: 't' },
    );
    const text = cleanModelText(fit.model);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(2);
    const file = JSON.parse(text) as CleanModel & { hash: string };
    expect(Object.keys(file).at(-1)).toBe('hash');
    expect(file.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(file.hash).toBe(contentHash(file));
    expect(cleanModelText(fit.model)).toBe(text); // deterministic
    // Loading drops the hash: the model and the chain it appends are those of the fit.
    const loaded = parseCleanModel(file, 'm.json');
    expect(loaded).toEqual(fit.model);
    expect('hash' in loaded).toBe(false);
    expect(cleanModelText(loaded)).toBe(text);
    const applied = await applyCleanModel(customers, loaded);
    expect(applied.metadata[chainKey]).toBe(fit.data.metadata[chainKey]);
    expect(applied.metadata[chainKey]).not.toContain('"hash"');
    // A model object that still carries a hash never puts it in the chain.
    expect((await applyCleanModel(customers, file)).metadata[chainKey]).toBe(fit.data.metadata[chainKey]);
    // One number edited: refused, naming the file.
    const edited = JSON.parse(text) as CleanModel;
    const scale = edited.steps.find((x): x is ScaleStep => x.step === 'scale')!;
    scale.columns[0]!.center += 1e-9;
    expect(() => parseCleanModel(edited, 'm.json')).toThrow(DataError);
    expect(() => parseCleanModel(edited, 'm.json')).toThrow(/^m\.json: content hash does not match/);
    expect(() => parseCleanModel({ ...file, hash: null }, 'm.json')).toThrow(/content hash does not match/);
    // Without a hash (earlier releases): accepted as is.
    const { hash: _h, ...older } = file;
    expect(parseCleanModel(older, 'm.json')).toEqual(fit.model);
  });

  it('a model file that is not a clean model is refused', () => {
    expect(() => parseCleanModel({ format: 'segment.model' }, 'm.json')).toThrow(/not a segment clean model/);
    expect(() =>
      parseCleanModel({ format: 'segment.clean-model', version: 99, steps: [] }, 'm.json'),
    ).toThrow(/newer/);
    expect(() =>
      parseCleanModel(
        {
          format: 'segment.clean-model',
          version: 1,
          steps: [{ step: 'teleport' }],
          features: [],
          output: { columns: [] },
        },
        'm.json',
      ),
    ).toThrow(/m\.json: invalid model: steps\[0\]\.step must be one of .*got "teleport"/);
  });
});
