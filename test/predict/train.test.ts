import { afterAll, describe, expect, it } from 'vitest';
import {
  categoricalColumn,
  Dataset,
  numericColumn,
  stringColumn,
  type Column,
} from '../../src/core/dataset.js';
import { DataError, UsageError } from '../../src/core/errors.js';
import { WorkerPool } from '../../src/core/worker-pool.js';
import { contentHash } from '../../src/core/content-hash.js';
import { sealPredictModel } from '../../src/predict/predict-model.js';
import { decileTiers, scorePropensity, tiersOf } from '../../src/predict/score.js';
import { checkPredictModel, predictModelSchema } from '../../src/predict/predict-model.js';
import { validateModel } from '../../src/core/model-schema.js';
import { binaryTarget } from '../../src/predict/target.js';
import { trainPropensity } from '../../src/predict/train.js';
import { churnFeatures, makeChurn } from './churn-data.js';

const pool = new WorkerPool(2);
const single = new WorkerPool(1);
afterAll(async () => {
  await pool.close();
  await single.close();
});

function churnDataset(n: number, seed: number): Dataset {
  const { X, y } = makeChurn(n, seed);
  const d = churnFeatures.length;
  const cols: Column[] = [
    stringColumn(
      'customer_id',
      Array.from({ length: n }, (_, i) => `C${i + 1}`),
    ),
  ];
  churnFeatures.forEach((f, j) =>
    cols.push(
      numericColumn(
        f,
        Float64Array.from({ length: n }, (_, i) => X[i * d + j]!),
      ),
    ),
  );
  cols.push(numericColumn('churned', y, 'integer'));
  return Dataset.of(cols);
}

const env = { pool, toolVersion: 'test' };
const ds = churnDataset(1500, 11);

describe('trainPropensity', () => {
  it('random forest: hold-out evaluation, importances, byte-identical for 1 and 2 threads', async () => {
    const params = { target: 'churned', id: 'customer_id', forest: { nEstimators: 30 }, seed: 5 };
    const a = await trainPropensity(ds, params, env);
    const b = await trainPropensity(ds, params, { pool: single, toolVersion: 'test' });
    expect(JSON.stringify(a.model)).toBe(JSON.stringify(b.model));
    const m = a.model;
    expect(m.features).toEqual([...churnFeatures]);
    expect(m.classes).toEqual([0, 1]);
    expect(m.evaluation.scheme).toBe('holdout');
    expect(m.evaluation.metrics.n).toBe(375);
    expect(m.evaluation.metrics.rocAuc!).toBeGreaterThan(0.7);
    const imp = m.importance.map((r) => r.impurity!);
    expect(imp.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 10);
    // last_login_days drives churn most; its permutation drop is the largest.
    const byPerm = [...m.importance].sort((x, y) => y.permutationMean! - x.permutationMean!);
    expect(byPerm[0]!.feature).toBe('last_login_days');
    expect(m.hash).toBe(contentHash(m));
  });

  it('logistic with cross-validation: per-fold metrics, pooled out-of-fold metrics, coefficients', async () => {
    const r = await trainPropensity(
      ds,
      { target: 'churned', id: 'customer_id', algorithm: 'logistic', cv: 4, seed: 5 },
      env,
    );
    const e = r.model.evaluation;
    expect(e.scheme).toBe('cv');
    expect(e.perFold).toHaveLength(4);
    expect(e.metrics.n).toBe(1500);
    expect(e.rocAucMean!).toBeGreaterThan(0.7);
    expect(r.model.logistic!.coef).toHaveLength(8);
    const lastLogin = r.model.importance.find((x) => x.feature === 'last_login_days')!;
    expect(lastLogin.coefficient!).toBeGreaterThan(0.5);
    expect(r.model.forest).toBeUndefined();
  });

  it('calibration (platt, isotonic) improves the forest log loss; the calibrator is saved', async () => {
    const base = { target: 'churned', id: 'customer_id', forest: { nEstimators: 40 }, seed: 3 };
    const raw = await trainPropensity(ds, base, env);
    const platt = await trainPropensity(ds, { ...base, calibrate: 'platt' }, env);
    const iso = await trainPropensity(ds, { ...base, calibrate: 'isotonic', calibrationCv: 3 }, env);
    expect(platt.model.calibration?.method).toBe('platt');
    expect(platt.model.calibration?.input).toBe('probability');
    expect(iso.model.calibration?.method).toBe('isotonic');
    expect(platt.model.evaluation.metrics.logLoss).toBeLessThan(raw.model.evaluation.metrics.logLoss);
    expect(iso.model.evaluation.metrics.brier).toBeLessThan(raw.model.evaluation.metrics.brier + 0.01);
    const scored = await scorePropensity(platt.model, ds, { pool, source: 'm', data: 'd' });
    for (const p of scored.probability) expect(p >= 0 && p <= 1).toBe(true);
    // A threshold out of range is blamed on where it came from: the model, or the --threshold flag.
    const bad = { ...platt.model, threshold: 7 };
    await expect(scorePropensity(bad, ds, { pool, source: 'm.json', data: 'd' })).rejects.toThrow(
      /^m\.json: the model's threshold 7 is not a probability/,
    );
    await expect(
      scorePropensity(platt.model, ds, { pool, source: 'm.json', data: 'd', threshold: 2 }),
    ).rejects.toThrow(/^--threshold 2/);
    // Trained models pass the structure check the loader runs; the edited one does not.
    for (const m of [raw.model, platt.model, iso.model])
      expect(() => validateModel(m, predictModelSchema, 'm', 'h', checkPredictModel)).not.toThrow();
    expect(() => validateModel(bad, predictModelSchema, 'm', 'h', checkPredictModel)).toThrow(
      /m: invalid model: threshold must be ≤ 1/,
    );
  });

  it('drops rows with a missing target with a warning; refuses NaN features, one class, many classes', async () => {
    const y = Float64Array.from(ds.numeric('churned').values);
    y[3] = Number.NaN;
    y[7] = Number.NaN;
    const withGaps = ds.withColumn(numericColumn('churned', y));
    const r = await trainPropensity(
      withGaps,
      { target: 'churned', id: 'customer_id', algorithm: 'logistic' },
      env,
    );
    expect(r.droppedUnlabeled).toBe(2);
    expect(r.model.nRows).toBe(1498);
    expect(r.warnings.join()).toMatch(/dropped 2 row/);

    const spend = Float64Array.from(ds.numeric('spend').values);
    spend[10] = Number.NaN;
    await expect(
      trainPropensity(
        ds.withColumn(numericColumn('spend', spend)),
        { target: 'churned', id: 'customer_id' },
        env,
      ),
    ).rejects.toThrow(/column 'spend' has 1 missing value.*\n?/);
    const one = ds.withColumn(numericColumn('churned', new Float64Array(1500)));
    await expect(trainPropensity(one, { target: 'churned' }, env)).rejects.toBeInstanceOf(DataError);
    const three = ds.withColumn(
      numericColumn(
        'churned',
        Float64Array.from({ length: 1500 }, (_, i) => i % 3),
      ),
    );
    const err = await trainPropensity(three, { target: 'churned' }, env).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(String(err)).toMatch(/multiclass targets are not supported/);
    await expect(trainPropensity(ds, { target: 'nope' }, env)).rejects.toThrow(/column 'nope' not found/);
  });
});

describe('binary targets', () => {
  it('true/false, yes/no and numbers pick the obvious positive class; --positive overrides', () => {
    const t = Dataset.of([categoricalColumn('t', Int32Array.from([0, 1, 1, -1]), ['no', 'yes'])]);
    const bt = binaryTarget(t, 't');
    expect(bt.classes).toEqual(['no', 'yes']);
    expect(Array.from(bt.y)).toEqual([0, 1, 1, Number.NaN]);
    expect(bt.missing).toBe(1);
    const b = Dataset.of([numericColumn('b', Float64Array.from([1, 0, 0]), 'boolean')]);
    expect(binaryTarget(b, 'b').classes).toEqual([0, 1]);
    const s = Dataset.of([stringColumn('s', ['stayed', 'churned', 'stayed'])]);
    expect(binaryTarget(s, 's').classes).toEqual(['churned', 'stayed']);
    expect(binaryTarget(s, 's', 'churned').classes).toEqual(['stayed', 'churned']);
    expect(() => binaryTarget(s, 's', 'left')).toThrow(/--positive 'left'/);
    const n = Dataset.of([numericColumn('n', Float64Array.from([2, 5, 5]))]);
    expect(binaryTarget(n, 'n').classes).toEqual([2, 5]);
    expect(binaryTarget(n, 'n', '2').classes).toEqual([5, 2]);
  });
});

describe('tiers', () => {
  it('cut points: 1 + the cuts reached; deciles: 10 = top tenth, ties share a tier', () => {
    const p = Float64Array.from([0.1, 0.2, 0.49, 0.5, 0.9]);
    expect(Array.from(tiersOf(p, [0.2, 0.5, 0.8]))).toEqual([1, 2, 2, 3, 4]);
    const q = Float64Array.from({ length: 100 }, (_, i) => i / 100);
    const { tier } = decileTiers(q);
    expect(tier[0]).toBe(1);
    expect(tier[99]).toBe(10);
    expect(Array.from(tier).filter((t) => t === 10)).toHaveLength(10);
    expect(new Set(decileTiers(new Float64Array(20).fill(0.3)).tier)).toEqual(new Set([1]));
  });

  it('a sealed model changes hash when its content changes', () => {
    const m = { format: 'segment.predict-model', version: 1, threshold: 0.5 } as never;
    const a = sealPredictModel(m);
    const b = sealPredictModel({ ...(a as object), threshold: 0.6 } as never);
    expect(a.hash).not.toBe(b.hash);
  });
});
