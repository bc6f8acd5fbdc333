import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportSql } from '../../src/export/sql.js';
import { sqlIdent, sqlString } from '../../src/io/duckdb.js';
import { tempDir } from '../helpers/cli.js';
import { checkExport, checkSegmentNames, duckRows, labelsOf, model, segment, withRowId } from './helpers.js';

// The throw-away PostgreSQL cluster of test/helpers/postgres.ts (real server on a loopback port).
const helper = new URL('../helpers/postgres.ts', import.meta.url).pathname;
const available = existsSync(helper);

const tmp = tempDir('segment-export-pg-');
afterAll(() => tmp.cleanup());
const dir = tmp.dir;
const path = (name: string): string => join(dir, name);
let client: pg.Client | undefined;
let stop: (() => Promise<void>) | undefined;

const run = async (sql: string): Promise<Record<string, unknown>[]> => (await client!.query(sql)).rows;

/** Copy a CSV (as DuckDB reads it) into a PostgreSQL table: numbers as double precision, the rest as text. */
async function pgTable(table: string, csv: string): Promise<void> {
  const described = await duckRows(`DESCRIBE SELECT * FROM read_csv(${sqlString(csv)})`);
  const cols = described.map((r) => ({
    name: String(r['column_name']),
    numeric: /^(DOUBLE|FLOAT|REAL|DECIMAL|U?(TINY|SMALL|BIG|HUGE)?INT)/.test(String(r['column_type'])),
  }));
  const select = cols
    .map((c) => `CAST(${sqlIdent(c.name)} AS ${c.numeric ? 'DOUBLE' : 'VARCHAR'}) AS ${sqlIdent(c.name)}`)
    .join(', ');
  const rows = await duckRows(`SELECT ${select} FROM read_csv(${sqlString(csv)})`);
  await client!.query(`DROP TABLE IF EXISTS ${table}`);
  await client!.query(
    `CREATE TABLE ${table} (${cols.map((c) => `${sqlIdent(c.name)} ${c.numeric ? 'DOUBLE PRECISION' : 'TEXT'}`).join(', ')})`,
  );
  for (let start = 0; start < rows.length; start += 200) {
    const batch = rows.slice(start, start + 200);
    const values: unknown[] = [];
    const tuples = batch.map((r) => {
      const ps = cols.map((c) => {
        values.push(r[c.name]);
        return `$${values.length}`;
      });
      return `(${ps.join(', ')})`;
    });
    await client!.query(`INSERT INTO ${table} VALUES ${tuples.join(', ')}`, values);
  }
}

describe.skipIf(!available)('export-sql on a real PostgreSQL equals segment assign', () => {
  const customers = withRowId(dir, 'customers.csv');

  beforeAll(async () => {
    const { startPostgres } = (await import(helper)) as {
      startPostgres: () => Promise<{ url: string; stop: () => Promise<void> }>;
    };
    const server = await startPostgres();
    stop = server.stop;
    client = new pg.Client({ connectionString: server.url });
    await client.connect();
    await client.query('CREATE SCHEMA "my schema"');
    await pgTable('customers', customers);
  }, 240_000);

  afterAll(async () => {
    await client?.end();
    await stop?.();
  }, 60_000);

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
    const { differ } = await checkExport('postgres', run, {
      modelPath: path('pca.json'),
      data: customers,
      table: 'public.customers',
      id: 'rid',
      dir,
    });
    expect(differ).toBe(0);
    // --segment-name: the names as string literals, quotes and backslashes included.
    await checkSegmentNames('postgres', run, {
      modelPath: path('pca.json'),
      data: customers,
      table: 'public.customers',
      id: 'rid',
      dir,
    });
  }, 120_000);

  it('hierarchical ward after clean (IQR clip, mean impute with indicators, robust scale)', async () => {
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
      'mean',
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
      '--algo',
      'hierarchical',
      '--k',
      '4',
      '--model',
      path('ward.json'),
    ]);
    const { differ, rows } = await checkExport('postgres', run, {
      modelPath: path('ward.json'),
      data: customers,
      table: 'customers',
      id: 'rid',
      dir,
    });
    expect(rows.length - differ).toBeGreaterThan(rows.length * 0.8);
  }, 120_000);

  it('columns named select and with quotes, a quoted schema and table, NaN and infinity', async () => {
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
      path('o.parquet'),
    ]);
    await segment(['cluster', path('o.parquet'), '--id', 'row id', '--k', '3', '--model', path('odd.json')]);
    const table = '"my schema"."odd ""t"""';
    await pgTable(table, csv);
    const { differ } = await checkExport('postgres', run, {
      modelPath: path('odd.json'),
      data: csv,
      table,
      id: 'row id',
      dir,
    });
    expect(differ).toBe(0);
    await checkSegmentNames('postgres', run, {
      modelPath: path('odd.json'),
      data: csv,
      table,
      id: 'row id',
      dir,
    });
    await client!.query(
      `INSERT INTO ${table} VALUES ('nan-row', 'NaN', 1.5, 0.5), ('inf-row', 'Infinity', 1.5, 0.5)`,
    );
    const labels = labelsOf(
      await run(exportSql(await model(path('odd.json')), { dialect: 'postgres', table, id: 'row id' }).sql),
      'row id',
    );
    expect(labels.get('inf-row')).toBeNull();
    expect(labels.get('nan-row')).not.toBeNull();
  }, 120_000);
});
