import { afterAll, describe, expect, it } from 'vitest';
import { Dataset, categoricalColumn, numericColumn, stringColumn } from '../../src/core/dataset.js';
import { Random } from '../../src/core/random.js';
import { WorkerPool } from '../../src/core/worker-pool.js';
import { chainKey } from '../../src/core/chain.js';
import { contentHash } from '../../src/core/content-hash.js';
import {
  applySelectModel,
  parseSelectModel,
  selectModelText,
  type PcaStep,
  type SelectModel,
} from '../../src/select/select-model.js';
import { fitSelect } from '../../src/select/select.js';

/**
 * 600 customers: x1 + x4 decide the class `tier`; x0 ≈ 2·x1 (correlated, lower variance after scaling it down),
 * `flat` is constant, x2, x3, x5 are noise; `name` is text, `id` an identifier.
 */
function customers(n = 600, seed = 5): Dataset {
  const rng = new Random(seed);
  const x = Array.from({ length: 6 }, () => new Float64Array(n));
  const tier = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (const c of x) c[i] = rng.next();
    x[0]![i] = 0.5 * x[1]![i]! + 0.01 * rng.next();
    const s = x[1]![i]! + x[4]![i]!;
    tier[i] = s < 0.8 ? 0 : s < 1.2 ? 1 : 2;
  }
  return Dataset.of(
    [
      stringColumn(
        'id',
        Array.from({ length: n }, (_, i) => `C${i}`),
      ),
      ...x.map((c, j) => numericColumn(`x${j}`, c)),
      numericColumn('flat', new Float64Array(n).fill(3)),
      categoricalColumn('tier', tier, ['bronze', 'silver', 'gold']),
      stringColumn(
        'name',
        Array.from({ length: n }, (_, i) => (i % 2 ? 'a' : 'b')),
      ),
    ],
    { [chainKey]: JSON.stringify([{ stage: 'clean', model: { format: 'segment.clean-model' } }]) },
  );
}

const pool = new WorkerPool(2);
afterAll(() => pool.close());
const opts = { pool, toolVersion: 'test' };

function sameColumns(a: Dataset, b: Dataset): void {
  expect(b.names).toEqual(a.names);
  for (const c of a.columns) {
    const d = b.column(c.name);
    if (c.kind === 'numeric' && d.kind === 'numeric') {
      expect(
        Buffer.from(d.values.buffer, d.values.byteOffset, d.values.byteLength).equals(
          Buffer.from(c.values.buffer, c.values.byteOffset, c.values.byteLength),
        ),
      ).toBe(true);
    } else expect(d).toEqual(c);
  }
}

describe('fitSelect + applySelectModel', () => {
  const ds = customers();

  it('filters, then PCA; records every statistic; applying the model reproduces the output exactly', async () => {
    const fit = await fitSelect(
      ds,
      { id: 'id', varianceThreshold: 0, maxCorr: 0.95, pca: { varianceRatio: 0.85 } },
      opts,
    );
    const s = fit.summary;
    expect(s.features).toEqual(['x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'flat']);
    expect(s.dropped.map((d) => [d.column, d.step])).toEqual([
      ['flat', 'variance-threshold'],
      ['x0', 'correlation'],
    ]);
    expect(s.dropped[0]!.reason).toBe('constant');
    expect(s.dropped[1]!.reason).toMatch(/with 'x1'; lower variance/);
    expect(s.selected).toEqual(['x1', 'x2', 'x3', 'x4', 'x5']);
    expect(s.pca!.nComponents).toBeGreaterThanOrEqual(4);
    expect(s.pca!.cumulativeVarianceRatio.at(-1)!).toBeGreaterThanOrEqual(0.85);
    expect(Object.keys(s.pca!.loadings.pc1!)).toEqual(s.selected);
    expect(fit.data.names).toEqual(['id', 'tier', 'name', ...s.output]);
    expect(s.output[0]).toBe('pc1');
    const model = fit.model;
    expect(model.statistics.variance.flat).toBe(0);
    expect(model.steps.map((x) => x.step)).toEqual(['variance-threshold', 'correlation', 'pca']);
    expect(model.lineage).toHaveLength(1);
    // Same input → same bytes, also after a JSON round trip of the model.
    sameColumns(fit.data, applySelectModel(ds, model));
    const reloaded = parseSelectModel(JSON.parse(JSON.stringify(model)), 'model.json');
    sameColumns(fit.data, applySelectModel(ds, reloaded));
    // The chain travels with the data: the clean stage, then this one.
    const chain = JSON.parse(fit.data.metadata[chainKey]!) as { stage: string }[];
    expect(chain.map((c) => c.stage)).toEqual(['clean', 'select']);
  });

  it('without PCA keeps the selected feature columns in place, shared with the input', async () => {
    const fit = await fitSelect(ds, { id: 'id', varianceThreshold: 0.01 }, opts);
    expect(fit.data.names).toEqual(['id', 'x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'tier', 'name']);
    expect(fit.data.numeric('x1').values).toBe(ds.numeric('x1').values);
    expect(fit.summary.dropped.map((d) => d.column)).toEqual(['flat']);
  });

  it('leaves dates and timestamps out of the candidates unless named', async () => {
    const withDate = ds.withColumn(
      numericColumn(
        'signup',
        Float64Array.from({ length: 600 }, (_, i) => 1.6e12 + i * 8.64e7),
        'timestamp',
      ),
    );
    const auto = await fitSelect(withDate, { id: 'id', pca: { nComponents: 2 } }, opts);
    expect(auto.summary.features).not.toContain('signup');
    expect(auto.data.names).toContain('signup');
    const named = await fitSelect(withDate, { features: ['x1', 'signup'], pca: { nComponents: 1 } }, opts);
    expect(named.summary.features).toEqual(['x1', 'signup']);
  });

  it('applies to new rows with the training statistics, and names a missing feature', async () => {
    const fit = await fitSelect(ds, { id: 'id', pca: { nComponents: 2, standardize: true } }, opts);
    const rows = Int32Array.from([5, 0, 42]);
    const part = applySelectModel(ds.take(rows), fit.model);
    for (const name of ['pc1', 'pc2']) {
      const all = fit.data.numeric(name).values;
      expect(Array.from(part.numeric(name).values)).toEqual([all[5], all[0], all[42]]);
    }
    expect(() => applySelectModel(ds.drop(['x3']), fit.model)).toThrow(/column 'x3' not found/);
    // A feature the selection dropped may be absent from new data.
    const filtered = await fitSelect(ds, { id: 'id', varianceThreshold: 0 }, opts);
    expect(applySelectModel(ds.drop(['flat']), filtered.model).names).toEqual(filtered.data.names);
    expect(() => applySelectModel(ds.drop(['x2']), filtered.model)).toThrow(/column 'x2' not found/);
    const holes = ds.withColumn(
      numericColumn('x2', Float64Array.from(ds.numeric('x2').values).fill(Number.NaN, 3, 4)),
    );
    expect(() => applySelectModel(holes, fit.model)).toThrow(/missing value at row 4/);
  });

  it('RFE with a target column keeps the planted features and drops the target from the candidates', async () => {
    const fit = await fitSelect(
      ds,
      {
        id: 'id',
        exclude: ['x0'],
        rfe: { nFeaturesToSelect: 2, target: 'tier', forest: { nEstimators: 30 } },
      },
      opts,
    );
    expect(fit.summary.features).toEqual(['x1', 'x2', 'x3', 'x4', 'x5', 'flat']);
    expect(fit.summary.selected).toEqual(['x1', 'x4']);
    const step = fit.model.steps[0]!;
    expect(step.step).toBe('rfe');
    if (step.step === 'rfe') {
      expect(step.target).toEqual({ kind: 'column', column: 'tier', classes: ['bronze', 'gold', 'silver'] });
      expect(step.ranking.x1).toBe(1);
      expect(step.ranking.flat).toBeGreaterThan(1);
    }
    sameColumns(fit.data, applySelectModel(ds, fit.model));
  });

  it('the k-means surrogate ranks the features that carry the cluster structure first', async () => {
    const n = 800;
    const rng = new Random(8);
    const cols = Array.from({ length: 5 }, () => new Float64Array(n));
    for (let i = 0; i < n; i++) {
      const g = i % 4;
      for (let j = 0; j < 5; j++) cols[j]![i] = rng.normal();
      cols[0]![i] = cols[0]![i]! + 8 * (g % 2);
      cols[3]![i] = cols[3]![i]! + 8 * Math.floor(g / 2);
    }
    const blobs = Dataset.of(cols.map((c, j) => numericColumn(`f${j}`, c)));
    const fit = await fitSelect(
      blobs,
      { rfe: { nFeaturesToSelect: 2, surrogateClusters: 4, forest: { nEstimators: 20 } } },
      opts,
    );
    expect(fit.summary.selected).toEqual(['f0', 'f3']);
    expect(fit.summary.rfe!.target).toMatchObject({ kind: 'surrogate', algorithm: 'kmeans', nClusters: 4 });
  });

  it('is byte-identical for 1 and 2 threads (filters, RFE, PCA)', async () => {
    const params = {
      id: 'id',
      maxCorr: 0.9,
      rfe: { nFeaturesToSelect: 4, target: 'tier', forest: { nEstimators: 10 } },
      pca: { nComponents: 3 },
    };
    const a = await fitSelect(ds, params, { toolVersion: 'test' });
    const b = await fitSelect(ds, params, opts);
    expect(JSON.stringify(b.model)).toBe(JSON.stringify(a.model));
    sameColumns(a.data, b.data);
  });
});

describe('fitSelect errors', () => {
  const ds = customers(100);
  it('fewer than two numeric features', async () => {
    await expect(fitSelect(ds, { features: ['x1'], pca: { nComponents: 1 } }, opts)).rejects.toThrow(
      /at least two numeric features; found 1 \('x1'\)/,
    );
  });
  it('missing values name the column and the row', async () => {
    const holes = ds.withColumn(
      numericColumn('x2', Float64Array.from(ds.numeric('x2').values).fill(Number.NaN, 9, 11)),
    );
    await expect(fitSelect(holes, { maxCorr: 0.9 }, opts)).rejects.toThrow(
      /'x2' has 2 missing value\(s\) \(first at row 10\)/,
    );
  });
  it('a missing, constant or incomplete target is a data error; no target is a usage error', async () => {
    await expect(
      fitSelect(ds, { rfe: { nFeaturesToSelect: 2, target: 'nope' } }, opts),
    ).rejects.toMatchObject({
      exitCode: 3,
      message: "column 'nope' not found",
    });
    const flatTarget = ds.withColumn(categoricalColumn('tier', new Int32Array(100), ['one']));
    await expect(
      fitSelect(flatTarget, { rfe: { nFeaturesToSelect: 2, target: 'tier' } }, opts),
    ).rejects.toThrow(/target column 'tier' is constant/);
    const gap = ds.withColumn(
      categoricalColumn(
        'tier',
        Int32Array.from({ length: 100 }, (_, i) => (i === 4 ? -1 : i % 2)),
        ['a', 'b'],
      ),
    );
    await expect(fitSelect(gap, { rfe: { nFeaturesToSelect: 2, target: 'tier' } }, opts)).rejects.toThrow(
      /missing value/,
    );
    await expect(fitSelect(ds, { rfe: { nFeaturesToSelect: 2 } }, opts)).rejects.toMatchObject({
      exitCode: 2,
    });
    await expect(
      fitSelect(ds, { rfe: { nFeaturesToSelect: 2, target: 'tier', surrogateClusters: 3 } }, opts),
    ).rejects.toMatchObject({ exitCode: 2 });
  });
  it('impossible counts after the filters are data errors', async () => {
    await expect(fitSelect(ds, { varianceThreshold: 0, pca: { nComponents: 7 } }, opts)).rejects.toThrow(
      /cannot keep 7 principal components of 6 feature/,
    );
    await expect(fitSelect(ds, { varianceThreshold: 100 }, opts)).rejects.toThrow(/nothing would be left/);
  });
  it('the model file carries a content hash: checked on load, then dropped; a file without one still loads', async () => {
    const fit = await fitSelect(ds, { id: 'id', varianceThreshold: 0, pca: { nComponents: 3 } }, opts);
    const text = selectModelText(fit.model);
    expect(text.split('\n')).toHaveLength(2);
    const file = JSON.parse(text) as SelectModel & { hash: string };
    expect(Object.keys(file).at(-1)).toBe('hash');
    expect(file.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(file.hash).toBe(contentHash(file));
    expect(selectModelText(fit.model)).toBe(text); // deterministic
    // Loading drops the hash: applying gives the fit's data and chain.
    const loaded = parseSelectModel(file, 'm.json');
    expect(loaded).toEqual(fit.model);
    expect('hash' in loaded).toBe(false);
    const applied = applySelectModel(ds, loaded);
    sameColumns(fit.data, applied);
    expect(applied.metadata[chainKey]).toBe(fit.data.metadata[chainKey]);
    // A model object that still carries a hash never puts it in the chain.
    expect(applySelectModel(ds, file).metadata[chainKey]).toBe(fit.data.metadata[chainKey]);
    // One number edited: refused, naming the file.
    const edited = JSON.parse(text) as SelectModel;
    const pca = edited.steps.find((x): x is PcaStep => x.step === 'pca')!;
    pca.components[0]![0]! += 1e-9;
    expect(() => parseSelectModel(edited, 'm.json')).toThrow(/^m\.json: content hash does not match/);
    expect(() => parseSelectModel({ ...file, hash: 'sha256:0' }, 'm.json')).toThrow(/content hash/);
    // Without a hash (earlier releases): accepted as is.
    const { hash: _h, ...older } = file;
    expect(parseSelectModel(older, 'm.json')).toEqual(fit.model);
  });

  it('a malformed model is refused with its source named', () => {
    expect(() => parseSelectModel({ format: 'segment.model' }, 'm.json')).toThrow(
      /m.json: a 'segment.model' file, not a segment select model/,
    );
    const m = { format: 'segment.select-model', version: 99, features: [], steps: [], output: [] };
    expect(() => parseSelectModel(m, 'm.json')).toThrow(/newer/);
    const pca = {
      ...m,
      version: 1,
      features: ['a'],
      steps: [
        {
          step: 'pca',
          features: ['a'],
          nComponents: 1,
          components: [[1, 2]],
          mean: [0],
          scale: [1],
          names: ['pc1'],
        },
      ],
    };
    expect(() => parseSelectModel(pca as unknown as SelectModel, 'm.json')).toThrow(
      /m\.json: invalid model: steps\[0\]\.components\[0\] has 2 values but the model has 1 feature/,
    );
  });
});
