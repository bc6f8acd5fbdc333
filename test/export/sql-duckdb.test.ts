import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportSql } from '../../src/export/sql.js';
import { tempDir } from '../helpers/cli.js';
import {
  checkExport,
  checkSegmentNames,
  duckRows,
  duckTable,
  labelsOf,
  model,
  segment,
  withRowId,
} from './helpers.js';

const tmp = tempDir('segment-export-');
afterAll(() => tmp.cleanup());
const dir = tmp.dir;
// customers.csv repeats some customer ids (for dedupe): rows are matched by a row number instead.
const customers = withRowId(dir, 'customers.csv');
const path = (name: string): string => join(dir, name);

beforeAll(async () => {
  await duckTable('customers', customers);
}, 60_000);

const check = (modelPath: string, data: string, table: string, id: string) =>
  checkExport('duckdb', duckRows, { modelPath, data, table, id, dir });

describe('export-sql on the embedded DuckDB equals segment assign', () => {
  it('k-means on raw features', async () => {
    const data = withRowId(dir, 'blobs.csv');
    await duckTable('blobs', data);
    await segment([
      'cluster',
      data,
      '--id',
      'rid',
      '--exclude',
      'label',
      '--k',
      '4',
      '--model',
      path('km.json'),
    ]);
    const m = await model(path('km.json'));
    expect(m.chain ?? []).toEqual([]);
    const { differ, rows } = await check(path('km.json'), data, 'blobs', 'rid');
    expect(differ).toBe(0);
    expect(rows.length).toBe(600);
    expect(new Set(rows.map((r) => r['segment'])).size).toBe(4);
    // --segment-name: the names as string literals, quotes and backslashes included.
    const named = await checkSegmentNames('duckdb', duckRows, {
      modelPath: path('km.json'),
      data,
      table: 'blobs',
      id: 'rid',
      dir,
    });
    expect(named.length).toBe(600);
  }, 120_000);

  it('clean (log1p, median impute, z-score, one-hot) + select PCA + k-means', async () => {
    await segment([
      'clean',
      customers,
      '--id',
      'rid',
      '--log',
      'spend',
      '--impute',
      'median',
      '--scale',
      'zscore',
      '--encode',
      'onehot',
      '--encode-cols',
      'country',
      '-o',
      path('c1.parquet'),
    ]);
    await segment(['select', path('c1.parquet'), '--id', 'rid', '--pca', '3', '-o', path('s1.parquet')]);
    await segment([
      'cluster',
      path('s1.parquet'),
      '--id',
      'rid',
      '--exclude',
      'signup_date',
      '--k',
      '4',
      '--model',
      path('pca.json'),
    ]);
    const m = await model(path('pca.json'));
    expect((m.chain ?? []).map((c) => c.stage)).toEqual(['clean', 'select']);
    expect(m.features).toEqual(['pc1', 'pc2', 'pc3']);
    const { differ } = await check(path('pca.json'), customers, 'customers', 'rid');
    expect(differ).toBe(0);
  }, 120_000);

  it('clean (IQR clip, median impute with indicators, robust scale) + k-means', async () => {
    await segment([
      'clean',
      customers,
      '--id',
      'rid',
      '--outliers',
      'iqr',
      '--outlier-action',
      'clip',
      '--impute',
      'median',
      '--missing-indicators',
      '--scale',
      'robust',
      '-o',
      path('c2.parquet'),
    ]);
    await segment([
      'cluster',
      path('c2.parquet'),
      '--id',
      'rid',
      '--exclude',
      'signup_date',
      '--k',
      '5',
      '--model',
      path('robust.json'),
    ]);
    const m = await model(path('robust.json'));
    expect(m.features.some((f) => f.endsWith('_missing'))).toBe(true);
    const { differ } = await check(path('robust.json'), customers, 'customers', 'rid');
    expect(differ).toBe(0);
  }, 120_000);

  it('hierarchical ward after clean (z-score outlier flag, mean impute, min-max): equal but for exceptions', async () => {
    await segment([
      'clean',
      customers,
      '--id',
      'rid',
      '--outliers',
      'zscore',
      '--outlier-action',
      'flag',
      '--impute',
      'mean',
      '--scale',
      'minmax',
      '-o',
      path('c3.parquet'),
    ]);
    await segment([
      'cluster',
      path('c3.parquet'),
      '--id',
      'rid',
      '--exclude',
      'signup_date',
      '--algo',
      'hierarchical',
      '--linkage',
      'ward',
      '--k',
      '4',
      '--model',
      path('ward.json'),
    ]);
    const m = await model(path('ward.json'));
    expect(m.features).toContain('outlier');
    const { differ, rows } = await check(path('ward.json'), customers, 'customers', 'rid');
    // Ward segments are not Voronoi cells: the rows the nearest-centroid rule labels differently are training
    // exceptions (checked row by row above, several duplicate rows may share one), and every other row agrees.
    expect(m.exceptions.length).toBeGreaterThan(0);
    expect(rows.length - differ).toBeGreaterThan(rows.length * 0.8);
  }, 120_000);

  it('columns named select, with quotes and spaces, in a schema-qualified table; NaN and infinity', async () => {
    const csv = path('odd.csv');
    const lines = ['"row id","select","it\'s ""q""","a`b\\c"'];
    for (let i = 0; i < 60; i++) {
      const g = i % 3;
      lines.push(
        `r${i},${(g * 10 + (i % 7) * 0.37).toFixed(3)},${(g * -5 + (i % 5) * 0.21).toFixed(3)},${(i % 4) * 0.5}`,
      );
    }
    writeFileSync(csv, lines.join('\n') + '\n');
    await segment([
      'clean',
      csv,
      '--id',
      'row id',
      '--impute',
      'median',
      '--scale',
      'zscore',
      '-o',
      path('odd-clean.parquet'),
    ]);
    await segment([
      'cluster',
      path('odd-clean.parquet'),
      '--id',
      'row id',
      '--k',
      '3',
      '--model',
      path('odd.json'),
    ]);
    const m = await model(path('odd.json'));
    expect(m.features).toEqual(['select', 'it\'s "q"', 'a`b\\c']);
    await duckRows('CREATE SCHEMA IF NOT EXISTS "my schema"');
    await duckRows(`CREATE OR REPLACE TABLE "my schema"."odd ""t""" AS SELECT * FROM read_csv('${csv}')`);
    const { differ } = await check(path('odd.json'), csv, '"my schema"."odd ""t"""', 'row id');
    expect(differ).toBe(0);
    await checkSegmentNames('duckdb', duckRows, {
      modelPath: path('odd.json'),
      data: csv,
      table: '"my schema"."odd ""t"""',
      id: 'row id',
      dir,
    });

    // NaN is missing (imputed, as segment reads it); infinity makes the row's segment NULL (assign refuses it).
    await duckRows(
      `INSERT INTO "my schema"."odd ""t""" VALUES ('nan-row', 'NaN'::DOUBLE, 1.5, 0.5), ('inf-row', 'inf'::DOUBLE, 1.5, 0.5)`,
    );
    const rows = await duckRows(
      exportSql(m, { dialect: 'duckdb', table: '"my schema"."odd ""t"""', id: 'row id' }).sql,
    );
    const labels = labelsOf(rows, 'row id');
    expect(labels.get('inf-row')).toBeNull();
    expect(labels.get('nan-row')).not.toBeNull();
    const imputed = await duckRows(
      exportSql(m, { dialect: 'duckdb', table: '"my schema"."odd ""t"""', id: 'row id', withFeatures: true })
        .sql,
    );
    const median = (
      m.chain![0]!.model as { steps: { step: string; numeric?: { name: string; value: number }[] }[] }
    ).steps
      .find((s) => s.step === 'impute')!
      .numeric!.find((e) => e.name === 'select')!.value;
    const scale = (
      m.chain![0]!.model as {
        steps: { step: string; columns?: { name: string; center: number; scale: number }[] }[];
      }
    ).steps
      .find((s) => s.step === 'scale')!
      .columns!.find((c) => c.name === 'select')!;
    const nanRow = imputed.find((r) => r['row id'] === 'nan-row')!;
    expect(nanRow['select']).toBe((median - scale.center) / scale.scale);
  }, 120_000);
});
