import { afterAll, describe, expect, it } from 'vitest';
import { stages, type Stage } from '../../src/api/stages.js';
import { cellText, type Dataset } from '../../src/core/dataset.js';
import { readDataset } from '../../src/io/read.js';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { fixtures, tempDir } from '../helpers/cli.js';
import { makeChurn } from '../predict/churn-data.js';

const tmp = tempDir('segment-stages-');
afterAll(() => tmp.cleanup());

/** Every cell of a dataset as text, column by column (NaN and missing as null). */
function cells(ds: Dataset): Record<string, (string | null)[]> {
  return Object.fromEntries(
    ds.names.map((n) => [n, Array.from({ length: ds.nRows }, (_, i) => cellText(ds.column(n), i))]),
  );
}

/** fit → apply on the training rows gives fit's data; the saved and reloaded model applies the same. */
async function roundTrip<P, M>(
  stage: Stage<P, M>,
  ds: Dataset,
  params: P,
): Promise<{ model: M; data: Dataset }> {
  const fitted = await stage.fit(ds, params);
  const applied = await stage.apply(fitted.model, ds);
  expect(cells(applied)).toEqual(cells(fitted.data));
  const reloaded = stage.kind.load(JSON.parse(stage.kind.toJSON(fitted.model)), `${stage.name}.json`);
  expect(cells(await stage.apply(reloaded, ds))).toEqual(cells(fitted.data));
  return fitted;
}

describe('the fitted-stage contract: fit, apply, save and load the same way for every stage', () => {
  it('clean → select → cluster on a customer table with gaps', async () => {
    const raw = await readDataset(join(fixtures, 'customers.csv'));
    const features = ['age', 'income', 'spend', 'visits'];
    const clean = await roundTrip(stages.clean, raw, {
      id: 'customer_id',
      features,
      impute: { strategy: 'median' },
      scale: { method: 'zscore' },
      seed: 42,
    });
    expect(clean.data.nRows).toBe(raw.nRows);
    const selected = await roundTrip(stages.select, clean.data, {
      id: 'customer_id',
      features,
      pca: { nComponents: 2 },
    });
    expect(selected.data.names).toEqual(expect.arrayContaining(['pc1', 'pc2']));
    const clustered = await roundTrip(stages.cluster, selected.data, {
      id: 'customer_id',
      features: ['pc1', 'pc2'],
      algorithm: 'kmeans',
      nClusters: 3,
      seed: 42,
    });
    expect(clustered.data.names).toEqual(['customer_id', 'pc1', 'pc2', 'segment']);
    expect(new Set(clustered.data.numeric('segment').values).size).toBe(3);
  });

  it('predict: scores of the training rows, from the fit and from the saved model', async () => {
    const file = join(tmp.dir, 'churn.csv');
    writeFileSync(file, makeChurn(300, 3).csv);
    const ds = await readDataset(file);
    const fitted = await roundTrip(stages.predict, ds, {
      target: 'churned',
      id: 'customer_id',
      algorithm: 'logistic',
      seed: 42,
    });
    expect(fitted.data.names).toEqual(['customer_id', 'probability', 'predicted', 'tier']);
  });
});
